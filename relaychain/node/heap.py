"""Handing the C heap's free pages back to the system while a node runs (issue #13 item 4).

Every Python object over 512 bytes (dict, set and list tables, bytes, trie nodes) comes from the C library's
malloc. glibc keeps the memory of freed blocks for reuse and gives it back to the system on its own only
when it sits at the very top of the heap; in a heap where long-lived blocks (caches, chain state) are
interleaved with short-lived ones (each block's messages, decoded structures) that is rare, so an idling
node's anonymous RSS crept up by memory that malloc held but nothing used. Measured on `run --dev` with
paras: one `malloc_trim(0)` at minute 5 gave back 4.3 MiB, and a heaptrack of minutes 2-8 found every
surviving allocation to be a Python object's (none from lmdb, the crypto bindings, numba or zmq).

glibc also gives every new thread a malloc arena of its own (up to eight per core) and a freed block goes back
to the arena that allocated it, so each worker thread's arena (block execution, erasure coding, pool checks
run in `asyncio.to_thread`) held its own free pages and its own long-lived blocks pinning them: measured on
`run --dev` with paras, those arenas grew from 2 to 28 MiB over the first minutes while the main heap grew
by a few. A Python process allocates almost only while holding the GIL, so extra arenas spare it no lock
contention: `limit_arenas` makes every thread share the main one (M_ARENA_MAX 1), before the threads start.

`malloc_trim(0)` releases the free pages anywhere in every malloc arena (glibc >= 2.8 madvises the middle
of the heap too), so `keep_trimmed` calls it every `TRIM_INTERVAL_S` for the whole process: one task per
process, however many nodes it runs. Off glibc (musl, macOS) there is no such call and `trim` does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
from typing import Awaitable, Callable, Optional, TypeVar

from relaychain.node.tasks import cancel_and_wait

T = TypeVar("T")

TRIM_INTERVAL_S = 30.0


def _load_malloc_trim() -> Optional[Callable[[int], int]]:
    try:
        function = ctypes.CDLL(None).malloc_trim  # the C library already loaded into this process
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_size_t,)
    function.restype = ctypes.c_int
    return function


_malloc_trim = _load_malloc_trim()


M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)
ARENAS = 1


def _load_mallopt() -> Optional[Callable[[int, int], int]]:
    try:
        function = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_int)
    function.restype = ctypes.c_int
    return function


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Let threads started from now on share `arenas` malloc arenas; True if set. Left alone when the user set
    MALLOC_ARENA_MAX (glibc read it already) or off glibc. Threads that already allocated keep their arena."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    mallopt = _load_mallopt()
    return mallopt is not None and _malloc_trim is not None and mallopt(M_ARENA_MAX, arenas) == 1


def can_trim() -> bool:
    """Whether this process's C library can give free heap pages back (glibc)."""
    return _malloc_trim is not None


def trim() -> bool:
    """Give malloc's free pages back to the system now; True if some memory was released. Runs without the
    GIL (a ctypes call), for a few milliseconds on a node's heap."""
    return bool(_malloc_trim(0)) if _malloc_trim is not None else False


async def keep_trimmed(interval: float = TRIM_INTERVAL_S, trim_now: Callable[[], bool] = trim) -> None:
    """Trim the heap every `interval` seconds until cancelled, on a worker thread: a trim walks the heap while
    holding malloc's locks, and the event loop keeps running meanwhile."""
    if trim_now is trim and not can_trim():
        return
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(trim_now)


async def run_trimmed(main: Awaitable[T]) -> T:
    """Await `main` (a process's top-level coroutine) with `keep_trimmed` running beside it until it ends, its
    threads sharing one malloc arena (`limit_arenas`: called here, before the process starts its threads)."""
    limit_arenas()
    trimmer = asyncio.create_task(keep_trimmed(), name="heap-trim")
    try:
        return await main
    finally:
        await cancel_and_wait([trimmer], "heap trimming")
