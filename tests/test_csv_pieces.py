"""A CSV file read in pieces (inputs/csvchunks.py: an input bigger than memory) gives the rows,
line numbers and rejected lines of the file read whole, however small the pieces: cells
holding line breaks, ragged rows, a quote that never closes, bytes of another encoding, CR
or CRLF line ends, a BOM, blank lines, a value that only some pieces cannot read typed. A
line longer than the reader's block is one clear error naming it; the partitioned audit of
every bundled CSV, cut into pieces of 16 KiB, is the whole audit byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shopscore.cli.app import app
from shopscore.scoring.errors import InputFileError
from shopscore.scoring.inputs import csvchunks, csvfile
from shopscore.scoring.inputs import platforms as plat

HEADER = "order_id,buyer_id,item_id,created_at,completed_at,status,amount,rated_at,credit,comment\n"
T = "2026-10-{:02d} {}:00:00"


def lines(n: int = 40) -> list[str]:
    return [f"O{i},B{i % 7},I{i % 3},{T.format(1 + i % 28, 10)},{T.format(1 + i % 28, 12)},"
            f"success,{i}.5,{T.format(1 + i % 28, 13)},{('positive', 'neutral')[i % 2]},"
            "fine\n" for i in range(n)]


def line(i: int, comment: str, created: str = "") -> str:
    return f"O{i},B{i % 7},I0,{created or T.format(5, 10)},{T.format(5, 12)},success,1.5,," \
        f"negative,{comment}\n"


def multi_line(rows):
    rows[5] = line(5, '"line one\nline two, still"')
    rows[9] = "O9,B2,I0\n"  # ragged
    rows[30] = line(30, "x", "2026-10-31 99:99:99")  # not a time
    return (HEADER + "".join(rows)).encode("utf-8")


def mixed(rows):  # a GBK export with one UTF-8 line pasted in
    return (HEADER + "".join(rows[:20])).encode("gbk") + rows[20].encode("utf-8") + \
        "".join(rows[21:]).encode("gbk")


def unclosed(rows):
    rows[12] = line(12, '"never closed')
    return (HEADER + "".join(rows)).encode("utf-8")


def old_mac(rows):  # CR line ends, a BOM, blank lines at the end
    return ("\ufeff" + HEADER + "".join(rows) + "\n\n").replace("\n", "\r").encode("utf-8")


def crlf(rows):
    return (HEADER + "".join(rows)).replace("\n", "\r\n").encode("utf-8")


def bad_bytes(rows):
    return (HEADER + "".join(rows[:10])).encode() + \
        line(99, "z").replace("B1", "B\udcff", 1).encode("utf-8", "surrogateescape") + \
        "".join(rows[10:]).encode()


FILES = {f.__name__: f for f in (multi_line, mixed, unclosed, old_mac, crlf, bad_bytes)}
KEEP = plat.known_headers().__contains__


def in_pieces(path: Path, chunk: int, monkeypatch):
    """(cells as text, line of each row, rejected lines) of the file read in pieces."""
    monkeypatch.setattr(csvchunks, "CHUNK", chunk)
    stream = csvchunks.csv_stream(path, None, KEEP)
    pieces = [raw for raw, _ in csvchunks.csv_pieces(stream)]
    assert pieces
    frame = pd.concat([p.frame.astype(str) for p in pieces], ignore_index=True)
    rows = np.concatenate([p.rows for p in pieces])
    ragged = [p.ragged for p in pieces if len(p.ragged)]
    ragged = pd.concat(ragged, ignore_index=True) if ragged else pieces[0].ragged
    return frame, rows, ragged


def assert_as_whole(path: Path, chunk: int, monkeypatch):
    whole = csvfile.read_csv(path, None, KEEP)
    frame, rows, ragged = in_pieces(path, chunk, monkeypatch)
    assert rows.tolist() == whole.rows.tolist()
    pd.testing.assert_frame_equal(frame, whole.frame.astype(str).reset_index(drop=True))
    assert ragged.astype(str).values.tolist() == whole.ragged.astype(str).values.tolist()
    return whole


@pytest.mark.parametrize("name", list(FILES))
@pytest.mark.parametrize("chunk", [64, 300, 1 << 20])
def test_pieces_read_as_the_whole_file(name, chunk, tmp_path, monkeypatch):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(FILES[name](lines()))
    whole = assert_as_whole(path, chunk, monkeypatch)
    assert len(whole.frame) + len(whole.ragged) >= 38  # the file was read, not refused


def test_the_hostile_lines_are_rejected_by_their_line(tmp_path, monkeypatch):
    path = tmp_path / "x.csv"
    path.write_bytes(multi_line(lines()))
    frame, rows, ragged = in_pieces(path, 64, monkeypatch)
    assert ragged.values.tolist() == [[12, "O9,B2,I0", "ragged_row"]]
    assert 12 not in rows and rows[5] == 7 and rows[6] == 9  # line 7 spans two lines
    path.write_bytes(unclosed(lines()))
    _, rows, ragged = in_pieces(path, 64, monkeypatch)
    assert ragged["reason"].tolist() == ["unclosed_quote"] and ragged["row"].tolist() == [14]
    path.write_bytes(bad_bytes(lines()))
    _, rows, ragged = in_pieces(path, 64, monkeypatch)
    assert ragged["reason"].tolist() == ["bad_bytes"] and ragged["row"].tolist() == [12]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.integers(1, 4000), which=st.sampled_from(sorted(FILES)),
       n=st.integers(0, 60))
def test_any_piece_size_reads_as_the_whole_file(chunk, which, n, tmp_path, monkeypatch):
    rows = lines(max(n, 31))[:n] if n > 30 else lines(n)
    build = FILES[which] if n > 30 else (lambda r: (HEADER + "".join(r)).encode("utf-8"))
    path = tmp_path / "any.csv"
    path.write_bytes(build(rows))
    if n == 0:
        stream = csvchunks.csv_stream(path, None, KEEP)
        assert list(csvchunks.csv_pieces(stream)) == []
        return
    assert_as_whole(path, chunk, monkeypatch)


def with_a_long_line(tmp_path, monkeypatch, n: int, at: int):
    """A file of n lines whose line `at` (0-based row) is longer than a block made small."""
    monkeypatch.setattr(csvfile, "BLOCK", 1000)
    monkeypatch.setattr(csvchunks, "CHUNK", 256)
    rows = lines(n)
    rows[at] = line(at, "x" * 3000)
    path = tmp_path / "long.csv"
    path.write_bytes((HEADER + "".join(rows)).encode("utf-8"))
    return path


def test_a_line_longer_than_the_block_is_named(tmp_path, monkeypatch):
    path = with_a_long_line(tmp_path, monkeypatch, 20, 13)
    stream = csvchunks.csv_stream(path, None, KEEP)
    with pytest.raises(InputFileError, match="line 15 is longer than"):
        list(csvchunks.csv_pieces(stream))


def test_an_encoding_that_cannot_be_cut_is_read_whole(tmp_path):
    path = tmp_path / "ebcdic.csv"  # line breaks and quotes are other bytes than in ASCII
    path.write_bytes((HEADER + "O1,B1,I1,2026-10-01 10:00:00,TRADE_FINISHED,1,1,x\n")
                     .encode("cp037"))
    assert csvchunks.csv_stream(path, "cp037", KEEP) is None


SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
CASES = {
    "service files": [SAMPLE / "sample_shop.csv", "--after-sales",
                      SAMPLE / "sample_after_sales.csv", "--chats", SAMPLE / "sample_chats.csv"],
    "separate ratings": [SAMPLE / "sample_trades.csv", "--ratings",
                         SAMPLE / "sample_ratings.csv"],
    "douyin": [SAMPLE / "douyin" / "douyin_orders.csv", "--profile", "douyin"],
}


def audit(args, tmp_path: Path, more: list) -> tuple[str, str]:
    rejects = tmp_path / "rejects.csv"
    done = CliRunner().invoke(app, ["audit", *map(str, args), "--as-of",
                                    "2026-11-22T00:00:00+08:00", "--format", "json",
                                    "--rejects", str(rejects), *more])
    assert done.exit_code in (0, 1), (done.exit_code, done.stderr, done.exception)
    return done.stdout, rejects.read_text(encoding="utf-8") if rejects.exists() else ""


@pytest.mark.parametrize("case", list(CASES))
def test_an_audit_of_csv_pieces_is_the_whole_audit(case, tmp_path, monkeypatch):
    whole = audit(CASES[case], tmp_path, [])
    monkeypatch.setattr(csvchunks, "CHUNK", 16 << 10)
    seen = []
    pieces = csvchunks.csv_pieces
    monkeypatch.setattr("shopscore.scoring.engine.spill.csv_pieces",
                        lambda s: (seen.append(s.path) or p for p in pieces(s)))
    assert audit(CASES[case], tmp_path, ["--partitions", "7"]) == whole
    assert len(seen) > 10  # read in pieces indeed
    assert json.loads(whole[0])["shops"]


def test_hostile_csv_audited_in_pieces_as_whole(tmp_path, monkeypatch):
    for name, build in FILES.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(build(lines()))
        whole = audit([path], tmp_path, [])
        monkeypatch.setattr(csvchunks, "CHUNK", 100)
        for n in (3, 64):  # 64: most partitions hold no row of the 40 lines
            assert audit([path], tmp_path, ["--partitions", str(n)]) == whole, (name, n)
        monkeypatch.setattr(csvchunks, "CHUNK", 1 << 26)


def test_the_header_of_a_file_of_cr_line_ends_is_read(tmp_path):
    # An old Mac export: its header's names (a partition holding none of its rows opens it
    # by them) are read as the whole file's reading reads them.
    path = tmp_path / "old_mac.csv"
    path.write_bytes(old_mac(lines(3)))
    stream = csvchunks.csv_stream(path, None, KEEP)
    assert stream.headers == HEADER.strip().split(",")


def test_a_quote_left_open_for_long_is_cut_and_set_aside(tmp_path, monkeypatch):
    # Past OPEN_QUOTE bytes with the quote still open, the piece is cut at a line break
    # anyway: the quote is set aside as the whole file's reading sets it aside.
    monkeypatch.setattr(csvchunks, "OPEN_QUOTE", 400)
    path = tmp_path / "open.csv"
    path.write_bytes(unclosed(lines(60)))
    assert_as_whole(path, 128, monkeypatch)


def test_a_line_over_the_block_in_a_partitioned_audit_is_one_sentence(tmp_path, monkeypatch):
    path = with_a_long_line(tmp_path, monkeypatch, 30, 20)
    done = CliRunner().invoke(app, ["audit", str(path), "--as-of", "2026-11-22T00:00:00+08:00",
                                    "--partitions", "3"])
    assert done.exit_code == 2, (done.exit_code, done.stderr)
    assert "line 22 is longer than" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
