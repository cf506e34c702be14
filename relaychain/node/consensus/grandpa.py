"""GRANDPA finality: rounds of prevotes and precommits by the authority set (contracts C5).

Follows the `finality-grandpa` crate and Substrate's `sc-consensus-grandpa` (w3f GRANDPA paper):

- Threshold: a supermajority is `total - (total - 1) // 3` of the authority weight.
- Round r (base = last finalized block): the primary `authorities[r % n]` may propose the last
  round's estimate; each voter prevotes the best chain containing the last round's estimate
  (restricted by the voting rule: the approval gate `chain.can_finalize`, lifted for blocks more than
  `MAX_FINALITY_LAG` behind the best), then precommits the prevote-GHOST once it extends the last
  estimate. Votes are cast when the round timer fires or earlier when the round is completable.
- GHOST: the highest block whose (pre)vote weight — votes for it or a descendant, with
  equivocators counted once for every block — reaches the threshold.
- Finalized in round: the highest ancestor of the prevote-GHOST with supermajority precommits.
- Completable: the round estimate (highest block that could still get supermajority precommits)
  is below the prevote-GHOST, or nothing beyond the GHOST can still reach supermajority.
- An equivocation (two different votes of one kind from one voter in one round) is logged; the
  second vote counts only as "the voter voted for everything", never as a second weight.
- Signed payload: `SCALE((Message, round u64, set_id u64))`, Message = Prevote 0 | Precommit 1 |
  PrimaryPropose 2, each `{target_hash H256, target_number u32}`; ed25519 signatures.
- Gossip (topic "grandpa") as Substrate's `GossipMessage`: 0 Vote{round, set_id, SignedMessage},
  1 Commit{round, set_id, CompactCommit}. Requests: "grandpa-justification" (latest justification
  above a block number) and "grandpa-catch-up" (the votes of the last completed round).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from relaychain.primitives.crypto import verify_ed25519
from relaychain.primitives.scale import (
    Reader, ScaleDecodeError, decode_all, encode_compact, encode_option, encode_u32, encode_u64, encode_vec,
)
from relaychain.primitives.types import Header

log = logging.getLogger("relaychain.grandpa")

GOSSIP_TOPIC = "grandpa"
JUSTIFICATION_PROTOCOL = "grandpa-justification"
CATCH_UP_PROTOCOL = "grandpa-catch-up"
MAX_FINALITY_LAG = 500  # parachains.md §10: vote for best - 500 even if not yet approved
MAX_FUTURE_ROUNDS = 64  # votes further ahead than this are dropped, not buffered
PREVOTE, PRECOMMIT, PRIMARY_PROPOSE = 0, 1, 2

Target = tuple[bytes, int]  # (hash, number)


class GrandpaError(Exception):
    """Base of GRANDPA errors."""


class JustificationError(GrandpaError):
    """A justification (or commit) does not prove finality of its target; the message says why."""


# ---------------------------------------------------------------------------------------------
# Messages and their SCALE encodings


@dataclass(frozen=True)
class Message:
    """A vote or primary proposal: `kind` is the enum index (PREVOTE, PRECOMMIT, PRIMARY_PROPOSE)."""

    kind: int
    target_hash: bytes
    target_number: int

    def encode(self) -> bytes:
        return bytes([self.kind]) + self.target_hash + encode_u32(self.target_number)

    @classmethod
    def decode_from(cls, r: Reader) -> "Message":
        kind = r.u8()
        if kind > PRIMARY_PROPOSE:
            raise ScaleDecodeError(f"unknown GRANDPA message variant {kind}")
        return cls(kind, r.read(32), r.u32())

    @property
    def target(self) -> Target:
        return self.target_hash, self.target_number


def vote_payload(message: Message, round_number: int, set_id: int) -> bytes:
    """The bytes a voter signs: SCALE((message, round, set_id))."""
    return message.encode() + encode_u64(round_number) + encode_u64(set_id)


@dataclass(frozen=True)
class SignedMessage:
    message: Message
    signature: bytes
    id: bytes

    def encode(self) -> bytes:
        return self.message.encode() + self.signature + self.id

    @classmethod
    def decode_from(cls, r: Reader) -> "SignedMessage":
        return cls(Message.decode_from(r), r.read(64), r.read(32))

    def verify(self, round_number: int, set_id: int) -> bool:
        return verify_ed25519(self.signature, vote_payload(self.message, round_number, set_id), self.id)


def _encode_vote_body(m: SignedMessage) -> bytes:  # SignedPrevote / SignedPrecommit: no enum tag
    return m.message.target_hash + encode_u32(m.message.target_number) + m.signature + m.id


def _decode_vote_body(kind: int) -> Callable[[Reader], SignedMessage]:
    return lambda r: SignedMessage(Message(kind, r.read(32), r.u32()), r.read(64), r.read(32))


@dataclass(frozen=True)
class Commit:
    """Precommits (SignedPrecommit, as SignedMessage of kind PRECOMMIT) justifying a target."""

    target_hash: bytes
    target_number: int
    precommits: tuple[SignedMessage, ...]

    def encode(self) -> bytes:
        return self.target_hash + encode_u32(self.target_number) + encode_vec(self.precommits, _encode_vote_body)

    @classmethod
    def decode_from(cls, r: Reader) -> "Commit":
        return cls(r.read(32), r.u32(), tuple(r.vec(_decode_vote_body(PRECOMMIT))))

    def encode_compact(self) -> bytes:
        """`CompactCommit`: precommits and auth data (signature, id) as two parallel vectors."""
        return (self.target_hash + encode_u32(self.target_number)
                + encode_vec(self.precommits, lambda p: p.message.target_hash + encode_u32(p.message.target_number))
                + encode_vec(self.precommits, lambda p: p.signature + p.id))

    @classmethod
    def decode_compact(cls, r: Reader) -> "Commit":
        target_hash, target_number = r.read(32), r.u32()
        targets = r.vec(lambda r: (r.read(32), r.u32()))
        auth = r.vec(lambda r: (r.read(64), r.read(32)))
        if len(targets) != len(auth):
            raise ScaleDecodeError("compact commit: precommits and auth data differ in length")
        return cls(target_hash, target_number,
                   tuple(SignedMessage(Message(PRECOMMIT, h, n), s, i) for (h, n), (s, i) in zip(targets, auth)))


@dataclass(frozen=True)
class GrandpaJustification:
    """Substrate's `GrandpaJustification`: round u64, commit, votes_ancestries Vec<Header>."""

    round: int
    commit: Commit
    votes_ancestries: tuple[Header, ...]

    def encode(self) -> bytes:
        return encode_u64(self.round) + self.commit.encode() + encode_vec(self.votes_ancestries, Header.encode)

    @classmethod
    def decode(cls, data: bytes) -> "GrandpaJustification":
        return decode_all(data, lambda r: cls(r.u64(), Commit.decode_from(r), tuple(r.vec(Header.decode_from))))

    @property
    def target(self) -> Target:
        return self.commit.target_hash, self.commit.target_number


@dataclass(frozen=True)
class CatchUp:
    """Substrate's `CatchUp`: all votes needed to complete `round_number` from `base`."""

    round_number: int
    prevotes: tuple[SignedMessage, ...]
    precommits: tuple[SignedMessage, ...]
    base_hash: bytes
    base_number: int

    def encode(self) -> bytes:
        return (encode_u64(self.round_number) + encode_vec(self.prevotes, _encode_vote_body)
                + encode_vec(self.precommits, _encode_vote_body) + self.base_hash + encode_u32(self.base_number))

    @classmethod
    def decode_from(cls, r: Reader) -> "CatchUp":
        return cls(r.u64(), tuple(r.vec(_decode_vote_body(PREVOTE))), tuple(r.vec(_decode_vote_body(PRECOMMIT))),
                   r.read(32), r.u32())


def encode_vote_gossip(round_number: int, set_id: int, signed: SignedMessage) -> bytes:
    return b"\x00" + encode_u64(round_number) + encode_u64(set_id) + signed.encode()


def encode_commit_gossip(round_number: int, set_id: int, commit: Commit) -> bytes:
    return b"\x01" + encode_u64(round_number) + encode_u64(set_id) + commit.encode_compact()


def decode_gossip(data: bytes) -> tuple[int, int, int, SignedMessage | Commit]:
    """(variant, round, set_id, payload) of a GRANDPA gossip message (Vote 0 or Commit 1)."""
    def dec(r: Reader):
        tag = r.u8()
        if tag not in (0, 1):
            raise ScaleDecodeError(f"unsupported GRANDPA gossip variant {tag}")
        rnd, set_id = r.u64(), r.u64()
        return tag, rnd, set_id, (SignedMessage.decode_from(r) if tag == 0 else Commit.decode_compact(r))
    return decode_all(data, dec)


# ---------------------------------------------------------------------------------------------
# Vote counting


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


# ---------------------------------------------------------------------------------------------
# Justifications


def build_justification(round_number: int, commit: Commit, header_of: Callable) -> GrandpaJustification:
    """A justification from a commit: the headers from every precommit target down to the commit
    target (exclusive), each once (Substrate `GrandpaJustification::from_commit`)."""
    seen: set[bytes] = set()
    ancestries = []
    for p in commit.precommits:
        h = p.message.target_hash
        while h != commit.target_hash:
            header = header_of(h)
            if header is None or header.number <= commit.target_number:
                raise JustificationError(f"precommit target 0x{p.message.target_hash.hex()[:16]}… does not "
                                         f"descend from the commit target #{commit.target_number}")
            if h not in seen:
                seen.add(h)
                ancestries.append(header)
            h = header.parent_hash
    return GrandpaJustification(round_number, commit, tuple(ancestries))


def verify_justification(data: bytes | GrandpaJustification, authorities: Sequence[tuple[bytes, int]], set_id: int,
                         target: Optional[Target] = None) -> GrandpaJustification:
    """Check that a justification proves finality of its target (and of `target`, if given).

    Rules (Substrate `GrandpaJustification::verify_with_voter_set` + `finality_grandpa::validate_commit`):
    every precommit targets the commit target or a descendant, proven by `votes_ancestries`; every
    signature is valid for (Precommit, round, set_id); the precommit weight on the target (equivocators counting once) reaches the supermajority of
    `authorities`; and `votes_ancestries` holds no header that no route uses.
    """
    try:
        j = data if isinstance(data, GrandpaJustification) else GrandpaJustification.decode(bytes(data))
    except ScaleDecodeError as e:
        raise JustificationError(f"undecodable justification: {e}") from None
    commit = j.commit
    if target is not None and (commit.target_hash, commit.target_number) != (bytes(target[0]), target[1]):
        raise JustificationError(f"justification is for #{commit.target_number} 0x{commit.target_hash.hex()[:16]}…, "
                                 f"not for the expected block #{target[1]}")
    if not commit.precommits:
        raise JustificationError("commit has no precommits")
    voters = VoterSet(authorities)
    headers = {h.hash(): h for h in j.votes_ancestries}
    votes = RoundVotes(j.round, voters, (commit.target_hash, commit.target_number), headers.get)
    used: set[bytes] = set()
    for p in commit.precommits:
        if p.message.kind != PRECOMMIT or p.message.target_number < commit.target_number:
            raise JustificationError("a precommit is below the commit target")
        route = votes.route(p.message.target_hash)
        if route is None:
            raise JustificationError("a precommit target is not proven to descend from the commit target "
                                     "by votes_ancestries")
        used.update(route[:-1])
        if not p.verify(j.round, set_id):
            raise JustificationError(f"invalid signature on the precommit of {p.id.hex()[:16]}… "
                                     f"for round {j.round}, set {set_id}")
        votes.import_vote(p)  # duplicates and further equivocations add nothing
    per_block, eq, _ = votes.tally(PRECOMMIT)
    weight = per_block.get(commit.target_hash, 0) + eq
    if weight < voters.threshold:
        raise JustificationError(f"precommit weight {weight} on the target is below the supermajority "
                                 f"{voters.threshold} of {voters.total}")
    if used != set(headers):
        raise JustificationError("votes_ancestries contains headers that no precommit route uses")
    return j


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


# ---------------------------------------------------------------------------------------------
# The voter


@dataclass
class _VotingRound:
    votes: RoundVotes
    last_state: RoundState  # the previous round's state when this round started
    started: float
    prevoted: bool = False
    precommitted: bool = False
    proposed: bool = False
    primary_block: Optional[Target] = None


class GrandpaVoter:
    """Runs GRANDPA rounds for one node: votes (if `keypair` is an authority), finalizes, serves catch-up.

    `authorities_fn() -> [(ed25519 public, weight)]` and `set_id_fn() -> int` give the current set.
    `chain` is a ChainView (C5). Prevotes are cast `2/5` and precommits `4/5` of `round_duration` after
    a round starts (Substrate: 2 and 4 gossip durations of a 5-duration round), earlier when completable.
    """

    def __init__(self, keypair, network, chain, authorities_fn: Callable, set_id_fn: Callable, *,
                 round_duration: float = 2.0, catch_up_interval: Optional[float] = None):
        self.keypair = keypair
        self.network = network
        self.chain = chain
        self.authorities_fn = authorities_fn
        self.set_id_fn = set_id_fn
        self.round_duration = round_duration
        self.catch_up_interval = catch_up_interval if catch_up_interval is not None else 2 * round_duration
        self.set_id: Optional[int] = None
        self.voters: Optional[VoterSet] = None
        self.current: Optional[_VotingRound] = None
        self.previous: Optional[_VotingRound] = None
        self.last_justification: Optional[tuple[int, bytes]] = None  # (target number, encoded)
        self.equivocations: list[tuple[int, SignedMessage, SignedMessage]] = []
        self._future: dict[int, list[SignedMessage]] = defaultdict(list)
        self._highest_seen_round = 0
        self._wake = asyncio.Event()
        self._task: Optional[asyncio.Task] = None
        self._last_progress = time.monotonic()
        self._last_catch_up = 0.0
        self._last_rebroadcast = time.monotonic()
        self._rebroadcast_due = False
        self._catch_up_task: Optional[asyncio.Task] = None

    @property
    def round_number(self) -> int:
        return self.current.votes.number if self.current else 0

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self.network.on_gossip(GOSSIP_TOPIC, self._on_gossip)
        self.network.on_request(JUSTIFICATION_PROTOCOL, self._serve_justification)
        self.network.on_request(CATCH_UP_PROTOCOL, self._serve_catch_up)
        self.network.on_peer_connected(self._on_peer_connected)
        self._reset_set()
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        for task in (self._task, self._catch_up_task):
            if task is not None:
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        self._task = self._catch_up_task = None

    def _reset_set(self) -> None:
        self.set_id = int(self.set_id_fn())
        self.voters = VoterSet(self.authorities_fn())
        fin = self.chain.finalized()
        genesis = RoundState(fin, fin, fin, True)
        self.previous = None
        self.current = self._new_round(1, genesis)
        self._future.clear()

    def _new_round(self, number: int, last_state: RoundState) -> _VotingRound:
        fin_hash, fin_number = self.chain.finalized()
        rnd = _VotingRound(RoundVotes(number, self.voters, (fin_hash, fin_number), self.chain.header), last_state,
                           time.monotonic())
        for signed in self._future.pop(number, []):
            self._import(rnd, signed)
        return rnd

    def _authorities(self) -> list[tuple[bytes, int]]:
        return [(a, self.voters.weights[a]) for a in self.voters.ids]

    @property
    def is_voter(self) -> bool:
        return self.keypair is not None and self.voters is not None and bytes(self.keypair.public) in self.voters.weights

    async def _run(self) -> None:
        tick = self.round_duration / 10
        while True:
            self._wake.clear()
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("GRANDPA step failed")
            await self._sleep_until_woken(tick)

    async def _sleep_until_woken(self, timeout: float) -> None:
        # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation that arrives as the
        # event fires, and then `stop()` would wait forever for a loop that never ends.
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            waiter.cancel()

    # -- the round state machine -------------------------------------------------------------
    async def _step(self) -> None:
        if int(self.set_id_fn()) != self.set_id:
            self._reset_set()
        rnd = self.current
        elapsed = time.monotonic() - rnd.started
        state = rnd.votes.state()
        last = rnd.last_state
        if self.is_voter:
            me = bytes(self.keypair.public)
            if not rnd.proposed and self.voters.primary(rnd.votes.number) == me and last.estimate and last.finalized \
                    and last.estimate[1] > last.finalized[1]:
                rnd.proposed = True
                self._cast(rnd, Message(PRIMARY_PROPOSE, *last.estimate))
            if not rnd.prevoted and (elapsed >= 0.4 * self.round_duration or state.completable):
                target = self._prevote_target(rnd)
                rnd.prevoted = True
                if target is not None:
                    self._cast(rnd, Message(PREVOTE, *target))
                    state = rnd.votes.state()
            if rnd.prevoted and not rnd.precommitted and state.prevote_ghost is not None \
                    and (elapsed >= 0.8 * self.round_duration or state.completable) \
                    and self._extends(state.prevote_ghost, last.estimate):
                rnd.precommitted = True
                self._cast(rnd, Message(PRECOMMIT, *state.prevote_ghost))
                state = rnd.votes.state()
        for r in (self.previous, rnd):
            if r is not None:
                await self._finalize_round(r)
        state = rnd.votes.state()
        done_voting = rnd.precommitted or not self.is_voter
        fin_number = self.chain.finalized()[1]
        last_estimate_finalized = last.estimate is None or last.estimate[1] <= fin_number
        if done_voting and state.completable and last_estimate_finalized:
            self.previous = rnd
            self.current = self._new_round(rnd.votes.number + 1, state)
            log.debug("GRANDPA round %d completed, starting round %d", rnd.votes.number, self.current.votes.number)
        if self._rebroadcast_due or \
                time.monotonic() - max(self._last_rebroadcast, self.current.started) > 2 * self.round_duration:
            self._rebroadcast()
        if self._catch_up_task is None or self._catch_up_task.done():
            if self._needs_catch_up():
                self._catch_up_task = asyncio.ensure_future(self._catch_up())

    def _extends(self, block: Target, ancestor: Optional[Target]) -> bool:
        """Whether `block` is `ancestor` or descends from it (an ancestor at or below the round base,
        which is finalized, is an ancestor of every block of the round)."""
        votes = self.current.votes
        if ancestor is None or block[0] == ancestor[0]:
            return True
        if ancestor[1] <= votes.base[1]:
            return votes.route(block[0]) is not None
        return votes.descends(block[0], ancestor[0])

    def _approved(self, block_hash: bytes) -> bool:
        gate = getattr(self.chain, "can_finalize", None)
        return True if gate is None else bool(gate(block_hash))

    def _voting_rule(self, target: Target, floor: int) -> Target:
        """Lower `target` to its highest approved ancestor above `floor` (parachains.md §10)."""
        best_number = self.chain.best()[1]
        h, n = target
        while n > floor and n > best_number - MAX_FINALITY_LAG and not self._approved(h):
            header = self.chain.header(h)
            if header is None:
                break
            h, n = header.parent_hash, n - 1
        return h, n

    def _prevote_target(self, rnd: _VotingRound) -> Optional[Target]:
        """Best chain containing the last round estimate (or the primary's block), by the voting rule."""
        est = rnd.last_state.estimate or rnd.votes.base
        if est[1] <= rnd.votes.base[1]:
            est = rnd.votes.base  # the finalized round base descends from an older estimate
        base = est
        pb, last_g = rnd.primary_block, rnd.last_state.prevote_ghost
        if pb is not None and last_g is not None and pb[1] > est[1] and (
                pb == last_g or (pb[1] < last_g[1] and rnd.votes.descends(last_g[0], pb[0]))):
            base = pb
        best = self.chain.best()
        if not rnd.votes.descends(best[0], base[0]):
            best = base
        if not rnd.votes.descends(best[0], rnd.votes.base[0]):
            return None  # the estimate is not known locally yet
        return self._voting_rule(best, base[1])

    def _cast(self, rnd: _VotingRound, message: Message) -> None:
        signed = SignedMessage(message, self.keypair.sign(vote_payload(message, rnd.votes.number, self.set_id)),
                               bytes(self.keypair.public))
        self._import(rnd, signed)
        self.network.gossip(GOSSIP_TOPIC, encode_vote_gossip(rnd.votes.number, self.set_id, signed))

    def _import(self, rnd: _VotingRound, signed: SignedMessage) -> None:
        if signed.message.kind == PRIMARY_PROPOSE:
            if signed.id == self.voters.primary(rnd.votes.number):
                rnd.primary_block = signed.message.target
            return
        if rnd.votes.import_vote(signed) == "equivocation":
            first, second = rnd.votes.equivocations[-1]
            self.equivocations.append((rnd.votes.number, first, second))

    async def _finalize_round(self, rnd: _VotingRound) -> None:
        f = rnd.votes.state().finalized
        fin_hash, fin_number = self.chain.finalized()
        if f is None or f[1] <= fin_number:
            return
        f = self._voting_rule(f, fin_number)
        if f[1] <= fin_number or not rnd.votes.descends(f[0], fin_hash):
            return
        commit = Commit(f[0], f[1], rnd.votes.finalizing_precommits(f[0]))
        try:
            justification = build_justification(rnd.votes.number, commit, self.chain.header)
            verify_justification(justification, self._authorities(), self.set_id)
        except GrandpaError as e:  # e.g. the supermajority relied on an equivocator's "any" vote
            log.debug("round %d finalized #%d but no justification yet: %s", rnd.votes.number, f[1], e)
            return
        if await self._apply_finality(justification):
            self.network.gossip(GOSSIP_TOPIC, encode_commit_gossip(rnd.votes.number, self.set_id, commit))

    async def _apply_finality(self, justification: GrandpaJustification) -> bool:
        target_hash, target_number = justification.target
        if target_number <= self.chain.finalized()[1]:
            return False
        encoded = justification.encode()
        await self.chain.finalize(target_hash, target_number, encoded)
        self.last_justification = (target_number, encoded)
        self._last_progress = time.monotonic()
        log.info("GRANDPA finalized #%d (0x%s…) in round %d", target_number, target_hash.hex()[:8], justification.round)
        return True

    def _rebroadcast(self) -> None:
        """Re-gossip the votes of the current and previous round: peers that were away (or just
        connected) missed them, and a stuck round only completes if everyone sees every vote.
        Peers that already have a vote drop the copy by its gossip hash."""
        self._last_rebroadcast = time.monotonic()
        self._rebroadcast_due = False
        for rnd in (self.previous, self.current):
            if rnd is None:
                continue
            for kind in (PREVOTE, PRECOMMIT):
                for vs in list(rnd.votes.votes[kind].values()):
                    for signed in vs:
                        self.network.gossip(GOSSIP_TOPIC, encode_vote_gossip(rnd.votes.number, self.set_id, signed))

    def _on_peer_connected(self, peer_id: bytes) -> None:
        self._rebroadcast_due = True
        self._wake.set()

    # -- network input -----------------------------------------------------------------------
    async def _on_gossip(self, peer_id: bytes, data: bytes) -> bool:
        try:
            variant, round_number, set_id, payload = decode_gossip(data)
        except ScaleDecodeError:
            return False
        if set_id != self.set_id or self.current is None:
            return False
        if variant == 1:
            return await self._on_commit(round_number, payload)
        signed: SignedMessage = payload
        if signed.id not in self.voters.weights or not signed.verify(round_number, set_id):
            return False
        current = self.current.votes.number
        if round_number == current:
            self._import(self.current, signed)
        elif self.previous is not None and round_number == self.previous.votes.number:
            self._import(self.previous, signed)
        elif round_number > current:
            self._highest_seen_round = max(self._highest_seen_round, round_number)
            if round_number > current + MAX_FUTURE_ROUNDS or len(self._future[round_number]) >= 4 * len(self.voters.ids):
                return False
            self._future[round_number].append(signed)
        else:
            return False
        self._wake.set()
        return True

    async def _on_commit(self, round_number: int, commit: Commit) -> bool:
        if commit.target_number <= self.chain.finalized()[1]:
            return False  # nothing new for us: do not relay
        try:
            j = build_justification(round_number, commit, self.chain.header)
            verify_justification(j, self._authorities(), self.set_id)
            return await self._import_justification(j)
        except GrandpaError as e:
            log.debug("ignoring commit for round %d: %s", round_number, e)
            return False

    async def _import_justification(self, j: GrandpaJustification) -> bool:
        fin_hash, _ = self.chain.finalized()
        if not self.current.votes.descends(j.commit.target_hash, fin_hash):
            return False  # not known here yet, or conflicts with our finality
        return await self._apply_finality(j)

    async def _serve_justification(self, peer_id: bytes, data: bytes) -> bytes:
        known = decode_all(data, Reader.u32)
        best = self.last_justification
        return encode_option(best[1] if best and best[0] > known else None, lambda b: encode_compact(len(b)) + b)

    async def _serve_catch_up(self, peer_id: bytes, data: bytes) -> bytes:
        rnd_number, set_id = decode_all(data, lambda r: (r.u64(), r.u64()))
        prev = self.previous
        if prev is None or set_id != self.set_id or prev.votes.number <= rnd_number:
            return b"\x00"
        votes = prev.votes.votes
        catch_up = CatchUp(prev.votes.number, tuple(v for vs in votes[PREVOTE].values() for v in vs),
                           tuple(v for vs in votes[PRECOMMIT].values() for v in vs), *prev.votes.base)
        return b"\x01" + catch_up.encode()

    def _needs_catch_up(self) -> bool:
        now = time.monotonic()
        behind = self._highest_seen_round > self.current.votes.number + 1
        stalled = now - self._last_progress > self.catch_up_interval
        return (behind or stalled) and now - self._last_catch_up >= self.catch_up_interval / 2

    async def _catch_up(self) -> None:
        """Ask peers for a justification when finality stalls, and for round votes when we lag rounds."""
        now = self._last_catch_up = time.monotonic()
        behind = self._highest_seen_round > self.current.votes.number + 1
        stalled = now - self._last_progress > self.catch_up_interval
        for peer in self.network.peers():
            try:
                if stalled:
                    raw = await self.network.request(peer, JUSTIFICATION_PROTOCOL,
                                                     encode_u32(self.chain.finalized()[1]), timeout=self.round_duration)
                    j = decode_all(raw, lambda r: r.option(Reader.bytes))
                    if j is not None:
                        verify_justification(j, self._authorities(), self.set_id)
                        await self._import_justification(GrandpaJustification.decode(j))
                if behind:
                    raw = await self.network.request(peer, CATCH_UP_PROTOCOL, encode_u64(self.current.votes.number)
                                                     + encode_u64(self.set_id), timeout=self.round_duration)
                    cu = decode_all(raw, lambda r: r.option(CatchUp.decode_from))
                    if cu is not None and cu.round_number >= self.current.votes.number:
                        self._apply_catch_up(cu)
                        behind = False
            except Exception as e:  # a peer that cannot help: try the next one
                log.debug("GRANDPA catch-up from %s failed: %s", peer.hex()[:16], e)
        self._wake.set()

    def _apply_catch_up(self, cu: CatchUp) -> None:
        votes = validate_catch_up(cu, self.voters, self.set_id, self.chain.header)
        done = _VotingRound(votes, RoundState(None, None, None, True), time.monotonic(), True, True, True)
        self.previous = done
        self.current = self._new_round(cu.round_number + 1, votes.state())
        self._wake.set()
        log.info("GRANDPA caught up to round %d", self.current.votes.number)
