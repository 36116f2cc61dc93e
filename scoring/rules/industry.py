"""Industry comparison (RULES.md section 3): how a shop's DSR stands against its industry."""

from __future__ import annotations

from dataclasses import dataclass

from shopscore.scoring.errors import OptionError


@dataclass(frozen=True)
class Industry:
    average: float
    best: float | None = None
    lowest: float | None = None


def parse_industry(spec: str | None, items) -> dict:
    """Parse `description=4.78,service=4.80:4.95:4.50` into {item: Industry}."""
    out = {}
    if not spec:
        return out
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, figures = part.partition("=")
        name = name.strip()
        if not sep or name not in items:
            raise OptionError(f"--industry {spec!r}: expected ITEM=AVG[:BEST[:LOWEST]] with ITEM "
                              f"one of {', '.join(items)}, got {part!r}")
        try:
            nums = [float(x) for x in figures.split(":")]
        except ValueError:
            raise OptionError(f"--industry {spec!r}: {part!r} is not ITEM=AVG[:BEST[:LOWEST]] "
                              "with numbers") from None
        if not 1 <= len(nums) <= 3 or any(not 0 < x <= 5 for x in nums):
            raise OptionError(f"--industry {spec!r}: {part!r} needs 1 to 3 figures between 0 and 5")
        if len(nums) > 1 and nums[1] < nums[0]:
            raise OptionError(f"--industry {spec!r}: {part!r} gives a best score {nums[1]:g} "
                              f"below the average {nums[0]:g}; the figures are AVG:BEST:LOWEST")
        if len(nums) > 2 and nums[2] > nums[0]:
            raise OptionError(f"--industry {spec!r}: {part!r} gives a lowest score {nums[2]:g} "
                              f"above the average {nums[0]:g}; the figures are AVG:BEST:LOWEST")
        nums += [None] * (3 - len(nums))
        out[name] = Industry(*nums)
    return out


def compare(score: float | None, ind: Industry | None):
    """(vs_industry, basis, position) for a shop mean against an industry's figures."""
    if ind is None or score is None:
        return None, None, None
    avg = ind.average
    position = "above" if score > avg else "below" if score < avg else "level"
    if score >= avg and ind.best is not None and ind.best - avg != 0:
        return (score - avg) / (ind.best - avg), "range", position
    if score < avg and ind.lowest is not None and avg - ind.lowest != 0:
        return (score - avg) / (avg - ind.lowest), "range", position
    return (score - avg) / avg, "average", position
