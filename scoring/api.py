"""The use cases, each written once: profile -> as_of -> load -> decide -> result.

Every command of the CLI calls one function here and renders what it returns; a script can
call the same functions. User errors are ShopscoreError subclasses (exit 2 in the CLI)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path

import numpy as np

from shopscore.scoring.engine.audit import audit as audit_dataset
from shopscore.scoring.engine.decide import Decisions, local_as_of
from shopscore.scoring.engine.stages import stage
from shopscore.scoring.errors import OptionError
from shopscore.scoring.inputs.accounts import (
    refuse_left_out,
    refuse_nothing_to_audit,
    refuse_rejects,
    write_rejects,
)
from shopscore.scoring.inputs.columns import REQUIRED_TRADES
from shopscore.scoring.inputs.dataset import Dataset, expand_inputs, refuse_overwriting_inputs
from shopscore.scoring.inputs.load import load
from shopscore.scoring.inputs.platforms import names as platform_names
from shopscore.scoring.result import SCHEMA_VERSION, AuditResult
from shopscore.scoring.rules.checks import choose_checks
from shopscore.scoring.rules.industry import parse_industry
from shopscore.scoring.rules.profile import Profile, load_profile


@dataclass(frozen=True)
class Sources:
    """The files to read and how: trade lines, an optional ratings file, the loader options."""

    trades: tuple = ()
    ratings: Path | None = None
    platform: str = "auto"
    encoding: str | None = None
    sheet: str | None = None
    rejects: Path | None = None  # write every rejected row here
    writes: tuple = ()  # (option, path) of the command's other output files
    strict: bool = False  # any rejected row is an error
    after_sales: tuple | None = None  # after-sales exports (RULES.md section 6), None: none
    chats: tuple | None = None  # chat record exports
    on_read: Callable[[Dataset], None] | None = None  # told of what was read (rejected rows)
    memory: float | None = None  # the memory budget, GiB (None: the default share)
    partitions: int | None = None  # exactly this many partitions (None: as the budget needs)


@dataclass(frozen=True)
class Audited:
    """One audit: the rules it ran on, what was read, what was decided and the result."""

    profile: Profile
    as_of: datetime  # aware, in the profile's time zone
    data: Dataset
    result: AuditResult
    decisions: Decisions | None  # None when the audit ran in partitions or on a cluster
    industry: dict = field(default_factory=dict)
    insight: object = None  # an audit in partitions: what the insight asked of them

    @property
    def local_as_of(self) -> np.datetime64:
        return local_as_of(self.as_of, self.profile)

    def scores_by_day(self):
        """The DSR scores by day (engine/calendar.py), for the forecast and the trend."""
        from shopscore.scoring.engine.audit import dsr_calendar

        if self.decisions is None:
            return self.insight.found if self.insight is not None else None
        return dsr_calendar(self.decisions, self.profile, self.local_as_of,
                            [s.shop_id for s in self.result.shops])

    @property
    def in_parts(self) -> bool:
        """Whether the audit ran in partitions (its records are the insight's pieces)."""
        return self.decisions is None and self.insight is not None


def parse_as_of(text: str | None, tz) -> datetime:
    """An ISO 8601 date or datetime; without an offset it is the profile's local time;
    None means now."""
    if text is None:
        return datetime.now(tz)
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise OptionError(f"--as-of {text!r} is not an ISO 8601 date or datetime "
                          "(e.g. 2026-11-22T00:00:00+08:00)") from None
    return value if value.tzinfo else value.replace(tzinfo=tz)


def rules(profile: str | None, as_of: str | None) -> tuple[Profile, datetime]:
    """The profile (a shipped name or a file) and the moment described."""
    prof = load_profile(profile)
    return prof, parse_as_of(as_of, prof.tz)


def required_columns(profile: Profile) -> tuple:
    """The trade columns the profile's rules need: CONTRACT.md's starred ones for credit and
    DSR; only order_id for a profile that scores experience alone (Douyin names no buyer)."""
    return REQUIRED_TRADES if profile.credit_rules or profile.dsr_rules else ("order_id",)


def _known_platform(name: str):
    if name != "auto" and name not in platform_names():
        raise OptionError(f"--platform {name!r}: expected one of auto, "
                          f"{', '.join(platform_names())}")


def refuse_overwriting(sources: Sources, *more_inputs):
    """Refuse (exit 2, before anything is written) an output file that is an input file."""
    refuse_overwriting_inputs([*sources.trades, sources.ratings, *(sources.after_sales or ()),
                               *(sources.chats or ()), *more_inputs],
                              [("--rejects", sources.rejects), *sources.writes])


def read(sources: Sources, profile: Profile, need_lines: bool = False,
         left_out: tuple | None = None) -> Dataset:
    """Read, map, validate and join the files; write the rejected rows when asked, and refuse
    them under --strict; with `need_lines`, refuse a run that read no trade line at all; with
    `left_out` (bound, its name), more ratings left out than the bound."""
    _known_platform(sources.platform)
    data = load(list(sources.trades), profile.timezone, sources.ratings,
                platform=sources.platform, encoding=sources.encoding, sheet=sources.sheet,
                after_sales=sources.after_sales, chats=sources.chats,
                required=required_columns(profile))
    _account(sources, data, need_lines, left_out)
    return data


def _account(sources: Sources, data: Dataset, need_lines: bool = False,
             left_out: tuple | None = None, lines: int | None = None):
    """Write the rejected rows when asked; refuse a run without trade lines (`need_lines`),
    with too many ratings left out (`left_out`) and with rejected rows under --strict; else
    tell on_read (the warnings)."""
    if sources.rejects is not None:
        write_rejects(data, sources.rejects)
    if need_lines and not (len(data.lines) if lines is None else lines):
        refuse_nothing_to_audit(data.files)
    if left_out is not None:
        refuse_left_out(data.files, *left_out)
    if sources.strict:
        refuse_rejects(data)
    if sources.on_read is not None:
        sources.on_read(data)


def share_bound(value: float | None, profile: Profile) -> tuple[float, str]:
    """The bound on the share of ratings left out (--max-left-out, else the profile's) and
    the name to give it in an error."""
    if value is None:
        return profile.max_ambiguous_share, "the profile's checks.max_ambiguous_share"
    if not (math.isfinite(value) and 0 <= value <= 1):
        raise OptionError(f"--max-left-out {value:g}: a share lies between 0 and 1 (0.05 is "
                          "5%)")
    return value, "--max-left-out"


def audit(sources: Sources, profile: str | None = None, as_of: str | None = None,
          industry: str | None = None, checks: Path | None = None, bar: float | None = None,
          shop: str | None = None, engine: str = "local", scheduler: str | None = None,
          on_tasks=None, with_defaults: bool = False,
          max_left_out: float | None = None, partitions: int | None = None,
          memory: float | None = None, insight=None) -> Audited:
    """Audit every shop (or `shop`) of the sources against the checks: `checks` a TOML file of
    named checks (replacing the default checks, or added to them `with_defaults`), `bar` the
    default checks' bar. On `engine="dask"` the audit runs in partitions by shop and buyer,
    one Dask task each, on a cluster (`scheduler`, else a local one). More ratings left out
    (their line cannot be told) than `max_left_out` (else the profile's bound) could not
    run. Locally, an input
    bigger than the memory budget (`memory` GiB, else a share of the machine's) is audited
    in partitions (engine/partitioned.py), `partitions` of them when given; the result is
    the same, but no decisions are kept for the insight commands."""
    prof, when = rules(profile, as_of)
    refuse_overwriting(sources, checks, prof.source if Path(prof.source).is_file() else None)
    figures = parse_industry(industry, prof.dsr_items)
    if bar is not None and not math.isfinite(bar):
        raise OptionError(f"--min {bar:g}: a bar is a finite number (e.g. 4.7)")
    chosen = choose_checks(prof, checks, bar, with_defaults)
    bound = share_bound(max_left_out, prof)
    partitions = sources.partitions if partitions is None else partitions
    memory = sources.memory if memory is None else memory
    if engine not in ("local", "dask"):
        raise OptionError(f"--engine {engine!r}: expected local or dask")
    if scheduler and engine != "dask":
        raise OptionError("--scheduler needs --engine dask")
    if engine == "dask":
        from shopscore.scoring.engine.cluster import audit_distributed

        _known_platform(sources.platform)
        least = _partitions(sources, partitions, memory, whole_ok=False)
        data, result, lines = audit_distributed(
            list(sources.trades), prof, when, figures, chosen, shop, scheduler=scheduler,
            platform=sources.platform, encoding=sources.encoding, sheet=sources.sheet,
            on_done=on_tasks, partitions=partitions, least=least, ratings_path=sources.ratings,
            after_sales=sources.after_sales, chats=sources.chats,
            required=required_columns(prof))
        _account(sources, data, need_lines=True, left_out=bound, lines=lines)
        decisions = None
    elif (count := _partitions(sources, partitions, memory)) is not None:
        data, result = _audit_partitioned(sources, prof, when, figures, chosen, shop, count,
                                          bound, insight)
        decisions = None
    else:
        data = read(sources, prof, need_lines=True, left_out=bound)
        result, decisions = audit_dataset(data, prof, when, figures, chosen, shop)
        insight = None
    if shop is not None and not (result.shops if result is not None else shop in insight.shops):
        raise OptionError(f"--shop {shop!r}: no such shop in the data")
    return Audited(prof, when, data, result, decisions, figures,
                   insight if engine == "local" else None)


def _partitions(sources: Sources, partitions: int | None, memory: float | None,
                whole_ok: bool = True) -> int | None:
    """How many partitions to audit in: as asked, or as the memory budget needs; None: the
    whole input at once (it fits; with `whole_ok` false, 1 then)."""
    from shopscore.scoring.engine import budget

    if partitions is not None and not 1 <= partitions <= budget.MAX_PARTITIONS:
        raise OptionError(f"--partitions {partitions}: expected 1 to {budget.MAX_PARTITIONS}")
    if memory is not None and not (math.isfinite(memory) and memory * budget.GIB >= budget.LOWEST):
        raise OptionError(f"--memory {memory:g}: expected a number of GiB, at least 0.5")
    if partitions is not None:
        return partitions
    files = [*expand_inputs(sources.trades), *([sources.ratings] if sources.ratings else [])]
    if not all(budget.streamed(f) for f in files):
        # a workbook is read whole either way: partitions would not help
        return None if whole_ok else 1
    allowed = int(memory * budget.GIB) if memory is not None else budget.default_budget()
    needed = budget.estimated_bytes(files)
    needed += budget.estimated_bytes([*expand_inputs(sources.after_sales or ()),
                                      *expand_inputs(sources.chats or ())],
                                     per_row=budget.PER_SERVICE_ROW)
    count = budget.partitions_for(needed, allowed)
    return count if count > 1 or not whole_ok else None


def _audit_partitioned(sources: Sources, prof: Profile, when, figures, chosen, shop, count,
                       bound, insight=None):
    from shopscore.scoring.engine.partitioned import audit_partitioned

    _known_platform(sources.platform)
    data, result, lines = audit_partitioned(
        list(sources.trades), prof, when, count, figures, chosen, shop,
        ratings_path=sources.ratings, platform=sources.platform, encoding=sources.encoding,
        sheet=sources.sheet, after_sales=sources.after_sales, chats=sources.chats,
        required=required_columns(prof), insight=insight)
    if data is not None:  # None: only the partitions an explanation needs were decided
        _account(sources, data, need_lines=True, left_out=bound, lines=lines)
    return data, result


def validate(sources: Sources, examples: int = 3) -> tuple[Dataset, dict]:
    """What each file was recognised as and which rows were rejected, without scoring."""
    from shopscore.scoring.inputs.validation import validation_report

    refuse_overwriting(sources)
    data = read(replace(sources, strict=False), load_profile("taobao"))
    return data, validation_report(data, examples)


def experience_units(done: Audited):
    """The orders, cases, rounds and sessions of an audit's data (RULES.md section 6), and
    the inputs they had: for the insight commands on the experience score."""
    from shopscore.scoring.engine.experience import available_inputs, build_units
    from shopscore.scoring.engine.tally import shop_positions

    ids = [s.shop_id for s in done.result.shops]
    units = done.decisions.units if done.decisions is not None else None
    if units is None:  # built again (an audit on a cluster keeps none)
        units = build_units(done.data, done.profile.experience, done.local_as_of, ids,
                            shop_positions(done.data.lines["shop_id"], ids))
    return units, available_inputs(done.data), ids


def _insight(piece=None, calendar: bool = False, select: dict | None = None):
    """What an insight command asks of the partitions of an audit too big for memory."""
    from shopscore.scoring.engine.partitioned import Insight

    return Insight(calendar=calendar, piece=piece, select=select)


def explain(sources: Sources, order: str | None = None, buyer: str | None = None,
            item: str | None = None, shop: str | None = None, profile: str | None = None,
            as_of: str | None = None, metric: str | None = None, limit: int = 0) -> dict:
    """Why each rating of the selected lines counted or not (insight/explain.py); with
    `metric`, which orders, cases or chat rounds cost that service metric its points. An
    input too big for memory is routed into partitions and only those holding the
    selected ids are decided."""
    from shopscore.scoring.insight import parts
    from shopscore.scoring.insight.explain import explain as explain_lines
    from shopscore.scoring.insight.explain import merged as merged_explanations

    if metric is not None:
        return explain_metric(sources, metric, shop, profile, as_of, limit)
    if order is None and buyer is None and item is None:
        raise OptionError("explain needs --order ID, --buyer ID or --item ID (which ratings "
                          "to explain), or --metric NAME (what cost a service metric)")
    prof = load_profile(profile)
    if not prof.credit_rules or not prof.dsr_rules:  # the explanation reads both
        lacking = " or ".join(k for k, on in (("credit", prof.credit_rules),
                                              ("DSR", prof.dsr_rules)) if not on)
        raise OptionError(f"--order/--buyer/--item explain ratings, and the profile {prof.name} "
                          f"has no {lacking} rules; --metric NAME says what cost an "
                          "experience metric its points")
    chosen = {"order": order, "buyer": buyer, "item": item, "shop": shop}
    insight = _insight(partial(parts.explain_part, **chosen),
                       select={"order_id": order, "buyer_id": buyer, "item_id": item,
                               "shop_id": shop})
    done = audit(sources, profile, as_of, checks=None, shop=shop, insight=insight)
    if done.in_parts:
        doc = merged_explanations(insight.pieces, done.profile, done.local_as_of, **chosen)
    else:
        doc = explain_lines(done.decisions, done.profile, done.as_of, **chosen)
    if not doc["credit"] and not doc["dsr"]:
        given = ", ".join(f"--{k} {v!r}" for k, v in doc["selection"].items() if v is not None)
        raise OptionError(f"{given}: no trade line or rating matches in the data")
    return doc


def explain_metric(sources: Sources, metric: str, shop: str | None = None,
                   profile: str | None = None, as_of: str | None = None, limit: int = 0) -> dict:
    """The orders, cases, rounds or sessions that cost one service metric its points."""
    from shopscore.scoring.insight import parts
    from shopscore.scoring.insight.experience import explain_metric as explain_units
    from shopscore.scoring.insight.experience import merged_members
    from shopscore.scoring.rules.scorecard_schema import METRICS
    from shopscore.scoring.rules.service import missing_inputs

    if metric not in METRICS:
        raise OptionError(f"--metric {metric!r}: expected one of {', '.join(METRICS)}")
    prof = load_profile(profile)
    if prof.experience is None:
        raise OptionError(f"--metric {metric}: the profile {prof.name} has no experience "
                          "scorecard (try --profile douyin, or a profile with [experience])")
    insight = _insight(partial(parts.metric_part, metric=metric, limit=limit))
    done = audit(sources, profile, as_of, checks=None, shop=shop, insight=insight)
    ids = [s.shop_id for s in done.result.shops]
    if done.in_parts:
        available, units = insight.available, None
    else:
        units, available, ids = experience_units(done)
    lacking = missing_inputs(available)[metric]
    if lacking:
        raise OptionError(f"--metric {metric} cannot be computed without "
                          f"{', '.join(lacking)} (give --after-sales FILE / --chats FILE, or "
                          "the trade columns)")
    found = merged_members(insight.pieces, metric, ids, limit) if done.in_parts \
        else explain_units(metric, units, done.data, ids, prof.tz, limit)
    value = {s.shop_id: s.experience.metrics.get(metric) for s in done.result.shops}
    for entry in found["shops"]:
        m = value[entry["shop_id"]]
        entry["figures"] = None if m is None else m.to_dict()
    return {"schema_version": SCHEMA_VERSION, "command": "explain", "as_of": done.result.as_of,
            "profile": prof.name, "selection": {"shop": shop, "metric": metric}, **found}


def dsr_target(value: float | None, profile: Profile, option: str = "--target") -> float:
    """A DSR bar (default the profile's): above 0 and at most 5."""
    value = profile.default_min if value is None else value
    if not (math.isfinite(value) and 0 < value <= 5):
        raise OptionError(f"{option} {value:g}: a DSR target lies above 0 and at most 5")
    return value


def rate_target(value: float) -> float:
    """A positive-rate bar: a fraction above 0 and at most 1."""
    if not (math.isfinite(value) and 0 < value <= 1):
        raise OptionError(f"--target-rate {value:g}: a positive rate lies above 0 and at most 1 "
                          "(0.98 is 98%)")
    return value


def whatif(sources: Sources, target: float | None = None, target_rate: float = 0.98,
           industry: str | None = None, shop: str | None = None, profile: str | None = None,
           as_of: str | None = None) -> dict:
    """5-star scores needed and 1-star scores absorbable per seller DSR item, positives needed
    and negatives absorbable for the positive rate, from the audit of the sources."""
    from shopscore.scoring.insight.whatif import data_doc

    bar = dsr_target(target, load_profile(profile))
    rate_target(target_rate)
    if not sources.trades:
        raise OptionError("give TRADES files to read, or a snapshot: --item ITEM --score 4.68 "
                          "--count 30566")
    from shopscore.scoring.insight import parts

    insight = _insight(parts.members_part)
    done = audit(sources, profile, as_of, industry, shop=shop, insight=insight)
    doc = data_doc(done.result, done.profile, done.industry, bar, target_rate)
    if done.profile.experience is not None:
        from shopscore.scoring.engine.experience import experience_tally, values_of
        from shopscore.scoring.insight.experience import mean_members, whatif_experience

        if done.in_parts:
            tallied = insight.tallied
            values = values_of(tallied.experience, len(tallied.shop_ids))
            members = [parts.members(insight.pieces, sid) for sid in tallied.shop_ids]
        else:
            units, available, ids = experience_units(done)
            values = values_of(experience_tally(units, available, len(ids)), len(ids))
            members = [mean_members(units, values[k], k) for k in range(len(ids))]
        for entry, found, mine in zip(doc["shops"], values, members, strict=True):
            entry["experience"] = whatif_experience(done.profile.experience, found, mine)
    return doc


def whatif_snapshot(score: str | None, count: int | None, item: str | None = None,
                    target: float | None = None, industry_avg: float | None = None,
                    industry: str | None = None, shown: str = "rounded",
                    profile: str | None = None, target_rate: float = 0.98) -> dict:
    """The same answers from what the platform shows: a mean and a count."""
    from shopscore.scoring.insight.whatif import snapshot_doc, snapshot_whatif

    prof = load_profile(profile)
    bar = dsr_target(target, prof)
    rate_target(target_rate)
    if score is None or count is None:
        raise OptionError("a snapshot needs both --score (the shown mean) and --count")
    name = item or "description"
    if name not in prof.dsr_items:
        raise OptionError(f"--item {name!r}: expected one of {', '.join(prof.dsr_items)}")
    if industry_avg is None and industry:
        figure = parse_industry(industry, prof.dsr_items).get(name)
        industry_avg = figure.average if figure else None
    if industry_avg is not None:
        dsr_target(industry_avg, prof, "--industry-avg")
    snap = snapshot_whatif(name, score, count, bar, industry_avg, shown)
    return snapshot_doc(prof.name, bar, snap)


def forecast(sources: Sources, days: int = 30, target: float | None = None, recent: int = 30,
             industry: str | None = None, shop: str | None = None,
             profile: str | None = None, as_of: str | None = None) -> dict:
    """Each DSR item's mean over the next `days` days as scores leave the window, with no new
    scores and at the recent pace (insight/forecast.py)."""
    from shopscore.scoring.insight import parts
    from shopscore.scoring.insight.forecast import forecast as project
    from shopscore.scoring.insight.forecast import forecast_doc

    asked = load_profile(profile)
    if target is not None:
        dsr_target(target, asked)
    # the experience rolled on (a profile with a scorecard), and the DSR scores by day
    insight = _insight(partial(parts.days_part, days=days) if asked.experience else None,
                       calendar=True)
    done = audit(sources, profile, as_of, industry, shop=shop, insight=insight)
    prof = done.profile
    if recent > prof.dsr_window_days:
        raise OptionError(f"--recent {recent}: at most the DSR window, "
                          f"{prof.dsr_window_days} days")
    bar = dsr_target(target, prof)
    found = project(done.scores_by_day(), prof, done.local_as_of, days, bar,
                    [s.shop_id for s in done.result.shops], recent)
    doc = forecast_doc(done.result, prof, found, days, bar, recent,
                       done.as_of.astimezone(prof.tz))
    if prof.experience is not None:
        from shopscore.scoring.insight.experience import forecast_experience, forecast_of

        start = done.as_of.astimezone(prof.tz)
        if done.in_parts:
            rolled = forecast_of(parts.day_tallies(insight.pieces, days), prof.experience,
                                 insight.available, insight.tallied.shop_ids,
                                 prof.experience_min, start)
        else:
            units, available, ids = experience_units(done)
            rolled = forecast_experience(units, available, ids, days, prof.experience_min,
                                         start)
        for entry, ahead in zip(doc["shops"], rolled, strict=True):
            entry["experience"] = ahead
    return doc


def report(sources: Sources, days: int = 30, history: Path | None = None,
           industry: str | None = None, checks: Path | None = None, bar: float | None = None,
           shop: str | None = None, profile: str | None = None,
           as_of: str | None = None, lang: str | None = None,
           with_defaults: bool = False,
           max_left_out: float | None = None) -> tuple[str, Audited]:
    """The audit, star distributions, DSR trend and forecast as one HTML page (its text), its
    labels in `lang` (zh or en; None: the locale's)."""
    from shopscore.scoring.insight import history as history_mod
    from shopscore.scoring.insight.forecast import forecast as project
    from shopscore.scoring.report.html import build_report

    trend_doc = None
    refuse_overwriting(sources, history)
    if history is not None:
        if not Path(history).is_file():
            raise OptionError(f"--history {history}: no such file")
        trend_doc = history_mod.trend(history_mod.read(history))
    lang = labels(lang).lang
    done = audit(sources, profile, as_of, industry, checks, bar, shop,
                 with_defaults=with_defaults, max_left_out=max_left_out,
                 insight=_insight(calendar=True))
    prof = done.profile
    line = prof.default_min if bar is None else bar
    with stage("forecast"):
        scores = done.scores_by_day()
        found = project(scores, prof, done.local_as_of, days, line,
                        [s.shop_id for s in done.result.shops])
    with stage("html"):
        page = build_report(done.result, prof, scores, done.local_as_of, found,
                            days, line, trend_doc, start=done.as_of.astimezone(prof.tz),
                            lang=lang)
    return page, done


def labels(lang: str | None = None):
    """The words of the outputs in `lang` (zh or en), or the locale's when None."""
    from shopscore.scoring.report.words import words

    return words(lang)


def digest_text(result: AuditResult, words, max_lines: int | None = 25) -> str:
    """The audit in a few lines of Markdown (the chat message), failing shops first."""
    from shopscore.scoring.report.digest import digest

    return digest(result, words, max_lines).markdown()


def notify_targets(urls) -> list:
    """The robots of --notify URL options (checked before the audit runs)."""
    from shopscore.scoring.alerts.robots import target

    return [target(u) for u in urls]


def notify(result: AuditResult, targets, words, always: bool = False,
           secret_variable: str | None = None, environ=None) -> list[str]:
    """Post the digest to the robots when a check fails or warns (or always); the sentences
    of the posts that failed (they never change the audit's outcome)."""
    from shopscore.scoring.alerts.send import notify as post_all

    return post_all(result, targets, words, always, environ, secret_variable)


def record_history(path: Path, result: AuditResult) -> int:
    """Store the audit's figures per shop and as_of in the SQLite history file."""
    from shopscore.scoring.insight.history import record

    return record(path, result)


def trend(path: Path, shop: str | None = None, metrics=None) -> dict:
    """Each stored figure over time, with the change since the previous audit."""
    from shopscore.scoring.insight import history

    return history.trend(history.read(path), shop, metrics)


def sample(out_dir: Path, lines: int = 3000, seed: int = 7, shops: int = 1,
           as_of: str = "2026-11-22T00:00:00+08:00") -> list[Path]:
    """Write the deterministic sample shop (CSV and Parquet) into out_dir."""
    from shopscore.scoring.sample import write_sample

    prof = load_profile("taobao")
    try:
        return write_sample(out_dir, lines=lines, seed=seed, shops=shops,
                            as_of=parse_as_of(as_of, prof.tz))
    except OSError as exc:
        raise OptionError(f"--out {out_dir}: cannot be written ({exc.strerror})") from None
