"""Experience inputs for the oracle and the CLI: typed CSV reading, the case runner, the
comparison of check.py, a TOML writer and the Hypothesis strategy `experience_datasets()`."""

from __future__ import annotations

import csv
import json
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import strategies as st
from reference_experience import reference_experience
from reference_service import METRICS, in_daily, next_clock

TIMES = ("created_at", "completed_at", "rated_at", "revised_at", "seller_rated_at",
         "dsr_rated_at", "paid_at", "collected_at", "signed_at", "delivery_due_at",
         "applied_at", "agreed_at", "return_received_at", "refunded_at", "sent_at")
BOOLS = ("escrow", "refunded", "escalated", "seller_liable")
INTS = ("dsr_description", "dsr_service", "dsr_shipping", "dsr_logistics", "rating")
STAMP = "%Y-%m-%d %H:%M:%S"


# ---------------------------------------------------------------- reading a case

def typed(raw: dict) -> dict:
    """One CSV row of canonical columns as the typed dict the oracle takes."""
    row = {}
    for key, text in raw.items():
        text = (text or "").strip()
        if text == "":
            row[key] = None
        elif key in TIMES:
            row[key] = datetime.strptime(text, STAMP)
        elif key in BOOLS:
            row[key] = text.lower() in ("true", "1", "yes")
        elif key in INTS:
            row[key] = int(float(text))
        elif key == "amount":
            row[key] = float(text)
        else:
            row[key] = text
    return row


def read_csv(path: Path):
    """(typed rows, header columns) of a CSV file, or (None, None) when it does not exist."""
    if not path.is_file():
        return None, None
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = [typed(r) for r in reader]
        return rows, list(reader.fieldnames or [])


def run_folder(folder: Path, as_of: datetime) -> dict:
    """The oracle on a folder of trades.csv, after_sales.csv, chats.csv and profile.toml
    (its [experience] table is the scorecard: `extends` only brings the taobao credit rules)."""
    trades, tcols = read_csv(folder / "trades.csv")
    after, acols = read_csv(folder / "after_sales.csv")
    chats, ccols = read_csv(folder / "chats.csv")
    table = tomllib.loads((folder / "profile.toml").read_text(encoding="utf-8"))["experience"]
    return reference_experience(trades, after, chats, as_of, table, trade_columns=tcols,
                                after_sales_columns=acols, chats_columns=ccols)


# ---------------------------------------------------------------- comparing (check.py's rules)

TOL = 1e-9
MEANS = {"goods_score", "pickup_hours_mean", "pickup_points_mean", "delivery_hours_mean",
         "aftersale_review_hours_mean", "refund_hours_mean", "reply_seconds_mean",
         "first_reply_seconds_mean"}


def _open_field(metric, name):
    if metric == "valid_paid_orders" and name in ("numerator", "denominator", "bad"):
        return True
    return name == "bad" and metric in MEANS and metric != "goods_score"


def _num_diff(path, ref, eng):
    number = isinstance(eng, (int, float)) and not isinstance(eng, bool)
    if ref is None:
        return [] if eng is None else [f"{path}: reference null, engine {eng!r}"]
    if not number or abs(ref - eng) > TOL:
        return [f"{path}: reference {ref!r}, engine {eng!r}"]
    return []


def experience_differences(ref: dict, eng, path="experience") -> list:
    """The fields check.py compares, reference against engine (numbers within 1e-9)."""
    if not isinstance(eng, dict):
        return [f"{path}: engine gave {eng!r}"]
    diffs = [] if eng.get("stage") == ref["stage"] else [
        f"{path}.stage: reference {ref['stage']!r}, engine {eng.get('stage')!r}"]
    for key in ("total", "display", "stars"):
        diffs += _num_diff(f"{path}.{key}", ref[key], eng.get(key, "missing"))
    if sorted(eng.get("missing_inputs") or []) != sorted(ref["missing_inputs"]):
        diffs.append(f"{path}.missing_inputs: reference {sorted(ref['missing_inputs'])}, "
                     f"engine {eng.get('missing_inputs')!r}")
    dims = eng.get("dimensions") or {}
    if sorted(dims) != sorted(ref["dimensions"]):
        diffs.append(f"{path}.dimensions: reference {sorted(ref['dimensions'])}, "
                     f"engine {sorted(dims)}")
    for name, d in ref["dimensions"].items():
        e = dims.get(name) or {}
        diffs += _num_diff(f"{path}.dimensions.{name}.score", d["score"], e.get("score"))
        if e.get("protected") is not d["protected"]:
            diffs.append(f"{path}.dimensions.{name}.protected: reference {d['protected']}, "
                         f"engine {e.get('protected')!r}")
    metrics = eng.get("metrics") or {}
    if sorted(metrics) != sorted(ref["metrics"]):
        diffs.append(f"{path}.metrics: reference has {sorted(ref['metrics'])}, "
                     f"engine {sorted(metrics)}")
    for name, m in ref["metrics"].items():
        e = metrics.get(name) or {}
        for key in ("value", "numerator", "denominator", "points", "floored", "bad"):
            if _open_field(name, key):
                continue
            where = f"{path}.metrics.{name}.{key}"
            if key == "floored":
                if e.get(key) is not m[key]:
                    diffs.append(f"{where}: reference {m[key]}, engine {e.get(key)!r}")
            else:
                diffs += _num_diff(where, m[key], e.get(key, "missing"))
    return diffs


# ---------------------------------------------------------------- writing a dataset

def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return "[" + ", ".join(toml_value(x) for x in v) + "]"


def profile_toml(table: dict) -> str:
    """A profile file: extends taobao, then the [experience] table as given."""
    out = ['extends = "taobao"', "", "[experience]"]
    out += [f"{k} = {toml_value(v)}" for k, v in table.items()
            if k not in ("floor", "protection", "dimensions")]
    for sub in ("floor", "protection"):
        if table.get(sub) is not None:
            out += ["", f"[experience.{sub}]"]
            out += [f"{k} = {toml_value(v)}" for k, v in table[sub].items()]
    for dim in table.get("dimensions", []):
        out += ["", "[[experience.dimensions]]"]
        out += [f"{k} = {toml_value(v)}" for k, v in dim.items() if k != "metrics"]
        for spec in dim["metrics"]:
            out += ["", "[[experience.dimensions.metrics]]"]
            out += [f"{k} = {toml_value(v)}" for k, v in spec.items()]
    return "\n".join(out) + "\n"


def cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.strftime(STAMP)
    return str(v)


def write_csv(path: Path, columns: list, rows: list, order: list) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for k in order:
            w.writerow([cell(rows[k].get(c)) for c in columns])
    return path


@dataclass
class Dataset:
    """One generated audit: typed rows (None: file absent), their columns, the scorecard."""
    as_of: datetime
    scorecard: dict
    trades: list
    trade_columns: list
    after_sales: list | None
    after_sales_columns: list | None
    chats: list | None
    chats_columns: list | None
    orders: dict = field(default_factory=dict)  # file -> row order written (a permutation)

    def reference(self) -> dict:
        return reference_experience(self.trades, self.after_sales, self.chats, self.as_of,
                                    self.scorecard, trade_columns=self.trade_columns,
                                    after_sales_columns=self.after_sales_columns,
                                    chats_columns=self.chats_columns)

    def write(self, folder: Path) -> list:
        """Write the files as the CLI reads them; returns the audit arguments."""
        def order(name, rows):
            return self.orders.get(name) or list(range(len(rows)))
        args = [str(write_csv(folder / "trades.csv", self.trade_columns, self.trades,
                              order("trades", self.trades)))]
        if self.after_sales is not None:
            args += ["--after-sales", str(write_csv(
                folder / "after_sales.csv", self.after_sales_columns, self.after_sales,
                order("after_sales", self.after_sales)))]
        if self.chats is not None:
            args += ["--chats", str(write_csv(folder / "chats.csv", self.chats_columns,
                                              self.chats, order("chats", self.chats)))]
        (folder / "profile.toml").write_text(profile_toml(self.scorecard), encoding="utf-8")
        return args + ["--profile", str(folder / "profile.toml"),
                       "--as-of", self.as_of.isoformat() + "+08:00", "--format", "json"]


# ---------------------------------------------------------------- the strategy

H, D = 3600, 86400
AS_OFS = [datetime(2027, 3, 1, 0, 0, 0), datetime(2027, 3, 15, 13, 37, 0),
          datetime(2027, 7, 1, 8, 0, 0)]
# Times of day on the night and service-hour boundaries of the profiles drawn below.
TODS = ["00:00:00", "05:59:59", "06:00:00", "07:29:59", "07:30:00", "07:59:59", "08:00:00",
        "08:59:59", "09:00:00", "10:00:00", "17:59:59", "18:00:00", "19:30:00", "21:59:59",
        "22:00:00", "22:59:59", "23:00:00", "23:30:00"]
COLLECT_AFTER = [0, 1, 6 * H, 24 * H - 1, 24 * H, 24 * H + 1, 36 * H, 48 * H - 1, 48 * H,
                 48 * H + 1, 60 * H, 72 * H, 72 * H + 1, 100 * H]
SIGN_AFTER = [0, 1, 24 * H, 48 * H, 72 * H, 5 * D]
DUE_AFTER = [24 * H, 48 * H, 72 * H, 96 * H, 5 * D]
DSR_AFTER = [-D, 0, 1, D, 10 * D, 40 * D]
APPLY_AFTER = [0, H, D, 2 * D - 1, 2 * D, 3 * D]
AGREE_AFTER = [0, 1800, H, 6 * H, 24 * H, 48 * H - 1, 48 * H, 48 * H + 1, 50 * H]
RECEIVE_AFTER = [H, 3 * D]
REFUND_AFTER = [0, H, 4 * H, 2 * D]
GAPS = [0, 1, 20, 60, 179, 180, 181, 240, 299, 300, 301, 600, 601, 3600]
AMOUNTS = [0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.01, 2.0, 15.5]
RATES = [0, 0.1, 0.2, 0.25, 0.5, 0.6, 0.75, 0.8, 0.9, 1]
SCALES = {"valid_paid_orders": [0, 1, 2, 3, 5, 10], "goods_score": [1, 2, 3, 3.5, 4, 4.5, 5],
          "pickup_points_mean": [40, 50, 60, 70, 80, 90, 100]}
HOURS = [0, 1, 6, 12, 17.5, 24, 48, 72, 100]
SECONDS = [0, 20, 30, 60, 180, 232.5, 300, 600]
POINTS = [40, 50, 60, 64, 70, 75, 77.5, 80, 85, 90, 95, 100]
WEIGHTS = [0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 1, 2, 3]
WITH_BAD = [m for m in METRICS if m.endswith("_rate")] + ["goods_score"]
OPTIONAL_PARAMS = {
    "service_hours": [["08:00", "23:00"], ["09:00", "18:00"]],
    "unanswered_seconds": [600, 300], "reply_limit_seconds": [180, 20],
    "pickup_night": [["18:00", "06:00"], ["22:00", "08:00"], ["01:00", "05:00"]],
    "pickup_points": [[[24, 100], [48, 80], [72, 60]], [[24, 100], [36, 90], [48, 80]]],
    "pickup_points_beyond": [50, 40], "pickup_limit_hours": [48, 24],
    "review_night": [["23:00", "08:00"], ["22:00", "07:30"]],
    "aftersale_limit_hours": [48, 24], "quality_reasons": [["quality"], ["quality", "damaged"]],
    "logistics_reasons": [["logistics"], ["logistics", "damaged"]],
    "help_basis": ["paid_orders", "aftersale_orders"],
    "window_days": [30, 7], "growth_score": [65, 70.5],
    "low_amount_yuan": [1.0, 0.5, 5.0], "total_decimals": [0, 1, 2],
    "display": ["douyin", "none"],
}
SHOPS = ["shopA", "shopB", "shopC"]


def scale(metric):
    if metric in SCALES:
        return SCALES[metric]
    if metric.endswith("_rate"):
        return RATES
    return HOURS if metric.endswith("_hours_mean") else SECONDS


def pick(draw, values):
    return draw(st.sampled_from(values))


@st.composite
def scorecards(draw) -> dict:
    """A random [experience] table: keys often left to their defaults."""
    table = {"name": pick(draw, ["商家体验分", "体验分"])}
    for key, values in OPTIONAL_PARAMS.items():
        if draw(st.booleans()):
            table[key] = pick(draw, values)
    if draw(st.integers(0, 4)):  # left out, the default 30 makes most shops growing
        table["min_orders"] = pick(draw, [0, 1, 3, 5, 30])
    if draw(st.booleans()):
        table["score_min"], table["score_max"] = pick(draw, [(0, 100), (60, 90), (50, 100)])
    names = draw(st.permutations(METRICS))
    dims, used = [], 0
    for dim_name in draw(st.sampled_from([["goods"], ["goods", "service"],
                                          ["goods", "logistics", "service"]])):
        k = draw(st.integers(1, 3))
        specs = []
        for metric in names[used:used + k]:
            spec = {"metric": metric, "weight": pick(draw, WEIGHTS),
                    "better": pick(draw, ["higher", "lower"])}
            if metric == "pickup_points_mean" and draw(st.booleans()) \
                    or draw(st.integers(0, 9)) == 0:
                spec["tiers"] = "value"
            else:
                bounds = sorted(draw(st.lists(st.sampled_from(scale(metric)), min_size=1,
                                              max_size=4, unique=True)),
                                reverse=spec["better"] == "higher")
                spec["tiers"] = [[b, pick(draw, POINTS)] for b in bounds]
            spec["below"] = pick(draw, [0] + POINTS[:4])
            specs.append(spec)
        used += k
        dims.append({"name": dim_name, "weight": pick(draw, WEIGHTS), "metrics": specs})
    table["dimensions"] = dims
    card = [s["metric"] for d in dims for s in d["metrics"]]
    floorable = [m for m in card if m in WITH_BAD]
    if floorable and draw(st.booleans()):
        table["floor"] = {"points": pick(draw, [60, 80, 90]),
                          "orders_below": pick(draw, [1, 3, 5, 100]),
                          "bad_at_most": pick(draw, [0, 1, 3]),
                          "metrics": draw(st.lists(st.sampled_from(floorable), min_size=1,
                                                   max_size=3, unique=True))}
    if draw(st.booleans()):
        dim = pick(draw, dims)
        # Conditions on the protected dimension's own metrics: a null dimension then fails
        # them all, whichever way "a null dimension is below points" is read.
        when = [[s["metric"], pick(draw, [">=", "<="]), pick(draw, scale(s["metric"]))]
                for s in draw(st.lists(st.sampled_from(dim["metrics"]), min_size=1,
                                       max_size=2, unique_by=lambda s: s["metric"]))]
        table["protection"] = {"dimension": dim["name"], "points": pick(draw, [80, 90]),
                               "when": when}
    return table


def moment(draw, as_of, days, tods=TODS) -> datetime:
    """A time near the window's edges, on a boundary time of day, or anywhere in the window."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        edge = pick(draw, [as_of - timedelta(days=days), as_of])
        return edge + timedelta(seconds=pick(draw, [-1, 0, 1]))
    day = as_of.date() + timedelta(days=draw(st.integers(-(days + 2), 1)))
    if kind == 1:
        return datetime.combine(day, datetime.strptime(pick(draw, tods), "%H:%M:%S").time())
    return datetime.combine(day, datetime.min.time()) + timedelta(
        seconds=draw(st.integers(0, 86399)))


def after(draw, when, choices):
    return None if when is None else when + timedelta(seconds=pick(draw, choices))


def maybe(draw, value, none_weight=1, of=4):
    return None if draw(st.integers(1, of)) <= none_weight else value


def draw_order(draw, shop, n, as_of, days, sc, cols) -> list:
    """The lines of one order (clocks drawn per order, then perturbed per line)."""
    order_id = f"o{n}"
    paid = maybe(draw, moment(draw, as_of, days), 1, 10)
    start = paid
    if paid is not None and in_daily(paid, sc.get("pickup_night", ["18:00", "06:00"])):
        start = next_clock(paid, sc.get("pickup_night", ["18:00", "06:00"])[1])
    collected = maybe(draw, after(draw, start, COLLECT_AFTER))
    signed = maybe(draw, after(draw, collected or paid, SIGN_AFTER))
    due = maybe(draw, signed if draw(st.booleans()) else after(draw, paid, DUE_AFTER), 2, 5)
    created = (paid or moment(draw, as_of, days)) - timedelta(minutes=5)
    lines = []
    for k in range(1, draw(st.integers(1, 3)) + 1):
        status = pick(draw, ["success", "success", "closed", "open"])
        row = {"shop_id": shop, "order_id": order_id, "line_id": f"L{k}",
               "buyer_id": f"b-{shop}-{n}", "item_id": f"i{k}", "created_at": created,
               "status": status,
               "completed_at": (signed or created + timedelta(days=3)) if status == "success"
               else None}
        for name, value in (("paid_at", paid), ("collected_at", collected),
                            ("signed_at", signed), ("delivery_due_at", due)):
            how = draw(st.integers(0, 9))
            row[name] = None if how == 0 else after(draw, value, [H, D]) if how == 1 else value
        if "amount" in cols:
            row["amount"] = pick(draw, AMOUNTS)
        if "dsr_description" in cols and draw(st.booleans()):
            row["dsr_description"] = draw(st.integers(1, 5))
            base = signed or paid or moment(draw, as_of, days)
            given = after(draw, base, DSR_AFTER) if draw(st.booleans()) \
                else moment(draw, as_of, days)
            # Never before the trade was created: an order created after as_of then has
            # nothing by as_of, whether or not a reading drops such lines first.
            row["dsr_rated_at"] = max(given, created)
        lines.append(row)
    return lines


def draw_case(draw, shop, number, order_lines, as_of, days, cols, liable) -> dict:
    paid = min((r["paid_at"] for r in order_lines if r.get("paid_at")), default=None)
    if paid is not None and draw(st.booleans()):
        applied = after(draw, paid, APPLY_AFTER)
    else:
        applied = moment(draw, as_of, days, ["07:59:59", "08:00:00", "22:00:00", "22:59:59",
                                              "23:00:00", "23:30:00", "07:30:00", "10:00:00"])
    applied = max(applied, order_lines[0]["created_at"])  # as for the DSR: not before
    kind = pick(draw, ["refund_unshipped", "refund_shipped", "return_refund", "exchange"])
    status = pick(draw, ["refunded", "refunded", "closed", "rejected", "open"])
    agreed = maybe(draw, after(draw, applied, AGREE_AFTER))
    received = maybe(draw, after(draw, agreed, RECEIVE_AFTER), 1, 2)
    refunded = after(draw, received or agreed or applied, REFUND_AFTER) \
        if status == "refunded" else None
    row = {"shop_id": shop, "aftersale_id": f"R{number}", "order_id": order_lines[0]["order_id"],
           "type": kind, "reason": pick(draw, ["quality", "damaged", "logistics", "no_reason",
                                               "other"]),
           "status": status, "applied_at": applied, "agreed_at": agreed,
           "return_received_at": received, "refunded_at": refunded,
           "escalated": draw(st.booleans())}
    if "seller_liable" in cols:
        # One ruling per order: whether it is read on the first case or on any case of the
        # order (RULES.md does not say) then gives the same figure.
        row["seller_liable"] = liable
    return {k: v for k, v in row.items() if k in cols}


def draw_session(draw, shop, number, as_of, days, rated) -> list:
    t = moment(draw, as_of, days, ["07:59:59", "08:00:00", "08:59:59", "09:00:00", "10:00:00",
                                   "17:59:59", "18:00:00", "22:59:59", "23:00:00"])
    rows, seen = [], set()
    for _ in range(draw(st.integers(1, 6))):
        sender = pick(draw, ["buyer", "buyer", "buyer", "agent", "agent", "bot"])
        if (t, sender) not in seen:  # one message per sender and second: "last" is defined
            seen.add((t, sender))
            rows.append({"shop_id": shop, "session_id": f"s{number}",
                         "buyer_id": f"buyer-{number}", "sent_at": t, "sender": sender,
                         "rating": maybe(draw, draw(st.integers(1, 5)), 3) if rated else None})
        t += timedelta(seconds=pick(draw, GAPS))
    return rows


@st.composite
def experience_datasets(draw) -> Dataset:
    """Small valid canonical inputs: 2-3 shops, 0-15 orders each, after-sale cases of every
    type, reason and status, chat sessions, times on the edges; some files or columns absent."""
    sc = draw(scorecards())
    as_of = pick(draw, AS_OFS)
    days = sc.get("window_days", 30)
    cols = ["shop_id", "order_id", "line_id", "buyer_id", "item_id", "created_at",
            "completed_at", "status", "paid_at"]
    for name, keep in (("amount", 2), ("collected_at", 9), ("signed_at", 9),
                       ("delivery_due_at", 7), ("dsr_description", 6)):
        if draw(st.integers(0, 9)) < keep:
            cols.append(name)
    if "dsr_description" in cols:
        cols.append("dsr_rated_at")
    shops = SHOPS[:draw(st.integers(2, 3))]
    trades, by_order = [], {}
    for shop in shops:
        for n in range(draw(st.integers(0, 15))):
            lines = draw_order(draw, shop, n, as_of, days, sc, cols)
            trades += lines
            by_order[(shop, n)] = lines
    if not trades:  # the CLI needs a trade line
        lines = draw_order(draw, shops[0], 0, as_of, days, sc, cols)
        trades, by_order[(shops[0], 0)] = lines, lines
    trades = [{k: v for k, v in r.items() if k in cols} for r in trades]
    orders = list(by_order.items())

    after_sales = after_cols = None
    if draw(st.integers(0, 6)):
        after_cols = ["shop_id", "aftersale_id", "order_id", "type", "reason", "status",
                      "applied_at", "agreed_at", "return_received_at", "refunded_at",
                      "escalated"]
        if draw(st.booleans()):
            after_cols.append("seller_liable")
        if not draw(st.integers(0, 7)):
            after_cols.remove("agreed_at")
        after_sales, liable = [], {}
        for number in range(draw(st.integers(0, 10))):
            (shop, n), lines = pick(draw, orders)
            liable.setdefault((shop, n), draw(st.booleans()))
            after_sales.append(draw_case(draw, shop, number + 1, lines, as_of, days, after_cols,
                                         liable[(shop, n)]))

    chats = chat_cols = None
    with_lines = sorted({r["shop_id"] for r in trades})
    if draw(st.integers(0, 6)):
        chat_cols = ["shop_id", "session_id", "buyer_id", "sent_at", "sender", "rating"]
        if not draw(st.integers(0, 7)):
            chat_cols.remove("rating")
        chats = []
        for number in range(draw(st.integers(0, 8))):
            shop = pick(draw, with_lines)
            chats += draw_session(draw, shop, number + 1, as_of, days, "rating" in chat_cols)
        chats = [{k: v for k, v in r.items() if k in chat_cols} for r in chats]

    written = {"trades": draw(st.permutations(range(len(trades))))}
    if chats:
        written["chats"] = draw(st.permutations(range(len(chats))))
    if after_sales:
        written["after_sales"] = draw(st.permutations(range(len(after_sales))))
    return Dataset(as_of, sc, trades, cols, after_sales, after_cols, chats, chat_cols,
                   {k: list(v) for k, v in written.items()})
