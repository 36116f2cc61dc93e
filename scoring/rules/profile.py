"""Rule profiles (RULES.md section 5): every number of the rules, loaded from a small TOML file.

A profile may begin with `extends = "NAME"` (a shipped profile): each of its tables then
replaces the named profile's table of the same name whole, a key left out of it taking the
default RULES.md gives; everything else is inherited."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shopscore.scoring.errors import ProfileError
from shopscore.scoring.rules.scorecard_schema import Scorecard, parse_scorecard

BUILTIN = ("taobao", "douyin", "douyin-2024")
ALL_DSR_ITEMS = ("description", "service", "shipping", "logistics")

# The defaults RULES.md gives: a key left out of a profile's table takes these.
DEFAULT_TIMEZONE = "Asia/Shanghai"
CREDIT_DEFAULTS = {"rating_window_days": 15, "default_positive_days": 15, "revision_days": 30,
                   "same_item_window_days": 14, "monthly_cap_points": 6,
                   "low_amount_yuan": 1.00, "periods_days": {"7d": 7, "30d": 30, "180d": 180}}
DSR_DEFAULTS = {"items": list(ALL_DSR_ITEMS), "seller_items": list(ALL_DSR_ITEMS[:3]),
                "monthly_first_orders": 3, "window_days": 180}
CHECKS_DEFAULTS = {"default_min": 4.7, "warn": None, "experience_min": None,
                   "max_ambiguous_share": 0.05}
TOP_LEVEL = ("name", "timezone", "credit", "dsr", "checks", "levels", "experience")
# The credit levels of RULES.md section 2: (lowest score, name), index 1..20.
DEFAULT_LEVELS = tuple(
    (low, f"{n} {kind}{'s' if n > 1 else ''}")
    for kind, lows in (("heart", (4, 11, 41, 91, 151)), ("diamond", (251, 501, 1001, 2001, 5001)),
                       ("crown", (10001, 20001, 50001, 100001, 200001)),
                       ("gold crown", (500001, 1000001, 2000001, 5000001, 10000001)))
    for n, low in enumerate(lows, start=1))


@dataclass(frozen=True)
class Level:
    index: int
    min_score: int
    name: str


@dataclass(frozen=True)
class Profile:
    name: str
    source: str
    timezone: str
    rating_window_days: int
    default_positive_days: int
    revision_days: int
    same_item_window_days: int
    monthly_cap_points: int
    low_amount_yuan: float
    periods_days: dict
    dsr_items: tuple
    seller_items: tuple
    dsr_monthly_first_orders: int
    dsr_window_days: int
    default_min: float
    default_warn: float | None
    levels: tuple
    text: str
    credit_rules: bool = True  # the profile has a [credit] table: credit points are scored
    dsr_rules: bool = True  # the profile has a [dsr] table: DSR is scored
    experience: Scorecard | None = None  # the [experience] scorecard (RULES.md section 7)
    experience_min: float | None = None  # the default check's bar for experience.total
    # The share of rating rows whose line cannot be told (ambiguous_line) above which the
    # audit could not run (exit 2): the checks would judge a sample, not the shop.
    max_ambiguous_share: float = 0.05

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def level_of(self, score: int) -> Level | None:
        """The highest level whose lower bound the score reaches, or None below level 1."""
        found = None
        for level in self.levels:
            if score >= level.min_score:
                found = level
        return found


class _Reader:
    """Typed values of one table of a profile, each error naming the file and the key."""

    def __init__(self, source: str, table: dict, where: str, defaults: dict):
        unknown = sorted(set(table) - set(defaults))
        if unknown:
            raise ProfileError(f"profile {source}: unknown key {where}{unknown[0]} (known: "
                               f"{', '.join(defaults)})")
        self.source, self.table, self.where, self.defaults = source, table, where, defaults

    def fail(self, key: str, what: str):
        raise ProfileError(f"profile {self.source}: {self.where}{key} {what}")

    def get(self, key: str, kind, check=None, what: str = ""):
        value = self.table.get(key, self.defaults[key])
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if value is None and self.defaults[key] is None:
            return None
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            self.fail(key, f"must be {'a number' if kind is float else kind.__name__}, "
                           f"not {value!r}")
        if kind is float and not math.isfinite(value):
            self.fail(key, f"must be a finite number, not {value!r}")
        if check is not None and not check(value):
            self.fail(key, what)
        return value


def _table(doc: dict, key: str, source: str) -> dict:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise ProfileError(f"profile {source}: [{key}] must be a table")
    return value


def _levels(doc: dict, source: str) -> tuple:
    raw = doc.get("levels")
    if raw is None:
        return tuple(Level(i, low, name) for i, (low, name) in enumerate(DEFAULT_LEVELS, 1))
    if not isinstance(raw, list):
        raise ProfileError(f"profile {source}: levels must be an array of [[levels]] tables")
    levels = []
    for i, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict):
            raise ProfileError(f"profile {source}: levels[{i}] must be a table")
        read = _Reader(source, entry, f"levels[{i}].", {"min_score": None, "name": None})
        low, name = entry.get("min_score"), entry.get("name")
        if not isinstance(low, int) or isinstance(low, bool):
            read.fail("min_score", f"must be an integer, not {low!r}")
        if not isinstance(name, str):
            read.fail("name", f"must be a string, not {name!r}")
        levels.append(Level(i, low, name))
    if any(b.min_score <= a.min_score for a, b in zip(levels, levels[1:], strict=False)):
        raise ProfileError(f"profile {source}: levels must have increasing min_score")
    return tuple(levels)


def _whole(value) -> bool:
    return value >= 0


MOST_DAYS = 36_500  # a century: longer windows would leave the clock's range


def _days(value) -> bool:
    return 0 <= value <= MOST_DAYS


def parse_profile(text: str, source: str) -> Profile:
    """Build a Profile from TOML text; every error is a ProfileError naming the key."""
    doc = _resolve(_toml(text, source), source)
    unknown = sorted(set(doc) - set(TOP_LEVEL))
    if unknown:
        raise ProfileError(f"profile {source}: unknown key {unknown[0]} (a profile has "
                           f"{', '.join(TOP_LEVEL)}, and may begin with extends)")
    name = doc.get("name", source)
    tzname = doc.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(name, str) or not isinstance(tzname, str):
        raise ProfileError(f"profile {source}: name and timezone must be strings")
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(f"profile {source}: unknown timezone {tzname!r}") from None
    credit = _Reader(source, _table(doc, "credit", source), "credit.", CREDIT_DEFAULTS)
    days = {key: credit.get(key, int, _days, f"must lie in 0..{MOST_DAYS}")
            for key in ("rating_window_days", "default_positive_days", "revision_days",
                        "same_item_window_days")}
    days["monthly_cap_points"] = credit.get("monthly_cap_points", int, _whole,
                                            "must not be negative")
    low = credit.get("low_amount_yuan", float)
    periods = credit.get("periods_days", dict, bool, 'needs at least one period, e.g. '
                         '{"7d" = 7, "30d" = 30, "180d" = 180}')
    for label, value in periods.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MOST_DAYS:
            credit.fail(f"periods_days.{label}", f"must be an integer in 1..{MOST_DAYS}")
        if label in ("older", "total"):
            credit.fail(f"periods_days.{label}", "is a name the period table uses already")
    dsr = _Reader(source, _table(doc, "dsr", source), "dsr.", DSR_DEFAULTS)
    items = tuple(dsr.get("items", list))
    seller = tuple(dsr.get("seller_items", list))
    for item in items + seller:
        if item not in ALL_DSR_ITEMS:
            raise ProfileError(f"profile {source}: unknown DSR item {item!r} (known: "
                               f"{', '.join(ALL_DSR_ITEMS)})")
    if not set(seller) <= set(items):
        raise ProfileError(f"profile {source}: dsr.seller_items must be among dsr.items")
    first = dsr.get("monthly_first_orders", int, lambda v: v > 0, "must be positive")
    window = dsr.get("window_days", int, lambda v: 0 < v <= MOST_DAYS,
                     f"must be an integer in 1..{MOST_DAYS}")
    checks = _Reader(source, _table(doc, "checks", source), "checks.", CHECKS_DEFAULTS)
    default_min = checks.get("default_min", float)
    warn = checks.get("warn", float, _whole, "must be a number >= 0")
    experience_min = checks.get("experience_min", float)
    ambiguous = checks.get("max_ambiguous_share", float, lambda v: 0 <= v <= 1,
                           "must be a share between 0 and 1 (0.05 is 5%)")
    experience = None
    if "experience" in doc:
        experience = parse_scorecard(doc["experience"], source, low)
    return Profile(name=name, source=source, timezone=tzname, low_amount_yuan=low,
                   periods_days=dict(periods), dsr_items=items, seller_items=seller,
                   dsr_monthly_first_orders=first, dsr_window_days=window,
                   default_min=default_min, default_warn=warn, levels=_levels(doc, source),
                   text=text, credit_rules="credit" in doc, dsr_rules="dsr" in doc,
                   experience=experience, experience_min=experience_min,
                   max_ambiguous_share=ambiguous, **days)


def _toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {source} is not valid TOML: {exc}") from None


def _resolve(doc: dict, source: str) -> dict:
    """The profile's document with `extends` applied: the named shipped profile's tables,
    each replaced whole by the profile's own table of that name; other keys overridden."""
    base = doc.pop("extends", None)
    if base is None:
        return doc
    if base not in BUILTIN:
        raise ProfileError(f"profile {source}: extends = {base!r} is not a shipped profile "
                           f"(shipped: {', '.join(BUILTIN)})")
    merged = _resolve(_toml(_builtin_text(base), base), base)  # a shipped one may extend too
    merged.pop("name", None)  # the name is the extending profile's own (or its file's)
    merged.update(doc)
    return merged


def _builtin_text(name: str) -> str:
    return resources.files("shopscore.scoring.rules").joinpath(
        "profiles", f"{name}.toml").read_text(encoding="utf-8")


def load_profile(name_or_path: str | None = None) -> Profile:
    """Load a built-in profile by name (default `taobao`) or a user's profile file by path."""
    name_or_path = name_or_path or "taobao"
    if name_or_path in BUILTIN:
        return parse_profile(_builtin_text(name_or_path), name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise ProfileError(f"profile {name_or_path}: no such file, and not a built-in profile "
                           f"(built-in: {', '.join(BUILTIN)}); fix --profile")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"profile {name_or_path}: cannot be read ({exc})") from None
    return parse_profile(text, str(path))
