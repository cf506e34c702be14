"""GRANDPA vote counting: the voter set, one round's votes, GHOST, estimate and completability.

Follows the `finality-grandpa` crate (src/round.rs, src/lib.rs; w3f GRANDPA paper):

- Threshold: a supermajority is `total - (total - 1) // 3` of the authority weight.
- GHOST: the highest block whose (pre)vote weight — votes for it or a descendant, with
  equivocators counted once for every block — reaches the threshold.
- Finalized in round: the highest ancestor of the prevote-GHOST with supermajority precommits.
- Completable: the round estimate (highest block that could still get supermajority precommits)
  is below the prevote-GHOST, or nothing beyond the GHOST can still reach supermajority.
- An equivocation (two different votes of one kind from one voter in one round) is logged; the
  second vote counts only as "the voter voted for everything", never as a second weight.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from .errors import GrandpaError
from .messages import PRECOMMIT, PREVOTE, CatchUp, SignedMessage, Target

log = logging.getLogger("relaychain.grandpa")


def threshold(total_weight: int) -> int:
    """Supermajority weight: more than 2/3 of the total (finality-grandpa `threshold`)."""
    return total_weight - (total_weight - 1) // 3


class VoterSet:
    """The authorities of a set, in order (the order decides the primary), with their weights."""

    def __init__(self, authorities: Sequence[tuple[bytes, int]]):
        self.ids = [bytes(a) for a, _ in authorities]
        self.weights = {bytes(a): int(w) for a, w in authorities}
        if not self.ids or len(self.weights) != len(self.ids) or any(w <= 0 for w in self.weights.values()):
            raise GrandpaError("authority set must be non-empty, without duplicates, with positive weights")
        self.total = sum(self.weights.values())
        self.threshold = threshold(self.total)

    def primary(self, round_number: int) -> bytes:
        return self.ids[round_number % len(self.ids)]


class RoundVotes:
    """Prevotes and precommits of one round, over the blocks descending from the round base.

    `header_of(hash) -> Header | None` gives ancestry; votes on blocks not (yet) known count once the
    header appears. Votes on blocks that do not descend from the base never count.
    """

    def __init__(self, round_number: int, voters: VoterSet, base: Target, header_of: Callable):
        self.number = round_number
        self.voters = voters
        self.base = base
        self._header_of = header_of
        self._parent: dict[bytes, Optional[bytes]] = {base[0]: None}  # blocks known to descend from base
        self.numbers: dict[bytes, int] = {base[0]: base[1]}
        self.votes: dict[int, dict[bytes, list[SignedMessage]]] = {PREVOTE: {}, PRECOMMIT: {}}
        self.equivocations: list[tuple[SignedMessage, SignedMessage]] = []

    # -- importing ---------------------------------------------------------------------------
    def import_vote(self, signed: SignedMessage) -> str:
        """Record a (signature-checked) vote: 'new', 'duplicate', 'equivocation', 'ignored'."""
        kind, voter = signed.message.kind, signed.id
        if kind not in (PREVOTE, PRECOMMIT) or voter not in self.voters.weights:
            return "ignored"
        seen = self.votes[kind].setdefault(voter, [])
        if any(v.message == signed.message for v in seen):
            return "duplicate"
        if len(seen) >= 2:
            return "ignored"  # further equivocations add nothing
        seen.append(signed)
        if len(seen) == 2:
            self.equivocations.append((seen[0], seen[1]))
            log.warning("GRANDPA equivocation in round %d by %s: %s then %s", self.number, voter.hex()[:16],
                        seen[0].message, seen[1].message)
            return "equivocation"
        return "new"

    def _known(self, block_hash: bytes) -> bool:
        """Whether `block_hash` is the base or a known descendant (learning its ancestry once)."""
        path, h = [], block_hash
        while h not in self._parent:
            header = self._header_of(h)
            if header is None or header.number <= self.base[1]:
                return False
            path.append((h, header))
            h = header.parent_hash
        for bh, header in path:
            self._parent[bh] = header.parent_hash
            self.numbers[bh] = header.number
        return True

    def route(self, block_hash: bytes) -> Optional[list[bytes]]:
        """Hashes from `block_hash` down to the base (inclusive), or None if unknown / not a descendant."""
        if not self._known(block_hash):
            return None
        out, h = [], block_hash
        while h is not None:
            out.append(h)
            h = self._parent[h]
        return out

    def descends(self, block_hash: bytes, ancestor: bytes) -> bool:
        """Whether `block_hash` is `ancestor` or one of its descendants (both within this round)."""
        if not (self._known(ancestor) and self._known(block_hash)):
            return False
        h, floor = block_hash, self.numbers[ancestor]
        while h is not None and self.numbers[h] > floor:
            h = self._parent[h]
        return h == ancestor

    # -- tallies -----------------------------------------------------------------------------
    def tally(self, kind: int) -> tuple[dict[bytes, int], int, int]:
        """(weight per block from single votes, weight of equivocators, total weight voted)."""
        by_target: dict[bytes, int] = defaultdict(int)
        equivocating = voted = 0
        for voter, vs in self.votes[kind].items():
            w = self.voters.weights[voter]
            if len(vs) > 1:
                equivocating += w
            elif self._known(vs[0].message.target_hash):
                by_target[vs[0].message.target_hash] += w
            else:
                continue  # a vote on a block we do not have yet counts once we import it
            voted += w
        per_block: dict[bytes, int] = defaultdict(int)
        for target, w in by_target.items():  # one walk per distinct target, not per voter
            for h in self.route(target):
                per_block[h] += w
        return per_block, equivocating, voted

    def ghost(self, kind: int) -> Optional[Target]:
        per_block, eq, voted = self.tally(kind)
        if voted < self.voters.threshold:
            return None
        ok = [h for h, w in per_block.items() if w + eq >= self.voters.threshold]
        if not ok:
            return self.base if eq + per_block.get(self.base[0], 0) >= self.voters.threshold else None
        best = max(ok, key=lambda h: (self.numbers[h], per_block[h], h))
        return best, self.numbers[best]

    def state(self) -> "RoundState":
        """Prevote-GHOST, finalized block, estimate and completability (finality-grandpa `Round::update`)."""
        t = self.voters.threshold
        g = self.ghost(PREVOTE)
        if g is None:
            return RoundState(None, None, None, False)
        pc, pc_eq, pc_voted = self.tally(PRECOMMIT)
        g_route = self.route(g[0]) or [g[0]]
        finalized = None
        if pc_voted >= t:
            for h in g_route:
                if pc.get(h, 0) + pc_eq >= t:
                    finalized = (h, self.numbers[h])
                    break
        if pc_voted < t:
            return RoundState(g, finalized, g, False)
        remaining = self.voters.total - pc_voted
        additional_equivocations = max(0, (self.voters.total - t) - pc_eq)

        def possible(h: bytes) -> bool:
            committed = pc.get(h, 0) + pc_eq
            return committed + remaining + min(pc_voted - committed, additional_equivocations) >= t

        estimate = next(((h, self.numbers[h]) for h in g_route if possible(h)), None)
        if estimate is None:
            return RoundState(g, finalized, None, False)
        if estimate[0] != g[0]:
            return RoundState(g, finalized, estimate, True)
        graph = set(pc) | set(self.tally(PREVOTE)[0])
        beyond = any(h != g[0] and self.descends(h, g[0]) and possible(h) for h in graph)
        return RoundState(g, finalized, estimate, not beyond)

    def finalizing_precommits(self, target: bytes) -> tuple[SignedMessage, ...]:
        """Precommits for `target` or its descendants (an equivocator's two only if both are).

        Unlike finality-grandpa we leave out votes below the target: a justification must prove
        every precommit descends from its target, or no verifier accepts it.
        """
        out = []
        for voter in self.voters.ids:
            vs = [v for v in self.votes[PRECOMMIT].get(voter, [])
                  if self.descends(v.message.target_hash, target)]
            out.extend(vs)
        return tuple(out)


@dataclass(frozen=True)
class RoundState:
    prevote_ghost: Optional[Target]
    finalized: Optional[Target]
    estimate: Optional[Target]
    completable: bool


def validate_catch_up(catch_up: CatchUp, voters: VoterSet, set_id: int, header_of: Callable) -> RoundVotes:
    """The completed round a catch-up proves (finality-grandpa `validate_catch_up`); raises GrandpaError."""
    votes = RoundVotes(catch_up.round_number, voters, (catch_up.base_hash, catch_up.base_number), header_of)
    for v in catch_up.prevotes + catch_up.precommits:
        if v.id not in voters.weights or not v.verify(catch_up.round_number, set_id):
            raise GrandpaError("catch-up carries a vote of a non-voter or with a bad signature")
        votes.import_vote(v)
    if not votes.state().completable:
        raise GrandpaError(f"catch-up does not make round {catch_up.round_number} completable")
    return votes
