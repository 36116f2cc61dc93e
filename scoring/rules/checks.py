"""Checks (RULES.md section 4): a metric of the result held against a min and/or max bound."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from shopscore.scoring.errors import ChecksFileError, OptionError
from shopscore.scoring.result import CheckResult


@dataclass(frozen=True)
class Check:
    name: str
    metric: str
    min: float | None = None
    max: float | None = None
    warn: float | None = None  # early warning: a value within `warn` of a bound passes as WARN
    source: str | None = None  # the checks file that names it (for errors)


def default_checks(seller_items, bar: float, warn: float | None = None) -> list[Check]:
    """The campaign entry bar: every seller DSR item at least `bar` (WARN within `warn` of it)."""
    return [Check(f"dsr.{item} >= {bar:g}", f"dsr.{item}.score", min=bar, warn=warn)
            for item in seller_items]


def profile_checks(profile, bar: float | None = None) -> list[Check]:
    """The profile's default checks: each seller DSR item at least the bar (when the profile
    has DSR rules), and the experience total at least [checks] experience_min (when given)."""
    out = []
    if profile.dsr_rules:
        out += default_checks(profile.seller_items, profile.default_min if bar is None else bar,
                              profile.default_warn)
    if profile.experience is not None and profile.experience_min is not None:
        out.append(Check(f"experience.total >= {profile.experience_min:g}", "experience.total",
                         min=profile.experience_min))
    return out


def choose_checks(profile, checks_file=None, bar: float | None = None,
                  with_defaults: bool = False) -> list[Check]:
    """The checks an audit runs: the file's named checks (--checks) replace the default
    checks, or add to them with `with_defaults` (--with-defaults, or `with_defaults = true` in
    the file); a bar (--min) sets the default DSR checks' bar, and with a file also adds them
    to its checks. The profile's warning band goes to the default checks."""
    if bar is not None:
        check_dsr_bar(bar, "--min")
    defaults = profile_checks(profile, bar)
    if checks_file is None:
        return defaults
    named, file_defaults = read_checks(checks_file)
    return defaults + named if bar is not None or with_defaults or file_defaults else named


# --- what a bound may be: rates are fractions, DSR scores lie in 1..5 ------------------------

def metric_kind(path: str) -> str | None:
    """"rate" for a fraction in 0..1 (shown as a percentage), "dsr" for a DSR score in 1..5,
    None for any other figure."""
    parts = path.split(".")
    if parts[-1].endswith("_rate") or (parts[0] == "dsr" and "shares" in parts) or (
            parts[0] == "experience" and len(parts) == 4 and parts[2].endswith("_rate")
            and parts[3] == "value"):
        return "rate"
    if len(parts) == 3 and parts[0] == "dsr" and parts[2] in (
            "score", "badge", "industry", "industry_best", "industry_lowest"):
        return "dsr"
    return None


def _guess(value: float, kind: str) -> float | None:
    """The bound the user likely meant: 98 on a rate is 0.98; 48 or 478 on a DSR is 4.8, 4.78."""
    if kind == "rate" and 1 < value <= 100:
        return value / 100
    if kind == "dsr":
        for scale in (10, 100, 1000):
            if 1 <= value / scale <= 5 and value > 5:
                return value / scale
    return None


def bound_problem(value: float, kind: str | None) -> str | None:
    """Why a bound lies outside its metric's range (with the likely intent), or None."""
    if kind == "rate" and not 0 <= value <= 1:
        guess = _guess(value, kind)
        return ("a rate is a fraction from 0 to 1 (0.98 is 98%)"
                + (f"; did you mean {guess:g}?" if guess is not None else ""))
    if kind == "dsr" and not 1 <= value <= 5:
        guess = _guess(value, kind)
        text = "a DSR score lies in 1..5"
        if guess is not None:
            return text + f"; did you mean {guess:g}?"
        if 5 < value <= 100:
            return (text + "; a positive-rate bar goes in a checks file as a fraction "
                    "(metric = \"credit.positive_rate\", min = 0.98)")
        return text
    return None


def check_dsr_bar(bar: float, option: str):
    """--min: the default checks' bar, a DSR score."""
    problem = None if math.isfinite(bar) else "not a number"
    problem = problem or bound_problem(bar, "dsr")
    if problem:
        raise OptionError(f"{option} {bar:g}: the default checks hold each seller DSR item "
                          f"against this bar, and {problem}")


def _number(value, where: str, path: str):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ChecksFileError(f"checks file {path}: {where} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ChecksFileError(f"checks file {path}: {where} must be a finite number, not "
                              f"{value!r}")
    return float(value)


def load_checks(path) -> list[Check]:
    """Read a TOML file of named checks: `[checks.NAME]` tables with metric, min and/or max."""
    return read_checks(path)[0]


BUILTIN_CHECKS = ("cs-standards",)  # shipped checks files, by name


def read_checks(path) -> tuple[list[Check], bool]:
    """The named checks of a TOML file (or of a shipped one by name: cs-standards) and
    whether it asks for the default checks too (`with_defaults = true`)."""
    if str(path) in BUILTIN_CHECKS and not Path(path).exists():
        from importlib import resources

        path = resources.files("shopscore.scoring.rules").joinpath("checkfiles", f"{path}.toml")
    path = Path(str(path))
    if path.exists() and not path.is_file():  # a directory or a FIFO: reading would fail or wait
        raise ChecksFileError(f"checks file {path}: not a regular file; fix --checks")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ChecksFileError(f"checks file {path}: cannot be read ({exc.strerror}); fix --checks") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ChecksFileError(f"checks file {path} is not valid TOML: {exc}") from None
    table = doc.get("checks")
    with_defaults = doc.get("with_defaults", False)
    if not isinstance(with_defaults, bool):
        raise ChecksFileError(f"checks file {path}: with_defaults must be true or false, not "
                              f"{with_defaults!r}")
    unknown = set(doc) - {"checks", "with_defaults"}
    if unknown:
        raise ChecksFileError(f"checks file {path}: unknown top-level keys "
                              f"{', '.join(sorted(unknown))} (expected [checks.NAME] tables and "
                              "with_defaults)")
    if not isinstance(table, dict) or not table:
        raise ChecksFileError(f"checks file {path}: expected one or more [checks.NAME] tables "
                              "with metric = \"dsr.description.score\" and min/max")
    out = []
    for name, spec in table.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("metric"), str):
            raise ChecksFileError(f"checks file {path}: [checks.{name}] needs metric = \"PATH\"")
        lo = _number(spec.get("min"), f"checks.{name}.min", str(path))
        hi = _number(spec.get("max"), f"checks.{name}.max", str(path))
        if lo is None and hi is None:
            raise ChecksFileError(f"checks file {path}: [checks.{name}] needs min and/or max")
        if lo is not None and hi is not None and lo > hi:
            raise ChecksFileError(f"checks file {path}: [checks.{name}] has min {lo:g} above "
                                  f"max {hi:g}: no value could pass")
        warn = _number(spec.get("warn"), f"checks.{name}.warn", str(path))
        if warn is not None and warn < 0:
            raise ChecksFileError(f"checks file {path}: checks.{name}.warn must not be negative")
        unknown = set(spec) - {"metric", "min", "max", "warn"}
        if unknown:
            raise ChecksFileError(f"checks file {path}: [checks.{name}] has unknown keys "
                                  f"{', '.join(sorted(unknown))}")
        for key, bound in (("min", lo), ("max", hi)):
            problem = None if bound is None else bound_problem(bound, metric_kind(spec["metric"]))
            if problem:
                raise ChecksFileError(f"checks file {path}: [checks.{name}] {key} = {bound:g} is "
                                      f"outside the range of {spec['metric']}: {problem}")
        out.append(Check(name, spec["metric"], lo, hi, warn, str(path)))
    return out, with_defaults


_MISSING = object()


def lookup(doc: dict, path: str):
    """The value at a dotted JSON path, or _MISSING."""
    cur = doc
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return _MISSING
        cur = cur[part]
    return cur


def _why_absent(sample: dict, path: str) -> str | None:
    """Why a metric path names nothing: a section the profile has no rules for, or a
    service metric whose inputs are missing."""
    head = path.split(".")[0]
    if head in ("credit", "dsr", "experience") and sample.get(head) is None:
        return {"credit": "the profile has no credit rules", "dsr": "the profile has no DSR "
                "rules", "experience": "the profile has no experience scorecard"}[head]
    parts = path.split(".")
    if head == "experience" and len(parts) > 2 and parts[1] == "metrics":
        missing = sample["experience"]["missing_inputs"]
        if parts[2] not in sample["experience"]["metrics"] and missing:
            return ("it is not computed without " + ", ".join(missing)
                    + " (give --after-sales FILE / --chats FILE, or the trade columns)")
    return None


def validate_metrics(checks, sample: dict):
    """Fail early (exit 2) for a check whose metric names nothing in the result."""
    for check in checks:
        value = lookup(sample, check.metric)
        why = _why_absent(sample, check.metric) if value is _MISSING else None
        if why:
            raise ChecksFileError(f"check {check.name!r}: metric {check.metric!r}: {why}")
        if value is _MISSING or isinstance(value, (dict, list, str, bool)):
            where = f"checks file {check.source}: " if check.source else ""
            raise ChecksFileError(f"{where}check {check.name!r}: metric {check.metric!r} is not "
                                  "a number "
                                  "in the audit result (e.g. dsr.description.score, "
                                  "credit.positive_rate, credit.score, dsr.items_below_industry)")


def five_star_needed(total: int, count: int, bound: float) -> int | None:
    """The least n >= 0 with (total + 5n) / (count + n) >= bound; None when bound > 5."""
    if bound > 5:
        return None
    if count and total / count >= bound:
        return 0
    exact = Fraction(str(bound))
    if exact >= 5:  # only an all-5 history reaches 5: a first 5 does, adding 5s to others never
        return 1 if count == 0 else None
    n = max(0 if count else 1, math.ceil((exact * count - total) / (5 - exact)))
    while (total + 5 * n) / (count + n) < bound:  # float agreement with the check itself
        n += 1
    return n


def evaluate(check: Check, metrics: dict) -> CheckResult:
    value = lookup(metrics, check.metric)
    if value is _MISSING or value is None:
        reason = "metric not in the result" if value is not None else \
            "no data" if check.metric.startswith("experience.") else "no ratings"
        return CheckResult(check.name, check.metric, check.min, check.max, None, False,
                           None, None, reason, "fail", check.warn)
    value = float(value) if not isinstance(value, int) else value
    margins = []
    if check.min is not None:
        margins.append(value - check.min)
    if check.max is not None:
        margins.append(check.max - value)
    margin = min(margins)
    passed = all(m >= 0 for m in margins)
    needed = None
    parts = check.metric.split(".")
    if check.min is not None and len(parts) == 3 and parts[0] == "dsr" and parts[2] == "score":
        item = metrics["dsr"][parts[1]]
        needed = five_star_needed(item["sum"], item["count"], check.min)
    status = "fail" if not passed else "warn" if in_warning_band(check, value) else "pass"
    return CheckResult(check.name, check.metric, check.min, check.max, value, bool(passed),
                       margin, needed, None, status, check.warn)


def _shift(bound: float, by: float) -> float:
    """bound + by, computed on the decimals as written (4.7 + 0.03 is 4.73, not 4.7299...)."""
    return float(Decimal(repr(float(bound))) + Decimal(repr(float(by))))


def in_warning_band(check: Check, value) -> bool:
    """Whether a passing value lies in [min, min + warn) or (max - warn, max]."""
    if not check.warn:
        return False
    low = check.min is not None and value < _shift(check.min, check.warn)
    high = check.max is not None and value > _shift(check.max, -check.warn)
    return bool(low or high)
