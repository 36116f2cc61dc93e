"""Process memory tuning for large audits (glibc only; elsewhere nothing happens).

An audit of millions of lines makes and drops many arrays of tens of megabytes. On the
benchmark VM a page the process touches for the first time costs far more than reusing one
(a fresh GB took 1-3 s; freed pages are handed back to the host within seconds), so the
lever is reuse:
- Raising glibc's mmap and trim thresholds keeps freed blocks in the heap for the next
  array instead of unmapping them.
- One malloc arena for all threads: a worker thread's freed arrays are reused by the main
  thread (a thread's own arena would map each big array afresh).
- Arrow allocates from the same heap (its system pool; the CLI sets
  ARROW_DEFAULT_MEMORY_POOL=system before pyarrow loads, see shopscore.cli) instead of its
  own allocator, so the text columns a file is read into, once typed and dropped, become
  the engine's arrays. The pool then keeps what it frees (`release_arrow_memory` does
  nothing): giving it back to the system would only make the next array fault it in again.
  Text read whole (a CSV) is the exception (`giving_back`).
Measured on the 10M-line Parquet benchmark: 17.7-18.7 s and 3.4-3.6 GiB peak, against 20-24 s
and 3.1-3.3 GiB with Arrow's own allocator."""

from __future__ import annotations

import ctypes
import sys
from contextlib import contextmanager

import pyarrow as pa

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
_SHARED_HEAP = False  # True once Arrow allocates from glibc's one heap (keep_freed_memory)


def keep_freed_memory() -> bool:
    """Ask glibc to reuse freed large blocks, and Arrow to allocate from that heap; True when
    glibc agreed (else nothing changes)."""
    global _SHARED_HEAP
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        agreed = bool(libc.mallopt(_M_MMAP_THRESHOLD, 1 << 30)
                      and libc.mallopt(_M_TRIM_THRESHOLD, 1 << 31)
                      and libc.mallopt(_M_ARENA_MAX, 1))
    except (OSError, AttributeError):  # not glibc (musl, say)
        return False
    _no_compaction_stalls()
    if agreed:
        pa.set_memory_pool(pa.system_memory_pool())
        _SHARED_HEAP = True
    return agreed


def _no_compaction_stalls():
    """numpy asks the kernel for huge pages for every big array (madvise). Where the kernel
    then compacts memory on the spot to find them (transparent_hugepage/defrag `madvise` or
    `always`), a fresh array can stall the audit: on the benchmark VM the experience stage of
    1M lines with 5M chat messages took 1.2-2.3 s with them, 1.2 s steadily without."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/defrag", encoding="ascii") as fh:
            policy = fh.read()
    except OSError:
        return
    chosen = policy[policy.find("[") + 1:policy.find("]")]
    if chosen in ("always", "madvise"):
        try:
            from numpy._core import multiarray
        except ImportError:  # numpy 1.x
            from numpy.core import multiarray
        setter = getattr(multiarray, "_set_madvise_hugepage", None)
        if setter is not None:
            setter(False)


_GIVING_BACK = [0]  # how many giving_back(True) blocks are open


@contextmanager
def giving_back(wanted: bool):
    """Within the block (when wanted), release_arrow_memory gives freed memory back even in
    the shared heap: for text read whole (a CSV), far bigger than the typed columns it
    becomes, whose small freed blocks the engine's big arrays could not reuse anyway (a 10M
    CSV peaked at 5.8 GiB keeping them, against 3.9 GiB giving them back)."""
    _GIVING_BACK[0] += bool(wanted)
    try:
        yield
    finally:
        _GIVING_BACK[0] -= bool(wanted)


def release_arrow_memory():
    """Hand the memory Arrow's pool has freed back to the system when that pool is Arrow's
    own allocator (which would otherwise sit on it) or within giving_back; else, in the
    shared heap, keep it for reuse."""
    if not _SHARED_HEAP or _GIVING_BACK[0]:
        pa.default_memory_pool().release_unused()
