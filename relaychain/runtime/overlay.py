"""The runtime's view of state during a block: parent state (the Host) plus this block's changes.

Substrate: `sp_state_machine::OverlayedChanges` with nested storage transactions
(`frame_support::storage::with_transaction`). A failed dispatch rolls back to the layer opened
before it, so only the fee and nonce changes of the extrinsic survive (rpc.md §8).

Events are kept as an append-only list beside the key/value changes (rolled back with the same
layers) and written to `System.Events` once at the end of the block: appending to a SCALE Vec in
storage after every event would re-encode the whole list each time. Digest items the runtime deposits
(Substrate keeps them in `System.Digest`) are kept the same way, so a rolled-back call leaves none.
"""

from __future__ import annotations

from typing import Mapping, Optional, Protocol

_MISSING = object()


class Host(Protocol):
    """Read-only parent state, e.g. `relaychain.trie.TrieBackend` (contracts C4)."""

    def get(self, key: bytes) -> Optional[bytes]: ...

    def next_key(self, key: bytes) -> Optional[bytes]: ...


class EmptyHost:
    """The empty parent state (genesis is built over it)."""

    def get(self, key: bytes) -> Optional[bytes]:
        return None

    def next_key(self, key: bytes) -> Optional[bytes]:
        return None


class TransactionError(RuntimeError):
    """Unbalanced storage transactions: a runtime bug, never caused by user input."""


class Overlay:
    """Block-local changes over a Host, with nested transactional layers."""

    __slots__ = ("host", "changes", "events", "logs", "_journal", "_reads")

    def __init__(self, host: Host, changes: Optional[Mapping[bytes, Optional[bytes]]] = None):
        self.host = host
        self.changes: dict[bytes, Optional[bytes]] = dict(changes or {})
        self.events: list[bytes] = []
        self.logs: list = []  # digest items deposited by the runtime
        # one entry per open transaction: (original values of keys first touched in it, events length,
        # logs length)
        self._journal: list[tuple[dict, int, int]] = []
        # values read from the host: it is a parent state and does not change under the overlay, and a block
        # reads some keys once per extrinsic (the genesis hash, the fee multiplier) — as Substrate's local
        # trie cache, a walk from the root each time otherwise
        self._reads: dict[bytes, Optional[bytes]] = {}

    # -- reads ---------------------------------------------------------------------------------
    def get(self, key: bytes) -> Optional[bytes]:
        v = self.changes.get(key, _MISSING)
        if v is _MISSING:
            v = self._reads.get(key, _MISSING)
            if v is _MISSING:
                v = self._reads[key] = self.host.get(key)
        return v

    def exists(self, key: bytes) -> bool:
        return self.get(key) is not None

    def next_key(self, key: bytes) -> Optional[bytes]:
        """Smallest existing key strictly greater than `key`, over parent state and changes."""
        cand = self.host.next_key(key)
        while cand is not None and self.changes.get(cand, b"") is None:  # deleted in this block
            cand = self.host.next_key(cand)
        local = [k for k, v in self.changes.items() if v is not None and k > key]
        if local:
            m = min(local)
            if cand is None or m < cand:
                return m
        return cand

    def keys_with_prefix(self, prefix: bytes) -> list[bytes]:
        out = []
        k = self.next_key(prefix) if self.get(prefix) is None else prefix
        while k is not None and k.startswith(prefix):
            out.append(k)
            k = self.next_key(k)
        return out

    # -- writes --------------------------------------------------------------------------------
    def set(self, key: bytes, value: Optional[bytes]) -> None:
        if self._journal:
            saved = self._journal[-1][0]
            if key not in saved:
                saved[key] = self.changes.get(key, _MISSING)
        self.changes[key] = value

    def remove(self, key: bytes) -> None:
        self.set(key, None)

    def deposit_event_record(self, record: bytes) -> None:
        self.events.append(record)

    # -- transactions --------------------------------------------------------------------------
    def start_transaction(self) -> None:
        self._journal.append(({}, len(self.events), len(self.logs)))

    def rollback_transaction(self) -> None:
        if not self._journal:
            raise TransactionError("rollback without an open transaction")
        saved, n_events, n_logs = self._journal.pop()
        for k, old in saved.items():
            if old is _MISSING:
                self.changes.pop(k, None)
            else:
                self.changes[k] = old
        del self.events[n_events:]
        del self.logs[n_logs:]

    def commit_transaction(self) -> None:
        if not self._journal:
            raise TransactionError("commit without an open transaction")
        saved, _, _ = self._journal.pop()
        if self._journal:
            outer = self._journal[-1][0]
            for k, old in saved.items():
                if k not in outer:
                    outer[k] = old

    @property
    def depth(self) -> int:
        return len(self._journal)
