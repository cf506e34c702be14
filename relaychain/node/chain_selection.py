"""Chain selection: fork choice, block viability, reverts and the finality voting rule.

Polkadot: `polkadot/node/core/chain-selection` and `polkadot/node/service/src/relay_chain_selection.rs`;
../shared/specs/parachains.md §9 (a dispute concluded invalid reverts the chain to before the inclusion) and
§10 (GRANDPA votes only on the approved, undisputed prefix).

Rules:
- A block is *viable* unless it, or an unfinalized ancestor of it, was reverted. Finalized blocks are never
  reverted.
- Fork choice is BABE's (`sc-consensus-babe` import, `ForkChoiceStrategy::Custom`): a block's *weight* is the
  number of primary-slot blocks in its chain (`PreDigest::added_weight`: Primary 1, secondary 0). An imported
  block replaces the best block if its weight is greater, or equal with a greater number; on a full tie the best
  block stays (the one seen first), so a node never leaves a block it may have voted for for an equal rival.
- When the best block must be chosen afresh (a revert, finality on another fork), the best viable leaf is the
  one of greatest (weight, number), the lower hash on a full tie so the choice does not depend on set order.
- `revert(h)` makes `h` and all its descendants non-viable (for good: a later, longer chain through a reverted
  block never becomes best) and moves the best block to the best viable block if it was among them.
- GRANDPA may finalize a block only if it is viable and every voting rule accepts it (`can_finalize`); the
  approval-voting and dispute subsystems add their rules (parachains.md §10). The voter itself caps the
  restriction at MAX_FINALITY_LAG.
"""

from __future__ import annotations

import logging
from typing import Callable, Iterable, Optional

from relaychain.primitives import types
from relaychain.primitives.scale import ScaleDecodeError

log = logging.getLogger("relaychain.chain_selection")

VotingRule = Callable[[bytes], bool]
_REVERTED_KEY = b"chain-selection/reverted"


class RevertError(Exception):
    """A revert that would touch finality or names an unknown block."""


class ChainSelection:
    """Owns fork choice for a `Client`: the client asks `is_better` on import and `best_viable_leaf`."""

    def __init__(self, db, header_of: Callable[[bytes], object], finalized: Callable[[], bytes]):
        self._db = db
        self._header_of = header_of
        self._finalized = finalized
        self._voting_rules: list[VotingRule] = []
        raw = db.meta_get(_REVERTED_KEY) or b""
        self._reverted: set[bytes] = {raw[i:i + 32] for i in range(0, len(raw), 32)}
        self._viable: dict[bytes, bool] = {}
        # block hash -> (number, primary-slot blocks from the anchor to it). The anchor is the finalized block
        # when this node started, weight 0: only differences between descendants of the finalized block are
        # ever compared, so no absolute weight from genesis is needed (nor stored).
        self._weights: dict[bytes, tuple[int, int]] = {}
        self._anchor_number = self._number(finalized()) or 0
        self._weights[finalized()] = (self._anchor_number, 0)

    # ---- viability --------------------------------------------------------------------------------
    def is_viable(self, block_hash: bytes) -> bool:
        """No reverted block on the path from `block_hash` down to the finalized block."""
        known = self._viable.get(block_hash)
        if known is not None:
            return known
        path, h = [], block_hash
        finalized = self._finalized()
        fin_number = self._number(finalized)
        verdict = True
        while True:
            cached = self._viable.get(h)
            if cached is not None:
                verdict = cached
                break
            if h in self._reverted:
                verdict = False
                path.append(h)
                break
            header = self._header_of(h)
            if header is None or h == finalized or header.number <= fin_number:
                break
            path.append(h)
            h = header.parent_hash
        for p in path:
            self._viable[p] = verdict
        return verdict

    def revert(self, block_hash: bytes) -> bool:
        """Make `block_hash` and its descendants non-viable (a dispute concluded against a candidate it
        included); False if it already was. Raises RevertError for an unknown or finalized block."""
        header = self._header_of(block_hash)
        if header is None:
            raise RevertError(f"cannot revert unknown block 0x{block_hash.hex()}")
        if header.number <= self._number(self._finalized()):
            raise RevertError(f"block #{header.number} 0x{block_hash.hex()} is finalized; finality is never "
                              f"reverted")
        if block_hash in self._reverted:
            return False
        self._reverted.add(block_hash)
        self._viable.clear()  # descendants' cached verdicts are stale
        self._db.meta_put(_REVERTED_KEY, b"".join(sorted(self._reverted)))
        # the client logs the revert for the user ("⏪ Reverted #n …: the best block is now #m")
        log.debug("marked #%d (0x%s) and its descendants reverted", header.number, block_hash.hex())
        return True

    def apply_revert_logs(self, header) -> Optional[bytes]:
        """Follow the parachain runtime's `ConsensusLog::Revert(n)` in an imported block's digest (a dispute
        concluded invalid): revert the block numbered `n` on that block's chain, with its descendants (the block
        carrying the log among them). Returns the hash it newly reverted, or None. A revert target at or below finality
        is ignored with a warning (finality is never reverted)."""
        from relaychain.primitives.parachain_types import CONSENSUS_LOG, PARACHAINS_ENGINE_ID

        targets = []
        for data in header.digest.consensus(PARACHAINS_ENGINE_ID):
            try:
                log_item = CONSENSUS_LOG.decode(data)
            except (ScaleDecodeError, ValueError):
                continue
            if isinstance(log_item, tuple) and log_item[0] == "Revert" and log_item[1] <= header.number:
                targets.append(log_item[1])
        if not targets:
            return None
        number = min(targets)
        h, current = header.hash(), header
        while current is not None and current.number > number:
            h = current.parent_hash
            current = self._header_of(h)
        if current is None:
            return None
        try:
            newly = self.revert(h)
        except RevertError as exc:
            log.warning("cannot follow a Revert(#%d) log: %s", number, exc)
            return None
        return h if newly else None  # a sibling fork's log for a block reverted already

    def prune_finalized(self) -> None:
        """Forget reverts at or below the finalized block (they can no longer be built on), and weights below
        it (every block compared from now on descends from it)."""
        fin = self._finalized()
        fin_number = self._number(fin)
        self.weight(fin)  # the new anchor of every later walk
        self._weights = {h: nw for h, nw in self._weights.items() if nw[0] >= fin_number}
        self._anchor_number = fin_number
        kept = {h for h in self._reverted if (self._number(h) or 0) > fin_number}
        if kept != self._reverted:
            self._reverted = kept
            self._db.meta_put(_REVERTED_KEY, b"".join(sorted(kept)))
        self._viable.clear()

    # ---- fork choice ------------------------------------------------------------------------------
    def is_better(self, candidate: bytes, current: bytes) -> bool:
        """Whether `candidate` should replace `current` as the best block."""
        if not self.is_viable(candidate):
            return False
        if not self.is_viable(current):
            return True
        return self._rank(candidate) > self._rank(current)  # a tie keeps `current`: the block seen first

    def best_viable_leaf(self, leaves: Iterable[bytes], under: Optional[bytes] = None) -> bytes:
        """The best viable block among `leaves` and their ancestors (descending from `under`, default the
        finalized block): a leaf whose chain was reverted contributes its highest viable ancestor."""
        base = under if under is not None else self._finalized()
        base_number = self._number(base)
        best = base
        for leaf in leaves:
            h = self._highest_viable_ancestor(leaf, base_number)
            if h is None or not self._descends(h, base):
                continue
            if self._leaf_rank(h) > self._leaf_rank(best):
                best = h
        return best

    # ---- finality ---------------------------------------------------------------------------------
    def add_voting_rule(self, rule: VotingRule) -> None:
        """A predicate every block GRANDPA votes for must satisfy (approval checking, disputes)."""
        self._voting_rules.append(rule)

    def can_finalize(self, block_hash: bytes) -> bool:
        return self.is_viable(block_hash) and all(rule(block_hash) for rule in self._voting_rules)

    # ---- helpers ----------------------------------------------------------------------------------
    def _number(self, block_hash: bytes) -> Optional[int]:
        header = self._header_of(block_hash)
        return None if header is None else header.number

    def weight(self, block_hash: bytes) -> int:
        """BABE's block weight, counted from the anchor: the primary-slot blocks on the way down to it."""
        path, h = [], block_hash
        base = 0
        while True:
            known = self._weights.get(h)
            if known is not None:
                base = known[1]
                break
            header = self._header_of(h)
            if header is None or header.number <= self._anchor_number:
                break  # not above the anchor: never compared with a descendant of the finalized block
            path.append((h, header.number, added_weight(header)))
            h = header.parent_hash
        for h, number, added in reversed(path):
            base += added
            self._weights[h] = (number, base)
        return base

    def _rank(self, block_hash: bytes) -> tuple[int, int]:
        return self.weight(block_hash), self._number(block_hash) or 0

    def _leaf_rank(self, block_hash: bytes) -> tuple[int, int, int]:
        return *self._rank(block_hash), -int.from_bytes(block_hash, "big")

    def outranks(self, header, current: bytes) -> bool:
        """Whether the block of `header` (not imported yet, its parent stored) would replace `current` as the
        best block if it is viable: the fork choice's rank alone, from its header."""
        rank = (self.weight(header.parent_hash) + added_weight(header), header.number)
        return rank > self._rank(current)

    def _highest_viable_ancestor(self, block_hash: bytes, floor: int) -> Optional[bytes]:
        h = block_hash
        while h is not None and not self.is_viable(h):
            header = self._header_of(h)
            if header is None or header.number <= floor:
                return None
            h = header.parent_hash
        return h

    def _descends(self, block_hash: bytes, ancestor: bytes) -> bool:
        target = self._number(ancestor)
        h, header = block_hash, self._header_of(block_hash)
        while header is not None and header.number > target:
            h = header.parent_hash
            header = self._header_of(h)
        return h == ancestor


def added_weight(header) -> int:
    """`PreDigest::added_weight`: 1 for a block claimed in a primary slot, 0 for a secondary claim (and for
    genesis, or a header without a BABE claim, which import refuses anyway)."""
    try:
        return 1 if isinstance(types.babe_pre_digest(header), types.PrimaryPreDigest) else 0
    except (ScaleDecodeError, ValueError):
        return 0
