"""Stage timings: a stage run inside another counts for itself only."""

from __future__ import annotations

from shopscore.scoring.engine import stages


def test_a_nested_stage_is_not_counted_twice(monkeypatch):
    clock = iter([0.0, 1.0, 3.0, 4.0])  # prepare starts, read starts, read ends, prepare ends
    monkeypatch.setattr(stages.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(stages, "_TIMES", {})
    with stages.stage("prepare"), stages.stage("read"):
        pass
    assert stages.timings() == {"prepare": 2.0, "read": 2.0}
