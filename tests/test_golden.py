"""The public golden cases of the contract (../shared/golden), run by their own check.py on
this checkout's shopscore. Under CI (CI=true) missing cases are a failure, not a skip: a
checkout without ../shared beside it proves nothing."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
UNDER_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
SHOPSCORE = f"{shlex.quote(sys.executable)} -m shopscore"


def cases(folder: str) -> Path:
    check = SHARED / folder / "check.py"
    if not check.is_file():
        if UNDER_CI:
            pytest.fail(f"{check} is missing: CI must run with ../shared beside the checkout")
        pytest.skip(f"{check} is not beside the repository")
    return check


def test_the_golden_cases_pass():
    check = cases("golden")
    cmd = SHOPSCORE + " audit {file} --as-of {as_of} --format json {industry_opt}"
    proc = subprocess.run([sys.executable, str(check), "--cmd", cmd], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "8/8 cases pass", proc.stdout
