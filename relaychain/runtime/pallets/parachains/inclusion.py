"""ParaInclusion (index 53): candidates from backed to included — backing checks, availability, enactment.

Polkadot: `polkadot/runtime/parachains/src/inclusion/mod.rs` of spec 1002005 (one candidate pending per para);
parachains.md §2 (thresholds), §5 (payloads), §6 (availability, enactment order), §7 (acceptance checks).
- Bitfields (`check_bitfield`): one bit per availability core, validator indices strictly ascending and in
  range, sr25519 signature over `bitfield_signing_payload(bits, session, parent_hash)`. A set bit counts only
  for a core occupied by a candidate; a candidate with `supermajority(n_validators)` votes is enacted.
- Enactment (`enact_candidate`, §6 order): reward the backers, schedule the code upgrade it carries, prune
  the processed downward messages (`Dmp.prune_dmq`), prune the HRMP channels up to the new watermark
  (`Hrmp.prune_hrmp`), queue its horizontal messages (`Hrmp.queue_outbound_hrmp`, MQC heads extended),
  `CandidateIncluded`, then the new head (`Paras.note_new_head`, which may apply an upgrade).
- Acceptance (`check_backed_candidate`, §7): relay parent allowed (and not older than the para's last
  context), PVD hash from the relay parent's number/state root and the para's current head, collator
  signature, current code hash, para head, the outputs (`check_validation_outputs`), no candidate pending for
  the para, the group assigned to the core at `relay_parent_number + 1`, and its votes
  (`check_candidate_backing`): one bit per group member, as many votes as set bits, every signature over
  `attestation_payload(vote, candidate_hash, session, relay_parent)`, at least
  `effective_minimum_backing_votes(group, minimum_backing_votes)` of them.
Every check raises this pallet's typed error (Polkadot's names); `paras_inherent` either refuses the block
(`enter`) or drops the item (`create_inherent`).

Messaging outputs (§7.5, xcmp.md §5): the rules are `xcmp.acceptance`'s, run on Dmp's and Hrmp's storage;
a broken rule raises this pallet's error (`IncorrectDownwardMessageHandling`, `InvalidUpwardMessages`,
`HrmpWatermarkMishandling`, `InvalidOutboundHrmp`) whose `__cause__` is the typed `xcmp.errors` reason.
Upward messages are checked against the UMP limits with the para's queue footprint in MessageQueue and, at
enactment, those before the first `UMP_SEPARATOR` (an empty message) are enqueued there under
`AggregateMessageOrigin::Ump(Para(id))` (`receive_upward_messages`; event `UpwardMessagesReceived{from, count}`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Optional

from relaychain.primitives.crypto import verify_sr25519
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.parachain_types import (
    AVAILABILITY_BITFIELD, BITVEC, BLOCK_NUMBER, CANDIDATE_HASH, CORE_INDEX, GROUP_INDEX, HEAD_DATA, PARA_ID, U32,
    VALIDATOR_INDEX, BackedCandidate, CandidateCommitments, CandidateDescriptor, CandidateReceipt,
    CommittedCandidateReceipt, SignedAvailabilityBitfield, attestation_payload, bitfield_signing_payload,
    effective_minimum_backing_votes, head_data_hash, supermajority_threshold,
)
from relaychain.primitives.scale_types import H256, scale_struct, sfield
from relaychain.runtime.framework import ModuleError, Pallet
from relaychain.runtime.pallets import message_queue
from relaychain.runtime.pallets.parachains import configuration, dmp, hrmp, paras, scheduler, shared
from xcmp import errors as xcmp_errors
from xcmp.acceptance import check_upward_messages
from xcmp.types import ump_origin


def _no_reward(ctx, validator_indices: list[int]) -> None:
    pass


@dataclass(frozen=True)
class Config:
    """`inclusion::Config::RewardValidators`: `fn(ctx, [active validator index])` for the backers of an
    enacted candidate, and for the validators whose bitfields made it available."""

    reward_backing: Callable = _no_reward
    reward_bitfields: Callable = _no_reward


pallet = Pallet("ParaInclusion", 53, "polkadot_runtime_parachains::inclusion", config_type=Config,
                declares_calls=True)

_I = "polkadot_runtime_parachains::inclusion"


@scale_struct(f"{_I}::AvailabilityBitfieldRecord", params=[("N", U32)])
class AvailabilityBitfieldRecord:
    bitfield: tuple = sfield(AVAILABILITY_BITFIELD, "AvailabilityBitfield")
    submitted_at: int = sfield(BLOCK_NUMBER, "N")


@scale_struct(f"{_I}::CandidatePendingAvailability", params=[("H", H256), ("N", U32)])
class CandidatePendingAvailability:
    """A backed candidate waiting for availability; `availability_votes` and `backers` have one bit per
    active validator."""

    core: int = sfield(CORE_INDEX, "CoreIndex")
    hash: bytes = sfield(CANDIDATE_HASH, "CandidateHash")
    descriptor: CandidateDescriptor = sfield(CandidateDescriptor.SCALE, "CandidateDescriptor<H>")
    availability_votes: tuple = sfield(BITVEC, "BitVec<u8, BitOrderLsb0>")
    backers: tuple = sfield(BITVEC, "BitVec<u8, BitOrderLsb0>")
    relay_parent_number: int = sfield(BLOCK_NUMBER, "N")
    backed_in_number: int = sfield(BLOCK_NUMBER, "N")
    backing_group: int = sfield(GROUP_INDEX, "GroupIndex")


AvailabilityBitfields = pallet.storage_map("AvailabilityBitfields", [("Twox64Concat", VALIDATOR_INDEX)],
                                           AvailabilityBitfieldRecord.SCALE, optional=True, docs=(
    "The latest bitfield for each validator, referred to by their index in the validator set.",))
PendingAvailability = pallet.storage_map("PendingAvailability", [("Twox64Concat", PARA_ID)],
                                         CandidatePendingAvailability.SCALE, optional=True, docs=(
    "Candidates pending availability by `ParaId`.",))
PendingAvailabilityCommitments = pallet.storage_map("PendingAvailabilityCommitments", [("Twox64Concat", PARA_ID)],
                                                    CandidateCommitments.SCALE, optional=True, docs=(
    "The commitments of candidates pending availability, by `ParaId`.",))

_RECEIPT = (None, CandidateReceipt.SCALE, "CandidateReceipt<T::Hash>")
_HEAD = (None, HEAD_DATA, "HeadData")
CandidateBacked = pallet.event("CandidateBacked", [_RECEIPT, _HEAD, (None, CORE_INDEX, "CoreIndex"),
                                                   (None, GROUP_INDEX, "GroupIndex")],
                               ("A candidate was backed. `[candidate, head_data]`",))
CandidateIncluded = pallet.event("CandidateIncluded", [_RECEIPT, _HEAD, (None, CORE_INDEX, "CoreIndex"),
                                                       (None, GROUP_INDEX, "GroupIndex")],
                                 ("A candidate was included. `[candidate, head_data]`",))
CandidateTimedOut = pallet.event("CandidateTimedOut", [_RECEIPT, _HEAD, (None, CORE_INDEX, "CoreIndex")],
                                 ("A candidate timed out. `[candidate, head_data]`",))
UpwardMessagesReceived = pallet.event("UpwardMessagesReceived", [("from", PARA_ID, "ParaId"), ("count", U32, "u32")],
                                      ("Some upward messages have been received and will be processed.",))

for _name, _doc in [
    ("UnsortedOrDuplicateValidatorIndices", "Validator indices are out of order or contains duplicates."),
    ("UnsortedOrDuplicateDisputeStatementSet", "Dispute statement sets are out of order or contain duplicates."),
    ("UnsortedOrDuplicateBackedCandidates", "Backed candidates are out of order (core index) or contain duplicates."),
    ("UnexpectedRelayParent", "A different relay parent was provided compared to the on-chain stored one."),
    ("WrongBitfieldSize", "Availability bitfield has unexpected size."),
    ("BitfieldAllZeros", "Bitfield consists of zeros only."),
    ("BitfieldDuplicateOrUnordered", "Multiple bitfields submitted by same validator or validators out of order by "
                                     "index."),
    ("ValidatorIndexOutOfBounds", "Validator index out of bounds."),
    ("InvalidBitfieldSignature", "Invalid signature"),
    ("UnscheduledCandidate", "Candidate submitted but para not scheduled."),
    ("CandidateScheduledBeforeParaFree", "Candidate scheduled despite pending candidate already existing for the "
                                         "para."),
    ("ScheduledOutOfOrder", "Scheduled cores out of order."),
    ("HeadDataTooLarge", "Head data exceeds the configured maximum."),
    ("PrematureCodeUpgrade", "Code upgrade prematurely."),
    ("NewCodeTooLarge", "Output code is too large"),
    ("DisallowedRelayParent", "The candidate's relay-parent was not allowed. Either it was\nnot recent enough or it "
                              "didn't advance based on the last parachain block."),
    ("InvalidAssignment", "Failed to compute group index for the core: either it's out of bounds\nor the relay parent "
                          "doesn't belong to the current session."),
    ("InvalidGroupIndex", "Invalid group index in core assignment."),
    ("InsufficientBacking", "Insufficient (non-majority) backing."),
    ("InvalidBacking", "Invalid (bad signature, unknown validator, etc.) backing."),
    ("NotCollatorSigned", "Collator did not sign PoV."),
    ("ValidationDataHashMismatch", "The validation data hash does not match expected."),
    ("IncorrectDownwardMessageHandling", "The downward message queue is not processed correctly."),
    ("InvalidUpwardMessages", "At least one upward message sent does not pass the acceptance criteria."),
    ("HrmpWatermarkMishandling", "The candidate didn't follow the rules of HRMP watermark advancement."),
    ("InvalidOutboundHrmp", "The HRMP messages sent by the candidate is not valid."),
    ("InvalidValidationCodeHash", "The validation code hash of the candidate is not valid."),
    ("ParaHeadMismatch", "The `para_head` hash in the candidate descriptor doesn't match the hash of the actual\npara "
                         "head in the commitments."),
    ("BitfieldReferencesFreedCore", "A bitfield that references a freed core,\neither intentionally or as part of a "
                                    "concluded\ninvalid dispute."),
]:
    pallet.error(_name, tuple(_doc.split("\n")))

fail = pallet.fail


def availability_threshold(n_validators: int) -> int:
    """Votes that make a candidate available: the supermajority of the active validators (§2)."""
    return supermajority_threshold(n_validators)


# -- bitfields -------------------------------------------------------------------------------------------

def check_bitfield(bitfield: SignedAvailabilityBitfield, expected_bits: int, last_index: Optional[int],
                   validators: list[bytes], session_index: int, parent_hash: bytes,
                   freed_cores: frozenset = frozenset()) -> None:
    """Raise the typed error of the first rule `bitfield` breaks (Polkadot's sanitize order); a bit for a core
    freed in this block by a dispute that concluded invalid is refused."""
    if len(bitfield.payload) != expected_bits:
        raise fail("WrongBitfieldSize")
    if any(bit and core in freed_cores for core, bit in enumerate(bitfield.payload)):
        raise fail("BitfieldReferencesFreedCore")
    if last_index is not None and bitfield.validator_index <= last_index:
        raise fail("BitfieldDuplicateOrUnordered")
    if bitfield.validator_index >= len(validators):
        raise fail("ValidatorIndexOutOfBounds")
    if not verify_sr25519(bitfield.signature, bitfield_signing_payload(bitfield.payload, session_index, parent_hash),
                          validators[bitfield.validator_index]):
        raise fail("InvalidBitfieldSignature")


def update_pending_availability_and_get_freed_cores(ctx, expected_bits: int, validators: list[bytes],
                                                    bitfields) -> list[tuple[int, bytes]]:
    """Count checked bitfields' votes for occupied cores, record each bitfield, and enact candidates that
    reached the threshold. Returns (core, candidate hash) of each enacted candidate."""
    state = ctx.state
    pending: list[Optional[tuple[int, CandidatePendingAvailability]]] = []
    for core in range(expected_bits):
        para_id = scheduler.core_para(state, core)
        record = PendingAvailability.get(state, para_id) if para_id is not None else None
        pending.append((para_id, record) if record is not None else None)
    votes = [list(p[1].availability_votes) if p else None for p in pending]
    for bf in bitfields:
        for core, bit in enumerate(bf.payload):
            if bit and votes[core] is not None and bf.validator_index < len(votes[core]):
                votes[core][bf.validator_index] = True
        AvailabilityBitfields.set(state, AvailabilityBitfieldRecord(bf.payload, ctx.number), bf.validator_index)
    threshold = availability_threshold(len(validators))
    freed = []
    for entry, core_votes in zip(pending, votes):
        if entry is None:
            continue
        para_id, record = entry
        record = replace(record, availability_votes=tuple(core_votes))
        if sum(core_votes) >= threshold:
            PendingAvailability.remove(state, para_id)
            commitments = PendingAvailabilityCommitments.take(state, para_id)
            if commitments is None:
                continue
            enact_candidate(ctx, record.relay_parent_number, CommittedCandidateReceipt(record.descriptor, commitments),
                            record.backers, record.availability_votes, record.core, record.backing_group)
            freed.append((record.core, record.hash))
        elif bitfields:
            PendingAvailability.set(state, record, para_id)
    return freed


def enact_candidate(ctx, relay_parent_number: int, receipt: CommittedCandidateReceipt, backers, availability_votes,
                    core: int, backing_group: int) -> None:
    """Include an available candidate (§6 order)."""
    state = ctx.state
    cfg = ctx.runtime.config(pallet)
    cfg.reward_backing(ctx, [i for i, b in enumerate(backers) if b])
    cfg.reward_bitfields(ctx, [i for i, v in enumerate(availability_votes) if v])
    commitments = receipt.commitments
    para_id = receipt.descriptor.para_id
    if commitments.new_validation_code is not None:
        paras.schedule_code_upgrade(ctx, para_id, commitments.new_validation_code, ctx.number,
                                    configuration.active(state), "Yes")
    dmp.prune_dmq(ctx, para_id, commitments.processed_downward_messages)
    receive_upward_messages(ctx, para_id, commitments.upward_messages)
    hrmp.prune_hrmp(ctx, para_id, commitments.hrmp_watermark)
    hrmp.queue_outbound_hrmp(ctx, para_id, commitments.horizontal_messages)
    ctx.deposit_event(CandidateIncluded, receipt.to_plain(), commitments.head_data, core, backing_group)
    paras.note_new_head(ctx, para_id, commitments.head_data, relay_parent_number)


UMP_SEPARATOR = b""  # what separates a candidate's upward messages from its UMP signals


def upward_messages(messages) -> list[bytes]:
    """The upward messages proper: those before the first `UMP_SEPARATOR` (parachains.md §4)."""
    out = []
    for m in messages:
        if m == UMP_SEPARATOR:
            break
        out.append(bytes(m))
    return out


def receive_upward_messages(ctx, para_id: int, messages) -> None:
    """Enqueue the candidate's upward messages for MessageQueue to run (xcmp.md §8)."""
    messages = upward_messages(messages)
    if messages:
        message_queue.enqueue_messages(ctx, ump_origin(para_id), messages)
        ctx.deposit_event(UpwardMessagesReceived, **{"from": para_id, "count": len(messages)})


def collect_pending(ctx, predicate) -> list[int]:
    """Time out the candidates for which `predicate(core, backed_in_number)` holds: `CandidateTimedOut`, and
    their cores are returned to be freed."""
    state = ctx.state
    timed_out = []
    for core in range(len(scheduler.AvailabilityCores.get(state))):
        para_id = scheduler.core_para(state, core)
        record = PendingAvailability.get(state, para_id) if para_id is not None else None
        if record is not None and predicate(record.core, record.backed_in_number):
            timed_out.append((para_id, record))
    cores = []
    for para_id, record in sorted(timed_out):
        PendingAvailability.remove(state, para_id)
        commitments = PendingAvailabilityCommitments.take(state, para_id)
        if commitments is not None:
            ctx.deposit_event(CandidateTimedOut, CandidateReceipt(record.descriptor, commitments.hash()),
                              commitments.head_data, record.core)
        cores.append(record.core)
    return cores


def free_disputed(ctx, disputed: set) -> list[int]:
    """Drop the pending candidates whose hash is in `disputed` (concluded invalid): their cores are returned
    to be freed, without an event (Polkadot's `collect_disputed`)."""
    state = ctx.state
    cores = []
    for core in range(len(scheduler.AvailabilityCores.get(state))):
        para_id = scheduler.core_para(state, core)
        record = PendingAvailability.get(state, para_id) if para_id is not None else None
        if record is not None and bytes(record.hash) in disputed:
            PendingAvailability.remove(state, para_id)
            PendingAvailabilityCommitments.remove(state, para_id)
            cores.append(record.core)
    return cores


def force_enact(ctx, para_id: int) -> None:
    """Enact the para's pending candidate as if available (runtime APIs' `OccupiedCoreAssumption::Included`,
    on a state that is discarded)."""
    state = ctx.state
    record = PendingAvailability.take(state, para_id)
    commitments = PendingAvailabilityCommitments.take(state, para_id)
    if record is not None and commitments is not None:
        enact_candidate(ctx, record.relay_parent_number, CommittedCandidateReceipt(record.descriptor, commitments),
                        record.backers, record.availability_votes, record.core, record.backing_group)


def candidate_pending_availability(state, para_id: int) -> Optional[CommittedCandidateReceipt]:
    record = PendingAvailability.get(state, para_id)
    commitments = PendingAvailabilityCommitments.get(state, para_id)
    if record is None or commitments is None:
        return None
    return CommittedCandidateReceipt(record.descriptor, commitments)


# -- backed candidates (§7) ------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreparedCandidate:
    """A backed candidate with what is computed once per candidate: its hash (encoding the commitments
    once) and its encoded size."""

    backed: BackedCandidate
    hash: bytes
    receipt: CandidateReceipt
    encoded_size: int

    @staticmethod
    def of(backed: BackedCandidate) -> "PreparedCandidate":
        commitments_bytes = backed.candidate.commitments.encode()
        receipt = CandidateReceipt(backed.candidate.descriptor, blake2_256(commitments_bytes))
        n_votes, n_bits = len(backed.validity_votes), len(backed.validator_indices)
        size = (_DESCRIPTOR_SIZE + len(commitments_bytes) + _compact_len(n_votes) + 65 * n_votes
                + _compact_len(n_bits) + (n_bits + 7) // 8)
        return PreparedCandidate(backed, blake2_256(receipt.encode()), receipt, size)

    @property
    def para_id(self) -> int:
        return self.backed.candidate.descriptor.para_id


_DESCRIPTOR_SIZE = 4 + 32 * 7 + 64  # para_id, seven 32-byte hashes/keys, the collator's signature


def _compact_len(n: int) -> int:
    return 1 if n < 1 << 6 else 2 if n < 1 << 14 else 4 if n < 1 << 30 else 5


def check_validation_outputs(state, cfg, para_id: int, relay_parent_number: int,
                             commitments: CandidateCommitments, processed_by_pending: int = 0) -> None:
    """The outputs' acceptance rules (§7.5); raises the typed error. `processed_by_pending`: downward messages
    the para's candidate pending availability processed (see `check_validation_outputs_for_runtime_api`)."""
    if len(commitments.head_data) > cfg.max_head_data_size:
        raise fail("HeadDataTooLarge")
    if commitments.new_validation_code is not None:
        if not paras.can_upgrade_validation_code(state, para_id):
            raise fail("PrematureCodeUpgrade")
        if len(commitments.new_validation_code) > cfg.max_code_size:
            raise fail("NewCodeTooLarge")
    try:
        dmp.check_processed_downward_messages(state, para_id, relay_parent_number,
                                              commitments.processed_downward_messages, processed_by_pending)
    except xcmp_errors.ProcessedDownwardMessagesAcceptanceErr as e:
        raise fail("IncorrectDownwardMessageHandling") from e
    queue_count, queue_size = message_queue.footprint(state, ump_origin(para_id))
    try:
        check_upward_messages(upward_messages(commitments.upward_messages),
                              max_per_candidate=cfg.max_upward_message_num_per_candidate,
                              max_message_size=cfg.max_upward_message_size, max_queue_count=cfg.max_upward_queue_count,
                              max_queue_size=cfg.max_upward_queue_size, queue_count=queue_count, queue_size=queue_size,
                              is_offboarding=paras.is_offboarding(state, para_id))
    except xcmp_errors.UmpAcceptanceCheckErr as e:
        raise fail("InvalidUpwardMessages") from e
    try:
        hrmp.check_hrmp_watermark(state, para_id, relay_parent_number, commitments.hrmp_watermark)
    except xcmp_errors.HrmpWatermarkAcceptanceErr as e:
        raise fail("HrmpWatermarkMishandling") from e
    try:
        hrmp.check_outbound_hrmp(state, cfg, para_id, commitments.horizontal_messages)
    except xcmp_errors.OutboundHrmpAcceptanceErr as e:
        raise fail("InvalidOutboundHrmp") from e


def verify_backed_candidate(state, cfg, tracker: dict, candidate: PreparedCandidate) -> tuple[int, bytes]:
    """Relay parent, PVD, collator signature, code hash, para head and outputs; returns the relay parent's
    (number, state root)."""
    descriptor = candidate.backed.candidate.descriptor
    para_id = descriptor.para_id
    info = shared.acquire_info(tracker, descriptor.relay_parent, paras.MostRecentContext.get(state, para_id))
    if info is None:
        raise fail("DisallowedRelayParent")
    state_root, number = info
    pvd = paras.make_persisted_validation_data(state, para_id, number, state_root, cfg)
    if pvd is None:
        raise fail("UnscheduledCandidate")
    if pvd.hash() != descriptor.persisted_validation_data_hash:
        raise fail("ValidationDataHashMismatch")
    if not descriptor.check_collator_signature():
        raise fail("NotCollatorSigned")
    code_hash = paras.CurrentCodeHash.get(state, para_id)
    if code_hash is None:
        raise fail("UnscheduledCandidate")
    if descriptor.validation_code_hash != code_hash:
        raise fail("InvalidValidationCodeHash")
    commitments = candidate.backed.candidate.commitments
    if descriptor.para_head != head_data_hash(commitments.head_data):
        raise fail("ParaHeadMismatch")
    check_validation_outputs(state, cfg, para_id, number, commitments)
    return number, state_root


def check_candidate_backing(candidate: PreparedCandidate, group: list[int], validators: list[bytes],
                            session_index: int, minimum_backing_votes: int) -> list[tuple[int, object]]:
    """The group's votes: `validator_indices` one bit per member, one vote per set bit, each signature valid,
    at least the effective minimum. Returns (validator index, attestation) of each backer."""
    backed = candidate.backed
    bits, votes = backed.validator_indices, backed.validity_votes
    if len(bits) != len(group) or len(votes) > len(group):
        raise fail("InvalidBacking")
    members = [i for i, b in enumerate(bits) if b]
    if len(members) != len(votes):
        raise fail("InvalidBacking")
    relay_parent = backed.candidate.descriptor.relay_parent
    backers = []
    for member, vote in zip(members, votes):
        validator_index = group[member]
        if validator_index >= len(validators):
            raise fail("InvalidBacking")
        payload = attestation_payload(vote, candidate.hash, session_index, relay_parent)
        if not verify_sr25519(vote[1], payload, validators[validator_index]):
            raise fail("InvalidBacking")
        backers.append((validator_index, vote))
    if len(backers) < effective_minimum_backing_votes(len(group), minimum_backing_votes):
        raise fail("InsufficientBacking")
    return backers


@dataclass(frozen=True)
class AcceptedCandidate:
    candidate: PreparedCandidate
    core: int
    group: int
    relay_parent_number: int
    backers: tuple  # ((validator index, attestation), ...)


def check_backed_candidate(ctx, cfg, tracker: dict, candidate: PreparedCandidate, core: int, validators: list[bytes],
                           session_index: int) -> AcceptedCandidate:
    """Every §7 check of a candidate for `core` against the current state; writes nothing."""
    state = ctx.state
    number, _ = verify_backed_candidate(state, cfg, tracker, candidate)
    para_id = candidate.para_id
    if PendingAvailability.get(state, para_id) is not None or \
            PendingAvailabilityCommitments.get(state, para_id) is not None:
        raise fail("CandidateScheduledBeforeParaFree")
    # a candidate built on relay parent N is backed by the group assigned to its core at N + 1
    group_index = scheduler.group_assigned_to_core(state, core, number + 1)
    if group_index is None:
        raise fail("InvalidAssignment")
    group = scheduler.group_validators(state, group_index)
    if group is None:
        raise fail("InvalidGroupIndex")
    backers = check_candidate_backing(candidate, group, validators, session_index, cfg.minimum_backing_votes)
    return AcceptedCandidate(candidate, core, group_index, number, tuple(backers))


def note_backed(ctx, accepted: AcceptedCandidate, n_validators: int) -> None:
    """Occupy the core: `CandidateBacked`, then the candidate pending availability with no votes yet."""
    backed = accepted.candidate.backed
    para_id = accepted.candidate.para_id
    commitments = backed.candidate.commitments
    ctx.deposit_event(CandidateBacked, accepted.candidate.receipt, commitments.head_data, accepted.core, accepted.group)
    backer_bits = [False] * n_validators
    for validator_index, _ in accepted.backers:
        backer_bits[validator_index] = True
    PendingAvailability.set(ctx.state, CandidatePendingAvailability(
        accepted.core, accepted.candidate.hash, backed.candidate.descriptor, (False,) * n_validators,
        tuple(backer_bits), accepted.relay_parent_number, ctx.number, accepted.group), para_id)
    PendingAvailabilityCommitments.set(ctx.state, commitments, para_id)


def check_validation_outputs_for_runtime_api(state, para_id: int, relay_parent_number: int,
                                             commitments: CandidateCommitments) -> bool:
    """The outputs of a candidate the backers validated at this relay parent. With asynchronous backing it may
    build on the para's candidate pending availability, and can only be backed once that one is enacted: the
    downward messages the pending one processed are then pruned, so they do not count as waiting (Polkadot's
    prospective-parachains constraints apply the pending candidate's modifications the same way)."""
    pending = PendingAvailabilityCommitments.get(state, para_id)
    try:
        check_validation_outputs(state, configuration.active(state), para_id, relay_parent_number, commitments,
                                 pending.processed_downward_messages if pending is not None else 0)
    except ModuleError:
        return False
    return True


# -- initializer hooks ------------------------------------------------------------------------------------

def initializer_initialize(ctx) -> None:
    pass


def initializer_finalize(ctx) -> None:
    pass


def initializer_on_new_session(ctx, notification, outgoing_paras: list[int]) -> None:
    """Candidates pending at a session change are dropped, with every stored bitfield."""
    state = ctx.state
    for item in (PendingAvailabilityCommitments, PendingAvailability, AvailabilityBitfields):
        for key in state.keys_with_prefix(item.prefix):
            state.remove(key)
