"""Parachain host types: candidates, availability, backing and dispute statements, session info.

Spec: ../shared/specs/parachains.md §4 (SCALE structures, field order), §5 (signing payloads), §2 (thresholds).
Paths and field names are those of Polkadot spec 1002005 (`polkadot_primitives::v6`, held against its V14
metadata in tests/runtime/vectors/polkadot_v14_parachain_pallets.json), so @polkadot/api and
py-substrate-interface decode our storage, events and `ParaInherent.enter` with the metadata we serve.

Each structure is declared once (`@scale_struct`): the frozen dataclass is the value the node and runtime
pass around, its own SCALE codec, and the description metadata serves.
"""

from __future__ import annotations

from typing import Optional

from relaychain.primitives.crypto import verify_sr25519
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import encode_bool, encode_u32
from relaychain.primitives.scale_types import (
    BOOL, BYTES, BYTES32, H256, SR25519_PUBLIC, SR25519_SIGNATURE, U32, U64, BitVec, BoundedVec, Enum, Option,
    Struct, Tuple, Variant, Vec, scale_struct, sfield,
)
from relaychain.primitives.types import HEADER, Header

V6 = "polkadot_primitives::v6"
PRIMITIVES = "polkadot_parachain_primitives::primitives"


def _newtype(path: str, inner, type_name: str) -> Struct:
    return Struct(path, [(None, inner, type_name)])


# -- identifiers and opaque blobs (§4 "Primitive aliases") ------------------------------------------------

PARA_ID = _newtype(f"{PRIMITIVES}::Id", U32, "u32")
VALIDATOR_INDEX = _newtype(f"{V6}::ValidatorIndex", U32, "u32")
CORE_INDEX = _newtype(f"{V6}::CoreIndex", U32, "u32")
GROUP_INDEX = _newtype(f"{V6}::GroupIndex", U32, "u32")
SESSION_INDEX = U32
BLOCK_NUMBER = U32
CANDIDATE_HASH = _newtype("polkadot_core_primitives::CandidateHash", H256, "Hash")
HEAD_DATA = _newtype(f"{PRIMITIVES}::HeadData", BYTES, "Vec<u8>")
VALIDATION_CODE = _newtype(f"{PRIMITIVES}::ValidationCode", BYTES, "Vec<u8>")
VALIDATION_CODE_HASH = _newtype(f"{PRIMITIVES}::ValidationCodeHash", H256, "Hash")
BLOCK_DATA = _newtype(f"{PRIMITIVES}::BlockData", BYTES, "Vec<u8>")
UPWARD_MESSAGE = BYTES
COLLATOR_ID = _newtype(f"{V6}::collator_app::Public", SR25519_PUBLIC, "sr25519::Public")
COLLATOR_SIGNATURE = _newtype(f"{V6}::collator_app::Signature", SR25519_SIGNATURE, "sr25519::Signature")
VALIDATOR_ID = _newtype(f"{V6}::validator_app::Public", SR25519_PUBLIC, "sr25519::Public")
VALIDATOR_SIGNATURE = _newtype(f"{V6}::validator_app::Signature", SR25519_SIGNATURE, "sr25519::Signature")
ASSIGNMENT_ID = _newtype(f"{V6}::assignment_app::Public", SR25519_PUBLIC, "sr25519::Public")
AUTHORITY_DISCOVERY_ID = _newtype("sp_authority_discovery::app::Public", SR25519_PUBLIC, "sr25519::Public")
AVAILABILITY_BITFIELD = _newtype(f"{V6}::AvailabilityBitfield", BitVec(), "BitVec<u8, bitvec::order::Lsb0>")
BITVEC = BitVec()

# Hard caps (primitives; §4 "Hard caps").
MAX_CODE_SIZE = 3 * 1024 * 1024
MAX_HEAD_DATA_SIZE = 1024 * 1024
MAX_POV_SIZE = 10 * 1024 * 1024
MIN_CODE_SIZE = 9
MAX_UPWARD_MESSAGE_NUM = 16 * 1024
MAX_HORIZONTAL_MESSAGE_NUM = 16 * 1024


def validation_code_hash(code: bytes) -> bytes:
    """`ValidationCodeHash` = blake2_256(code bytes) (§4)."""
    return blake2_256(bytes(code))


# -- thresholds (§2) ------------------------------------------------------------------------------------

def byzantine_threshold(n: int) -> int:
    """The most validators that may be faulty: f = (n - 1) // 3 (0 for n = 0)."""
    return max(n - 1, 0) // 3


def supermajority_threshold(n: int) -> int:
    """n - f: the availability threshold, and the count concluding a dispute."""
    return n - byzantine_threshold(n)


def effective_minimum_backing_votes(group_len: int, configured_minimum: int) -> int:
    """Votes that make a candidate backable: min(group size, `minimum_backing_votes`)."""
    return min(group_len, configured_minimum)


# -- candidates (§4) --------------------------------------------------------------------------------------

@scale_struct(f"{V6}::CandidateDescriptor", params=[("H", H256)])
class CandidateDescriptor:
    """What a collator commits to; v1 layout, signed by the collator over `signature_payload()`."""

    para_id: int = sfield(PARA_ID, "Id")
    relay_parent: bytes = sfield(H256, "H")
    collator: bytes = sfield(COLLATOR_ID, "CollatorId")
    persisted_validation_data_hash: bytes = sfield(H256, "Hash")
    pov_hash: bytes = sfield(H256, "Hash")
    erasure_root: bytes = sfield(H256, "Hash")
    signature: bytes = sfield(COLLATOR_SIGNATURE, "CollatorSignature")
    para_head: bytes = sfield(H256, "Hash")
    validation_code_hash: bytes = sfield(VALIDATION_CODE_HASH, "ValidationCodeHash")

    def signature_payload(self) -> bytes:
        return collator_signature_payload(self.relay_parent, self.para_id, self.persisted_validation_data_hash,
                                          self.pov_hash, self.validation_code_hash)

    def check_collator_signature(self) -> bool:
        return verify_sr25519(self.signature, self.signature_payload(), self.collator)


def collator_signature_payload(relay_parent: bytes, para_id: int, pvd_hash: bytes, pov_hash: bytes,
                               code_hash: bytes) -> bytes:
    """The 132 bytes a collator signs: relay_parent ‖ para_id u32 ‖ pvd_hash ‖ pov_hash ‖ code hash (§4)."""
    return bytes(relay_parent) + encode_u32(para_id) + bytes(pvd_hash) + bytes(pov_hash) + bytes(code_hash)


@scale_struct("polkadot_core_primitives::OutboundHrmpMessage", params=[("Id", PARA_ID)])
class OutboundHrmpMessage:
    recipient: int = sfield(PARA_ID, "Id")
    data: bytes = sfield(BYTES, "sp_std::vec::Vec<u8>")


UPWARD_MESSAGES = BoundedVec(UPWARD_MESSAGE, MAX_UPWARD_MESSAGE_NUM)
HORIZONTAL_MESSAGES = BoundedVec(OutboundHrmpMessage.SCALE, MAX_HORIZONTAL_MESSAGE_NUM)


@scale_struct(f"{V6}::CandidateCommitments", params=[("N", U32)])
class CandidateCommitments:
    """The outputs of a candidate's validation, committed to by the receipt's `commitments_hash`."""

    upward_messages: tuple = sfield(UPWARD_MESSAGES, "UpwardMessages")
    horizontal_messages: tuple = sfield(HORIZONTAL_MESSAGES, "HorizontalMessages")
    new_validation_code: Optional[bytes] = sfield(Option(VALIDATION_CODE), "Option<ValidationCode>")
    head_data: bytes = sfield(HEAD_DATA, "HeadData")
    processed_downward_messages: int = sfield(U32, "u32")
    hrmp_watermark: int = sfield(U32, "N")

    def hash(self) -> bytes:
        return blake2_256(self.encode())


@scale_struct(f"{V6}::CandidateReceipt", params=[("H", H256)])
class CandidateReceipt:
    descriptor: CandidateDescriptor = sfield(CandidateDescriptor.SCALE, "CandidateDescriptor<H>")
    commitments_hash: bytes = sfield(H256, "Hash")

    def hash(self) -> bytes:
        """`CandidateHash` = blake2_256(SCALE(CandidateReceipt)) (§4)."""
        return blake2_256(self.encode())


@scale_struct(f"{V6}::CommittedCandidateReceipt", params=[("H", H256)])
class CommittedCandidateReceipt:
    descriptor: CandidateDescriptor = sfield(CandidateDescriptor.SCALE, "CandidateDescriptor<H>")
    commitments: CandidateCommitments = sfield(CandidateCommitments.SCALE, "CandidateCommitments")

    def to_plain(self) -> CandidateReceipt:
        return CandidateReceipt(self.descriptor, self.commitments.hash())

    def hash(self) -> bytes:
        """The hash of the plain receipt: a committed receipt has the same candidate hash."""
        return self.to_plain().hash()


@scale_struct(f"{V6}::PersistedValidationData", params=[("H", H256), ("N", U32)])
class PersistedValidationData:
    """The validation inputs the relay chain fixes for a candidate; its hash is in the descriptor."""

    parent_head: bytes = sfield(HEAD_DATA, "HeadData", default=b"")
    relay_parent_number: int = sfield(U32, "N", default=0)
    relay_parent_storage_root: bytes = sfield(H256, "H", default=bytes(32))
    max_pov_size: int = sfield(U32, "u32", default=0)

    def __post_init__(self):
        if len(self.relay_parent_storage_root) != 32:
            raise ValueError("relay_parent_storage_root must be 32 bytes")
        for name in ("relay_parent_number", "max_pov_size"):
            if not 0 <= getattr(self, name) < 1 << 32:
                raise ValueError(f"{name} must fit in a u32")

    def hash(self) -> bytes:
        return blake2_256(self.encode())


@scale_struct("polkadot_node_primitives::PoV")
class PoV:
    """Proof of validity: the para block data validators re-execute."""

    block_data: bytes = sfield(BLOCK_DATA, "BlockData")

    def hash(self) -> bytes:
        return blake2_256(self.encode())


@scale_struct("polkadot_node_primitives::AvailableData")
class AvailableData:
    """What is erasure-coded into one chunk per validator (§6)."""

    pov: PoV = sfield(PoV.SCALE, "Arc<PoV>")
    validation_data: PersistedValidationData = sfield(PersistedValidationData.SCALE, "PersistedValidationData")


# -- backing (§2, §5) ------------------------------------------------------------------------------------

VALIDITY_ATTESTATION = Enum(f"{V6}::ValidityAttestation", [
    Variant("Implicit", 1, ((None, VALIDATOR_SIGNATURE, "ValidatorSignature"),)),
    Variant("Explicit", 2, ((None, VALIDATOR_SIGNATURE, "ValidatorSignature"),)),
])
SECONDED, VALID = 1, 2  # CompactStatement kinds (the Implicit / Explicit attestation indices)


def backing_statement_payload(kind: int, candidate_hash: bytes, session_index: int, parent_hash: bytes) -> bytes:
    """`(CompactStatement, SigningContext)`: b"BKNG" ‖ kind ‖ candidate_hash ‖ session u32 ‖ parent_hash (§5);
    parent_hash is the candidate's relay parent."""
    if kind not in (SECONDED, VALID):
        raise ValueError(f"unknown backing statement kind {kind}")
    return b"BKNG" + bytes((kind,)) + bytes(candidate_hash) + encode_u32(session_index) + bytes(parent_hash)


def attestation_payload(attestation, candidate_hash: bytes, session_index: int, parent_hash: bytes) -> bytes:
    """What a ValidityAttestation's signature signs: Implicit = Seconded, Explicit = Valid."""
    kind = SECONDED if attestation[0] == "Implicit" else VALID
    return backing_statement_payload(kind, candidate_hash, session_index, parent_hash)


@scale_struct(f"{V6}::BackedCandidate", params=[("H", H256)])
class BackedCandidate:
    """A candidate with its group's signed statements; `validator_indices` has one bit per group member."""

    candidate: CommittedCandidateReceipt = sfield(CommittedCandidateReceipt.SCALE, "CommittedCandidateReceipt<H>")
    validity_votes: tuple = sfield(Vec(VALIDITY_ATTESTATION), "Vec<ValidityAttestation>")
    validator_indices: tuple = sfield(BITVEC, "BitVec<u8, bitvec::order::Lsb0>")

    def hash(self) -> bytes:
        return self.candidate.hash()


# -- availability bitfields (§5, §6) ---------------------------------------------------------------------

@scale_struct(f"{V6}::signed::UncheckedSigned",
              params=[("Payload", AVAILABILITY_BITFIELD), ("RealPayload", AVAILABILITY_BITFIELD)])
class SignedAvailabilityBitfield:
    """A validator's signed statement of which cores' chunks it holds (one bit per availability core)."""

    payload: tuple = sfield(AVAILABILITY_BITFIELD, "Payload")
    validator_index: int = sfield(VALIDATOR_INDEX, "ValidatorIndex")
    signature: bytes = sfield(VALIDATOR_SIGNATURE, "ValidatorSignature")

    def check_signature(self, validator: bytes, session_index: int, parent_hash: bytes) -> bool:
        return verify_sr25519(self.signature, bitfield_signing_payload(self.payload, session_index, parent_hash),
                              validator)


def bitfield_signing_payload(bits, session_index: int, parent_hash: bytes) -> bytes:
    """SCALE(bitfield) ‖ SigningContext{session_index, parent_hash}; parent_hash = the block the bitfield is
    about (the parent of the block that includes it) (§5)."""
    return BITVEC.encode(tuple(bits)) + encode_u32(session_index) + bytes(parent_hash)


# -- disputes and approvals (§5, §9) ---------------------------------------------------------------------

VALID_DISPUTE_STATEMENT_KIND = Enum(f"{V6}::ValidDisputeStatementKind", [
    Variant("Explicit", 0),
    Variant("BackingSeconded", 1, ((None, H256, "Hash"),)),
    Variant("BackingValid", 2, ((None, H256, "Hash"),)),
    Variant("ApprovalChecking", 3),
    Variant("ApprovalCheckingMultipleCandidates", 4, ((None, Vec(CANDIDATE_HASH), "Vec<CandidateHash>"),)),
])
INVALID_DISPUTE_STATEMENT_KIND = Enum(f"{V6}::InvalidDisputeStatementKind", [Variant("Explicit", 0)])
DISPUTE_STATEMENT = Enum(f"{V6}::DisputeStatement", [
    Variant("Valid", 0, ((None, VALID_DISPUTE_STATEMENT_KIND, "ValidDisputeStatementKind"),)),
    Variant("Invalid", 1, ((None, INVALID_DISPUTE_STATEMENT_KIND, "InvalidDisputeStatementKind"),)),
])


@scale_struct(f"{V6}::DisputeStatementSet")
class DisputeStatementSet:
    """Signed votes on one candidate: each (DisputeStatement, ValidatorIndex, ValidatorSignature)."""

    candidate_hash: bytes = sfield(CANDIDATE_HASH, "CandidateHash")
    session: int = sfield(SESSION_INDEX, "SessionIndex")
    statements: tuple = sfield(Vec(Tuple(DISPUTE_STATEMENT, VALIDATOR_INDEX, VALIDATOR_SIGNATURE)),
                               "Vec<(DisputeStatement, ValidatorIndex, ValidatorSignature)>")


def explicit_dispute_payload(valid: bool, candidate_hash: bytes, session: int) -> bytes:
    """b"DISP" ‖ valid bool ‖ candidate_hash ‖ session u32 (§5)."""
    return b"DISP" + encode_bool(valid) + bytes(candidate_hash) + encode_u32(session)


def approval_vote_payload(candidate_hash: bytes, session: int) -> bytes:
    """b"APPR" ‖ candidate_hash ‖ session u32 (§5)."""
    return b"APPR" + bytes(candidate_hash) + encode_u32(session)


def dispute_statement_payload(statement, candidate_hash: bytes, session: int) -> bytes:
    """What a dispute statement's signature signs (`DisputeStatement::payload_data`)."""
    kind, sub = statement
    sub_name = sub if isinstance(sub, str) else sub[0]
    if kind == "Invalid":
        return explicit_dispute_payload(False, candidate_hash, session)
    if sub_name == "Explicit":
        return explicit_dispute_payload(True, candidate_hash, session)
    if sub_name == "BackingSeconded":
        return backing_statement_payload(SECONDED, candidate_hash, session, sub[1])
    if sub_name == "BackingValid":
        return backing_statement_payload(VALID, candidate_hash, session, sub[1])
    if sub_name == "ApprovalChecking":
        return approval_vote_payload(candidate_hash, session)
    hashes = list(sub[1])
    if len(hashes) == 1:  # a one-candidate list signs exactly like the single form
        return approval_vote_payload(hashes[0], session)
    return b"APPR" + Vec(CANDIDATE_HASH).encode(hashes) + encode_u32(session)


@scale_struct(f"{V6}::DisputeState", params=[("N", BLOCK_NUMBER)])
class DisputeState:
    """A dispute's votes so far (`ParasDisputes.Disputes[session][candidate]`, ParachainHost `disputes()`): one bit
    per validator of the session on each side, the block it started in and the block it concluded in."""

    validators_for: tuple = sfield(BITVEC, "BitVec<u8, bitvec::order::Lsb0>")
    validators_against: tuple = sfield(BITVEC, "BitVec<u8, bitvec::order::Lsb0>")
    start: int = sfield(BLOCK_NUMBER, "N")
    concluded_at: Optional[int] = sfield(Option(BLOCK_NUMBER), "Option<N>")


# Dispute slashing (§9). Polkadot spec 1002005 has two kinds (0 ForInvalid, 1 AgainstValid); the newer sdk's
# `DisputeOffenceKind` splits ForInvalid and keeps the indices compatible: 0 ForInvalidBacked, 1 AgainstValid,
# 2 ForInvalidApproved. These are the kinds issue #9 asks for, under spec 1002005's type path.
SLASHING_OFFENCE_KIND = Enum(f"{V6}::slashing::SlashingOffenceKind", [
    Variant("ForInvalidBacked", 0), Variant("AgainstValid", 1), Variant("ForInvalidApproved", 2)])


@scale_struct(f"{V6}::slashing::PendingSlashes")
class PendingSlashes:
    """Losers of a past-session dispute waiting to be slashed: `keys` is a BTreeMap as (index, key) pairs in
    ascending index order."""

    keys: tuple = sfield(Struct("BTreeMap", [(None, Vec(Tuple(VALIDATOR_INDEX, VALIDATOR_ID)), None)],
                                params=[("K", VALIDATOR_INDEX), ("V", VALIDATOR_ID)]),
                         "BTreeMap<ValidatorIndex, ValidatorId>")
    kind: str = sfield(SLASHING_OFFENCE_KIND, "SlashingOffenceKind")


@scale_struct(f"{V6}::slashing::DisputesTimeSlot")
class DisputesTimeSlot:
    """What identifies a dispute offence: the session and the candidate."""

    session_index: int = sfield(SESSION_INDEX, "SessionIndex")
    candidate_hash: bytes = sfield(CANDIDATE_HASH, "CandidateHash")


@scale_struct(f"{V6}::slashing::DisputeProof")
class DisputeProof:
    """A lost dispute of one validator, as `report_dispute_lost_unsigned` carries it."""

    time_slot: DisputesTimeSlot = sfield(DisputesTimeSlot.SCALE, "DisputesTimeSlot")
    kind: str = sfield(SLASHING_OFFENCE_KIND, "SlashingOffenceKind")
    validator_index: int = sfield(VALIDATOR_INDEX, "ValidatorIndex")
    validator_id: bytes = sfield(VALIDATOR_ID, "ValidatorId")


# -- the parachains inherent (§4, §11) ---------------------------------------------------------------------

@scale_struct(f"{V6}::InherentData", params=[("HDR", HEADER)])
class ParachainsInherentData:
    """`ParaInherent.enter(data)`: bitfields about the parent, backed candidates, dispute votes, and the
    parent header (which the runtime checks against its parent hash)."""

    bitfields: tuple = sfield(Vec(SignedAvailabilityBitfield.SCALE), "UncheckedSignedAvailabilityBitfields")
    backed_candidates: tuple = sfield(Vec(BackedCandidate.SCALE), "Vec<BackedCandidate<HDR::Hash>>")
    disputes: tuple = sfield(Vec(DisputeStatementSet.SCALE), "MultiDisputeStatementSet")
    parent_header: Header = sfield(HEADER, "HDR")


# -- session and configuration types used by node and runtime ---------------------------------------------

def _indexed_vec(key, value) -> Struct:
    return Struct(f"{V6}::IndexedVec", [(None, Vec(value), "Vec<V>")], params=[("K", key), ("V", value)])


@scale_struct(f"{V6}::SessionInfo")
class SessionInfo:
    """What validators need of a past session (`ParaSessionInfo.Sessions`)."""

    active_validator_indices: tuple = sfield(Vec(VALIDATOR_INDEX), "Vec<ValidatorIndex>")
    random_seed: bytes = sfield(BYTES32, "[u8; 32]")
    dispute_period: int = sfield(SESSION_INDEX, "SessionIndex")
    validators: tuple = sfield(_indexed_vec(VALIDATOR_INDEX, VALIDATOR_ID), "IndexedVec<ValidatorIndex, ValidatorId>")
    discovery_keys: tuple = sfield(Vec(AUTHORITY_DISCOVERY_ID), "Vec<AuthorityDiscoveryId>")
    assignment_keys: tuple = sfield(Vec(ASSIGNMENT_ID), "Vec<AssignmentId>")
    validator_groups: tuple = sfield(_indexed_vec(GROUP_INDEX, Vec(VALIDATOR_INDEX)),
                                     "IndexedVec<GroupIndex, Vec<ValidatorIndex>>")
    n_cores: int = sfield(U32, "u32")
    zeroth_delay_tranche_width: int = sfield(U32, "u32")
    relay_vrf_modulo_samples: int = sfield(U32, "u32")
    n_delay_tranches: int = sfield(U32, "u32")
    no_show_slots: int = sfield(U32, "u32")
    needed_approvals: int = sfield(U32, "u32")


@scale_struct(f"{V6}::async_backing::AsyncBackingParams")
class AsyncBackingParams:
    """How far ahead of inclusion a para may build: candidates deep, and relay parents back (§13 #10)."""

    max_candidate_depth: int = sfield(U32, "u32")
    allowed_ancestry_len: int = sfield(U32, "u32")


PVF_PREP_KIND = Enum(f"{V6}::PvfPrepKind", [Variant("Precheck", 0), Variant("Prepare", 1)])
PVF_EXEC_KIND = Enum(f"{V6}::PvfExecKind", [Variant("Backing", 0), Variant("Approval", 1)])
EXECUTOR_PARAM = Enum(f"{V6}::executor_params::ExecutorParam", [
    Variant("MaxMemoryPages", 1, ((None, U32, "u32"),)),
    Variant("StackLogicalMax", 2, ((None, U32, "u32"),)),
    Variant("StackNativeMax", 3, ((None, U32, "u32"),)),
    Variant("PrecheckingMaxMemory", 4, ((None, U64, "u64"),)),
    Variant("PvfPrepTimeout", 5, ((None, PVF_PREP_KIND, "PvfPrepKind"), (None, U64, "u64"))),
    Variant("PvfExecTimeout", 6, ((None, PVF_EXEC_KIND, "PvfExecKind"), (None, U64, "u64"))),
    Variant("WasmExtBulkMemory", 7),
])
EXECUTOR_PARAMS = _newtype(f"{V6}::executor_params::ExecutorParams", Vec(EXECUTOR_PARAM), "Vec<ExecutorParam>")


@scale_struct("polkadot_primitives::vstaging::ApprovalVotingParams")
class ApprovalVotingParams:
    max_approval_coalesce_count: int = sfield(U32, "u32")


@scale_struct(f"{V6}::PvfCheckStatement")
class PvfCheckStatement:
    accept: bool = sfield(BOOL, "bool")
    subject: bytes = sfield(VALIDATION_CODE_HASH, "ValidationCodeHash")
    session_index: int = sfield(SESSION_INDEX, "SessionIndex")
    validator_index: int = sfield(VALIDATOR_INDEX, "ValidatorIndex")

    def signing_payload(self) -> bytes:
        """b"VCPC" ‖ accept ‖ subject ‖ session u32 ‖ validator_index u32 (§5)."""
        return (b"VCPC" + encode_bool(self.accept) + bytes(self.subject) + encode_u32(self.session_index)
                + encode_u32(self.validator_index))


UPGRADE_GO_AHEAD = Enum(f"{V6}::UpgradeGoAhead", [Variant("Abort", 0), Variant("GoAhead", 1)])
UPGRADE_RESTRICTION = Enum(f"{V6}::UpgradeRestriction", [Variant("Present", 0)])


# -- runtime API types (ParachainHost, §11) -----------------------------------------------------------------

@scale_struct(f"{V6}::ScheduledCore")
class ScheduledCore:
    para_id: int = sfield(PARA_ID, "Id")
    collator: Optional[bytes] = sfield(Option(COLLATOR_ID), "Option<CollatorId>")


OPTION_SCHEDULED_CORE = Option(ScheduledCore.SCALE)


@scale_struct(f"{V6}::OccupiedCore", params=[("H", H256), ("N", U32)])
class OccupiedCore:
    next_up_on_available: Optional[ScheduledCore] = sfield(OPTION_SCHEDULED_CORE, "Option<ScheduledCore>")
    occupied_since: int = sfield(BLOCK_NUMBER, "N")
    time_out_at: int = sfield(BLOCK_NUMBER, "N")
    next_up_on_time_out: Optional[ScheduledCore] = sfield(OPTION_SCHEDULED_CORE, "Option<ScheduledCore>")
    availability: tuple = sfield(BITVEC, "BitVec<u8, bitvec::order::Lsb0>")
    group_responsible: int = sfield(GROUP_INDEX, "GroupIndex")
    candidate_hash: bytes = sfield(CANDIDATE_HASH, "CandidateHash")
    candidate_descriptor: CandidateDescriptor = sfield(CandidateDescriptor.SCALE, "CandidateDescriptor<H>")

    @property
    def para_id(self) -> int:
        return self.candidate_descriptor.para_id


CORE_STATE = Enum(f"{V6}::CoreState", [
    Variant("Occupied", 0, ((None, OccupiedCore.SCALE, "OccupiedCore<H, N>"),)),
    Variant("Scheduled", 1, ((None, ScheduledCore.SCALE, "ScheduledCore"),)),
    Variant("Free", 2),
], params=[("H", H256), ("N", U32)])
OCCUPIED_CORE_ASSUMPTION = Enum(f"{V6}::OccupiedCoreAssumption",
                                [Variant("Included", 0), Variant("TimedOut", 1), Variant("Free", 2)])
CANDIDATE_EVENT = Enum(f"{V6}::CandidateEvent", [
    Variant("CandidateBacked", 0, ((None, CandidateReceipt.SCALE, "CandidateReceipt<H>"),
                                   (None, HEAD_DATA, "HeadData"), (None, CORE_INDEX, "CoreIndex"),
                                   (None, GROUP_INDEX, "GroupIndex"))),
    Variant("CandidateIncluded", 1, ((None, CandidateReceipt.SCALE, "CandidateReceipt<H>"),
                                     (None, HEAD_DATA, "HeadData"), (None, CORE_INDEX, "CoreIndex"),
                                     (None, GROUP_INDEX, "GroupIndex"))),
    Variant("CandidateTimedOut", 2, ((None, CandidateReceipt.SCALE, "CandidateReceipt<H>"),
                                     (None, HEAD_DATA, "HeadData"), (None, CORE_INDEX, "CoreIndex"))),
], params=[("H", H256)])


@scale_struct(f"{V6}::GroupRotationInfo", params=[("N", U32)])
class GroupRotationInfo:
    """Which group backs which core at `now` (§3): rotations = (now - session_start_block) // frequency."""

    session_start_block: int = sfield(BLOCK_NUMBER, "N")
    group_rotation_frequency: int = sfield(BLOCK_NUMBER, "N")
    now: int = sfield(BLOCK_NUMBER, "N")

    def rotations(self) -> int:
        if self.group_rotation_frequency == 0:
            return 0
        return max(self.now - self.session_start_block, 0) // self.group_rotation_frequency

    def group_for_core(self, core: int, n_cores: int) -> int:
        """(core + rotations) % n_cores."""
        if n_cores == 0:
            return 0
        return (core + self.rotations()) % n_cores

    def core_for_group(self, group: int, n_cores: int) -> int:
        """The inverse of `group_for_core`: (group + n_cores - rotations % n_cores) % n_cores."""
        if n_cores == 0:
            return 0
        return (group + n_cores - self.rotations() % n_cores) % n_cores

    def last_rotation_at(self) -> int:
        """The block at which the current group arrangement began: now - (now - start) % frequency."""
        if self.group_rotation_frequency == 0:
            return self.now
        return self.now - max(self.now - self.session_start_block, 0) % self.group_rotation_frequency

    def next_rotation_at(self) -> int:
        """The block of the next rotation: (now + f) - ((now + f - start) % f)."""
        f = self.group_rotation_frequency
        if f == 0:
            return self.now
        cycle_once = self.now + f
        return cycle_once - max(cycle_once - self.session_start_block, 0) % f


@scale_struct(f"{V6}::ScrapedOnChainVotes", params=[("H", H256)])
class ScrapedOnChainVotes:
    """Backing votes and disputes of the candidates a block included (`ParaInherent.OnChainVotes`)."""

    session: int = sfield(SESSION_INDEX, "SessionIndex")
    backing_validators_per_candidate: tuple = sfield(
        Vec(Tuple(CandidateReceipt.SCALE, Vec(Tuple(VALIDATOR_INDEX, VALIDITY_ATTESTATION)))),
        "Vec<(CandidateReceipt<H>, Vec<(ValidatorIndex, ValidityAttestation)>)\n>")  # sic: rustc's line break
    disputes: tuple = sfield(Vec(DisputeStatementSet.SCALE), "MultiDisputeStatementSet")


# -- the parachains consensus log (engine b"POL1") ---------------------------------------------------------

PARACHAINS_ENGINE_ID = b"POL1"  # polkadot_primitives::POLKADOT_ENGINE_ID
CONSENSUS_LOG = Enum(f"{V6}::ConsensusLog", [
    Variant("ParaUpgradeCode", 1, ((None, PARA_ID, "Id"), (None, VALIDATION_CODE_HASH, "ValidationCodeHash"))),
    Variant("ParaScheduleUpgradeCode", 2, ((None, PARA_ID, "Id"), (None, VALIDATION_CODE_HASH, "ValidationCodeHash"),
                                           (None, BLOCK_NUMBER, "BlockNumber"))),
    Variant("ForceApprove", 3, ((None, BLOCK_NUMBER, "BlockNumber"),)),
    Variant("Revert", 4, ((None, BLOCK_NUMBER, "BlockNumber"),)),
])
"""`ConsensusLog` digest payloads the parachain runtime deposits as `Consensus(b"POL1", log)`: a code upgrade
applied or scheduled, governance's force-approval up to a block, a revert after a concluded-invalid dispute."""


def head_data_hash(head: bytes) -> bytes:
    """`HeadData::hash` = blake2_256(head bytes): what a descriptor's `para_head` commits to."""
    return blake2_256(bytes(head))
