"""Rule profiles: every number of RULES.md, loaded from a small TOML file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shopscore.scoring.errors import ProfileError

BUILTIN = ("taobao",)
ALL_DSR_ITEMS = ("description", "service", "shipping", "logistics")


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


def _need(table: dict, key: str, kind, where: str, source: str):
    if key not in table:
        raise ProfileError(f"profile {source}: missing key {where}{key}")
    value = table[key]
    ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
    if not ok:
        kind_name = kind.__name__ if isinstance(kind, type) else "a number"
        raise ProfileError(f"profile {source}: {where}{key} must be {kind_name}, not {value!r}")
    return value


def parse_profile(text: str, source: str) -> Profile:
    """Build a Profile from TOML text; every error is a ProfileError naming the key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"profile {source} is not valid TOML: {exc}") from None
    credit = _need(doc, "credit", dict, "", source)
    dsr = _need(doc, "dsr", dict, "", source)
    checks = _need(doc, "checks", dict, "", source)
    number = (int, float)
    name = _need(doc, "name", str, "", source)
    tzname = _need(doc, "timezone", str, "", source)
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(f"profile {source}: unknown timezone {tzname!r}") from None
    days = {}
    for key in ("rating_window_days", "default_positive_days", "revision_days",
                "same_item_window_days", "monthly_cap_points"):
        days[key] = _need(credit, key, int, "credit.", source)
        if days[key] < 0:
            raise ProfileError(f"profile {source}: credit.{key} must not be negative")
    low = float(_need(credit, "low_amount_yuan", number, "credit.", source))
    periods = _need(credit, "periods_days", dict, "credit.", source)
    if not periods:
        raise ProfileError(f"profile {source}: credit.periods_days needs at least one period, "
                           'e.g. {"7d" = 7, "30d" = 30, "180d" = 180}')
    for label, value in periods.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ProfileError(f"profile {source}: credit.periods_days.{label} must be a positive integer")
    items = tuple(_need(dsr, "items", list, "dsr.", source))
    seller = tuple(_need(dsr, "seller_items", list, "dsr.", source))
    for item in items + seller:
        if item not in ALL_DSR_ITEMS:
            known = ", ".join(ALL_DSR_ITEMS)
            raise ProfileError(f"profile {source}: unknown DSR item {item!r} (known: {known})")
    if not set(seller) <= set(items):
        raise ProfileError(f"profile {source}: dsr.seller_items must be among dsr.items")
    first = _need(dsr, "monthly_first_orders", int, "dsr.", source)
    window = _need(dsr, "window_days", int, "dsr.", source)
    if first <= 0 or window <= 0:
        raise ProfileError(f"profile {source}: dsr.monthly_first_orders and dsr.window_days must be positive")
    default_min = float(_need(checks, "default_min", number, "checks.", source))
    warn = checks.get("warn")
    if warn is not None and (isinstance(warn, bool) or not isinstance(warn, number) or warn < 0):
        raise ProfileError(f"profile {source}: checks.warn must be a number >= 0, not {warn!r}")
    raw_levels = _need(doc, "levels", list, "", source)
    levels = []
    for i, entry in enumerate(raw_levels, start=1):
        if not isinstance(entry, dict):
            raise ProfileError(f"profile {source}: levels[{i}] must be a table")
        levels.append(Level(i, _need(entry, "min_score", int, f"levels[{i}].", source),
                            _need(entry, "name", str, f"levels[{i}].", source)))
    if any(b.min_score <= a.min_score for a, b in zip(levels, levels[1:], strict=False)):
        raise ProfileError(f"profile {source}: levels must have increasing min_score")
    return Profile(name=name, source=source, timezone=tzname, low_amount_yuan=low,
                   periods_days=dict(periods), dsr_items=items, seller_items=seller,
                   dsr_monthly_first_orders=first, dsr_window_days=window,
                   default_min=default_min,
                   default_warn=None if warn is None else float(warn), levels=tuple(levels),
                   text=text, **days)


def load_profile(name_or_path: str | None = None) -> Profile:
    """Load a built-in profile by name (default `taobao`) or a user's profile file by path."""
    name_or_path = name_or_path or "taobao"
    if name_or_path in BUILTIN:
        text = resources.files("shopscore.scoring.rules").joinpath(
            "profiles", f"{name_or_path}.toml").read_text(encoding="utf-8")
        return parse_profile(text, name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise ProfileError(f"profile {name_or_path}: no such file, and not a built-in profile "
                           f"(built-in: {', '.join(BUILTIN)}); fix --profile")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"profile {name_or_path}: cannot be read ({exc})") from None
    return parse_profile(text, str(path))
