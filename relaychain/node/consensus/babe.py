"""BABE-style block authoring: on each slot, claim it (primary VRF or secondary owner), build, seal, announce.

Rules (polkadot-sdk `sc-consensus-babe` `BabeSlotWorker`, `sc-basic-authorship` proposer):
- At the start of every slot the author evaluates its claim against the best block's epoch (`babe_claims.claim_slot`).
- The block is built on the best block: BABE pre-runtime digest, Timestamp inherent = slot * slot duration,
  then ready pool transactions within the proposer's time budget (`node/proposer.py`: a share of what is left
  of the slot, a deadline and a soft deadline, as Substrate's basic-authorship).
- The header is sealed with `Seal(b"BABE", sr25519 signature over the pre-seal header hash)`, imported locally and
  announced in full on the gossip topic "block-announce".
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Optional

from relaychain.node.import_errors import NotDescendantOfFinalized
from relaychain.node.consensus import babe_claims
from relaychain.primitives.types import BABE_ENGINE_ID
from relaychain.node.consensus.epochs import epoch_view
from relaychain.node.consensus.slots import Clock, SlotInfo, slot_at, slot_ticks
from relaychain.node.execution import off_loop
from relaychain.node.proposer import Deadlines, ProposerLimits, fill_block  # noqa: F401 - ProposerLimits re-exported
from relaychain.primitives import types
from relaychain.primitives.inherents import PARACHAINS_INHERENT, TIMESTAMP_INHERENT, InherentData
from relaychain.primitives.parachain_types import ParachainsInherentData
from relaychain.primitives.scale import encode_u64

log = logging.getLogger("relaychain.babe")


@dataclass(frozen=True)
class AuthorityKeys:
    """The keys an authoring node holds: BABE (sr25519: slot-claim VRFs and seals) and GRANDPA (ed25519)."""

    babe: object  # Sr25519Keypair
    grandpa: object  # Ed25519Keypair: GRANDPA votes


class BabeAuthor:
    """Builds and seals blocks for the slots this node can claim."""

    def __init__(self, client, pool, keys: AuthorityKeys, *, slot_duration_ms: int, clock: Clock,
                 announce: Callable[[bytes], None] = lambda b: None, limits: ProposerLimits = ProposerLimits(),
                 metrics=None, timer: Callable[[], float] = time.perf_counter):
        self.client = client
        self.pool = pool
        self.keys = keys
        self.slot_duration_ms = slot_duration_ms
        self.clock = clock
        self.announce = announce
        self.limits = limits
        self.metrics = metrics
        self.timer = timer  # monotonic seconds for the proposer's deadlines (injected by tests)
        self.on_authored: list[Callable] = []
        # Who knows what the runtime cannot (ARCHITECTURE "Inherents"): the provisioner adds itself.
        self.inherent_providers: list[InherentDataProvider] = [timestamp_provider]
        self.last_pre_hash = b""
        self.last_proposal = None  # the last block's Proposal: what went in and why it ended
        self._handled_slot = -1  # the last slot the slot loop is done with (authored, skipped, not ours)
        self._slot_waiters: list[tuple[int, asyncio.Future]] = []  # (slot, resolved once it is handled)

    # ---- claims ----------------------------------------------------------------------------------
    def claim(self, view: babe_claims.EpochView, slot: int) -> Optional[babe_claims.PreDigest]:
        """Our claim on `slot`, with the VRF signed by our BABE key (None if we are not an authority)."""
        index = babe_claims.authorities_index_of(view.authorities, self.keys.babe.public)
        return babe_claims.claim_slot(view, slot, index, self.keys.babe)

    def can_claim(self, slot: SlotInfo) -> bool:
        """Whether we can claim `slot` on top of the best block. (A block being imported does not change the
        answer within an epoch: claims depend on the epoch's authorities and randomness, not on the parent.)"""
        view = epoch_view(self.client.state_at(self.client.best_hash()), slot.slot)
        return self.claim(view, slot.slot) is not None

    def side_import_hold(self, header: types.Header) -> Optional[Awaitable[None]]:
        """What the import of a side block waits for (`Client.import_block_off_loop`): this node being done with
        the current or the next slot, when it can claim one it has not handled yet. That block is built on the
        best block, which a side block cannot change, and importing the side block first would hold the
        execution thread it is built on (same-slot claims made the next slot's author wait for two heavy imports,
        issue #13). At most until that slot ends; None when this node authors neither slot."""
        current = slot_at(self.clock.now_ms(), self.slot_duration_ms)
        for slot in (current, current + 1):
            if slot > self._handled_slot and self.can_claim(SlotInfo(slot, self.slot_duration_ms)):
                return self._until_handled(slot)
        return None

    async def _until_handled(self, slot: int) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._slot_waiters.append((slot, waiter))
        left_ms = SlotInfo(slot, self.slot_duration_ms).end_ms - self.clock.now_ms()
        try:
            await asyncio.wait_for(asyncio.shield(waiter), max(0, left_ms) / 1000)
        except asyncio.TimeoutError:
            pass
        finally:
            self._slot_waiters = [(s, w) for s, w in self._slot_waiters if w is not waiter]

    def _slot_done(self, slot: int) -> None:
        self._handled_slot = max(self._handled_slot, slot)
        for waiting_for, waiter in self._slot_waiters:
            if waiting_for <= slot and not waiter.done():
                waiter.set_result(None)

    # ---- proposing -------------------------------------------------------------------------------
    # A proposal has three steps so that the runtime work can leave the event loop (node/execution.py):
    # `_plan` (on the loop: parent, claim, inherent data, the pool's ready set), `_build` (pure: execute and seal;
    # reads the parent state, changes nothing shared) and `_conclude` (on the loop: the pool, metrics, log).

    def propose(self, slot: SlotInfo, parent_hash: Optional[bytes] = None, *, budget_ms: Optional[int] = None,
                peers_import_ms: Optional[int] = None):
        """Claim `slot` on top of `parent_hash` (default: best) and build a sealed block; None if not ours.

        `budget_ms`: the proposer's time (default: the limits' slot portion, as for a slot starting now);
        `peers_import_ms`: by when the peers must have imported the block (default: unbounded; the slot loop
        sets it, proposer.py). Returns (Block, trie nodes to persist) — the block is not imported yet.
        """
        plan = self._plan(slot, parent_hash, budget_ms, peers_import_ms)
        if plan is None:
            return None
        return self._conclude(plan, self._build(plan))

    async def propose_off_loop(self, slot: SlotInfo, *, budget_ms: Optional[int] = None,
                               peers_import_ms: Optional[int] = None):
        """`propose` on the best block with the block built on the process's execution thread."""
        plan = self._plan(slot, None, budget_ms, peers_import_ms)
        if plan is None:
            return None
        return self._conclude(plan, await off_loop(self._build, plan))

    def _plan(self, slot: SlotInfo, parent_hash: Optional[bytes], budget_ms: Optional[int],
              peers_import_ms: Optional[int]) -> Optional["_Plan"]:
        parent_hash = parent_hash or self.client.best_hash()
        parent = self.client.header(parent_hash)
        parent_slot = _slot_of(parent)
        if parent_slot is not None and slot.slot <= parent_slot:
            return None
        state = self.client.state_at(parent_hash)
        view = epoch_view(state, slot.slot)
        pre = self.claim(view, slot.slot)
        if pre is None:
            return None
        started = self.timer()
        if budget_ms is None:
            budget_ms = self.limits.budget_ms(slot.duration_ms)
        deadlines = Deadlines.within(budget_ms, started, self.limits.soft_deadline_percent, peers_import_ms)
        log.info("🙌 Starting consensus session on top of parent 0x%s (#%d)", parent_hash.hex()[:8], parent.number)
        inherents = collect_inherent_data(self.inherent_providers, parent, slot)
        return _Plan(parent_hash, parent, state, pre, inherents, self.pool.ready(), deadlines, started,
                     self.pool.chain_view)

    def _build(self, plan: "_Plan"):
        """Execute and seal the block of `plan`: (Block, trie nodes, Proposal, pre-seal hash)."""
        from relaychain.runtime.executive import BlockBuilder

        state = plan.state
        last: dict = {}

        def storage_root(changes):
            root, nodes = state.apply(changes)
            last["changes"], last["root"], last["nodes"] = dict(changes), root, nodes
            return root

        digest = [types.PreRuntime(BABE_ENGINE_ID, babe_claims.encode_pre_digest(plan.pre))]
        builder = BlockBuilder(state, plan.parent, digest, storage_root=storage_root)
        builder.apply_inherents(plan.inherents)
        proposal = fill_block(builder, plan.ready, self.limits, plan.deadlines, self.timer,
                              self.client.import_latency)
        header, extrinsics, changes = builder.finalize()
        if last.get("changes") == changes:
            nodes = last["nodes"]
        else:
            _root, nodes = state.apply(changes)
        signature = self.keys.babe.sign(header.hash())
        sealed = types.Header(header.parent_hash, header.number, header.state_root, header.extrinsics_root,
                              types.Digest(tuple(header.digest.logs) + (types.Seal(BABE_ENGINE_ID, signature),)))
        return types.Block(sealed, tuple(extrinsics)), nodes, proposal, header.hash()

    def _conclude(self, plan: "_Plan", built):
        block, nodes, proposal, pre_hash = built
        if proposal.invalid:  # judged at the parent: dropped unless the best chain changed fork meanwhile
            self.pool.remove_invalid(list(proposal.invalid), chain_view=plan.chain_view)
        self.last_pre_hash = pre_hash
        elapsed = self.timer() - plan.started
        self.last_proposal = proposal
        if self.metrics is not None:
            self.metrics.proposer_constructed.observe(elapsed)
            self.metrics.proposer_txs.set(proposal.included)
            self.metrics.proposer_end_reason.labels(proposal.end_reason).inc()
        sealed = block.header
        log.info("🎁 Prepared block for proposing at %d (%d ms) [hash: 0x%s; parent_hash: 0x%s…%s; extrinsics (%d)]",
                 sealed.number, int(elapsed * 1000), sealed.hash().hex(), plan.parent_hash.hex()[:4],
                 plan.parent_hash.hex()[-4:], len(block.extrinsics))
        return block, nodes

    def author(self, slot: SlotInfo, *, budget_ms: Optional[int] = None):
        """Propose, import and announce a block for `slot`; the ImportedBlock or None."""
        proposal = self.propose(slot, budget_ms=budget_ms)
        return None if proposal is None else self._store_and_announce(*proposal)

    async def author_off_loop(self, slot: SlotInfo, *, budget_ms: Optional[int] = None,
                              peers_import_ms: Optional[int] = None):
        """`author` with the block built on the execution thread (the slot loop's way)."""
        proposal = await self.propose_off_loop(slot, budget_ms=budget_ms, peers_import_ms=peers_import_ms)
        return None if proposal is None else self._store_and_announce(*proposal)

    def _store_and_announce(self, block, nodes):
        imported = self.client.import_authored(block, nodes)
        log.info("🔖 Pre-sealed block for proposal at %d. Hash now 0x%s, previously 0x%s.", block.header.number,
                 imported.hash.hex(), self.last_pre_hash.hex())
        self.announce(block.encode())
        for cb in list(self.on_authored):
            cb(imported)
        return imported

    async def run(self) -> None:
        """The slot loop: author on every slot we can claim, until cancelled.

        A node builds on the blocks it has received: if it can claim the slot while one is still being imported
        (executed off the loop), it waits for the import while a fifth of the slot is left
        (`ProposerLimits.import_wait_ms`) and proposes in the rest; if the import is still running then, the slot
        is skipped — a block built on the parent would compete with the one being imported at the same height,
        which is worse for the chain than an empty slot. A slot it cannot claim is not waited for or counted."""
        async for slot in slot_ticks(self.clock, self.slot_duration_ms):
            try:
                await self._handle_slot(slot)
            finally:
                self._slot_done(slot.slot)

    async def _handle_slot(self, slot: SlotInfo) -> None:
        """One slot of `run`: wait for an import still running, then author, if we can claim it."""
        in_flight = self.client.imports_in_flight
        if in_flight.count:
            if not self.can_claim(slot):
                return
            wait_ms = self.limits.import_wait_ms(slot.duration_ms, slot.end_ms - self.clock.now_ms())
            if not await in_flight.wait_idle(wait_ms / 1000):
                log.info("⌛️ Skipping slot %d: still importing %d block(s)", slot.slot, in_flight.count)
                if self.metrics is not None:
                    self.metrics.proposer_slots_skipped.labels("importing").inc()
                return
        remaining_ms = slot.end_ms - self.clock.now_ms()
        budget_ms = self.limits.budget_ms(slot.duration_ms, remaining_ms)
        if budget_ms <= 0:
            log.debug("Skipping proposal slot %d since there's no time left to propose", slot.slot)
            if self.metrics is not None and self.can_claim(slot):
                self.metrics.proposer_slots_skipped.labels("no-time").inc()
            return
        try:
            await self.author_off_loop(slot, budget_ms=budget_ms,
                                       peers_import_ms=self.limits.peers_import_ms(slot.duration_ms, remaining_ms))
        except asyncio.CancelledError:
            raise
        except NotDescendantOfFinalized as exc:  # finality chose another fork while the block was built
            log.warning("Error with block built for slot %d: %s", slot.slot, exc)
            if self.metrics is not None:
                self.metrics.proposer_slots_skipped.labels("finalized-elsewhere").inc()
        except Exception:
            log.exception("block authoring failed at slot %d", slot.slot)
        await asyncio.sleep(0)


@dataclass(frozen=True)
class _Plan:
    """What the loop decided for a proposal before the runtime runs: parent, claim, inherents, ready set."""

    parent_hash: bytes
    parent: object
    state: object
    pre: object
    inherents: InherentData
    ready: object  # the pool's BestTransactions: a snapshot of the ready set at planning time
    deadlines: Deadlines
    started: float
    chain_view: int  # the pool's, at planning: the block's "invalid" verdicts hold only if no reorg came after


InherentDataProvider = Callable[[types.Header, SlotInfo], tuple[bytes, bytes]]


def timestamp_provider(parent, slot: SlotInfo) -> tuple[bytes, bytes]:
    """The block's time: the start of its slot (sp_timestamp's provider for slot-based authoring)."""
    return TIMESTAMP_INHERENT, encode_u64(slot.timestamp_ms)


def empty_parachains_provider(parent, slot: SlotInfo) -> tuple[bytes, bytes]:
    """A parachains inherent with no bitfields, candidates or disputes: what a node that runs no provisioner
    (or whose provisioner failed) offers, so `ParaInherent.enter` is still in every block."""
    return PARACHAINS_INHERENT, ParachainsInherentData((), (), (), parent).encode()


def collect_inherent_data(providers, parent, slot: SlotInfo) -> InherentData:
    """Ask every provider, in order; a provider that fails is skipped (and logged) so authoring goes on, and a
    missing parachains entry falls back to the empty one."""
    entries: dict[bytes, bytes] = {}
    for provide in providers:
        try:
            identifier, value = provide(parent, slot)
        except Exception:  # a provider is a process boundary for authoring: a slot is never lost to one
            log.exception("inherent data provider %r failed; authoring without it", provide)
            continue
        entries.setdefault(identifier, value)
    for fallback in (timestamp_provider, empty_parachains_provider):
        identifier, value = fallback(parent, slot)
        entries.setdefault(identifier, value)
    return InherentData(entries)


def _slot_of(header) -> Optional[int]:
    if header.number == 0:
        return None
    for d in header.digest.logs:
        if isinstance(d, types.PreRuntime) and bytes(d.engine) == BABE_ENGINE_ID:
            return babe_claims.decode_pre_digest(bytes(d.data)).slot
    return None

