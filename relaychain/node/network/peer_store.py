"""The peer store: addresses this node has learned, kept on disk so a restart does not depend on a bootnode.

File `<base>/network/peers.json`:

    {"version": 1, "peers": [{"peer_id": "<64 hex>", "address": "/ip4/…/tcp/…/p2p/<64 hex>", "last_seen": <ms>}]}

`last_seen` is the wall-clock time (ms) we last had a connection to that peer (0: learned, never connected).
At most `capacity` entries are kept; a new one replaces the entry seen longest ago. The file is written
atomically (a temporary file renamed over it), so a kill at any moment leaves the old or the new store. It
is a cache: a file that cannot be read is set aside as `peers.json.unreadable` with a warning, and the node
starts from its bootnodes and what its peers tell it.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from relaychain.node.network.addresses import PeerAddress, parse_address
from relaychain.node.network.errors import InvalidAddress

log = logging.getLogger("relaychain.network.peers")

FORMAT_VERSION = 1
DEFAULT_CAPACITY = 256
MAX_FILE_BYTES = 1 << 20


@dataclass(frozen=True)
class StoredPeer:
    peer_id: bytes
    address: PeerAddress
    last_seen: int


def dialable(address: PeerAddress) -> bool:
    """An address another node can dial: it names its peer and a concrete host (not 0.0.0.0 or *)."""
    return address.peer_id is not None and address.host not in ("0.0.0.0", "*") and address.port != 0


class PeerStore:
    """Peer id → address, bounded, optionally persisted at `path` (None: in memory only)."""

    def __init__(self, path: Optional[os.PathLike | str] = None, capacity: int = DEFAULT_CAPACITY,
                 clock_ms: Callable[[], int] = lambda: int(time.time() * 1000)):
        self.path = Path(path) if path is not None else None
        self.capacity = capacity
        self._clock_ms = clock_ms
        self._peers: dict[bytes, StoredPeer] = {}
        self._dirty = False

    def __len__(self) -> int:
        return len(self._peers)

    def peers(self) -> list[StoredPeer]:
        """Most recently seen first."""
        return sorted(self._peers.values(), key=lambda p: -p.last_seen)

    def address_of(self, peer_id: bytes) -> Optional[PeerAddress]:
        entry = self._peers.get(peer_id)
        return None if entry is None else entry.address

    def add(self, address: PeerAddress, *, connected: bool = False) -> bool:
        """Remember `address` (of the peer it names); `connected` marks it seen now. True if anything changed."""
        if not dialable(address):
            return False
        peer_id = address.peer_id
        held = self._peers.get(peer_id)
        seen = self._clock_ms() if connected else (held.last_seen if held is not None else 0)
        if held is not None and held.address == address and held.last_seen == seen:
            return False
        if held is None and len(self._peers) >= self.capacity:
            oldest = min(self._peers.values(), key=lambda p: p.last_seen)
            if oldest.last_seen > seen:
                return False  # every held peer was seen more recently than this learned one
            del self._peers[oldest.peer_id]
        self._peers[peer_id] = StoredPeer(peer_id, address, seen)
        self._dirty = True
        return True

    # -- disk ------------------------------------------------------------------------------------------------
    def load(self) -> int:
        """Read the file (if any); returns how many peers it held. Never raises for a bad file."""
        if self.path is None or not self.path.exists():
            return 0
        try:
            if self.path.stat().st_size > MAX_FILE_BYTES:
                raise ValueError(f"larger than {MAX_FILE_BYTES} bytes")
            entries = _parse(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            aside = self.path.with_name(self.path.name + ".unreadable")
            log.warning("Ignoring the peer store %s (%s); kept as %s", self.path, exc, aside.name)
            try:
                os.replace(self.path, aside)
            except OSError:
                pass
            return 0
        for entry in sorted(entries, key=lambda e: -e.last_seen)[:self.capacity]:
            self._peers[entry.peer_id] = entry
        return len(self._peers)

    def save(self) -> None:
        """Write the store if it changed since the last save (atomically)."""
        if self.path is None or not self._dirty:
            return
        data = {"version": FORMAT_VERSION, "peers": [
            {"peer_id": p.peer_id.hex(), "address": p.address.multiaddr(), "last_seen": p.last_seen}
            for p in self.peers()]}
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError as exc:  # a full disk must not stop the node: the store is a cache
            log.warning("Cannot write the peer store %s: %s", self.path, exc)


def _parse(text: str) -> list[StoredPeer]:
    """The entries of a peer store file; ValueError for anything that is not one."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or not isinstance(data.get("peers"), list):
        raise ValueError(f"not a version-{FORMAT_VERSION} peer store")
    out = []
    for item in data["peers"]:
        if not isinstance(item, dict) or not isinstance(item.get("address"), str) \
                or not isinstance(item.get("last_seen"), int) or isinstance(item.get("last_seen"), bool):
            raise ValueError(f"malformed entry {str(item)[:80]}")
        try:
            address = parse_address(item["address"])
        except InvalidAddress as exc:
            raise ValueError(str(exc)) from None
        if not dialable(address) or item.get("peer_id") != address.peer_id.hex():
            raise ValueError(f"entry {item['address'][:80]!r} does not name a dialable peer")
        out.append(StoredPeer(address.peer_id, address, item["last_seen"]))
    return out
