"""Why did this rating (not) count? The engine's own decision record, put into words.

Pure: reads the Decisions that `audit()` returned (the same record the audit's figures are
summed from) and never decides anything again. For every selected trade line it names the
fate of its rating (`counted`, `unrated` or the reason code of RULES.md), the rule behind it,
and, where another rating took the place of this one, that rating: the earlier rating of the
same 14-day same-item window (`replaced_by`), the month's running total before the rating
(`month_total`), the orders that took the month's three DSR places (`month_first`).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import numpy as np
import pandas as pd

from shopscore.scoring.engine.coded import is_value
from shopscore.scoring.engine.decide import Decisions, local_as_of
from shopscore.scoring.insight.why import WORDS, anomaly_why, credit_why, dsr_why, when
from shopscore.scoring.result import SCHEMA_VERSION
from shopscore.scoring.rules.profile import Profile
from shopscore.scoring.rules.reasons import AFTER_AS_OF, COUNTED, RULE_TEXT, UNRATED

RULES = RULE_TEXT


class _Categories:
    """A categorical column read row by row: the value of one row without turning the whole
    column (ten million ids, say) into Python strings."""

    def __init__(self, series: pd.Series):
        self.codes, self.categories = series.cat.codes.to_numpy(), series.cat.categories

    def __getitem__(self, row):
        code = self.codes[row]
        return np.nan if code < 0 else self.categories[code]


class _Explainer:
    def __init__(self, decisions: Decisions, profile: Profile, as_of: np.datetime64):
        self.d, self.p, self.as_of = decisions, profile, as_of
        self.lines, self.credit = decisions.lines, decisions.credit
        self._cols: dict[str, np.ndarray] = {}

    def col(self, frame: str, name: str) -> np.ndarray:
        """A column of the lines or of the credit record as an array (cached)."""
        key = f"{frame}.{name}"
        if key not in self._cols:
            table = self.lines if frame == "lines" else self.credit
            if name not in table:
                self._cols[key] = np.full(len(table), None, dtype=object)
            elif table[name].dtype.kind == "M":
                self._cols[key] = table[name].to_numpy("datetime64[ns]")
            elif isinstance(table[name].dtype, pd.CategoricalDtype):
                self._cols[key] = _Categories(table[name])
            else:
                self._cols[key] = table[name].to_numpy(dtype=object)
        return self._cols[key]

    # --- facts -----------------------------------------------------------------------------
    def iso(self, value):
        """A naive local time as ISO 8601 with the profile's offset (None if missing)."""
        if value is None or pd.isna(value):
            return None
        ts = pd.Timestamp(value)
        try:
            return ts.tz_localize(self.p.tz).isoformat()
        except (ValueError, TypeError):  # a wall-clock time the zone skips or repeats
            return ts.isoformat()

    def line(self, row: int) -> dict:
        """The input facts of one trade line, as plain Python values."""
        out = {}
        for col in ("shop_id", "order_id", "line_id", "buyer_id", "item_id", "status", "credit",
                    "revised_to", "seller_credit"):
            value = self.col("lines", col)[row]
            out[col] = None if value is None or pd.isna(value) else str(value)
        for col in ("created_at", "completed_at", "rated_at", "revised_at", "seller_rated_at"):
            value = self.col("lines", col)[row]
            out[col] = None if value is None or pd.isna(value) else pd.Timestamp(value)
        escrow, refunded = self.col("lines", "escrow")[row], self.col("lines", "refunded")[row]
        out["escrow"] = True if escrow is None else bool(escrow)
        out["refunded"] = False if refunded is None else bool(refunded)
        amount = self.col("lines", "amount")[row]
        out["amount"] = None if amount is None or pd.isna(amount) else float(amount)
        return out

    def ref(self, row: int) -> dict | None:
        if row is None or row < 0:
            return None
        f = self.line(row)
        return {"order_id": f["order_id"], "line_id": f["line_id"],
                "created_at": self.iso(f["created_at"]), "fate": str(self.col("credit", "fate")[row])}

    # --- credit ----------------------------------------------------------------------------
    def credit_record(self, row: int, stand_for: list[int]) -> dict:
        f = self.line(row)
        dec = {c: self.col("credit", c)[row] for c in ("fate", "points", "is_default", "at",
                                                        "anomaly", "replaced_by",
                                                        "window_opened_by", "month_total")}
        fate = str(dec["fate"])
        points = int(dec["points"])
        is_default = bool(dec["is_default"])
        rated = points != -9
        replaced = -1 if dec["replaced_by"] is None else int(dec["replaced_by"])
        opened = -1 if dec["window_opened_by"] is None else int(dec["window_opened_by"])
        total = dec["month_total"]
        total = None if total is None or pd.isna(total) else int(total)
        rec = {"shop_id": f["shop_id"], "order_id": f["order_id"], "line_id": f["line_id"],
               "buyer_id": f["buyer_id"], "item_id": f["item_id"],
               "created_at": self.iso(f["created_at"]), "completed_at": self.iso(f["completed_at"]),
               "rating": "positive" if is_default else f["credit"] if rated else None,
               "counts_as": WORDS.get(points) if rated else None,
               "points": points if rated else None, "default": is_default,
               "rated_at": self.iso(dec["at"]) if rated else None,
               "fate": fate, "counted": fate == COUNTED, "rule": RULES.get(fate, fate),
               "why": credit_why(self, f, fate, points, is_default, replaced, opened, total,
                                      stand_for),
               "replaced_by": self.ref(replaced), "window_opened_by": self.ref(opened),
               "month_total_before": total, "stands_for": [self.ref(r) for r in stand_for],
               "anomaly": None if dec["anomaly"] is None or pd.isna(dec["anomaly"])
               else str(dec["anomaly"])}
        rec["anomaly_why"] = anomaly_why(self, f, rec["anomaly"]) if rec["anomaly"] else None
        late = self.col("credit", "rating_after_as_of")[row]
        rec["rating_after_as_of"] = bool(late) if late is not None else False
        if rec["rating_after_as_of"]:  # the buyer's own rating does not exist yet
            rec["why"] += (f"; the buyer's own {f['credit']} rating, given "
                           f"{self.iso(f['rated_at'])}, after as_of, does not exist yet "
                           "(counted under after_as_of)")
        return rec


    # --- DSR -------------------------------------------------------------------------------
    def dsr_record(self, pos: int, fates: dict) -> dict:
        o = self.d.dsr.iloc[pos]
        fate = str(o["fate"])
        items = [i for i in self.p.dsr_items if f"dsr_{i}" in o]
        scores = {i: (None if pd.isna(o[f"dsr_{i}"]) else int(o[f"dsr_{i}"])) for i in items}
        rank = int(o.get("month_rank", 0))
        first = o.get("month_first")
        first = list(first) if isinstance(first, tuple) else None
        line = self.line(int(o["line"]))
        rec = {"shop_id": str(o["shop_id"]), "order_id": str(o["order_id"]),
               "buyer_id": str(o["buyer_id"]), "line_id": line["line_id"],
               "completed_at": self.iso(o["completed_at"]), "dsr_rated_at": self.iso(o["at"]),
               "scores": scores, "fate": fate, "counted": fate == COUNTED,
               "rule": RULES.get(fate, fate), "month_rank": rank or None,
               "counted_instead": first, "conflict": bool(o["conflict"])}
        rec["why"] = dsr_why(self, o, rec, fates)
        rec["anomaly_why"] = (f"anomaly: dsr_conflict — lines of order {rec['order_id']} carry "
                              f"different DSR scores; those of the earliest-rated line "
                              f"{rec['line_id']} are used") if rec["conflict"] else None
        return rec


def _orphan_records(orphans: pd.DataFrame, as_of, kind: str, shops: set) -> list[dict]:
    """The orphan rating rows as records; one of no shop of the trades (`shops`) is counted by
    the audit in inputs.orphan_ratings only, and says so (`in_shop` false)."""
    col = f"{kind}_fate"
    out, seen = [], set()
    for r in orphans.loc[orphans[col].notna()].to_dict("records"):
        shop = None if pd.isna(r["shop_id"]) else str(r["shop_id"])
        key = (shop, str(r["order_id"]))
        if kind == "dsr":  # an order counts once, however many of its rating rows are orphans
            if key in seen:
                continue
            seen.add(key)
        fate = str(r[col])
        why = (f"excluded: orphan — no trade line of order {key[1]} in the data: a rating "
               "needs its trade line") if fate == "orphan" else (
            f"excluded: after_as_of — given after as_of {when(as_of)} (and no trade line of "
            f"order {key[1]} in the data)")
        in_shop = shop in shops
        if not in_shop:
            why += ("; no shop of the trades is its own, so it is counted in "
                    "inputs.orphan_ratings only")
        out.append({"shop_id": key[0], "order_id": key[1], "line_id": None, "buyer_id": None,
                    "item_id": None, "fate": fate, "counted": False, "rule": RULES.get(fate, fate),
                    "why": why, "anomaly": None, "anomaly_why": None, "in_shop": in_shop})
    return out


def select_lines(lines: pd.DataFrame, order=None, buyer=None, item=None, shop=None) -> np.ndarray:
    """Rows of the lines matching every given id (all rows when none is given)."""
    mask = np.ones(len(lines), dtype=bool)
    for col, value in (("order_id", order), ("buyer_id", buyer), ("item_id", item),
                       ("shop_id", shop)):
        if value is not None:
            mask &= is_value(lines[col], value)  # by category code: no id text copied
    return np.flatnonzero(mask)


def explain(decisions: Decisions, profile: Profile, as_of: datetime | np.datetime64,
            order: str | None = None, buyer: str | None = None, item: str | None = None,
            shop: str | None = None, shops: set | None = None) -> dict:
    """The fate of every rating of the selected lines (and the DSR of their orders), in words.

    The selection is the lines matching every id given (all lines when none is). Orphan
    rating rows (no trade line) are included when explaining an order or everything, judged
    against the shops of the lines (`shops`: those of the whole audit, for a part of it)."""
    when = as_of if isinstance(as_of, np.datetime64) else local_as_of(as_of, profile)
    ex = _Explainer(decisions, profile, when)
    rows = select_lines(decisions.lines, order, buyer, item, shop)
    chosen = set(rows.tolist())

    credit = decisions.credit
    stand_for: dict[int, list[int]] = {}
    if "replaced_by" in credit:
        rep = credit["replaced_by"].to_numpy()
        for r in np.flatnonzero(rep >= 0).tolist():
            if int(rep[r]) in chosen:
                stand_for.setdefault(int(rep[r]), []).append(r)
    credit_recs = [ex.credit_record(r, stand_for.get(r, [])) for r in rows.tolist()]
    credit_recs.sort(key=_credit_order)

    dsr = decisions.dsr
    fates = {(str(s), str(o)): str(f) for s, o, f in zip(dsr["shop_id"].astype(object),
                                                         dsr["order_id"].astype(object),
                                                         dsr["fate"], strict=True)}
    picked = {(str(s), str(o)) for s, o in zip(
        decisions.lines["shop_id"].iloc[rows].astype(object).to_numpy(),
        decisions.lines["order_id"].iloc[rows].astype(object).to_numpy(), strict=True)}
    dsr_pos = [i for i, key in enumerate(zip(dsr["shop_id"].astype(str), dsr["order_id"].astype(str),
                                            strict=True)) if key in picked]
    dsr_recs = [ex.dsr_record(i, fates) for i in dsr_pos]
    dsr_recs.sort(key=_dsr_order)

    if buyer is None and item is None:
        orphans = decisions.orphans
        keep = np.ones(len(orphans), dtype=bool)
        if order is not None:
            keep &= is_value(orphans["order_id"].astype(object), order)
        if shop is not None:
            keep &= is_value(orphans["shop_id"].astype(object), shop)
        orphans = orphans.loc[keep]
        if shops is None:
            shops = set(decisions.lines["shop_id"].astype(object).dropna())
        credit_recs += _orphan_records(orphans, when, "credit", shops)
        dsr_recs += _orphan_records(orphans, when, "dsr", shops)

    return _doc(profile, when, credit_recs, dsr_recs, order, buyer, item, shop)


def _doc(profile, when, credit_recs, dsr_recs, order, buyer, item, shop) -> dict:
    aware = pd.Timestamp(when).tz_localize(profile.tz).isoformat()
    return {"schema_version": SCHEMA_VERSION, "as_of": aware, "profile": profile.name,
            "selection": {"shop": shop, "order": order, "buyer": buyer, "item": item},
            "credit": credit_recs, "dsr": dsr_recs,
            "summary": summarize(credit_recs, dsr_recs)}


def _credit_order(r: dict) -> tuple:
    return r["shop_id"], r["created_at"] or "", r["order_id"], r["line_id"]


def _dsr_order(r: dict) -> tuple:
    return r["shop_id"], r["completed_at"] or "", r["order_id"]


def merged(docs: list, profile: Profile, when, order=None, buyer=None, item=None,
           shop=None) -> dict:
    """The explanations of disjoint parts of an audit (each made by explain with the whole
    audit's shops) as one: the lines' records in explain's order, then the orphans'."""
    def gather(kind: str, key):
        found = [r for d in docs for r in d[kind]]
        lined = sorted((r for r in found if "in_shop" not in r), key=key)
        return lined + [r for r in found if "in_shop" in r]  # orphans: no line, after

    return _doc(profile, when, gather("credit", _credit_order), gather("dsr", _dsr_order),
                order, buyer, item, shop)


def summarize(credit_recs: list[dict], dsr_recs: list[dict]) -> dict:
    """The fates of the explained ratings, counted the way the audit's JSON counts them."""
    counted = Counter(r["counts_as"] for r in credit_recs if r["counted"])
    excluded = Counter(r["fate"] for r in credit_recs if r["fate"] not in (COUNTED, UNRATED)
                       and r.get("in_shop", True))
    late = sum(bool(r.get("rating_after_as_of")) for r in credit_recs)
    if late:  # a late rating set aside beside its line's default positive
        excluded[AFTER_AS_OF] += late
    anomalies = Counter(r["anomaly"] for r in credit_recs if r["anomaly"])
    conflicts = sum(bool(r.get("conflict")) for r in dsr_recs)
    if conflicts:
        anomalies["dsr_conflict"] = conflicts
    return {
        "credit": {"positive": counted.get("positive", 0), "neutral": counted.get("neutral", 0),
                   "negative": counted.get("negative", 0),
                   "default_positive": sum(r["counted"] and r["default"] for r in credit_recs
                                           if "default" in r),
                   "excluded_by_reason": dict(sorted(excluded.items())),
                   "unrated_lines": sum(r["fate"] == UNRATED for r in credit_recs)},
        "dsr": {"counted": sum(r["counted"] for r in dsr_recs),
                "excluded_by_reason": dict(sorted(Counter(r["fate"] for r in dsr_recs
                                                          if not r["counted"]
                                                          and r.get("in_shop", True)).items()))},
        "anomalies_by_reason": dict(sorted(anomalies.items())),
    }
