"""A bounded, thread-safe map that forgets its least recently used entry first.

The memos of pure functions that the pool (on the execution thread) and block execution share are built on it:
verified signatures (`extrinsic.VerifiedSignatures`) and decoded extrinsics (`executive.DecodedExtrinsics`).
Their capacities are in `memory_bounds`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, Hashable, Optional, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruMap(Generic[K, V]):
    """At most `capacity` entries; a read or a write makes an entry the most recently used."""

    def __init__(self, capacity: int):
        if capacity < 1:
            raise ValueError(f"an LRU map holds at least one entry, not {capacity}")
        self.capacity = capacity
        self._entries: "OrderedDict[K, V]" = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> Optional[V]:
        """The value under `key` (now the most recently used), or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        """Keep `value` under `key` (not None: None means absent); the least recently used go beyond capacity."""
        if value is None:
            raise ValueError("an LRU map does not keep None")
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
