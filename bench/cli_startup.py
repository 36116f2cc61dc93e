"""How long `shopscore --help`, `shopscore -h` and `shopscore --version` take, as a user waits
for them: the wall time of the installed console script, median of 5 runs each (after one
unmeasured run that warms the file cache). Not a test: timings depend on the machine.

    python bench/cli_startup.py [--runs 5] [--budget 0.3]

Exit 1 when a median is above the budget (seconds)."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("shopscore")
CASES = (["--help"], ["-h"], ["--version"], ["audit", "--help"])


def wall(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([str(SCRIPT), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--budget", type=float, default=0.3)
    opts = parser.parse_args()
    slow = False
    for args in CASES:
        wall(args)  # warm-up
        times = [wall(args) for _ in range(opts.runs)]
        median = statistics.median(times)
        slow |= median > opts.budget
        print(f"shopscore {' '.join(args):<14} median {median:.3f} s of {opts.runs} "
              f"(min {min(times):.3f}, max {max(times):.3f})")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
