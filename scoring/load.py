"""Loading trades (and an optional ratings file) into one typed table of trade lines."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from .columns import DEFAULT_SHOP, RATING_COLUMNS, REQUIRED_RATINGS, REQUIRED_TRADES
from .errors import MissingColumnsError
from .read import RawFile, read_file
from .validate import validate

REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]


@dataclass
class FileAccount:
    """What happened to the rows of one input file: read = used + rejected."""

    path: str
    role: str
    rows_read: int
    rows_rejected: int
    rejected_by_reason: dict

    @property
    def rows_used(self) -> int:
        return self.rows_read - self.rows_rejected

    def to_dict(self) -> dict:
        return {"path": self.path, "role": self.role, "rows_read": self.rows_read,
                "rows_used": self.rows_used, "rows_rejected": self.rows_rejected,
                "rejected_by_reason": dict(sorted(self.rejected_by_reason.items()))}


@dataclass
class Dataset:
    """Trade lines ready for scoring, the rating rows that matched no line, and the accounting."""

    lines: pd.DataFrame
    orphans: pd.DataFrame
    files: list = field(default_factory=list)
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    @property
    def rejected_by_reason(self) -> dict:
        total = Counter()
        for f in self.files:
            total.update(f.rejected_by_reason)
        return dict(sorted(total.items()))


def _check_columns(raw: RawFile, required: tuple, role: str):
    missing = [c for c in required if c not in raw.frame.columns]
    if missing:
        found = ", ".join(map(str, raw.frame.columns)) or "none"
        raise MissingColumnsError(
            raw.path, f"missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (a {role} file needs {', '.join(required)}; found: {found})")


def _validated(raw: RawFile, tz: str, required: tuple, role: str):
    """Validate one file; return (good rows, FileAccount, rejects frame)."""
    _check_columns(raw, required, role)
    clean, rej = validate(raw.frame, tz, required)
    clean["_file"] = raw.path
    clean["_row"] = raw.rows
    if "line_id" not in raw.frame.columns and "item_id" in clean:
        clean["line_id"] = clean["order_id"] + "-" + clean["item_id"]
    rejected = rej.rejected
    rejects = pd.DataFrame({"file": raw.path, "row": raw.rows[rejected],
                            "column": rej.column[rejected], "value": rej.value[rejected],
                            "reason": rej.reason[rejected]})
    if len(raw.ragged):
        rejects = pd.concat([rejects, pd.DataFrame(
            {"file": raw.path, "row": raw.ragged["row"], "column": None,
             "value": raw.ragged["value"], "reason": "ragged_row"})], ignore_index=True)
    good = clean.loc[~rejected].reset_index(drop=True)
    return good, rejects


def _reject_duplicates(good: pd.DataFrame, key: list, rejects: list):
    dup = good.duplicated(key, keep="first").to_numpy()
    if dup.any():
        bad = good.loc[dup]
        rejects.append(pd.DataFrame({"file": bad["_file"], "row": bad["_row"],
                                     "column": ",".join(key), "value": None,
                                     "reason": "duplicate"}))
    return good.loc[~dup].reset_index(drop=True)


def _join_ratings(lines: pd.DataFrame, ratings: pd.DataFrame, rejects: list):
    """Attach rating columns to their trade lines; return (lines, orphan rating rows)."""
    key = ["order_id", "line_id"]
    if ratings["line_id"].isna().all() if "line_id" in ratings else True:
        # No line ids in the ratings file: a rating of a one-line order is that line's.
        per_order = lines.groupby("order_id", sort=False)["line_id"].agg(["first", "size"])
        ratings = ratings.drop(columns=["line_id"], errors="ignore")
        ratings = ratings.join(per_order, on="order_id")
        ambiguous = (ratings["size"] > 1).to_numpy()
        if ambiguous.any():
            bad = ratings.loc[ambiguous]
            rejects.append(pd.DataFrame({
                "file": bad["_file"], "row": bad["_row"], "column": "line_id", "value": None,
                "reason": "ambiguous_line"}))
        ratings = ratings.loc[~ambiguous].rename(columns={"first": "line_id"})
        ratings = ratings.drop(columns=["size"])
        ratings["line_id"] = ratings["line_id"].fillna(ratings["order_id"])
    ratings = _reject_duplicates(ratings, key, rejects)
    cols = [c for c in RATING_COLUMNS if c in ratings]
    attach = ratings[key + cols + ["_file", "_row"]].rename(
        columns={c: c + "_r" for c in cols + ["_file", "_row"]})
    merged = lines.merge(attach, on=key, how="left", indicator=True, sort=False)
    matched = merged["_merge"].eq("both").to_numpy()
    for c in cols:
        merged[c] = merged[c + "_r"].where(matched, merged[c])
    merged = merged.drop(columns=[c + "_r" for c in cols] + ["_merge"])
    keyset = pd.MultiIndex.from_frame(lines[key])
    orphan_mask = ~pd.MultiIndex.from_frame(ratings[key]).isin(keyset)
    orphans = ratings.loc[orphan_mask].reset_index(drop=True)
    return merged, orphans


def load(trades_paths, tz: str, ratings_path=None) -> Dataset:
    """Read, validate and join the input files; every row read is used or rejected."""
    if isinstance(trades_paths, (str, bytes)) or not hasattr(trades_paths, "__iter__"):
        trades_paths = [trades_paths]
    parts, rejects, accounts = [], [], []
    for path in trades_paths:
        raw = read_file(path)
        good, rej = _validated(raw, tz, REQUIRED_TRADES, "trades")
        parts.append(good)
        rejects.append(rej)
        accounts.append((raw.path, "trades", len(raw.frame) + len(raw.ragged)))
    lines = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    lines = _reject_duplicates(lines, ["shop_id", "order_id", "line_id"], rejects)
    orphans = lines.iloc[0:0]
    if ratings_path is not None:
        raw = read_file(ratings_path)
        good, rej = _validated(raw, tz, REQUIRED_RATINGS, "ratings")
        rejects.append(rej)
        accounts.append((raw.path, "ratings", len(raw.frame) + len(raw.ragged)))
        if "shop_id" not in raw.frame.columns:
            shops = lines["shop_id"].unique()
            good["shop_id"] = shops[0] if len(shops) == 1 else DEFAULT_SHOP
        lines, orphans = _join_ratings(lines, good, rejects)
    all_rejects = pd.concat([r for r in rejects if len(r)], ignore_index=True) \
        if any(len(r) for r in rejects) else pd.DataFrame(columns=REJECT_COLUMNS)
    files = []
    for path, role, n in accounts:
        mine = all_rejects.loc[all_rejects["file"] == path, "reason"] if len(all_rejects) \
            else pd.Series([], dtype=object)
        files.append(FileAccount(path, role, n, int(len(mine)),
                                 {k: int(v) for k, v in Counter(mine).items()}))
    lines = lines.reset_index(drop=True)
    lines["shop_id"] = lines["shop_id"].astype("string[pyarrow]")
    return Dataset(lines=lines, orphans=orphans, files=files,
                   rejects=all_rejects.sort_values(["file", "row"], kind="stable")
                   .reset_index(drop=True) if len(all_rejects) else all_rejects)

