"""Approval voting: randomly assigned checkers re-validate every included candidate before finality.

Polkadot: `polkadot/node/core/approval-voting` and `polkadot/node/network/approval-distribution`;
parachains.md §8, §10. For each imported relay block B with included candidates:
- B's *story* is the author's BABE VRF (`make_bytes("A&V RC-VRF")`); from it and our `para_assignment` key we
  compute our assignments (`relaychain.primitives.approval`): RelayVRFModuloCompact cores at tranche 0 and a
  RelayVRFDelay tranche per core (cores our own group backed are skipped).
- Time runs in 500 ms ticks; B's tick is its slot's start. Every tick we re-count each candidate
  (`approval_checking.tranches_to_approve` / `check_approval`). When our tranche is due and the candidate still
  needs checkers, we *trigger*: gossip our assignment certificate, recover the candidate's AvailableData, run
  its PVF with the approval timeout, and gossip our approval vote (`APPR ‖ candidate ‖ session`, para_validator
  key) — or, if it is invalid, tell the dispute coordinator (`IssueLocalStatement(valid=False)`).
- Others' assignments are checked (`check_assignment_cert`) and their votes verified before they count and
  before we relay them (topic `approvals`); an approval counts only after an assignment of its validator.
- A relay block is approved when all its candidates are; GRANDPA may finalize a block only if it and its
  unfinalized ancestors are approved (`can_finalize`, a chain-selection voting rule; the voter's
  MAX_FINALITY_LAG lifts the rule for very old blocks).
Blocks this node did not see imported (a restart) count as approved: their checks are others' to make.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Optional

from relaychain.node.consensus.babe_claims import decode_pre_digest
from relaychain.node.consensus.epochs import epoch_view
from relaychain.primitives import parachain_types as P
from relaychain.primitives.approval import (
    ApprovalError, AssignmentCertV2, AssignmentConfig, InvalidAssignment, OurAssignment, bitfield_cores,
    check_assignment_cert, compute_assignments, relay_vrf_story,
)
from relaychain.primitives.crypto import verify_sr25519
from relaychain.primitives.scale import ScaleDecodeError
from relaychain.primitives.scale_types import BitVec, Enum, H256, Variant, scale_struct, sfield
from relaychain.primitives.types import BABE_ENGINE_ID

from .approval_checking import ApprovalEntry, Exact, Pending, check_approval, tranches_to_approve
from .availability_recovery import RecoveryFailed
from .candidate_validation import is_deterministic
from .messages import IssueLocalStatement, RecoverAvailableData, ValidateCandidate
from .overseer import ActiveLeavesUpdate, BlockFinalized, Subsystem

log = logging.getLogger("relaychain.parachains.approvals")

TOPIC = "approvals"
TICK_MS = 500
KEEP_BLOCKS = 64  # unfinalized blocks tracked at most (older ones are MAX_FINALITY_LAG's business)
# A check that failed for our own reasons (recovery failed, the PVF timed out or its worker died) is retried,
# as polkadot-sdk's approval voting retries unavailable candidates: on a small network every non-backer may
# be assigned in tranche 0 already, and a no-show nobody can cover would stall finality for good.
MAX_APPROVAL_RETRIES = 16
RETRY_BACKOFF_S = 1.0

_PATH = "relaychain_node::parachains::approvals"


@scale_struct(f"{_PATH}::Assignment")
class AssignmentMessage:
    """An assignment certificate and the candidates (by index in the block) it claims."""

    block_hash: bytes = sfield(H256, "Hash")
    validator: int = sfield(P.VALIDATOR_INDEX, "ValidatorIndex")
    cert: AssignmentCertV2 = sfield(AssignmentCertV2.SCALE, "AssignmentCertV2")
    candidates: tuple = sfield(BitVec(), "CandidateBitfield")


@scale_struct(f"{_PATH}::Approval")
class ApprovalMessage:
    """A signed approval of candidates (by index in the block): `IndirectSignedApprovalVoteV2`."""

    block_hash: bytes = sfield(H256, "Hash")
    candidates: tuple = sfield(BitVec(), "CandidateBitfield")
    validator: int = sfield(P.VALIDATOR_INDEX, "ValidatorIndex")
    signature: bytes = sfield(P.VALIDATOR_SIGNATURE, "ValidatorSignature")


GOSSIP = Enum(f"{_PATH}::Message", [
    Variant("Assignment", 0, ((None, AssignmentMessage.SCALE, "Assignment"),)),
    Variant("Approval", 1, ((None, ApprovalMessage.SCALE, "Approval"),)),
])


def approval_payload(candidate_hashes, session: int) -> bytes:
    """What an approval vote signs: one candidate `APPR ‖ hash ‖ session`, several `APPR ‖ SCALE(Vec<hash>) ‖
    session` (parachains.md §5)."""
    hashes = list(candidate_hashes)
    statement = ("Valid", ("ApprovalCheckingMultipleCandidates", hashes)) if len(hashes) > 1 else \
        ("Valid", "ApprovalChecking")
    return P.dispute_statement_payload(statement, hashes[0], session)


def current_tick() -> int:
    return int(time.time() * 1000) // TICK_MS


@dataclass
class CandidateApproval:
    receipt: P.CandidateReceipt
    core: int
    group: int
    entry: ApprovalEntry
    approvals: set = field(default_factory=set)
    approved: bool = False
    ours: Optional[OurAssignment] = None
    triggered: bool = False

    @property
    def hash(self) -> bytes:
        return self.receipt.hash()


@dataclass
class BlockApproval:
    hash: bytes
    number: int
    parent_hash: bytes
    session: int
    block_tick: int
    story: bytes
    config: AssignmentConfig
    validators: tuple  # ValidatorId (para_validator keys) by index
    needed_approvals: int
    no_show_ticks: int
    our_index: Optional[int]
    candidates: list

    @property
    def approved(self) -> bool:
        return all(c.approved for c in self.candidates)


class ApprovalVoting(Subsystem):
    name = "approval-voting"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.blocks: dict[bytes, BlockApproval] = {}
        self.pending: list[tuple[int, bytes]] = []  # gossip about blocks not processed yet: (age, raw)
        self._ticker: Optional[asyncio.Task] = None
        ctx.node.network.on_gossip(TOPIC, self._on_gossip)

    async def start(self) -> None:
        self._ticker = self.ctx.spawn(self._tick_loop(), "approval-ticks")

    # -- new blocks -------------------------------------------------------------------------------
    async def handle_signal(self, signal) -> None:
        if isinstance(signal, ActiveLeavesUpdate) and signal.activated is not None:
            leaf = signal.activated
            if leaf.hash not in self.blocks:
                try:
                    block = self._import_block(leaf.hash, leaf.number, leaf.parent_hash)
                except (ApprovalError, KeyError) as exc:
                    log.debug("no approval work for #%d: %s", leaf.number, exc)
                    block = None
                if block is not None:
                    self.blocks[leaf.hash] = block
                    self._replay_pending()
                    self._advance(block, current_tick())  # tranche 0 is due at once
            if self.ctx.node.metrics is not None:
                self.ctx.node.metrics.approval_finality_lag.set(leaf.number - self.approved_number(leaf.hash))
        elif isinstance(signal, BlockFinalized):
            for h in [h for h, b in self.blocks.items() if b.number <= signal.number]:
                del self.blocks[h]
            if len(self.blocks) > KEEP_BLOCKS:
                for h in sorted(self.blocks, key=lambda h: self.blocks[h].number)[:len(self.blocks) - KEEP_BLOCKS]:
                    del self.blocks[h]

    def _import_block(self, block_hash: bytes, number: int, parent_hash: bytes) -> Optional[BlockApproval]:
        node = self.ctx.node
        api, client = node.runtime_api, node.client
        included = [(payload[0], payload[2], payload[3]) for kind, payload in api.candidate_events(block_hash)
                    if kind == "CandidateIncluded"]
        if not included:
            return None
        header = client.header(block_hash)
        session = api.session_index_for_child(parent_hash)
        info = api.session_info(block_hash, session)
        if info is None:
            raise ApprovalError(f"no session info for session {session}")
        pre_data = header.digest.pre_runtime(BABE_ENGINE_ID)
        pre = decode_pre_digest(pre_data)
        view = epoch_view(client.state_at(parent_hash), pre.slot)
        story = relay_vrf_story(pre, view.authorities, view.randomness, view.epoch_index)
        config = AssignmentConfig.from_session_info(info)
        validators = tuple(info.validators)
        our_index = None
        if node.keys is not None and node.keys.para_validator.public in validators:
            our_index = validators.index(node.keys.para_validator.public)
        candidates = [CandidateApproval(receipt, core, group, ApprovalEntry(len(validators), {}))
                      for receipt, core, group in included]
        if our_index is not None:
            ours = compute_assignments(node.keys.para_assignment, story, config,
                                       [(c.hash, c.core, c.group) for c in candidates])
            for c in candidates:
                c.ours = ours.get(c.core)
        block_tick = pre.slot * node.slot_duration_ms // TICK_MS
        no_show_ticks = info.no_show_slots * node.slot_duration_ms // TICK_MS
        return BlockApproval(block_hash, number, parent_hash, session, block_tick, story, config, validators,
                             info.needed_approvals, no_show_ticks, our_index, candidates)

    # -- the clock ----------------------------------------------------------------------------------
    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(TICK_MS / 1000)
            now = current_tick()
            for block in list(self.blocks.values()):
                self._advance(block, now)

    def _advance(self, block: BlockApproval, now: int) -> None:
        """Re-count every unapproved candidate of `block` at tick `now`; trigger our assignments when due."""
        tranche_now = max(now - block.block_tick, 0)
        for c in block.candidates:
            if c.approved:
                continue
            required = tranches_to_approve(c.entry, c.approvals, tranche_now, block.block_tick, block.no_show_ticks,
                                           block.needed_approvals)
            if check_approval(c.entry, c.approvals, required).is_approved(now):
                c.approved = True
                if block.approved:
                    log.debug("relay block #%d approved", block.number)
                continue
            if c.ours is not None and not c.triggered and self._should_trigger(c.ours.tranche, tranche_now,
                                                                               required):
                c.triggered = True
                self._trigger(block, c, now)

    @staticmethod
    def _should_trigger(our_tranche: int, tranche_now: int, required) -> bool:
        """Our tranche is due and the candidate still needs checkers of that tranche (approval-voting's
        `should_trigger_assignment`)."""
        if isinstance(required, Pending):
            return our_tranche <= min(tranche_now, required.maximum_broadcast)
        if isinstance(required, Exact):
            return False  # enough checkers are assigned already
        return our_tranche <= tranche_now  # every validator is needed

    def _trigger(self, block: BlockApproval, c: CandidateApproval, now: int) -> None:
        """Broadcast our assignment for `c` and check it."""
        claimed = set(bitfield_cores(_claimed_cores(c.ours.cert, c.core)))
        indices = [i for i, other in enumerate(block.candidates) if other.core in claimed] or \
            [block.candidates.index(c)]
        bits = tuple(i in indices for i in range(len(block.candidates)))
        for i in indices:
            block.candidates[i].entry.import_assignment(c.ours.tranche, block.our_index, now)
            block.candidates[i].triggered = True
        message = AssignmentMessage(block.hash, block.our_index, c.ours.cert, bits)
        self.ctx.node.network.gossip(TOPIC, GOSSIP.encode(("Assignment", message)))
        if self.ctx.node.metrics is not None:
            self.ctx.node.metrics.assignments_produced.observe(c.ours.tranche)
        for i in indices:
            self.ctx.spawn(self._check(block, block.candidates[i]), "approval-check")

    async def _check(self, block: BlockApproval, c: CandidateApproval) -> None:
        """Recover, re-validate, vote (or dispute); retry a check that failed for our own reasons while the
        candidate still needs us."""
        for attempt in range(MAX_APPROVAL_RETRIES + 1):
            if attempt:
                await asyncio.sleep(RETRY_BACKOFF_S)
                if c.approved or self.blocks.get(block.hash) is not block:
                    return  # approved by others meanwhile, or finalized / pruned
            outcome = await self._check_once(block, c)
            if outcome is not None:
                break
        else:
            return
        if not outcome.valid:
            log.warning("⚠️  approval check: para %d candidate 0x%s… included in #%d is INVALID (%s): disputing",
                        c.receipt.descriptor.para_id, c.hash.hex()[:8], block.number, outcome.error)
            self.ctx.send(IssueLocalStatement(block.session, c.receipt, False))
            self._count("invalid")
            return
        self._count("success")
        self._approve(block, [c])

    async def _check_once(self, block: BlockApproval, c: CandidateApproval):
        """One attempt: the validation outcome (valid, or deterministically invalid), or None when the check
        was inconclusive for our own reasons (retry)."""
        node = self.ctx.node
        try:
            data = await self.ctx.request(RecoverAvailableData(c.receipt, block.session, block.hash, c.group))
        except RecoveryFailed as exc:
            # never a dispute: one needs a recovered PoV to be fair
            log.warning("approval of para %d candidate 0x%s…: unavailable (%s)", c.receipt.descriptor.para_id,
                        c.hash.hex()[:8], exc)
            self._count("unavailable")
            return None
        code = node.runtime_api.validation_code_by_hash(block.hash, c.receipt.descriptor.validation_code_hash)
        if code is None:
            return None
        outcome = await self.ctx.request(ValidateCandidate(c.receipt, data.validation_data, data.pov, code,
                                                           "approval"))
        if outcome.valid:
            return outcome
        if not is_deterministic(outcome.error):  # our machine's trouble, not the candidate's: abstain
            log.warning("approval check of para %d candidate 0x%s… inconclusive (%s)",
                        c.receipt.descriptor.para_id, c.hash.hex()[:8], outcome.error)
            self._count("inconclusive")
            return None
        return outcome

    def _count(self, status: str) -> None:
        if self.ctx.node.metrics is not None:
            self.ctx.node.metrics.approvals_produced.labels(status).inc()

    def _approve(self, block: BlockApproval, candidates: list) -> None:
        signature = self.ctx.node.keys.para_validator.sign(approval_payload([c.hash for c in candidates],
                                                                            block.session))
        for c in candidates:
            c.approvals.add(block.our_index)
        bits = tuple(c in candidates for c in block.candidates)
        message = ApprovalMessage(block.hash, bits, block.our_index, signature)
        self.ctx.node.network.gossip(TOPIC, GOSSIP.encode(("Approval", message)))
        self._advance(block, current_tick())

    # -- gossip ------------------------------------------------------------------------------------
    def _on_gossip(self, peer_id: bytes, data: bytes) -> bool:
        try:
            kind, message = GOSSIP.decode(data)
        except (ScaleDecodeError, ValueError):
            return False
        block = self.blocks.get(message.block_hash)
        if block is None:
            # Not processed here yet: the block may be unknown, or imported with its leaf signal still queued
            # (a checker in tranche 0 sends its assignment as soon as it imports the block). Dropping it would
            # lose the assignment for good and, with it, every approval that the assignment entitles.
            if len(self.pending) < 1024:
                self.pending.append((0, data))
            return True
        if kind == "Assignment":
            return self._import_assignment(block, message)
        new = self._import_approval(block, message)
        if new:
            self._advance(block, current_tick())  # approved as soon as the last vote needed is in
        return new

    def _replay_pending(self) -> None:
        waiting, self.pending = self.pending, []
        for age, data in waiting:
            kind, message = GOSSIP.decode(data)
            block = self.blocks.get(message.block_hash)
            if block is None:
                if age < 4:
                    self.pending.append((age + 1, data))
                continue
            if kind == "Assignment":
                self._import_assignment(block, message)
            else:
                self._import_approval(block, message)

    def _import_assignment(self, block: BlockApproval, m: AssignmentMessage) -> bool:
        claimed = [i for i, bit in enumerate(m.candidates) if bit and i < len(block.candidates)]
        if not claimed or m.validator == block.our_index:
            return False
        if all(m.validator in block.candidates[i].entry.assigned() for i in claimed):
            return False  # known: do not relay again
        cores = sorted(block.candidates[i].core for i in claimed)
        bits = tuple(core in cores for core in range(max(cores) + 1))
        groups = [next(c.group for c in block.candidates if c.core == core) for core in cores]
        try:
            tranche = check_assignment_cert(bits, m.validator, block.config, block.story, m.cert, groups)
        except InvalidAssignment as exc:
            log.debug("assignment of validator %d for #%d refused: %s", m.validator, block.number, exc)
            return False
        now = current_tick()
        for i in claimed:
            block.candidates[i].entry.import_assignment(tranche, m.validator, now)
        if self.ctx.node.metrics is not None:
            self.ctx.node.metrics.approvals_imported.labels("assignment").inc()
        return True

    def _import_approval(self, block: BlockApproval, m: ApprovalMessage) -> bool:
        claimed = [block.candidates[i] for i, bit in enumerate(m.candidates) if bit and i < len(block.candidates)]
        if not claimed or m.validator >= len(block.validators):
            return False
        if any(m.validator not in c.entry.assigned() for c in claimed):
            return False  # an approval without the assignment that entitles it
        if all(m.validator in c.approvals for c in claimed):
            return False
        if not verify_sr25519(m.signature, approval_payload([c.hash for c in claimed], block.session),
                              block.validators[m.validator]):
            return False
        for c in claimed:
            c.approvals.add(m.validator)
        if self.ctx.node.metrics is not None:
            self.ctx.node.metrics.approvals_imported.labels("approval").inc()
        return True

    # -- finality -----------------------------------------------------------------------------------
    def can_finalize(self, block_hash: bytes) -> bool:
        """Whether `block_hash` and its unfinalized ancestors are all approved (unknown blocks count as
        approved: see the module docstring)."""
        client = self.ctx.node.client
        finalized = client.finalized_number()
        h = block_hash
        while True:
            header = client.header(h)
            if header is None or header.number <= finalized:
                return True
            block = self.blocks.get(h)
            if block is not None and not block.approved:
                return False
            h = header.parent_hash

    def approved_number(self, block_hash: bytes) -> int:
        """The number of the highest block on `block_hash`'s chain whose unfinalized ancestry is all approved."""
        client = self.ctx.node.client
        finalized = client.finalized_number()
        chain = []
        h = block_hash
        while True:
            header = client.header(h)
            if header is None or header.number <= finalized:
                break
            chain.append((header.number, self.blocks.get(h)))
            h = header.parent_hash
        approved = finalized
        for number, block in reversed(chain):
            if block is not None and not block.approved:
                break
            approved = number
        return approved

    def is_approved(self, block_hash: bytes) -> Optional[bool]:
        block = self.blocks.get(block_hash)
        return None if block is None else block.approved


def _claimed_cores(cert: AssignmentCertV2, default_core: int) -> tuple:
    """The core bitfield an assignment certificate claims."""
    kind, fields = cert.kind
    if kind == "RelayVRFModuloCompact":
        return tuple(fields["core_bitfield"])
    core = fields.get("core_index", default_core)
    return tuple(i == core for i in range(core + 1))
