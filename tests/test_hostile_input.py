"""Hostile and damaged input: every case is either the right figures or exit 2 with one
sentence naming the file (and the row or column), never a traceback, never exit 1 or 3.

Impossible values are rejected, never rolled over or guessed at; crashes and hangs of the
readers (duplicate headers, nested Parquet columns, non-finite bounds, out of memory, an
inflated Excel range, a FIFO) become one sentence; runs that could not audit anything say so.
"""

from __future__ import annotations

import pytest
from builders import put, ran
from typer.testing import CliRunner

from shopscore.cli.app import app

AS_OF = "2026-11-22T00:00:00+08:00"
HEADER = "order_id,line_id,buyer_id,item_id,created_at,completed_at,status,amount,rated_at,credit"
GOOD = "2026-10-01 10:00:00,2026-10-04 10:00:00,success"


def cli(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def audit(*files, more=()) -> dict:
    return ran(cli("audit", *files, "--as-of", AS_OF, "--format", "json", *more))


def user_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr, repr(result.exception))
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    err = result.stderr
    assert err.startswith("shopscore: error: ") and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and result.stdout == ""
    return err


# --- impossible values are rejected, never rolled over --------------------------------------

@pytest.mark.parametrize("value", ["2026-02-30 10:00:00", "2026/02/30 10:00", "2026-04-31 10:00",
                                   "2026-10-01 10:00:61", "2026-10-01 24:00:00",
                                   "2026-02-29 10:00:00"])
def test_an_impossible_date_is_bad_datetime_not_the_next_month(tmp_path, value):
    # 2026 is no leap year: 02-29 and 02-30 do not exist (strptime would roll them to March).
    # o1 is good; o2's completion time is impossible: rejected, and only o1's positive counts.
    path = put(tmp_path / "trades.csv", f"{HEADER}\n"
               f"o1,L1,b1,i1,{GOOD},10.00,2026-10-05 10:00:00,positive\n"
               f"o2,L1,b2,i2,2026-10-01 10:00:00,{value},success,10.00,2026-10-05 10:00:00,"
               "positive\n")
    doc = audit(path)
    assert doc["inputs"]["rejected_by_reason"] == {"bad_datetime": 1}
    assert doc["shops"][0]["credit"]["score"] == 1


def test_a_leap_day_in_a_leap_year_is_a_date(tmp_path):
    path = put(tmp_path / "trades.csv", f"{HEADER}\n"
               "o1,L1,b1,i1,2024/02/29 10:00,2024/03/01 10:00,success,10.00,2024/03/02 10:00,"
               "positive\n")
    doc = ran(cli("audit", path, "--as-of", "2024-03-10", "--format", "json"))
    assert doc["inputs"]["rows_rejected"] == 0 and doc["shops"][0]["credit"]["score"] == 1


@pytest.mark.parametrize("amount", ["inf", "Infinity", "-inf", "1e999", "nan", "NaN", "1,2,3",
                                   "12,34.5", "1.2.3"])
def test_a_non_finite_or_misgrouped_amount_is_bad_amount(tmp_path, amount):
    # o1 pays "1,234.50" (a valid thousands group): 1234.5 > 1 yuan, counts. o2's amount is no
    # finite number (or a misplaced separator: "1,2,3" is not 123): rejected as bad_amount,
    # never let through the 1-yuan rule.
    path = put(tmp_path / "trades.csv", f"{HEADER}\n"
               f'o1,L1,b1,i1,{GOOD},"1,234.50",2026-10-05 10:00:00,positive\n'
               f'o2,L1,b2,i2,{GOOD},"{amount}",2026-10-05 10:00:00,positive\n')
    doc = audit(path)
    assert doc["inputs"]["rejected_by_reason"] == {"bad_amount": 1}, doc["inputs"]
    assert doc["shops"][0]["credit"]["score"] == 1


def test_a_non_finite_amount_in_parquet_is_bad_amount(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"order_id": ["o1", "o2", "o3"], "buyer_id": ["b1", "b2", "b3"],
                      "item_id": ["i1", "i2", "i3"],
                      "created_at": ["2026-10-01 10:00:00"] * 3,
                      "completed_at": ["2026-10-04 10:00:00"] * 3, "status": ["success"] * 3,
                      "amount": pa.array([12.0, float("inf"), None], pa.float64()),
                      "rated_at": ["2026-10-05 10:00:00"] * 3, "credit": ["positive"] * 3})
    pq.write_table(table, tmp_path / "trades.parquet")
    doc = audit(tmp_path / "trades.parquet")
    # o2's infinite amount is rejected; o3 has no amount (the 1-yuan rule does not apply).
    assert doc["inputs"]["rejected_by_reason"] == {"bad_amount": 1}
    assert doc["shops"][0]["credit"]["score"] == 2
