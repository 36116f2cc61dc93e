"""The partitioned audit (engine/partitioned.py) with its partitions as Dask tasks: the client
reads and routes the files (a Parquet file's rows spilled by partition), each task prepares,
decides and tallies one partition on a worker, and the client adds the tallies up. The JSON
is the local engine's, byte for byte. Dask is imported lazily, so the engine works without
it.

Workers read the spill files at the client's absolute paths (the system's temporary
directory, TMPDIR: on a cluster of several machines, a mount they all share); they never open
the input files themselves."""

from __future__ import annotations

from shopscore.scoring.engine.partitioned import PartTask, audit_partitioned, run_part
from shopscore.scoring.engine.stages import stage
from shopscore.scoring.errors import OptionError, ShopscoreError
from shopscore.scoring.inputs.columns import REQUIRED_TRADES

TASKS_PER_THREAD = 4  # more, smaller tasks than threads: a slow one does not hold up the end


def remote_part(task: PartTask):
    """One task, on a worker: the partition's result, or ("error", message) for a user
    error (those exceptions do not all pickle)."""
    try:
        return run_part(task)
    except ShopscoreError as exc:
        return ("error", str(exc))


def audit_distributed(paths, profile, as_of, industry=None, checks=None, shop=None, *,
                      scheduler: str | None = None, platform: str = "auto",
                      encoding: str | None = None, sheet: str | None = None,
                      processes: bool = True, on_done=None, partitions: int | None = None,
                      least: int = 1,
                      ratings_path=None, after_sales=None, chats=None,
                      required: tuple = REQUIRED_TRADES):
    """Audit the files on a Dask cluster (`scheduler` address, or a local cluster of 2
    workers) in `partitions` partitions (default: TASKS_PER_THREAD per worker thread, at
    least `least`: the memory budget's); the result equals the local audit's. Returns (the
    accounting as a Dataset without lines, the result, how many trade lines were read).
    `on_done(done, total)` is called as tasks finish."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise OptionError("--engine dask needs Dask: pip install 'shopscore[dask]'") from None
    with stage("dask"), _client(Client, LocalCluster, scheduler, processes) as client:
        threads = sum(client.nthreads().values()) or 1
        count = partitions or max(least, TASKS_PER_THREAD * threads)

        def run(tasks, total: int):
            futures = [client.submit(remote_part, task, pure=False) for task in tasks]
            if on_done is not None:
                on_done(0, len(futures))
            found = {}
            for done, future in enumerate(as_completed(futures), 1):
                found[futures.index(future)] = future.result()
                if on_done is not None:
                    on_done(done, len(futures))
            results = [found[k] for k in range(len(futures))]
            for outcome in results:
                if isinstance(outcome, tuple) and outcome[0] == "error":
                    raise ShopscoreError(outcome[1])
            return results

        return audit_partitioned(paths, profile, as_of, count, industry, checks, shop,
                                 ratings_path=ratings_path, platform=platform,
                                 encoding=encoding, sheet=sheet, after_sales=after_sales,
                                 chats=chats, required=required, run=run)


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
