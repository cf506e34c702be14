"""Node stores: where encoded trie nodes live, keyed by their blake2-256 hash.

Any object with `get_node(hash) -> bytes | None` is a NodeStore (contract C2); relaychain.storage's
lmdb-backed database provides one, and these in-memory ones serve tests, proofs and block building.
"""

from __future__ import annotations

from typing import Mapping, Optional, Protocol


class NodeStore(Protocol):
    def get_node(self, node_hash: bytes) -> Optional[bytes]:
        """The encoded node (or V1 value node) stored under `node_hash`, or None."""


class MemoryNodeStore:
    """A NodeStore over a dict (hash → encoded node)."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: Optional[dict[bytes, bytes]] = None):
        self.nodes = {} if nodes is None else nodes

    def get_node(self, node_hash: bytes) -> Optional[bytes]:
        return self.nodes.get(node_hash)

    def put_nodes(self, nodes: Mapping[bytes, bytes]) -> None:
        self.nodes.update(nodes)

    def __len__(self) -> int:
        return len(self.nodes)


class OverlayNodeStore:
    """Unpersisted nodes (e.g. from `TrieBackend.apply` for a block being built) layered over a base store."""

    __slots__ = ("overlay", "base")

    def __init__(self, base: NodeStore, overlay: Optional[Mapping[bytes, bytes]] = None):
        self.base = base
        self.overlay = dict(overlay or {})

    def get_node(self, node_hash: bytes) -> Optional[bytes]:
        found = self.overlay.get(node_hash)
        return found if found is not None else self.base.get_node(node_hash)
