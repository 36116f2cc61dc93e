"""Benchmark `shopscore audit` end to end on generated data of several sizes.

    python bench/run.py --sizes 100k,1m,10m

For each size: generates the sample (several shops) into bench/data/SIZE/ (kept for the
next run), runs `shopscore audit FILE --format json --timings` as a subprocess on the CSV
and on the Parquet file, and measures wall time, the child's peak RSS (wait4), lines per
second and the stage timings it prints on stderr; with duckdb installed, also times
bench/duckdb_peer.py on the Parquet file and checks its credit figures against shopscore's.
Results are kept in bench/results.json (a run replaces the rows of the sizes it measured)
and written as Markdown to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
AS_OF = "2026-11-22T00:00:00+08:00"
AS_OF_LOCAL = "2026-11-22 00:00:00"
STAGES = ("read", "route", "prepare", "credit", "dsr", "summary", "render")
# The targets: (size, format) -> (seconds, GiB or None)
TARGETS = {("10m", "parquet"): (15.0, 4.0), ("1m", "csv"): (4.0, None)}
CREDIT_KEYS = ("score", "positive", "neutral", "negative", "default_positive")


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def label(lines: int) -> str:
    if lines % 1_000_000 == 0:
        return f"{lines // 1_000_000}m"
    if lines % 1_000 == 0:
        return f"{lines // 1_000}k"
    return str(lines)


SERVICE = "after-sales and chats, logs in time order"
BIG = 20_000_000  # beyond this many lines: the Parquet file alone, made in blocks
BIG_SHOPS = 50  # the shops of such a file (an agency's year)


def generate(lines: int, shops: int, seed: int, service: bool = True) -> tuple[Path, float]:
    """The sample of `lines` lines, made once: (its directory, seconds it took, 0 if kept).
    Data made before the service files existed serves a run that does not time them."""
    out = DATA / label(lines)
    stamp = out / "done.json"
    # "parquet": the generator's Parquet layout; a file written by an older one is remade.
    want = {"lines": lines, "shops": shops, "seed": seed, "parquet": "typed", "service": SERVICE}
    if lines > BIG:
        want = {"lines": lines, "shops": shops, "seed": seed, "parquet": "typed blocks"}
    if stamp.exists():
        have = json.loads(stamp.read_text())
        if have == want or (not service and {k: v for k, v in have.items() if k != "service"}
                            == {k: v for k, v in want.items() if k != "service"}):
            return out, 0.0
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    # In a child process: a child's peak RSS (wait4) counts the parent's memory it was forked
    # from, so the bench process itself stays small. Beyond BIG lines only the Parquet file
    # is made, in blocks of 10M lines of their own shops (bounded memory).
    maker = ("write_big_parquet(sys.argv[1] + '/sample_shop.parquet', int(sys.argv[2]), "
             "int(sys.argv[3]), int(sys.argv[4]))" if lines > BIG else
             "write_sample(sys.argv[1], lines=int(sys.argv[2]), seed=int(sys.argv[3]), "
             "shops=int(sys.argv[4]))")
    subprocess.run([sys.executable, "-c", "import sys; from shopscore.scoring.sample.write "
                    f"import write_big_parquet, write_sample; {maker}", str(out), str(lines),
                    str(seed), str(shops)], check=True)
    seconds = time.perf_counter() - start
    for extra in ("sample_trades.csv", "sample_ratings.csv"):  # the split copy: not used here
        (out / extra).unlink(missing_ok=True)
    stamp.write_text(json.dumps(want))
    return out, seconds


def measure(cmd: list[str]) -> dict:
    """Run a command; wall seconds, the child's peak RSS, exit code, stdout and stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"wall": wall, "rss_mib": usage.ru_maxrss / 1024, "exit": proc.returncode,
                "stdout": out.read().decode("utf-8", "replace"),
                "stderr": err.read().decode("utf-8", "replace")}


def shopscore_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "shopscore"
    return [str(exe)] if exe.exists() else [sys.executable, "-c",
                                            "from shopscore.cli.app import main; main()"]


def audit(path: Path, lines: int, fmt: str, repeat: int, extra=()) -> tuple[dict, dict]:
    cmd = shopscore_cmd() + ["audit", str(path), "--as-of", AS_OF, "--format", "json",
                             "--timings", *extra]
    runs = [measure(cmd) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["wall"])
    if best["exit"] not in (0, 1):
        raise SystemExit(f"bench: {' '.join(cmd)} exited {best['exit']}:\n{best['stderr']}")
    result = json.loads(best["stdout"])
    timing_lines = [ln for ln in best["stderr"].splitlines() if ln.startswith('{"timings"')]
    stages = json.loads(timing_lines[-1])["timings"] if timing_lines else {}
    row = {"size": label(lines), "lines": lines, "format": fmt, "engine": "shopscore",
           "file_mib": path.stat().st_size / 2**20, "wall": best["wall"],
           "rss_mib": max(r["rss_mib"] for r in runs), "lines_per_s": lines / best["wall"],
           "stages": stages, "shops": len(result["shops"]),
           "rows_read": result["inputs"]["rows_read"], "exit": best["exit"],
           "runs": [round(r["wall"], 3) for r in runs]}
    return row, result


def experience(folder: Path, lines: int, repeat: int) -> list[dict]:
    """The experience score's cost: the Parquet audit alone, with the after-sales and chat
    exports (about 0.15 cases and 5 messages per line), and explain --metric over them."""
    base = shopscore_cmd() + ["audit", str(folder / "sample_shop.parquet"), "--as-of", AS_OF,
                              "--format", "json", "--timings"]
    service = ["--after-sales", str(folder / "sample_after_sales.parquet"),
               "--chats", str(folder / "sample_chats.parquet")]
    explain = shopscore_cmd() + ["explain", str(folder / "sample_shop.parquet"), *service,
                                 "--as-of", AS_OF, "--metric", "reply_seconds_mean",
                                 "--limit", "20", "--format", "json"]
    rows = []
    for name, cmd in (("audit", base), ("audit + after-sales + chats", base + service),
                      ("explain --metric", explain)):
        runs = [measure(cmd) for _ in range(repeat)]
        best = min(runs, key=lambda r: r["wall"])
        if best["exit"] not in (0, 1):
            raise SystemExit(f"bench: {' '.join(cmd)} exited {best['exit']}:\n{best['stderr']}")
        timing_lines = [ln for ln in best["stderr"].splitlines() if ln.startswith('{"timings"')]
        stages = json.loads(timing_lines[-1])["timings"] if timing_lines else {}
        sizes = {f: (folder / f"sample_{f}.parquet").stat().st_size
                 for f in ("after_sales", "chats")}
        rows.append({"size": label(lines), "lines": lines, "run": name, "wall": best["wall"],
                     "rss_mib": max(r["rss_mib"] for r in runs), "stages": stages,
                     "runs": [round(r["wall"], 3) for r in runs],
                     "service_mib": {k: v / 2**20 for k, v in sizes.items()}})
    return rows


def peer(path: Path, lines: int, engine_result: dict, repeat: int) -> dict | None:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return None
    cmd = [sys.executable, str(HERE / "duckdb_peer.py"), str(path), "--as-of", AS_OF_LOCAL]
    runs = [measure(cmd) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["wall"])
    if best["exit"] != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} exited {best['exit']}:\n{best['stderr']}")
    got = json.loads(best["stdout"])
    ours = {s["shop_id"]: s["credit"] for s in engine_result["shops"]}
    same = [s["shop_id"] for s in got["shops"]] == list(ours) and all(
        s[k] == ours[s["shop_id"]][k] for s in got["shops"] for k in CREDIT_KEYS)
    return {"size": label(lines), "lines": lines, "format": "parquet", "engine": got["engine"],
            "file_mib": path.stat().st_size / 2**20, "wall": best["wall"],
            "rss_mib": max(r["rss_mib"] for r in runs), "lines_per_s": lines / best["wall"],
            "stages": {"query": round(got["seconds"], 4)}, "shops": len(got["shops"]),
            "credit_matches": same, "exit": best["exit"],
            "runs": [round(r["wall"], 3) for r in runs]}


def machine() -> dict:
    mem = "?"
    try:
        for ln in Path("/proc/meminfo").read_text().splitlines():
            if ln.startswith("MemTotal:"):
                mem = f"{int(ln.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    cpu = platform.processor() or "?"
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in ("shopscore", "pandas", "pyarrow", "numpy", "duckdb"):
        try:
            from importlib.metadata import version

            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - not installed
            continue
    try:
        rev = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        # The results files a previous run wrote are not code: they do not make it dirty.
        dirty = subprocess.run(["git", "-C", str(HERE), "status", "--porcelain", "--",
                                ":(top)", ":(top,exclude)bench/RESULTS.md",
                                ":(top,exclude)bench/results.json"],
                               capture_output=True, text=True, check=True).stdout.strip()
        rev += " with uncommitted changes" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        rev = "?"
    return {"nproc": os.cpu_count(), "memory": mem, "cpu": cpu, "commit": rev,
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "python": platform.python_version(), "os": platform.platform(), "versions": versions}


def fmt_stage(row: dict, name: str) -> str:
    value = row["stages"].get(name)
    return "-" if value is None else f"{value:.2f}"


def markdown(doc: dict) -> str:
    rows = sorted(doc["rows"], key=lambda r: (r["lines"], r["engine"] != "shopscore",
                                              r["format"]))
    m = doc["machine"]
    out = ["# Benchmark results", "",
           "Generated by `bench/run.py` (see bench/README.md); do not edit by hand.", "",
           f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} memory, Python "
           f"{m['python']}, {m['os']}; commit {m.get('commit', '?')}; load average "
           f"{m.get('load', '?')} when the run ended; "
           + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".", "",
           "Commands run (each size's rows come from the latest run that measured it):", ""]
    out += [f"    {c}" for c in doc["commands"]]
    out += ["", "Each audit is `shopscore audit FILE --as-of " + AS_OF + " --format json "
            "--timings` run as a subprocess, end to end (interpreter start-up included); "
            "wall is the best of the runs listed, peak RSS the child's maximum resident set "
            "(wait4), stages the seconds printed by `--timings` (s). The data is the sample "
            f"generator's, {doc['shops']} shops, seed {doc['seed']}: the CSV all text, the "
            "Parquet typed as a warehouse writes it (timestamps, booleans, int8 stars, float "
            "amounts; ids and words as text).", ""]
    header = ["lines", "format", "engine", "file MiB", "wall s", "peak RSS MiB", "lines/s",
              *STAGES, "runs (s)"]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "|".join("---:" if h not in ("format", "engine") else "---"
                              for h in header) + "|")
    for r in rows:
        stages = [fmt_stage(r, s) for s in STAGES]
        engine = r["engine"]
        if "credit_matches" in r:
            engine += f" (credit only; query {r['stages']['query']:.2f} s; "
            engine += "same figures as shopscore)" if r["credit_matches"] else "DIFFERENT figures)"
        out.append("| " + " | ".join([
            f"{r['lines']:,}", r["format"], engine, f"{r['file_mib']:.0f}", f"{r['wall']:.2f}",
            f"{r['rss_mib']:.0f}", f"{r['lines_per_s']:,.0f}", *stages,
            ", ".join(f"{w:.2f}" for w in r["runs"])]) + " |")
    out += ["", "## Targets (issue 4)", ""]
    out.append("| target | measured | met |")
    out.append("|---|---|---|")
    for (size, fmt), (secs, gib) in TARGETS.items():
        bound = f"{size} lines {fmt}: <= {secs:g} s" + (f" and <= {gib:g} GiB" if gib else "")
        hit = [r for r in rows if r["size"] == size and r["format"] == fmt
               and r["engine"] == "shopscore"]
        if not hit:
            out.append(f"| {bound} | not measured | - |")
            continue
        r = hit[0]
        ok = r["wall"] <= secs and (gib is None or r["rss_mib"] <= gib * 1024)
        out.append(f"| {bound} | {r['wall']:.2f} s, {r['rss_mib'] / 1024:.2f} GiB | "
                   f"{'yes' if ok else 'no'} |")
    out += _growth_and_peer(rows)
    out += _scale_table(rows)
    out += _experience_table(doc.get("experience", {}))
    sizes = {r["size"] for r in rows}
    if "10m" not in sizes:
        out += ["", "10M lines was not measured yet (it takes several minutes and 4+ GiB): "
                "`python bench/run.py --sizes 10m` adds it."]
    out.append("")
    return "\n".join(out)


def _scale_table(rows: list) -> list[str]:
    """Time and peak memory against input size, shopscore (within its default memory budget;
    read whole) beside the DuckDB peer, and the targets of issue 14."""
    pick = {}
    for r in rows:
        if r["format"] in ("parquet", "parquet whole"):
            kind = "peer" if r["engine"] != "shopscore" else r["format"]
            pick.setdefault(r["size"], {})[kind] = r
    if not pick:
        return []
    out = ["", "## Time and memory against input size (issue 14)", "",
           "Parquet, shopscore within its default memory budget (an eighth of this machine's "
           "memory, at most 1.5 GiB, partitions as needed), shopscore read whole "
           "(`--memory 64`), and the DuckDB peer of the credit rules; plotted in "
           "`scaling.svg` (`python bench/plot.py`).", "",
           "| lines | shopscore s | peak MiB | read whole s | peak MiB | DuckDB s | peak MiB |",
           "|---:|---:|---:|---:|---:|---:|---:|"]

    def cell(r):
        return [f"{r['wall']:.2f}", f"{r['rss_mib']:.0f}"] if r else ["-", "-"]

    ordered = sorted(pick.items(), key=lambda kv: parse_size(kv[0]))
    for size, found in ordered:
        out.append(f"| {parse_size(size):,} | " + " | ".join(
            cell(found.get("parquet")) + cell(found.get("parquet whole"))
            + cell(found.get("peer"))) + " |")
    out += ["", "| target | measured | met |", "|---|---|---|"]

    def target(text, ok, measured):
        out.append(f"| {text} | {measured} | {'-' if ok is None else 'yes' if ok else 'no'} |")

    def get(size, kind):
        return pick.get(size, {}).get(kind)

    ten, whole, hundred = get("10m", "parquet"), get("10m", "parquet whole"), get("100m", "parquet")
    if ten:
        target("10M lines: peak <= 2 GiB", ten["rss_mib"] <= 2048,
               f"{ten['rss_mib'] / 1024:.2f} GiB")
    if ten and whole:
        target("10M lines: no slower than read whole", ten["wall"] <= whole["wall"],
               f"{ten['wall']:.2f} s against {whole['wall']:.2f} s")
    if hundred:
        target("100M lines: peak <= 4 GiB", hundred["rss_mib"] <= 4096,
               f"{hundred['rss_mib'] / 1024:.2f} GiB")
    if hundred and ten:
        target("100M lines: at most 12 x the 10M time", hundred["wall"] <= 12 * ten["wall"],
               f"{hundred['wall']:.1f} s = {hundred['wall'] / ten['wall']:.1f} x "
               f"{ten['wall']:.2f} s")
    small, peer = get("100k", "parquet"), get("100k", "peer")
    if small and peer:
        target("100k lines: no slower than the peer", small["wall"] <= peer["wall"],
               f"{small['wall']:.2f} s against {peer['wall']:.2f} s")
    return out


def _experience_table(found: dict) -> list[str]:
    """The experience score's cost per size: the audit alone, with after-sales and chats,
    and explain --metric; the time and memory the service files add."""
    if not found:
        return []
    out = ["", "## The experience score (issue 11)", "",
           "Parquet inputs: the trade lines, and beside them the sample's after-sales (about "
           "0.15 cases a line) and chats (about 5 messages a line). Target: the service "
           "metrics, explain and the scorecard at most double the audit's time.", "",
           "| lines | run | wall s | peak RSS MiB | experience stage s | runs (s) |",
           "|---:|---|---:|---:|---:|---:|"]
    by_size = {}
    for row in sorted(found.values(), key=lambda r: r["lines"]):
        by_size.setdefault(row["size"], {})[row["run"]] = row
        out.append(f"| {row['lines']:,} | {row['run']} | {row['wall']:.2f} | "
                   f"{row['rss_mib']:.0f} | {row['stages'].get('experience', 0):.2f} | "
                   f"{', '.join(f'{w:.2f}' for w in row['runs'])} |")
    out += ["", "| lines | audit s | with service files s | ratio | target met |",
            "|---:|---:|---:|---:|---|"]
    for runs in by_size.values():
        if "audit" in runs and "audit + after-sales + chats" in runs:
            a, b = runs["audit"]["wall"], runs["audit + after-sales + chats"]["wall"]
            out.append(f"| {runs['audit']['lines']:,} | {a:.2f} | {b:.2f} | {b / a:.2f} | "
                       f"{'yes' if b <= 2 * a else 'no'} |")
    return out


def _growth_and_peer(rows) -> list[str]:
    """Target rows: 10M at most 12 times 1M (per format); no slower than the DuckDB peer."""
    out = []
    ours = {(r["size"], r["format"]): r for r in rows if r["engine"] == "shopscore"}
    for fmt in ("csv", "parquet"):
        small, big = ours.get(("1m", fmt)), ours.get(("10m", fmt))
        if small and big:
            ratio = big["wall"] / small["wall"]
            out.append(f"| 10m {fmt} <= 12 x 1m {fmt} | {big['wall']:.2f} s = {ratio:.1f} x "
                       f"{small['wall']:.2f} s | {'yes' if ratio <= 12 else 'no'} |")
    for r in rows:
        if "credit_matches" in r:
            mine = ours.get((r["size"], "parquet"))
            if mine:
                out.append(f"| {r['size']} parquet: no slower than the DuckDB peer "
                           f"({r['wall']:.2f} s, credit only) | {mine['wall']:.2f} s | "
                           f"{'yes' if mine['wall'] <= r['wall'] else 'no'} |")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark shopscore audit end to end.")
    parser.add_argument("--sizes", default="100k,1m", help="comma-separated line counts "
                        "(100k, 1m, 10m, or plain numbers); default 100k,1m")
    parser.add_argument("--formats", default="csv,parquet", help="csv,parquet")
    parser.add_argument("--shops", type=int, default=8, help="shops in the data (default 8)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (best "
                        "wall time is reported)")
    parser.add_argument("--no-duckdb", action="store_true", help="skip the DuckDB peer")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--whole", action="store_true", help="also time each audit read "
                        "whole (--memory 64: no partitions), beside the default budget's")
    parser.add_argument("--experience", action="store_true", help="also time the experience "
                        "score: the audit with the after-sales and chat exports, and explain "
                        "--metric (Parquet)")
    args = parser.parse_args(argv)

    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    store = HERE / "results.json"
    doc = json.loads(store.read_text()) if store.exists() else {"rows": []}
    if doc.get("shops") not in (None, args.shops) or doc.get("seed") not in (None, args.seed):
        doc = {"rows": []}  # other data: start over
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    measured = []
    for lines in sizes:
        shops = BIG_SHOPS if lines > BIG else args.shops
        folder, gen_seconds = generate(lines, shops, args.seed, args.experience)
        if gen_seconds:
            print(f"generated {label(lines)} lines in {gen_seconds:.1f} s", file=sys.stderr)
        engine_result = None
        for fmt in formats:
            if fmt == "csv" and lines > BIG:
                continue  # not made at that size
            path = folder / ("sample_shop.csv" if fmt == "csv" else "sample_shop.parquet")
            row, engine_result = audit(path, lines, fmt, args.repeat)
            measured.append(row)
            print(f"{label(lines):>5} {fmt:<8} {row['wall']:7.2f} s  {row['rss_mib']:7.0f} MiB  "
                  f"{json.dumps(row['stages'])}", file=sys.stderr)
            if args.whole:
                row, whole_result = audit(path, lines, f"{fmt} whole", args.repeat,
                                          ("--memory", "64"))
                row["same_json"] = whole_result == engine_result
                measured.append(row)
                print(f"{label(lines):>5} whole    {row['wall']:7.2f} s  "
                      f"{row['rss_mib']:7.0f} MiB  same JSON: {row['same_json']}",
                      file=sys.stderr)
        if args.experience:
            for row in experience(folder, lines, args.repeat):
                doc.setdefault("experience", {})[f"{row['size']} {row['run']}"] = row
                print(f"{label(lines):>5} {row['run']:<28} {row['wall']:7.2f} s  "
                      f"{row['rss_mib']:7.0f} MiB  {json.dumps(row['stages'])}", file=sys.stderr)
        if not args.no_duckdb and engine_result is not None:
            row = peer(folder / "sample_shop.parquet", lines, engine_result, args.repeat)
            if row is not None:
                measured.append(row)
                print(f"{label(lines):>5} duckdb   {row['wall']:7.2f} s  "
                      f"{row['rss_mib']:7.0f} MiB  matches: {row['credit_matches']}",
                      file=sys.stderr)
    done = {label(n) for n in sizes}
    for row in measured:
        row["command"] = command
    doc["rows"] = [r for r in doc["rows"] if r["size"] not in done] + measured
    doc["commands"] = list(dict.fromkeys(r["command"] for r in doc["rows"]))
    doc.update(machine=machine(), shops=args.shops, seed=args.seed,
               date=datetime.now().isoformat(timespec="seconds"))
    store.write_text(json.dumps(doc, indent=2) + "\n")
    args.results.write_text(markdown(doc))
    sys.path.insert(0, str(HERE))
    from plot import write as plot

    print(f"wrote {args.results} and {plot(doc)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
