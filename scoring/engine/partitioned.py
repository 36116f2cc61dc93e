"""The audit in N partitions: every file's rows routed to a partition (engine/routing.py),
each partition prepared, decided and tallied by the very code of a whole audit (inputs/load,
engine/decide, engine/audit), the tallies added shop by shop and the result assembled as one
audit assembles it. Nothing in the result depends on N: rules group within one shop and
buyer, a rating or case goes where its order went, and every figure is a sum of counts.

Memory: a Parquet file is read a batch of rows at a time, a CSV file a piece of lines at a
time (inputs/csvchunks.py), and each batch's rows are written to their partition's spill
file (Arrow IPC, in a temporary directory removed afterwards); then one partition at a time
is read back, audited and let go. An Excel file, and the after-sales and chats files, are
still read whole and split in memory."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shopscore.scoring.engine import ids
from shopscore.scoring.engine.audit import Tallied, assemble, inputs_of, tally
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
from shopscore.scoring.engine.stages import note_parts, note_read, stage
from shopscore.scoring.engine.threads import ahead, two_at_a_time
from shopscore.scoring.errors import InputFileError
from shopscore.scoring.inputs import platforms as plat
from shopscore.scoring.inputs.columns import DEFAULT_SHOP, REQUIRED_TRADES
from shopscore.scoring.inputs.csvchunks import CsvStream, csv_pieces, csv_stream
from shopscore.scoring.inputs.dataset import REJECT_COLUMNS, Dataset, FileAccount, expand_inputs
from shopscore.scoring.inputs.load import (
    FEW_WORDS,
    ids_only,
    input_of,
    prepare,
    ratings_input,
    read_input,
)
from shopscore.scoring.inputs.raw import RawFile, clean_header, first_line, no_rejects, text_mapper
from shopscore.scoring.inputs.read import (
    ParquetPlan,
    memory_error,
    parquet_piece,
    parquet_plan,
    refuse_irregular,
)
from shopscore.scoring.inputs.service_join import read_service_tables, with_service_tables
from shopscore.scoring.inputs.service_tables import ServiceTable
from shopscore.scoring.rules import checks as checks_mod

BATCH_ROWS = 1 << 20  # the rows of a Parquet file routed at a time (row groups two at a time)
STEP_ROWS = 1 << 18  # within a row group read on one of two cores, the rows at a time
ROW = "__row"  # a spilled row's number in its file
# Spill files of a huge input are compressed (LZ4: fewer bytes to write and read back, for
# CPU). Below this the page cache holds them and compressing only costs: 100M lines (8.4 GB
# of Parquet) took 219 s compressed, 191 s not.
COMPRESS_ABOVE = 16 << 30  # bytes of Parquet input
PLAIN, LZ4 = pa.ipc.IpcWriteOptions(), pa.ipc.IpcWriteOptions(compression="lz4")
FILTER_UP_TO = 8  # partitions whose rows are filtered out of a batch (more: gathered)
CSV_BYTES = 4  # about the bytes of CSV that hold what a byte of Parquet holds
EXCEL = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass
class _Source:
    """One trade or rating file on its way into the partitions: read whole (`raw`, each
    row's partition in `part`) or streamed (a Parquet `plan` or a `csv` file read in pieces,
    each partition's rows in `spill`)."""

    number: int
    role: str
    platform: str
    raw: RawFile | None = None
    part: np.ndarray | None = None
    later: pd.DataFrame | None = None  # a whole file's columns left for later, all rows
    plan: ParquetPlan | None = None
    spill: dict = field(default_factory=dict)  # partition -> its rows (Arrow IPC file)
    empty: pa.Table | None = None  # the spilled columns, no rows
    options: object = None  # how its spill files are written (PLAIN or LZ4)
    csv: CsvStream | None = None
    ragged: pd.DataFrame | None = None  # a streamed CSV's rows unreadable as such (all pieces)

    @property
    def streamed(self) -> Path | None:
        """The file read a batch at a time (None: read whole)."""
        return self.plan.path if self.plan is not None else \
            self.csv.path if self.csv is not None else None


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
    sources: list  # _Source of this partition only
    service: dict  # kind -> ServiceTable of this partition's rows
    profile: object
    when: object  # local as_of
    shop: str | None
    shops: list
    required: tuple
    insight: Insight | None = None


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
    tz, shops = task.profile.timezone, task.shops
    with stage("prepare"):
        pieces = [_piece(s, task.p, task.required) for s in task.sources]
        data = prepare(pieces, tz, task.required, shops=shops)
        del pieces
        if task.service:
            data = with_service_tables(data, task.service, shops=shops)
    available = available_inputs(data)
    decisions = decide(data, task.profile, task.when)
    insight = task.insight
    with stage("summary"):
        tallied = tally(data, decisions, task.profile, task.when, task.shop, available,
                        part=True, calendar=insight is not None and insight.calendar)
    piece = None
    if insight is not None and insight.piece is not None:
        piece = insight.piece(data, decisions, tallied, task)
    tallied.units = None  # not carried back
    return PartResult(tallied, data.files, data.rejects, len(decisions.orphans),
                      len(data.lines), available, piece)


def _in_turn(tasks, total: int):
    """The local runner: one partition after another (`tasks` made as they are asked for),
    each let go before the next."""
    for done, task in enumerate(tasks, 1):
        yield run_part(task)
        note_parts(done, total)


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
            sources = [_open(n, path, role, platform, encoding, sheet, required)
                       for n, (path, role) in enumerate(given)]
        big = sum(s.streamed.stat().st_size // (1 if s.plan is not None else CSV_BYTES)
                  for s in sources if s.streamed is not None)
        for s in sources:
            s.options = LZ4 if big > COMPRESS_ABOVE else PLAIN
        select = insight.select if insight is not None else None
        with stage("route"):
            orders, shops, needed = _route(sources, partitions, folder,
                                           after_sales is not None, select)
        wanted = range(partitions) if select is None else sorted(needed)
        service = read_service_tables(profile.timezone, after_sales, chats, encoding, sheet) \
            if after_sales is not None or chats is not None else {}
        service_parts = {kind: _route_service(table, orders, partitions)
                         for kind, table in service.items()}
        del orders
        tasks = (PartTask(p, [_for_part(s, p) for s in sources],
                          {kind: _service_piece(table, service_parts[kind], p)
                           for kind, table in service.items()},
                          profile, when, shop, shops, required, insight) for p in wanted)
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
    with stage("summary"):
        merged = Tallied.merged([r.tallied for r in results])
        result = assemble(merged, profile, when, industry or {}, checks,
                          inputs_of(merged_files, sum(r.orphans for r in results)),
                          results[0].available if results else set())
    if insight is not None:
        insight.tallied, insight.available = merged, results[0].available if results else set()
        if insight.calendar:
            insight.found = calendar_of(merged.calendar, merged.shop_ids, profile, when)
    return data, result, sum(r.lines for r in results)


def _for_part(source: _Source, p: int) -> _Source:
    """The source reduced to partition p: a whole file's rows of p, or a streamed file's
    spill files of p (taken from the source: each is read once)."""
    if source.raw is not None:
        return _Source(source.number, source.role, source.platform,
                       raw=_whole_piece(source, p))
    return _Source(source.number, source.role, source.platform, plan=source.plan,
                   spill={p: source.spill.pop(p, {})}, empty=source.empty, csv=source.csv,
                   ragged=source.ragged if p == 0 else None)


# --- opening and routing ----------------------------------------------------------------

def _open(number: int, path: Path, role, platform, encoding, sheet, required) -> _Source:
    """A file's platform and role from its headers; a Parquet file is not read yet."""
    if path.suffix.lower() in (".parquet", ".pq") and path.is_file():
        plan = parquet_plan(path, keep=plat.known_headers().__contains__,
                            dictionary=plat.headers_of(FEW_WORDS), first=ids_only().__contains__)
        empty = _plain(pq.read_schema(path).empty_table().select(plan.include))
        inp = input_of(number, parquet_piece(plan, empty, np.zeros(0, np.int64)), platform,
                       required)
        return _Source(number, role or inp.role, inp.mapped.platform, plan=plan, empty=empty)
    if path.suffix.lower() not in EXCEL:
        refuse_irregular(path)
        try:
            stream = csv_stream(path, encoding, keep=plat.known_headers().__contains__)
        except MemoryError:
            raise memory_error(path) from None
        if stream is not None:  # read a piece at a time
            empty = _csv_raw(stream, _csv_empty(stream), np.zeros(0, np.int64))
            inp = input_of(number, empty, platform, required)
            return _Source(number, role or inp.role, inp.mapped.platform, csv=stream,
                           empty=_csv_empty(stream), ragged=no_rejects())
    raw = read_input(path, encoding, sheet)
    inp = input_of(number, raw, platform, required)
    later = raw.read_later() if raw.later else None
    return _Source(number, role or inp.role, inp.mapped.platform, raw=raw, later=later)


def _id_frame(source: _Source, raw: RawFile) -> pd.DataFrame:
    """The id columns of some rows of a file under their canonical names."""
    return input_of(source.number, raw, source.platform).mapped.frame


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


def _id_frames(source: _Source):
    """The file's id columns, a batch of rows at a time (a whole file: one batch)."""
    if source.raw is not None:
        raw = RawFile(source.raw.path, source.raw.frame, source.raw.rows, no_rejects(),
                      source.raw.kind, headers=list(source.raw.headers))
        yield _id_frame(source, raw)
        return
    for table, rows in _batches(source.plan, source.plan.now):
        yield _id_frame(source, parquet_piece(source.plan, table, rows))


def _batches(plan: ParquetPlan, columns: list):
    """(table, row numbers) of a Parquet file's columns, a batch of rows at a time."""
    offset = 0
    try:
        reader = pq.ParquetFile(plan.path)
        for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            table = _plain(pa.Table.from_batches([batch]))
            rows = np.arange(offset + 1, offset + 1 + len(table), dtype=np.int64)
            offset += len(table)
            yield table, rows
    except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputFileError(plan.path, f"not a readable Parquet file ({first_line(exc)})") \
            from None
    note_read(plan.path, plan.path.stat().st_size)


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values (each batch may carry its own dictionary; the
    spill files hold one schema)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(f.type.value_type))
    return table


def _route(sources: list[_Source], partitions: int, folder: Path, cases: bool = False,
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
                   lambda frame, rows: orders.partitions(frame["order_id"], partitions)
                   if "order_id" in frame else np.zeros(len(frame), np.int32), None, shops,
                   chosen, needed)
    return orders, shops.sorted(), needed


def _split(source: _Source, partitions: int, folder: Path, route, orders: OrderMap | None,
           shops: _Shops, chosen: Selection | None = None, needed: set | None = None):
    if source.raw is not None:
        frame = coded_ids(next(_id_frames(source)), orders is not None)
        shops.add(frame, source.role)
        source.part = route(frame, source.raw.rows)
        if orders is not None:
            orders.add(frame, source.part)
        if chosen is not None:
            needed.update(_hits(chosen, frame, source.part, source.role))
        return
    found = _each_batch(source, lambda group, table, rows, writers: _spill_batch(
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


def _csv_batches(source: _Source, work) -> list:
    """work(group, table, row numbers, writers) over a CSV file's rows, a piece at a time
    (its rows unreadable as such kept in source.ragged); the pieces typed alike share spill
    files (a group), a piece read as text (a value the typed reading refused) starts another."""
    out, group, schema, writers = [], 0, None, _Writers()
    try:
        for raw, at in ahead(csv_pieces(source.csv)):  # the next piece read meanwhile
            table = pa.Table.from_pandas(raw.frame, preserve_index=False)
            table = table.replace_schema_metadata(None)
            if schema is not None and not table.schema.equals(schema):
                writers.close()
                group, writers = group + 1, _Writers()
            schema = table.schema
            if len(raw.ragged):
                source.ragged = pd.concat([source.ragged, raw.ragged], ignore_index=True) \
                    if len(source.ragged) else raw.ragged
            out.append(work(group, table, raw.rows, writers))
            note_read(source.csv.path, at)
    except MemoryError:
        raise memory_error(source.csv.path) from None
    finally:
        writers.close()
    return out


def _each_batch(source: _Source, work) -> list:
    """work(group, table, row numbers, writers) over a Parquet file's rows, a batch at a
    time: when its row groups are of a batch's size, the first half of them on one core and
    the second half on the other (each half's spill files written by `writers` of its own,
    its `group` the number of its first row group: a partition's files read in that order
    give its rows in the file's order), else one batch after another as one group. The
    results in the file's order."""
    if source.csv is not None:
        return _csv_batches(source, work)
    plan = source.plan
    try:
        meta = pq.ParquetFile(plan.path).metadata
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputFileError(plan.path, f"not a readable Parquet file ({first_line(exc)})") \
            from None
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    if not sizes or max(sizes) > 2 * BATCH_ROWS:
        with _Writers() as writers:
            return [work(0, table, rows, writers)
                    for table, rows in _batches(plan, plan.include)]
    starts = np.concatenate(([0], np.cumsum(sizes)))
    size, done = plan.path.stat().st_size, [0]  # the bytes read, shown as rows are routed

    def half(groups: range) -> list:
        out = []
        try:
            reader = pq.ParquetFile(plan.path)
            with _Writers() as writers:
                for g in groups:
                    offset = int(starts[g])
                    for batch in reader.iter_batches(batch_size=STEP_ROWS, row_groups=[g],
                                                     columns=plan.include):
                        table = _plain(pa.Table.from_batches([batch]))
                        rows = np.arange(offset + 1, offset + 1 + len(table), dtype=np.int64)
                        offset += len(table)
                        out.append(work(groups.start, table, rows, writers))
                        done[0] += len(table)
                        note_read(plan.path, int(size * done[0] / max(int(starts[-1]), 1)))
        except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InputFileError(plan.path, f"not a readable Parquet file ({first_line(exc)})") \
                from None
        return out

    middle = (len(sizes) + 1) // 2  # fewer spill files than one set a row group: 2 a partition
    halves = [range(0, middle), range(middle, len(sizes))] if len(sizes) > 1 \
        else [range(len(sizes))]
    found = [f for part in two_at_a_time(half, halves, int(starts[-1])) for f in part]
    note_read(plan.path, plan.path.stat().st_size)
    return found


class _Writers(dict):
    """The open spill files of one group of batches: partition -> IPC writer."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for writer in self.values():
            writer.close()
        self.clear()


def _spill_batch(source: _Source, partitions: int, folder: Path, route, keep: bool,
                 group: int, table: pa.Table, rows: np.ndarray, writers: _Writers,
                 chosen: Selection | None = None):
    """Route one batch of a file's rows and append each partition's rows to that
    partition's spill file of this group; (the shops it names, its orders' hashes and
    partitions when the order map is kept, the partitions given `chosen` rows)."""
    frame = coded_ids(_id_frame(source, _ids_piece(source, table, rows)), keep)
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
            writers[p] = pa.ipc.new_file(path, table.schema, options=source.options)
            source.spill.setdefault(int(p), {})[group] = path
        writers[p].write_table(table.filter(pa.array(part == p)) if few
                               else gathered.slice(bounds[p], bounds[p + 1] - bounds[p]))
    named = _Shops()
    named.add(frame, source.role)
    return named, (OrderMap.hashed(frame, part) if keep else None), \
        (_hits(chosen, frame, part, source.role) if chosen is not None else [])


# --- one partition's rows -----------------------------------------------------------------

def _piece(source: _Source, p: int, required):
    """Partition p's rows of one file, opened as the file itself would be (its ragged rows,
    read = used + rejected, counted in partition 0 only)."""
    if source.raw is not None:
        raw = source.raw if source.part is None else _whole_piece(source, p)
    else:
        raw = _spilled_piece(source, p)
    inp = input_of(source.number, raw, source.platform, required)
    if source.role == "ratings":
        return ratings_input(inp)
    inp.role = source.role
    return inp


def _whole_piece(source: _Source, p: int) -> RawFile:
    take = np.flatnonzero(source.part == p)
    raw = source.raw
    rest = None if source.later is None else source.later.iloc[take].reset_index(drop=True)
    return RawFile(raw.path, raw.frame.iloc[take].reset_index(drop=True), raw.rows[take],
                   raw.ragged if p == 0 else no_rejects(), raw.kind, raw.encoding,
                   list(raw.headers), [] if rest is None else list(rest.columns),
                   (lambda: rest) if rest is not None else None)


def _spilled_piece(source: _Source, p: int) -> RawFile:
    """Partition p's rows of a streamed file, read back from its spill files in the file's
    order (and those files removed)."""
    paths = source.spill.pop(p, {})
    tables = []
    for batch in sorted(paths):
        # Read into memory, not mapped: an array of a mapped file is read-only, and numpy
        # code may write into the arrays a column gives (a CSV's times, say).
        with pa.OSFile(str(paths[batch])) as stream:
            tables.append(pa.ipc.open_file(stream).read_all())
        paths[batch].unlink()
    if not tables:
        table, rows = source.empty, np.zeros(0, np.int64)
    else:
        table = _concat(tables)
        rows = table.column(ROW).to_numpy()
        table = table.drop_columns([ROW])
    if source.csv is not None:
        return _csv_raw(source.csv, table, rows, source.ragged)
    return parquet_piece(source.plan, table, rows)


def _concat(tables: list) -> pa.Table:
    """Spill files of one partition as one table: a column typed in some (a CSV piece read
    typed) and text in others (a piece read as text) is text in all."""
    if len(tables) == 1:
        return tables[0]
    first = tables[0].schema
    if any(not t.schema.equals(first) for t in tables[1:]):
        text = {f.name for t in tables for f in t.schema if f.type != first.field(f.name).type}
        tables = [t.cast(pa.schema([pa.field(f.name, pa.large_string()) if f.name in text
                                    else f for f in t.schema])) for t in tables]
    return pa.concat_tables(tables)


def _ids_piece(source: _Source, table: pa.Table, rows: np.ndarray) -> RawFile:
    """A batch of a streamed file's rows, as far as routing reads them (the ids)."""
    if source.csv is not None:
        return _csv_raw(source.csv, table.select([n for n in table.column_names
                                                  if n in ids_only()]), rows)
    return parquet_piece(source.plan, table, rows)


def _csv_empty(stream: CsvStream) -> pa.Table:
    """The columns read of a CSV file, no rows."""
    names = [clean_header(n) for n in (stream.names if stream.include is None
                                       else stream.include)]
    names = [n for n in names if n]
    return pa.table({n: pa.array([], pa.large_string()) for n in names})


def _csv_raw(stream: CsvStream, table: pa.Table, rows: np.ndarray,
             ragged: pd.DataFrame | None = None) -> RawFile:
    """Some rows of a CSV file read in pieces, as read_file gives the whole file."""
    frame = table.to_pandas(types_mapper=text_mapper)
    return RawFile(str(stream.path), frame, rows, no_rejects() if ragged is None else ragged,
                   "csv", stream.encoding, stream.headers)


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
