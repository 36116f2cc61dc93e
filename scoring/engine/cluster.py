"""The audit as Dask tasks over a shop-partitioned dataset: the same pure functions per shop.

Dask only partitions and gathers. Each task runs `load(files of some shops)` + `audit(...)`
on a worker and returns its shops; the client merges the shops (sorted by shop_id) and the
input accounting (files in the order given, counts summed). Dask is imported lazily, so the
engine works without it.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from pathlib import Path

import pandas as pd

from shopscore.scoring.engine.audit import audit
from shopscore.scoring.engine.stages import stage
from shopscore.scoring.errors import OptionError, ShopscoreError
from shopscore.scoring.inputs.accounts import refuse_nothing_to_audit
from shopscore.scoring.inputs.dataset import (
    REJECT_COLUMNS,
    Dataset,
    expand_inputs,
    ratings_left_out,
)
from shopscore.scoring.inputs.load import load
from shopscore.scoring.inputs.read import partition_value
from shopscore.scoring.result import AuditResult

TASKS_PER_THREAD = 4  # more, smaller tasks than threads: the big shops do not hold up the end


def shop_partitions(paths) -> list[list[Path]]:
    """The input files grouped by their `shop_id=VALUE` directory (one group per shop, in the
    order first met); files outside any such directory make one group when there is no other."""
    files = expand_inputs(paths)
    groups: dict[str, list[Path]] = {}
    loose = []
    for f in files:
        value = partition_value(f)
        (groups.setdefault(value, []) if value is not None else loose).append(f)
    if groups and loose:
        raise OptionError(f"--engine dask: {loose[0]} is not inside a shop_id=VALUE directory; "
                          "give a hive-partitioned dataset (DIR/shop_id=…/part-*.parquet) only")
    return list(groups.values()) or ([loose] if loose else [])


def pack(groups: list[list[Path]], tasks: int) -> list[list[Path]]:
    """Groups packed into at most `tasks` bins of about equal bytes (largest first)."""
    if len(groups) <= tasks:
        return groups
    bins = [[] for _ in range(tasks)]
    sizes = [0] * tasks
    for group in sorted(groups, key=lambda g: -sum(_size(f) for f in g)):
        k = sizes.index(min(sizes))
        bins[k] += group
        sizes[k] += sum(_size(f) for f in group)
    return [b for b in bins if b]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def audit_files(files, tz, profile, as_of, industry, checks, shop, platform, encoding, sheet):
    """One task: load some shops' files and audit them (runs on a worker).
    Returns (result, whether any line or rating was read, the file accounts, the rejects),
    or ("error", message) for a user error, since those exceptions do not all pickle."""
    try:
        data = load(files, tz, platform=platform, encoding=encoding, sheet=sheet)
        result, _ = audit(data, profile, as_of, industry, checks, shop)
    except ShopscoreError as exc:
        return ("error", str(exc))
    read_any = bool(len(data.lines))
    return (result, read_any, data.files, data.rejects)


def audit_distributed(paths, profile, as_of, industry=None, checks=None, shop=None, *,
                      scheduler: str | None = None, platform: str = "auto",
                      encoding: str | None = None, sheet: str | None = None,
                      processes: bool = True, on_done=None) -> tuple[Dataset, AuditResult]:
    """Audit a shop-partitioned dataset on a Dask cluster (`scheduler` address, or a local
    cluster of 2 workers); the result equals `audit(load(paths), ...)`. Workers must see the
    files at the same absolute paths (a shared mount) and have shopscore installed.
    Returns the accounting (a Dataset without lines, for warnings and --rejects) and the result.
    `on_done(done, total)` is called as tasks finish."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise OptionError("--engine dask needs Dask: pip install 'shopscore[dask]'") from None
    groups = shop_partitions(paths)
    if not groups:
        raise OptionError("--engine dask: no input file was given")
    shown = {os.path.abspath(f): str(f) for g in groups for f in g}
    order = {str(f): i for i, f in enumerate(f for g in groups for f in g)}
    with stage("dask"), _client(Client, LocalCluster, scheduler, processes) as client:
        threads = sum(client.nthreads().values()) or 1
        tasks = pack(groups, TASKS_PER_THREAD * threads)
        futures = [client.submit(audit_files, [os.path.abspath(f) for f in files],
                                 profile.timezone, profile, as_of, industry, checks, shop,
                                 platform, encoding, sheet, pure=False)
                   for files in tasks]
        if on_done is not None:
            on_done(0, len(futures))
        outcomes = []
        for done, future in enumerate(as_completed(futures), 1):
            outcomes.append(future.result())
            if on_done is not None:
                on_done(done, len(futures))
    for outcome in outcomes:
        if outcome[0] == "error":
            message = outcome[1]
            for full, given in shown.items():
                message = message.replace(full, given)
            raise ShopscoreError(message)
    return _gather(outcomes, shown, order, shop)


class _client:
    """A Client on the given scheduler, or on a LocalCluster of 2 workers (closed after)."""

    def __init__(self, client_cls, cluster_cls, scheduler, processes):
        self.args = (client_cls, cluster_cls, scheduler, processes)
        self.cluster = self.client = None

    def __enter__(self):
        client_cls, cluster_cls, scheduler, processes = self.args
        if scheduler:
            try:
                self.client = client_cls(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise OptionError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler "
                                  f"there ({exc})") from None
        else:
            self.cluster = cluster_cls(n_workers=2, threads_per_worker=1, processes=processes,
                                       dashboard_address="127.0.0.1:0")
            self.client = client_cls(self.cluster)
        return self.client

    def __exit__(self, *exc):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _gather(outcomes, shown: dict, order: dict, shop) -> tuple[Dataset, AuditResult]:
    """Merge the tasks' results as one local audit would have made them."""
    results = [o[0] for o in outcomes]
    with_data = [o[0] for o in outcomes if o[1]]
    accounts = [dataclasses.replace(a, path=shown.get(a.path, a.path))
                for o in outcomes for a in o[2]]
    accounts.sort(key=lambda a: order.get(a.path, len(order)))
    if not with_data:  # no trade line anywhere: the audit could not run
        refuse_nothing_to_audit(accounts)
    # With no line read anywhere, every task audited the one empty `default` shop.
    shops = [s for r in (with_data or results[:1]) for s in r.shops]
    ids = [s.shop_id for s in shops]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})[0]
        raise OptionError(f"--engine dask: shop {twice!r} has rows in more than one shop_id= "
                          "partition; each shop's rows must sit in its own directory")
    rejects = [o[3].assign(file=o[3]["file"].map(lambda p: shown.get(p, p)))
               for o in outcomes if len(o[3])]
    if rejects:
        merged = pd.concat(rejects, ignore_index=True)
        merged = merged.assign(_k=merged["file"].map(order)).sort_values(
            ["_k", "row"], kind="stable").drop(columns="_k").reset_index(drop=True)
    else:
        merged = pd.DataFrame(columns=REJECT_COLUMNS)
    by_reason = Counter()
    for a in accounts:
        by_reason.update(a.rejected_by_reason)
    first = results[0] if results else None
    data = Dataset(lines=pd.DataFrame(), orphans=pd.DataFrame(), files=accounts, rejects=merged)
    inputs = {"rows_read": data.rows_read, "rows_rejected": data.rows_rejected,
              "rejected_by_reason": dict(sorted(by_reason.items())),
              "orphan_ratings": sum(r.inputs.get("orphan_ratings", 0) for r in results),
              "ratings_left_out": ratings_left_out(accounts),
              "files": [a.to_dict() for a in accounts]}
    result = dataclasses.replace(first, inputs=inputs,
                                 shops=tuple(sorted(shops, key=lambda s: s.shop_id)))
    return data, result
