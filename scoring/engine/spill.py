"""A trade or rating file on its way into the partitions and back (engine/partitioned.py):
read whole, or streamed a batch at a time (a Parquet file's row groups in two halves on two
cores, a CSV file's pieces: inputs/csvchunks.py) into spill files of Arrow IPC, one set a
partition; then one partition's rows read back and opened as the file itself would be."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shopscore.scoring.engine.direct import DirectFile
from shopscore.scoring.engine.stages import note_read
from shopscore.scoring.engine.threads import ahead, two_at_a_time
from shopscore.scoring.errors import InputFileError
from shopscore.scoring.inputs import platforms as plat
from shopscore.scoring.inputs.csvchunks import CsvStream, csv_pieces, csv_stream
from shopscore.scoring.inputs.load import (
    FEW_WORDS,
    ids_only,
    input_of,
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

BATCH_ROWS = 1 << 20  # the rows of a Parquet file routed at a time (row groups two at a time)
STEP_ROWS = 1 << 19  # within a row group read on one of two cores, the rows at a time
# (half a row group: 100M lines in 82 partitions took 102 s routed 2**18 rows at a time, 90 s
# at 2**19, 92 s and 0.35 GB more at 2**20)
ROW = "__row"  # a spilled row's number in its file
PLAIN, LZ4 = pa.ipc.IpcWriteOptions(), pa.ipc.IpcWriteOptions(compression="lz4")
EXCEL = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass
class Source:
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
    direct: bool = False  # its spill files are written around the page cache (engine/direct.py)
    csv: CsvStream | None = None
    ragged: pd.DataFrame | None = None  # a streamed CSV's rows unreadable as such (all pieces)

    @property
    def streamed(self) -> Path | None:
        """The file read a batch at a time (None: read whole)."""
        return self.plan.path if self.plan is not None else \
            self.csv.path if self.csv is not None else None


def for_part(source: Source, p: int) -> Source:
    """The source reduced to partition p: a whole file's rows of p, or a streamed file's
    spill files of p (taken from the source: each is read once)."""
    if source.raw is not None:
        return Source(source.number, source.role, source.platform,
                       raw=_whole_piece(source, p))
    return Source(source.number, source.role, source.platform, plan=source.plan,
                   spill={p: source.spill.pop(p, {})}, empty=source.empty, csv=source.csv,
                   ragged=source.ragged if p == 0 else None)


def open_source(number: int, path: Path, role, platform, encoding, sheet, required) -> Source:
    """A file's platform and role from its headers; a Parquet file is not read yet."""
    if path.suffix.lower() in (".parquet", ".pq") and path.is_file():
        plan = parquet_plan(path, keep=plat.known_headers().__contains__,
                            dictionary=plat.headers_of(FEW_WORDS), first=ids_only().__contains__)
        empty = _as_spilled(plan, pq.read_schema(path).empty_table().select(plan.include))
        inp = input_of(number, parquet_piece(plan, empty, np.zeros(0, np.int64)), platform,
                       required)
        return Source(number, role or inp.role, inp.mapped.platform, plan=plan, empty=empty)
    if path.suffix.lower() not in EXCEL:
        refuse_irregular(path)
        try:
            stream = csv_stream(path, encoding, keep=plat.known_headers().__contains__)
        except MemoryError:
            raise memory_error(path) from None
        if stream is not None:  # read a piece at a time
            empty = _csv_raw(stream, _csv_empty(stream), np.zeros(0, np.int64))
            inp = input_of(number, empty, platform, required)
            return Source(number, role or inp.role, inp.mapped.platform, csv=stream,
                           empty=_csv_empty(stream), ragged=no_rejects())
    raw = read_input(path, encoding, sheet)
    inp = input_of(number, raw, platform, required)
    later = raw.read_later() if raw.later else None
    return Source(number, role or inp.role, inp.mapped.platform, raw=raw, later=later)


def id_frame(source: Source, raw: RawFile) -> pd.DataFrame:
    """The id columns of some rows of a file under their canonical names."""
    return input_of(source.number, raw, source.platform).mapped.frame


def id_frames(source: Source):
    """The file's id columns, a batch of rows at a time (a whole file: one batch)."""
    if source.raw is not None:
        raw = RawFile(source.raw.path, source.raw.frame, source.raw.rows, no_rejects(),
                      source.raw.kind, headers=list(source.raw.headers))
        yield id_frame(source, raw)
        return
    for table, rows in _batches(source.plan, source.plan.now):
        yield id_frame(source, parquet_piece(source.plan, table, rows))


def _batches(plan: ParquetPlan, columns: list, spilled: bool = False):
    """(table, row numbers) of a Parquet file's columns, a batch of rows at a time; as they
    are `spilled` (its columns of few words dictionary-encoded: each batch its own
    dictionary), else every column plain."""
    offset = 0
    try:
        reader = _reader(plan) if spilled else pq.ParquetFile(plan.path)
        for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            table = pa.Table.from_batches([batch])
            table = table if spilled else _plain(table)
            rows = np.arange(offset + 1, offset + 1 + len(table), dtype=np.int64)
            offset += len(table)
            yield table, rows
    except (OSError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputFileError(plan.path, f"not a readable Parquet file ({first_line(exc)})") \
            from None
    note_read(plan.path, plan.path.stat().st_size)


def _reader(plan: ParquetPlan) -> pq.ParquetFile:
    """The file's reader giving its columns of few words dictionary-encoded (as its pages
    hold them: no text made of them, fewer bytes to spill and read back)."""
    return pq.ParquetFile(plan.path, read_dictionary=plan.words or None)


def _as_spilled(plan: ParquetPlan, table: pa.Table) -> pa.Table:
    """Columns typed as they are spilled: those of few words dictionary-encoded."""
    for i, f in enumerate(table.schema):
        if f.name in plan.words and not pa.types.is_dictionary(f.type):
            table = table.set_column(i, f.name, pc.dictionary_encode(table.column(i)))
    return table


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values (each batch may carry its own dictionary; the
    spill files hold one schema)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(f.type.value_type))
    return table


def _csv_batches(source: Source, work) -> list:
    """work(group, table, row numbers, writers) over a CSV file's rows, a piece at a time
    (its rows unreadable as such kept in source.ragged); the pieces typed alike share spill
    files (a group), a piece read as text (a value the typed reading refused) starts another."""
    out, group, schema, writers = [], 0, None, Writers()
    try:
        for raw, at in ahead(csv_pieces(source.csv)):  # the next piece read meanwhile
            table = _arrow_table(raw.frame)
            if schema is not None and not table.schema.equals(schema):
                writers.close()
                group, writers = group + 1, Writers()
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


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """A piece's frame as an Arrow table, column by column (a header read twice under a
    wrong encoding may name two columns alike: the whole file's reading keeps both)."""
    return pa.Table.from_arrays([pa.array(frame.iloc[:, i]) for i in range(frame.shape[1])],
                                names=[str(c) for c in frame.columns])


def each_batch(source: Source, work) -> list:
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
        with Writers() as writers:
            return [work(0, table, rows, writers)
                    for table, rows in _batches(plan, plan.include, spilled=True)]
    starts = np.concatenate(([0], np.cumsum(sizes)))
    size, done = plan.path.stat().st_size, [0]  # the bytes read, shown as rows are routed

    def half(groups: range) -> list:
        out = []
        try:
            reader = _reader(plan)
            with Writers() as writers:
                for g in groups:
                    offset = int(starts[g])
                    for batch in reader.iter_batches(batch_size=STEP_ROWS, row_groups=[g],
                                                     columns=plan.include):
                        table = pa.Table.from_batches([batch])
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


WRITE_BUFFER = 1 << 20  # bytes gathered before a spill file is written to


class SpillFile:
    """One spill file being written: an Arrow IPC stream (not a file: each batch's columns
    of few words carry their own dictionary) through a buffer, so that the many small
    batches of many partitions cost few writes."""

    def __init__(self, path: Path, schema: pa.Schema, options, direct: bool = False):
        # direct: around the page cache (engine/direct.py), for a spill bigger than it
        self._file = DirectFile(path) if direct else None
        raw = pa.PythonFile(self._file, mode="w") if direct else pa.OSFile(str(path), "wb")
        self._sink = pa.BufferedOutputStream(raw, WRITE_BUFFER)
        self._writer = pa.ipc.new_stream(self._sink, schema, options=options)

    def write_table(self, table: pa.Table):
        self._writer.write_table(table)

    def close(self):
        self._writer.close()
        self._sink.close()
        if self._file is not None:
            self._file.close()


def read_spill(path: Path) -> pa.Table:
    """A spill file's rows, read into memory through a buffer (not mapped: an array of a
    mapped file is read-only, and numpy code may write into the arrays a column gives)."""
    with pa.BufferedInputStream(pa.OSFile(str(path)), WRITE_BUFFER) as stream:
        return pa.ipc.open_stream(stream).read_all()


class Writers(dict):
    """The open spill files of one group of batches: partition -> SpillFile."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for writer in self.values():
            writer.close()
        self.clear()


def piece(source: Source, p: int, required):
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


def _whole_piece(source: Source, p: int) -> RawFile:
    take = np.flatnonzero(source.part == p)
    raw = source.raw
    rest = None if source.later is None else source.later.iloc[take].reset_index(drop=True)
    return RawFile(raw.path, raw.frame.iloc[take].reset_index(drop=True), raw.rows[take],
                   raw.ragged if p == 0 else no_rejects(), raw.kind, raw.encoding,
                   list(raw.headers), [] if rest is None else list(rest.columns),
                   (lambda: rest) if rest is not None else None)


def _spilled_piece(source: Source, p: int) -> RawFile:
    """Partition p's rows of a streamed file, read back from its spill files in the file's
    order (and those files removed)."""
    paths = source.spill.pop(p, {})
    tables = []
    for batch in sorted(paths):
        tables.append(read_spill(paths[batch]))
        paths[batch].unlink()
    if not tables:
        table, rows = source.empty, np.zeros(0, np.int64)
    else:
        # one chunk a column, not one a routed batch (hundreds on a big input)
        table = _concat(tables).combine_chunks()
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
        text = {i for t in tables for i, f in enumerate(t.schema) if f.type != first.field(i).type}
        tables = [t.cast(pa.schema([pa.field(f.name, pa.large_string()) if i in text else f
                                    for i, f in enumerate(t.schema)])) for t in tables]
    return pa.concat_tables(tables)


def ids_piece(source: Source, table: pa.Table, rows: np.ndarray) -> RawFile:
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


