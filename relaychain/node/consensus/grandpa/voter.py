"""The GRANDPA voter: the asyncio driver of rounds for one node (contracts C5).

Follows Substrate's `sc-consensus-grandpa` (w3f GRANDPA paper):

- Round r (base = last finalized block): the primary `authorities[r % n]` may propose the last
  round's estimate; each voter prevotes the best chain containing the last round's estimate
  (restricted by the voting rule: the approval gate `chain.can_finalize`, lifted for blocks more than
  `MAX_FINALITY_LAG` behind the best), then precommits the prevote-GHOST once it extends the last
  estimate. Votes are cast when the round timer fires or earlier when the round is completable.
- A round that finalizes a block gossips its commit; a node that falls behind catches up by
  requesting a justification ("grandpa-justification") or the last completed round's votes
  ("grandpa-catch-up").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Optional

from relaychain.primitives.scale import (
    Reader, ScaleDecodeError, decode_all, encode_compact, encode_option, encode_u32, encode_u64,
)

from .changes import change_limit, first_enacted_change
from .errors import GrandpaError
from .justification import GrandpaJustification, build_justification, verify_justification
from .messages import (
    CATCH_UP_PROTOCOL, GOSSIP_TOPIC, JUSTIFICATION_PROTOCOL, PRECOMMIT, PREVOTE, PRIMARY_PROPOSE, CatchUp, Commit,
    Message, SignedMessage, Target, decode_gossip, encode_commit_gossip, encode_vote_gossip, vote_payload,
)
from .round import RoundState, RoundVotes, VoterSet, validate_catch_up

log = logging.getLogger("relaychain.grandpa")

MAX_FINALITY_LAG = 500  # parachains.md §10: vote for best - 500 even if not yet approved
MAX_FUTURE_ROUNDS = 64  # votes further ahead than this are dropped, not buffered


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
                 round_duration: float = 2.0, catch_up_interval: Optional[float] = None, metrics=None):
        self.keypair = keypair
        self.metrics = metrics  # NodeMetrics: the round gauge and the prevote/precommit counters
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
        self._load_last_justification()
        self._task = asyncio.ensure_future(self._run())

    def _load_last_justification(self) -> None:
        """Serve catch-up from the start: the latest justification is the one stored with the finalized
        block (the client keeps it in the database), not only one this process produced."""
        stored = getattr(self.chain, "justification", None)
        fin_hash, fin_number = self.chain.finalized()
        data = stored(fin_hash) if stored is not None and fin_number > 0 else None
        if data is not None:
            self.last_justification = (fin_number, bytes(data))

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
        """Round `number` begins: the one before it is completed (`last_state`)."""
        if self.metrics is not None:
            self.metrics.grandpa_round.set(number - 1)
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
                time.monotonic() - max(self._last_rebroadcast, self.current.started) > self.round_duration:
            self._rebroadcast()
            self._request_missing_targets()  # retry fetches that failed
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
        return self._voting_rule(self._limit(best), base[1])

    def _limit(self, target: Target) -> Target:
        """`target`, or the block enacting a pending set change below it: this set must finalize that
        block itself, never vote past it (changes.py)."""
        return change_limit(self.chain.header, target, self.chain.finalized()[1])

    def _cast(self, rnd: _VotingRound, message: Message) -> None:
        signed = SignedMessage(message, self.keypair.sign(vote_payload(message, rnd.votes.number, self.set_id)),
                               bytes(self.keypair.public))
        self._import(rnd, signed)
        self.network.gossip(GOSSIP_TOPIC, encode_vote_gossip(rnd.votes.number, self.set_id, signed))
        if self.metrics is not None:
            if message.kind == PREVOTE:
                self.metrics.grandpa_prevotes.inc()
            elif message.kind == PRECOMMIT:
                self.metrics.grandpa_precommits.inc()

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
        f = self._limit(self._voting_rule(f, fin_number))
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

    def _request_missing_targets(self) -> None:
        """Ask sync for the blocks votes target that we lack (Substrate `set_sync_fork_request`): a vote on
        a fork block whose announcement was lost never counts otherwise, and a round whose supermajority
        voted on it could never complete here."""
        fetch = getattr(self.chain, "request_block", None)
        if fetch is None:
            return
        for rnd in (self.previous, self.current):
            if rnd is None:
                continue
            for kind in (PREVOTE, PRECOMMIT):
                for vs in list(rnd.votes.votes[kind].values()):
                    for signed in vs:
                        h = signed.message.target_hash
                        if signed.message.target_number > rnd.votes.base[1] and self.chain.header(h) is None:
                            fetch(h, None)

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
        fetch = getattr(self.chain, "request_block", None)
        if fetch is not None and self.chain.header(signed.message.target_hash) is None:
            fetch(signed.message.target_hash, peer_id)  # the sender (or a peer it heard from) has it
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
        limit = self._limit(j.target)
        if limit != j.target:
            # This set's precommits for a block past a set change also count for the enacting block:
            # finalize that one (with a justification of its own), the new set takes it from there.
            j = build_justification(j.round, Commit(*limit, j.commit.precommits), self.chain.header)
            verify_justification(j, self._authorities(), self.set_id)
        return await self._apply_finality(j)

    async def _serve_justification(self, peer_id: bytes, data: bytes) -> bytes:
        known = decode_all(data, Reader.u32)
        best = self.last_justification
        answer = best[1] if best and best[0] > known else None
        if answer is not None:
            # A peer behind a set change must first finalize the block enacting it with the old set's
            # justification: it could not check a later one (signed by the new set) yet.
            change = first_enacted_change(self.chain.header, self.chain.finalized(), known)
            stored = getattr(self.chain, "justification", None)
            if change is not None and change[1] < best[0] and stored is not None:
                answer = stored(change[0]) or answer
        return encode_option(answer, lambda b: encode_compact(len(b)) + b)

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
