"""The audit in N partitions: every file's rows routed to a partition (engine/routing.py),
each partition prepared, decided and tallied by the very code of a whole audit (inputs/load,
engine/decide, engine/audit), the tallies added shop by shop and the result assembled as one
audit assembles it. Nothing in the result depends on N: rules group within one shop and
buyer, a rating or case goes where its order went, and every figure is a sum of counts.

Each partition is let go before the next is read in: the memory an audit needs is about a
partition's, not the whole input's (the files themselves are read whole first, for now)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.audit import Tallied, assemble, inputs_of, tally
from shopscore.scoring.engine.decide import decide, local_as_of
from shopscore.scoring.engine.experience import available_inputs
from shopscore.scoring.engine.routing import (
    OrderMap,
    chat_partitions,
    line_partitions,
)
from shopscore.scoring.engine.stages import stage
from shopscore.scoring.inputs.columns import DEFAULT_SHOP, REQUIRED_TRADES
from shopscore.scoring.inputs.dataset import REJECT_COLUMNS, Dataset, FileAccount, expand_inputs
from shopscore.scoring.inputs.load import input_of, prepare, ratings_input, read_input
from shopscore.scoring.inputs.raw import RawFile, no_rejects
from shopscore.scoring.inputs.service_join import read_service_tables, with_service_tables
from shopscore.scoring.inputs.service_tables import ServiceTable
from shopscore.scoring.rules import checks as checks_mod


@dataclass
class _Routed:
    """One input file, read, with each row's partition."""

    raw: RawFile
    platform: str  # as detected on the whole file
    role: str
    part: np.ndarray
    later: pd.DataFrame | None  # the columns a Parquet file leaves for later, all rows


def audit_partitioned(trades_paths, profile, as_of, partitions: int, industry=None,
                      checks=None, shop: str | None = None, *, ratings_path=None,
                      platform: str = "auto", encoding=None, sheet=None, after_sales=None,
                      chats=None, required: tuple = REQUIRED_TRADES):
    """(the accounting as a Dataset without lines, the AuditResult, how many trade lines
    were read) of the audit of these files in `partitions` partitions."""
    checks = list(checks) if checks is not None else checks_mod.profile_checks(profile)
    when = local_as_of(as_of, profile)
    tz = profile.timezone
    with stage("read"):
        files = _read_all(expand_inputs(trades_paths), ratings_path, platform, encoding, sheet,
                          required)
    with stage("route"):
        shops = _shops(files)
        orders = _route(files, partitions)
    service = read_service_tables(tz, after_sales, chats, encoding, sheet) \
        if after_sales is not None or chats is not None else {}
    service_parts = {kind: _route_service(table, orders, partitions)
                     for kind, table in service.items()}
    parts, accounts, rejects, orphans, lines, available = [], [], [], 0, 0, None
    for p in range(partitions):
        with stage("prepare"):
            pieces = [_piece(number, f, p, required) for number, f in enumerate(files)]
            data = prepare(pieces, tz, required, shops=shops)
            if service:
                data = with_service_tables(
                    data, {kind: _service_piece(table, service_parts[kind], p)
                           for kind, table in service.items()}, shops=shops)
        if available is None:
            available = available_inputs(data)
        decisions = decide(data, profile, when)
        with stage("summary"):
            parts.append(tally(data, decisions, profile, when, shop, available, part=True))
        accounts.append(data.files)
        rejects.append(data.rejects)
        orphans += len(decisions.orphans)
        lines += len(data.lines)
        del data, decisions
    found = Tallied.merged(parts)
    merged_files = _accounts(accounts)
    data = Dataset(lines=pd.DataFrame(), orphans=pd.DataFrame(), files=merged_files,
                   rejects=_rejects(rejects, merged_files))
    with stage("summary"):
        result = assemble(found, profile, when, industry or {}, checks,
                          inputs_of(merged_files, orphans), available or set())
    return data, result, lines


def _read_all(paths, ratings_path, platform, encoding, sheet, required) -> list[_Routed]:
    out = []
    for number, path in enumerate(paths):
        out.append(_opened(number, read_input(path, encoding, sheet), platform, required))
    if ratings_path is not None:
        raw = read_input(Path(ratings_path), encoding, sheet)
        opened = _opened(len(out), raw, platform, required)
        out.append(replace(opened, role="ratings"))
    return out


def _opened(number: int, raw: RawFile, platform: str, required) -> _Routed:
    inp = input_of(number, raw, platform, required)
    later = raw.read_later() if raw.later else None
    return _Routed(raw, inp.mapped.platform, inp.role, np.zeros(0, np.int32), later)


def _mapped_ids(f: _Routed) -> pd.DataFrame:
    """The file's id columns under their canonical names (the first part of a Parquet file
    holds them)."""
    inp = input_of(0, replace(f.raw, later=[]), f.platform)
    return inp.mapped.frame


def _shops(files: list[_Routed]) -> list:
    """The shops the trade rows name (a rating or case that names none takes the one shop
    of all of them)."""
    found, unnamed = set(), False
    for f in files:
        if f.role == "ratings":
            continue
        frame = _mapped_ids(f)
        if "shop_id" in frame:
            coded = ids.encode(frame["shop_id"])[0]
            found |= {str(c) for c in np.asarray(coded.categories.astype(object))}
            unnamed |= bool((np.asarray(coded.codes) < 0).any()) and f.role == "trades"
        elif f.role == "trades":
            unnamed = True
    if unnamed:
        found.add(DEFAULT_SHOP)
    return sorted(found)


def _route(files: list[_Routed], partitions: int) -> OrderMap:
    """Give each file's rows their partition: trade rows by (shop, buyer), then the rest by
    their order."""
    orders = OrderMap()
    for f in files:
        if f.role == "trades":
            frame = _mapped_ids(f)
            f.part = line_partitions(frame, f.raw.rows, partitions)
            orders.add(frame, f.part)
    orders.freeze()
    for f in files:
        if f.role != "trades":
            frame = _mapped_ids(f)
            f.part = orders.partitions(frame["order_id"], partitions) if "order_id" in frame \
                else np.zeros(len(frame), np.int32)
    return orders


def _piece(number: int, f: _Routed, p: int, required):
    """Partition p's rows of one file, opened as the file itself would be (its ragged rows,
    read = used + rejected, counted in partition 0 only)."""
    take = np.flatnonzero(f.part == p)
    frame = f.raw.frame.iloc[take].reset_index(drop=True)
    later = [] if f.later is None else list(f.later.columns)
    rest = None if f.later is None else f.later.iloc[take].reset_index(drop=True)
    raw = RawFile(f.raw.path, frame, f.raw.rows[take], f.raw.ragged if p == 0 else no_rejects(),
                  f.raw.kind, f.raw.encoding, list(f.raw.headers), later,
                  (lambda: rest) if rest is not None else None)
    inp = input_of(number, raw, f.platform, required)
    if f.role == "ratings":
        inp = ratings_input(inp)
    else:
        inp.role = f.role
    return inp


def _route_service(table: ServiceTable, orders: OrderMap, partitions: int) -> np.ndarray:
    frame = table.frame
    if table.kind == "chats":
        return chat_partitions(frame, partitions)
    return orders.partitions(frame["order_id"], partitions)


def _service_piece(table: ServiceTable, part: np.ndarray, p: int) -> ServiceTable:
    """Partition p's rows of a service table; its files' rows read and reading rejects are
    counted in partition 0 only."""
    frame = table.frame.iloc[np.flatnonzero(part == p)].reset_index(drop=True)
    files = table.files if p == 0 else [(path, platform, enc, 0, headers)
                                        for path, platform, enc, _, headers in table.files]
    rejects = [r.copy() for r in table.rejects] if p == 0 else []
    return ServiceTable(table.kind, frame, table.columns, files, rejects)


def _accounts(per_part: list[list]) -> list[FileAccount]:
    """Every file's accounting, added over the partitions."""
    out = []
    for k, first in enumerate(per_part[0]):
        reasons = Counter()
        read = rejected = 0
        for files in per_part:
            read += files[k].rows_read
            rejected += files[k].rows_rejected
            reasons.update(files[k].rejected_by_reason)
        out.append(FileAccount(first.path, first.role, read, rejected,
                               {str(c): int(n) for c, n in reasons.items() if n},
                               first.platform, first.encoding, first.headers))
    return out


def _rejects(per_part: list[pd.DataFrame], files: list[FileAccount]) -> pd.DataFrame:
    """Every rejected row, by file (in the order given) and row."""
    found = [r for r in per_part if len(r)]
    if not found:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    merged = pd.concat(found, ignore_index=True)
    order = {}
    for k, f in enumerate(files):
        order.setdefault(f.path, k)
    key = merged["file"].map(order).fillna(len(files)).to_numpy()
    at = np.lexsort((merged["row"].to_numpy(dtype=np.int64), key))
    return merged.iloc[at].reset_index(drop=True)[REJECT_COLUMNS]

