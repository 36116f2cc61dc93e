"""The audit in N partitions: every file's rows routed to a partition (engine/routing.py),
each partition prepared, decided and tallied by the very code of a whole audit (inputs/load,
engine/decide, engine/audit), the tallies added shop by shop and the result assembled as one
audit assembles it. Nothing in the result depends on N: rules group within one shop and
buyer, a rating or case goes where its order went, and every figure is a sum of counts.

Memory: a Parquet file is read a batch of rows at a time, a CSV file a piece of lines at a
time, and each batch's rows are written to their partition's spill file (engine/spill.py:
Arrow IPC streams, in a temporary directory removed afterwards); then one partition at a
time is decided and let go while the next is read back and validated on the second core (so
two are in memory at once: engine/budget.py counts them). An Excel file, and the after-sales
and chats files, are still read whole and split in memory."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.audit import Tallied, assemble, inputs_of, tally
from shopscore.scoring.engine.budget import physical_memory
from shopscore.scoring.engine.calendar import calendar_of
from shopscore.scoring.engine.decide import decide, local_as_of
from shopscore.scoring.engine.experience import available_inputs
from shopscore.scoring.engine.routing import (
    OrderMap,
    Selection,
    chat_partitions,
    coded_ids,
    line_partitions,
)
from shopscore.scoring.engine.spill import (
    LZ4,
    PLAIN,
    ROW,
    Source,
    SpillFile,
    Writers,
    each_batch,
    for_part,
    id_frame,
    id_frames,
    ids_piece,
    open_source,
    piece,
)
from shopscore.scoring.engine.stages import note_parts, stage
from shopscore.scoring.engine.threads import meanwhile
from shopscore.scoring.inputs.accounts import LINE_ROLES, ratings_only
from shopscore.scoring.inputs.columns import DEFAULT_SHOP, REQUIRED_TRADES
from shopscore.scoring.inputs.dataset import REJECT_COLUMNS, Dataset, FileAccount, expand_inputs
from shopscore.scoring.inputs.load import prepare
from shopscore.scoring.inputs.service_join import read_service_tables, with_service_tables
from shopscore.scoring.inputs.service_tables import ServiceTable
from shopscore.scoring.rules import checks as checks_mod

# Spill files of a huge input are compressed (LZ4: fewer bytes to write and read back, for
# CPU). Below this the page cache holds them and compressing only costs: 100M lines (8.4 GB
# of Parquet) took 114 s with LZ4 and 157 s with zstd, against 96 s not compressed.
COMPRESS_ABOVE = 16 << 30  # bytes of Parquet input
# Spill files are written around the page cache (engine/direct.py) above this share of the
# machine's memory of Parquet input (the spill takes about twice its bytes): one the page
# cache could never hold. 100M lines, 8.4 GB of Parquet and 16 GB of spill, were routed in
# 37 s instead of 44 (88 s against 96 in all; the kernel's time 7 s against 25). A 9.7 GB
# CSV (2.4 GB by this reckoning, CSV_BYTES) took 95 s written directly, 83 s not: it is not.
DIRECT_SHARE = 1 / 4
FILTER_UP_TO = 8  # partitions whose rows are filtered out of a batch (more: gathered)
CSV_BYTES = 4  # about the bytes of CSV that hold what a byte of Parquet holds


@dataclass
class Insight:
    """What an insight command asks of each partition beyond its tallies, and what it gets:
    the DSR scores by day (`calendar`, added up into `found`), a `piece(data, decisions,
    tallied, task)` of each partition (a top-level function, so that it pickles; into
    `pieces`), the audit's tallies added up (`tallied`), and with `select` ({column: id})
    only the partitions holding rows of those ids decided."""

    calendar: bool = False
    piece: object = None
    select: dict | None = None
    found: object = None  # the DsrCalendar of the audit
    pieces: list = field(default_factory=list)
    shops: list = field(default_factory=list)  # every shop of the trade rows
    tallied: Tallied | None = None
    available: set = field(default_factory=set)  # the inputs the metrics could read


@dataclass
class PartTask:
    """One partition's audit, everything it needs in hand (it pickles: a Dask worker runs
    it): its rows of every file (a whole file's rows themselves, a streamed file's spill
    files) and of the service tables."""

    p: int
    sources: list  # Source of this partition only
    service: dict  # kind -> ServiceTable of this partition's rows
    profile: object
    when: object  # local as_of
    shop: str | None
    shops: list
    required: tuple
    insight: Insight | None = None
    shared: object = None  # the orders rows of several shops hold (OrderMap.shared)


@dataclass
class PartResult:
    """What a partition adds to the audit."""

    tallied: Tallied
    files: list
    rejects: pd.DataFrame
    orphans: int
    lines: int
    available: set
    piece: object = None


def run_part(task: PartTask) -> PartResult:
    """Prepare, decide and tally one partition with the code of a whole audit."""
    return finish_part(task, prepare_part(task))


def prepare_part(task: PartTask) -> Dataset:
    """One partition's rows read back, validated and joined."""
    tz, shops = task.profile.timezone, task.shops
    with stage("prepare"):
        pieces = [piece(s, task.p, task.required) for s in task.sources]
        data = prepare(pieces, tz, task.required, shops=shops, shared=task.shared)
        del pieces
        if task.service:
            data = with_service_tables(data, task.service, shops=shops)
    return data


def finish_part(task: PartTask, data: Dataset) -> PartResult:
    """One prepared partition decided and tallied."""
    available = available_inputs(data)
    decisions = decide(data, task.profile, task.when)
    insight = task.insight
    with stage("summary"):
        tallied = tally(data, decisions, task.profile, task.when, task.shop, available,
                        part=True, calendar=insight is not None and insight.calendar)
    asked = None
    if insight is not None and insight.piece is not None:
        asked = insight.piece(data, decisions, tallied, task)
    tallied.units = None  # not carried back
    return PartResult(tallied, data.files, data.rejects, len(decisions.orphans),
                      len(data.lines), available, asked)


def _in_turn(tasks, total: int):
    """The local runner: one partition after another (`tasks` made as they are asked for),
    the next one read back and validated on the second core while one is decided, each let
    go once decided."""
    tasks = iter(tasks)
    task = next(tasks, None)
    ready = meanwhile(prepare_part, task) if task is not None else None
    done = 0
    while task is not None:
        data = ready.result()
        following = next(tasks, None)
        ready = meanwhile(prepare_part, following) if following is not None else None
        result = finish_part(task, data)
        del data
        done += 1
        note_parts(done, total)
        yield result
        task = following


def audit_partitioned(trades_paths, profile, as_of, partitions: int, industry=None,
                      checks=None, shop: str | None = None, *, ratings_path=None,
                      platform: str = "auto", encoding=None, sheet=None, after_sales=None,
                      chats=None, required: tuple = REQUIRED_TRADES, run=_in_turn,
                      insight: Insight | None = None):
    """(the accounting as a Dataset without lines, the AuditResult, how many trade lines
    were read) of the audit of these files in `partitions` partitions. `run(tasks, total)` gives
    each PartTask's PartResult, `total` of them (in turn here; on a Dask cluster,
    engine/cluster.py). With `insight`, what it asks of the partitions is put in it; when it
    selects the partitions to decide, the result is None (only those were decided)."""
    checks = list(checks) if checks is not None else checks_mod.profile_checks(profile)
    when = local_as_of(as_of, profile)
    paths = expand_inputs(trades_paths)
    given = [(p, None) for p in paths] + ([(Path(ratings_path), "ratings")]
                                          if ratings_path is not None else [])
    folder = Path(tempfile.mkdtemp(prefix="shopscore-partitions-"))
    try:
        with stage("read"):
            sources = [open_source(n, path, role, platform, encoding, sheet, required)
                       for n, (path, role) in enumerate(given)]
        big = sum(s.streamed.stat().st_size // (1 if s.plan is not None else CSV_BYTES)
                  for s in sources if s.streamed is not None)
        for s in sources:
            s.options = LZ4 if big > COMPRESS_ABOVE else PLAIN
            s.direct = big > (physical_memory() or big) * DIRECT_SHARE
        select = insight.select if insight is not None else None
        if select is not None and not any(s.role in LINE_ROLES for s in sources):
            raise ratings_only(given[0][0])  # as the whole run's accounting would say
        with stage("route"):
            orders, shops, needed = _route(sources, partitions, folder,
                                           after_sales is not None, select)
        wanted = range(partitions) if select is None else sorted(needed)
        service = read_service_tables(profile.timezone, after_sales, chats, encoding, sheet) \
            if after_sales is not None or chats is not None else {}
        service_parts = {kind: _route_service(table, orders, partitions)
                         for kind, table in service.items()}
        shared = orders.shared
        del orders
        tasks = (PartTask(p, [for_part(s, p) for s in sources],
                          {kind: _service_piece(table, service_parts[kind], p)
                           for kind, table in service.items()},
                          profile, when, shop, shops, required, insight, shared)
                 for p in wanted)
        results = list(run(tasks, len(wanted)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if insight is not None:
        insight.pieces, insight.shops = [r.piece for r in results], shops
    if select is not None:
        return None, None, sum(r.lines for r in results)
    merged_files = _accounts([r.files for r in results])
    data = Dataset(lines=pd.DataFrame(), orphans=pd.DataFrame(), files=merged_files,
                   rejects=_rejects([r.rejects for r in results], merged_files))
    # What the metrics could read: what any partition could (one may hold no chat at all).
    available = set().union(*(r.available for r in results))
    with stage("summary"):
        merged = Tallied.merged([r.tallied for r in results])
        result = assemble(merged, profile, when, industry or {}, checks,
                          inputs_of(merged_files, sum(r.orphans for r in results)),
                          available)
    if insight is not None:
        insight.tallied, insight.available = merged, available
        if insight.calendar:
            insight.found = calendar_of(merged.calendar, merged.shop_ids, profile, when)
    return data, result, sum(r.lines for r in results)


# --- opening and routing ----------------------------------------------------------------

class _Shops:
    """The shops the trade rows name (a rating or case that names none takes the one shop
    of all of them), gathered as the rows are routed."""

    def __init__(self):
        self.found, self.unnamed = set(), False

    def add(self, frame: pd.DataFrame, role: str):
        if role == "ratings":
            return
        if "shop_id" in frame:
            column = frame["shop_id"]
            coded = column.array if isinstance(column.dtype, pd.CategoricalDtype) \
                else ids.encode(column)[0]
            self.found |= {str(c) for c in np.asarray(coded.categories.astype(object))}
            self.unnamed |= bool((np.asarray(coded.codes) < 0).any()) and role == "trades"
        elif role == "trades" and len(frame):
            self.unnamed = True

    def merge(self, other: _Shops):
        self.found |= other.found
        self.unnamed |= other.unnamed

    def sorted(self) -> list:
        return sorted(self.found | ({DEFAULT_SHOP} if self.unnamed else set()))


def _route(sources: list[Source], partitions: int, folder: Path, cases: bool = False,
           select: dict | None = None) -> tuple[OrderMap, list, set]:
    """Give each file's rows their partition: trade rows by (shop, buyer), then the rest by
    their order; a streamed file's rows are written to their partition's spill file.
    Returns the order map (kept only when some rows follow their order: ratings, item
    reports, after-sale `cases`), the shops of the trade rows, and the partitions holding
    rows of the `select` ids (routing.Selection)."""
    orders, shops, needed = OrderMap(), _Shops(), set()
    chosen = Selection(select) if select is not None else None
    follow = cases or any(s.role != "trades" for s in sources)
    for s in sources:
        if s.role == "trades":
            _split(s, partitions, folder,
                   lambda frame, rows: line_partitions(frame, rows, partitions),
                   orders if follow else None, shops, chosen, needed)
    orders.freeze()
    for s in sources:
        if s.role != "trades":
            _split(s, partitions, folder,
                   lambda frame, rows: orders.partitions(frame["order_id"], partitions,
                                                         frame.get("shop_id"))
                   if "order_id" in frame else np.zeros(len(frame), np.int32), None, shops,
                   chosen, needed)
    return orders, shops.sorted(), needed


def _split(source: Source, partitions: int, folder: Path, route, orders: OrderMap | None,
           shops: _Shops, chosen: Selection | None = None, needed: set | None = None):
    if source.raw is not None:
        frame = coded_ids(next(id_frames(source)))
        shops.add(frame, source.role)
        source.part = route(frame, source.raw.rows)
        if orders is not None:
            orders.add(frame, source.part)
        if chosen is not None:
            needed.update(_hits(chosen, frame, source.part, source.role))
        return
    found = each_batch(source, lambda group, table, rows, writers: _spill_batch(
        source, partitions, folder, route, orders is not None, group, table, rows, writers,
        chosen))
    for named, hashed, hits in found:  # in the file's order: an order's first row stays first
        shops.merge(named)
        if orders is not None:
            orders.add_hashed(hashed)
        needed.update(hits)


def _hits(chosen: Selection, frame: pd.DataFrame, part: np.ndarray, role: str) -> list:
    """The partitions given rows of the chosen ids."""
    return np.unique(part[chosen.rows(frame, role == "trades")]).tolist()


def _spill_batch(source: Source, partitions: int, folder: Path, route, keep: bool,
                 group: int, table: pa.Table, rows: np.ndarray, writers: Writers,
                 chosen: Selection | None = None):
    """Route one batch of a file's rows and append each partition's rows to that
    partition's spill file of this group; (the shops it names, its orders' hashes and
    partitions when the order map is kept, the partitions given `chosen` rows)."""
    frame = coded_ids(id_frame(source, ids_piece(source, table, rows)))
    part = route(frame, rows)
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(partitions + 1))
    table = table.append_column(ROW, pa.array(rows))
    # A few partitions: each one's rows filtered out in a scan; many: the batch gathered in
    # partition order once, each partition's rows a slice of it (41 partitions: half the
    # time of gathering each on its own).
    few = partitions <= FILTER_UP_TO
    gathered = None if few else table.take(order)
    for p in np.flatnonzero(np.diff(bounds)):
        if p not in writers:
            path = folder / f"{source.number}-{p}-{group}.arrow"
            writers[p] = SpillFile(path, table.schema, source.options, source.direct)
            source.spill.setdefault(int(p), {})[group] = path
        writers[p].write_table(table.filter(pa.array(part == p)) if few
                               else gathered.slice(bounds[p], bounds[p + 1] - bounds[p]))
    named = _Shops()
    named.add(frame, source.role)
    return named, (OrderMap.hashed(frame, part) if keep else None), \
        (_hits(chosen, frame, part, source.role) if chosen is not None else [])


# --- the after-sales and chats, by partition ---------------------------------------------

def _route_service(table: ServiceTable, orders: OrderMap, partitions: int) -> np.ndarray:
    frame = table.frame
    if table.kind == "chats":
        return chat_partitions(frame, partitions)
    return orders.partitions(frame["order_id"], partitions, frame.get("shop_id"))


def _service_piece(table: ServiceTable, part: np.ndarray, p: int) -> ServiceTable:
    """Partition p's rows of a service table; its files' rows read and reading rejects are
    counted in partition 0 only."""
    frame = table.frame.iloc[np.flatnonzero(part == p)].reset_index(drop=True)
    files = table.files if p == 0 else [(path, platform, enc, 0, headers)
                                        for path, platform, enc, _, headers in table.files]
    rejects = [r.copy() for r in table.rejects] if p == 0 else []
    return ServiceTable(table.kind, frame, table.columns, files, rejects)


# --- adding up the accounting ---------------------------------------------------------------

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
