"""The collator's view of the relay chain: collecting the `set_validation_data` inherent (SPEC.md §5).

Given the relay state at the relay parent (a `RelayView`: `storage(key)` and `read_proof(keys)`, e.g. the relay
node's service bound to one block hash), the para's parent state and the PersistedValidationData, the inherent
carries a read proof of the §5.3 keys (`relay_state.proof_keys`), the downward messages and each ingress
channel's messages with `sent_at > processed_through` (LastRelayChainBlockNumber; -1 before the para's first
block, decision D15) (in queue order: all of them, as the MQC check of
`set_validation_data` demands). Senders without new messages are left out of the map.
"""

from __future__ import annotations

from typing import Mapping, Optional, Protocol

from relaychain.primitives.parachain_types import PARA_ID, PersistedValidationData
from relaychain.primitives.scale_types import Vec
from relaychain.trie import MemoryNodeStore, build_trie, read_proof
from xcmp.types import HrmpChannelId

from . import parachain_system
from .executive import StateHost
from .relay_state import (
    DownwardMessageQueues, HrmpChannelContents, HrmpEgressChannelsIndex, HrmpIngressChannelsIndex, proof_keys,
)
from .types import ParachainInherentData


class RelayView(Protocol):
    """The relay chain's state at one block (the relay parent)."""

    def storage(self, key: bytes) -> Optional[bytes]: ...

    def read_proof(self, keys: list[bytes]) -> list[bytes]: ...


class BlockRelayView:
    """A `RelayView` of block `block_hash` over anything with the relay node service's
    `storage(block_hash, key)` and `read_proof(block_hash, keys)`."""

    def __init__(self, service, block_hash: bytes):
        self.service, self.block_hash = service, bytes(block_hash)

    def storage(self, key: bytes) -> Optional[bytes]:
        return self.service.storage(self.block_hash, key)

    def read_proof(self, keys: list[bytes]) -> list[bytes]:
        return self.service.read_proof(self.block_hash, keys)


class StateRelayView:
    """A `RelayView` over a whole relay key/value state held in memory (its trie built once, state version 1)."""

    def __init__(self, entries: Mapping[bytes, bytes]):
        self.entries = dict(entries)
        self.root, nodes = build_trie(self.entries, 1)
        self._store = MemoryNodeStore(nodes)

    def storage(self, key: bytes) -> Optional[bytes]:
        return self.entries.get(key)

    def read_proof(self, keys: list[bytes]) -> list[bytes]:
        return read_proof(self._store, self.root, keys)


def _index(view: RelayView, item, para_id: int) -> list[int]:
    raw = view.storage(item.key(para_id))
    return [] if raw is None else list(Vec(PARA_ID).decode(raw))


def collect_inherent(view: RelayView, para_id: int, parent_state: Mapping[bytes, bytes],
                     validation_data: PersistedValidationData) -> ParachainInherentData:
    """The inherent for the next block of `para_id` (parent post-state `parent_state`) at the relay parent
    `view` is of (whose number and storage root `validation_data` gives)."""
    last = parachain_system.processed_through(StateHost(parent_state))
    ingress = _index(view, HrmpIngressChannelsIndex, para_id)
    egress = _index(view, HrmpEgressChannelsIndex, para_id)
    proof = view.read_proof(proof_keys(para_id, ingress, egress))
    raw = view.storage(DownwardMessageQueues.key(para_id))
    queue = [] if raw is None else DownwardMessageQueues.value_type.decode(raw)
    downward = tuple(m for m in queue if m.sent_at > last)
    horizontal = []
    for sender in sorted(ingress):
        raw = view.storage(HrmpChannelContents.key(HrmpChannelId(sender, para_id)))
        contents = [] if raw is None else HrmpChannelContents.value_type.decode(raw)
        new = tuple(m for m in contents if m.sent_at > last)
        if new:
            horizontal.append((sender, new))
    return ParachainInherentData(validation_data, tuple(bytes(p) for p in proof), downward, tuple(horizontal))
