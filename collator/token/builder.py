"""The token para's block builder for the collator (a `RelayAwareBlockBuilder`, collator/collator.py).

On relay parent L with validation data PVD (parent head P = PVD.parent_head):
1. P must be a block this node has (else the collation is skipped: CollationError via UnknownParent, a
   KeyError; a runtime refusal is BuildFailed, a ValueError — both what build_collation turns into CollationError);
   P becomes the para's best block (node.py's rule), so what the relay chain dropped is back in the pool;
2. the inherent `set_validation_data` is collected from the relay state at L (storage + read proof of the
   keys SPEC.md §5 lists) and PVD;
3. the runtime builds the block from the pool's ready transactions that fit in PVD.max_pov_size next to the
   parent state and the inherent (the rest wait for the next block; those it drops as invalid leave the pool);
4. the block is stored (not yet best); once the collator's PVF run agrees with it, it becomes the best block.
"""

from __future__ import annotations

import logging
from typing import Optional

from relaychain.primitives.hashing import blake2_256
from relaychain.storage import StorageError

from .node import TokenParaNode
from .runtime import BuiltBlock, InvalidBlock

log = logging.getLogger("relaychain.collator.token")

MAX_PENDING = 64
HEADER_AND_PREFIXES = 1024  # header (< 200 bytes, empty digest), the extrinsics' count, slack


def pov_overhead(parent_state, inherent) -> int:
    """Bytes of the PoV's block data besides the transactions: the whole parent state (SCALE pairs), the
    inherent, the header and length prefixes (bounded by HEADER_AND_PREFIXES)."""
    state = sum(len(k) + len(v) + 10 for k, v in parent_state.items())  # each with two Compact prefixes
    return state + len(inherent.encode()) + HEADER_AND_PREFIXES


class BuildFailed(ValueError):
    """The runtime refused to build on these inputs (e.g. relay data that does not fit the parent block)."""


class UnknownParent(KeyError):
    """The relay chain's parent head is a para block this node does not have (another collator built it)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown parent"


class TokenBlockBuilder:
    def __init__(self, node: TokenParaNode):
        self.node = node
        self._pending: dict[bytes, bytes] = {}  # blake2_256(block data) -> para block hash, awaiting the PVF

    def build(self, relay_view, pvd) -> BuiltBlock:
        """Steps 1-4 (without the PVF): the block on PVD.parent_head, stored in the node, not yet best."""
        node = self.node
        parent_hash = blake2_256(pvd.parent_head)
        parent = node.store.header(parent_hash)
        if parent is None:
            raise UnknownParent(f"para {node.para_id}: parent head 0x{parent_hash.hex()[:16]}… is not a block "
                                f"this collator has")
        try:
            node.set_best(parent_hash)
        except StorageError as exc:  # e.g. the parent is on a fork the para's finality has left behind
            raise BuildFailed(f"para {node.para_id}: cannot build on #{parent.number}: {exc}") from None
        parent_state = node.state(parent_hash)
        inherent = node.runtime.collect_inherent(relay_view, parent_state, pvd)
        budget = pvd.max_pov_size - pov_overhead(parent_state, inherent)
        try:
            built = node.runtime.build_block(parent, parent_state, inherent, node.ready_extrinsics(max(budget, 0)))
        except InvalidBlock as exc:
            raise BuildFailed(f"para {node.para_id}: cannot build on #{parent.number}: {exc}") from None
        if built.dropped:
            for d in built.dropped:
                log.info("para %d: transaction 0x%s… left out: %s", node.para_id,
                         blake2_256(d.extrinsic).hex()[:8], d.error)
            # A transaction ahead of this state's nonce is not invalid: it waits in the pool for its predecessors
            # (they may be back in the pool after a fallback); everything else left out is dropped.
            node.pool.remove_invalid([blake2_256(d.extrinsic) for d in built.dropped
                                      if getattr(d.error, "kind", None) != "Future"])
        node.import_block(built.header, built.included, built.post_state)
        log.info("para %d: built #%d (0x%s…) with %d transaction(s) on relay parent #%d", node.para_id,
                 built.header.number, built.header.hash().hex()[:8], len(built.included) - 1,
                 pvd.relay_parent_number)
        return built

    # -- RelayAwareBlockBuilder ---------------------------------------------------------------------
    def produce_block_in(self, context) -> bytes:
        built = self.build(context.relay, context.pvd)
        self._pending[blake2_256(built.block_data)] = built.header.hash()
        while len(self._pending) > MAX_PENDING:
            self._pending.pop(next(iter(self._pending)))
        return built.block_data

    def collation_built(self, block_data: bytes) -> None:
        block_hash: Optional[bytes] = self._pending.pop(blake2_256(block_data), None)
        if block_hash is not None:
            self.node.set_best(block_hash)

    def collation_failed(self, block_data: bytes, reason: str) -> None:
        block_hash = self._pending.pop(blake2_256(block_data), None)
        log.warning("para %d: the PVF did not accept the block the collator built (0x%s…): %s", self.node.para_id,
                    (block_hash or b"").hex()[:8], reason)
