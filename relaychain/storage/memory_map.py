"""The database's lmdb memory map: written in place, allocated on disk before use, grown while no transaction
is open.

Why a writable map (`MDB_WRITEMAP`): without it lmdb copies every page a write transaction touches into a
malloc'd buffer, and after the commit keeps those buffers on a free list (`me_dpages`) that only closing the
environment empties. Each database then holds, for as long as the node runs, the page count of its largest
write transaction so far: ~13-18 MiB after one 1,000-transfer block, and at idle a high-water mark that
creeps up as the trie's random keys land on ever more distinct pages (issue #13: `benchmarks/heap_growth.py`
found it ~95 % of the idle heap growth). With the map writable, lmdb writes into the file's pages directly
and allocates nothing.

The rules that come with it:

- lmdb sizes the data file to the map (`ftruncate`). A page of a sparse file gets its disk block when first
  written through the map, and if the disk is full then, the process dies of SIGBUS. So every byte of the
  map is allocated on disk (`posix_fallocate`) *before* lmdb maps it: a full disk is an `OSError` here, at
  open or when growing, reported as a `StorageError`, and nothing is written.
- The map starts small (`initial_map_size`) and grows (`next_map_size`) when a write finds it full, so the
  file is at most about twice the data it holds, not a fixed 8 GiB.
- lmdb remaps on `set_mapsize` and requires that no transaction of this process is open then (any open
  reader would read unmapped memory). `MapGate` counts open transactions and holds new ones back while a
  remap waits for the open ones to end.
"""

from __future__ import annotations

import os
import threading
from typing import Callable

MIB = 1 << 20
GIB = 1 << 30
DEFAULT_INITIAL_MAP = 4 * MIB


def next_map_size(current: int) -> int:
    """Double the map up to 1 GiB, then grow it by 1 GiB at a time (a 10 GiB chain allocates ≤ 1 GiB spare)."""
    return current * 2 if current < GIB else current + GIB


def initial_map_size(committed: int, requested: int) -> int:
    """The map to open a database with: `requested`, or room for one growth beyond the `committed` bytes an
    existing data file already uses; whole MiB."""
    size = max(requested, next_map_size(committed) if committed else 0)
    return -(-size // MIB) * MIB


def allocate(path: str, size: int) -> None:
    """Give the first `size` bytes of the file at `path` their disk blocks (raises `OSError`, e.g. ENOSPC,
    and then the file may have grown but nothing in it changed)."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.posix_fallocate(fd, 0, size)
    finally:
        os.close(fd)


class MapGate:
    """Counts this process's open transactions on one map; `remap(fn)` runs `fn` when none is open.

    New transactions wait while a remap is pending, so a steady stream of readers cannot starve it. A thread
    must not open a transaction inside one of its own (it would wait on a remap that waits on it); the
    database never does."""

    __slots__ = ("_cond", "_open", "_remapping")

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._open = 0
        self._remapping = False

    def enter(self) -> None:
        with self._cond:
            while self._remapping:
                self._cond.wait()
            self._open += 1

    def leave(self) -> None:
        with self._cond:
            self._open -= 1
            if self._remapping and not self._open:
                self._cond.notify_all()

    def remap(self, fn: Callable[[], None]) -> None:
        with self._cond:
            while self._remapping:  # another thread's remap: wait for it to finish, then do ours
                self._cond.wait()
            self._remapping = True
            try:
                while self._open:
                    self._cond.wait()
                fn()
            finally:
                self._remapping = False
                self._cond.notify_all()
