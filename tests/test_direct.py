"""Spill files written around the page cache hold exactly the bytes given, whether the file
system takes direct writes, refuses them at once, or refuses them half way."""

from __future__ import annotations

import os

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopscore.scoring.engine import direct
from shopscore.scoring.engine.direct import DirectFile
from shopscore.scoring.engine.spill import SpillFile, read_spill

CHUNKS = st.lists(st.integers(0, 3 * direct.STAGE), min_size=0, max_size=8)


def _write(path, sizes: list) -> bytes:
    given = b"".join(bytes([i % 251]) * n for i, n in enumerate(sizes))
    out, at = DirectFile(path), 0
    for n in sizes:
        assert out.write(given[at:at + n]) == n
        at += n
    assert out.tell() == len(given)
    out.close()
    return given


@settings(max_examples=30, deadline=None)
@given(sizes=CHUNKS)
def test_a_direct_file_holds_the_bytes_written(tmp_path_factory, sizes):
    path = tmp_path_factory.mktemp("direct") / "spill"
    given = _write(path, sizes)
    assert path.read_bytes() == given


def test_a_file_system_refusing_direct_writes_gets_an_ordinary_file(tmp_path, monkeypatch):
    real = os.open

    def refusing(path, flags, *args):
        if flags & getattr(os, "O_DIRECT", 0):
            raise OSError(22, "Invalid argument")
        return real(path, flags, *args)

    monkeypatch.setattr(direct.os, "open", refusing)
    path = tmp_path / "spill"
    given = _write(path, [10, direct.STAGE, 7])
    assert path.read_bytes() == given


def test_a_direct_write_refused_half_way_goes_on_the_ordinary_way(tmp_path, monkeypatch):
    probe = DirectFile(tmp_path / "probe")
    probe.close()
    if not probe.direct:
        pytest.skip("this file system takes no direct writes")
    real, calls = os.write, []

    def second_refused(fd, data):
        calls.append(len(data))
        if len(calls) == 2:
            raise OSError(22, "Invalid argument")
        return real(fd, data)

    monkeypatch.setattr(direct.os, "write", second_refused)
    path = tmp_path / "spill"
    given = _write(path, [3 * direct.STAGE + 5])
    assert path.read_bytes() == given


def test_a_spill_file_written_directly_reads_back(tmp_path):
    table = pa.table({"a": list(range(50_000)), "b": [f"id{i}" for i in range(50_000)],
                      "w": pa.array(["x", "y"] * 25_000).dictionary_encode()})
    for direct_write in (False, True):
        path = tmp_path / f"spill-{direct_write}"
        out = SpillFile(path, table.schema, pa.ipc.IpcWriteOptions(), direct_write)
        out.write_table(table.slice(0, 20_000))
        out.write_table(table.slice(20_000))
        out.close()
        assert read_spill(path).equals(table)
