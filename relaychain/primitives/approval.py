"""Approval-checking assignment criteria: who checks which candidate of a relay block, and when.

Spec: polkadot-sdk `polkadot/node/core/approval-voting/src/criteria.rs` (compute_assignments,
check_assignment_cert, relay_vrf_modulo_cores, relay_vrf_delay_tranche), `polkadot/node/primitives/src/
approval.rs` (contexts, RelayVRFStory, AssignmentCertV2); ../shared/specs/parachains.md §8. All VRFs are sr25519
(schnorrkel) signatures by the validator's `para_assignment` (AssignmentId) key.

- RelayVRFStory: make_bytes("A&V RC-VRF", 32) of the block author's BABE VRF (primary or secondary VRF
  pre-digest) over `make_vrf_transcript(epoch randomness, slot, epoch index)`.
- RelayVRFModuloCompact (v2): one VRF over Merlin("A&V MOD v2") + "RC-VRF" = story. ChaCha20 seeded with
  make_bytes("A&V CORE v2", 32) draws min(relay_vrf_modulo_samples, n_cores, 40) distinct cores by a partial
  Fisher–Yates shuffle (rand 0.8 `partial_shuffle`); the validator checks those with a candidate, in tranche 0.
  The proof's extra transcript Merlin("A&V ASSIGNED v2") + "cores" = SCALE(CoreBitfield) binds the claim.
- RelayVRFModulo (v1, legacy): per sample s < relay_vrf_modulo_samples, a VRF over Merlin("A&V MOD") + "RC-VRF" +
  "sample" = u32 LE; core = u32 LE(make_bytes("A&V CORE", 4)) mod n_cores; extra Merlin("A&V ASSIGNED") + "core".
- RelayVRFDelay: per leaving core c, a VRF over Merlin("A&V DELAY") + "RC-VRF" + "core" = u32 LE (default extra);
  tranche = u32 LE(make_bytes("A&V TRANCHE", 4)) mod (n_delay_tranches + zeroth_delay_tranche_width), minus the
  width, saturating at 0 (so the zeroth tranche is wide).
- A validator never checks a candidate its own backing group backed; an earlier tranche replaces a later one.
(§8 of the spec names the contexts loosely — "A&V Core v2", "A&V Tranche"; the byte strings here are
polkadot-sdk's.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from . import ristretto255
from .babe_vrf import make_vrf_transcript
from .merlin import Transcript
from .parachain_types import CORE_INDEX, VALIDATOR_INDEX, SessionInfo
from .scale_types import H256, U32, BitVec, Enum, Struct, Variant, scale_struct, sfield
from .sr25519_vrf import VrfError, VrfInOut, attach_input, vrf_create, vrf_prove, vrf_verify_in_out
from .types import VRF_SIGNATURE, VrfSignature

V1 = "polkadot_node_primitives::approval::v1"
V2 = "polkadot_node_primitives::approval::v2"

RELAY_VRF_STORY_CONTEXT = b"A&V RC-VRF"
RELAY_VRF_MODULO_CONTEXT = b"A&V MOD"
RELAY_VRF_DELAY_CONTEXT = b"A&V DELAY"
ASSIGNED_CORE_CONTEXT = b"A&V ASSIGNED"
CORE_RANDOMNESS_CONTEXT = b"A&V CORE"
TRANCHE_RANDOMNESS_CONTEXT = b"A&V TRANCHE"
RELAY_VRF_MODULO_CONTEXT_V2 = b"A&V MOD v2"
ASSIGNED_CORE_CONTEXT_V2 = b"A&V ASSIGNED v2"
CORE_RANDOMNESS_CONTEXT_V2 = b"A&V CORE v2"

MAX_MODULO_SAMPLES = 40  # hard upper bound on n_cores * target_checkers / n_validators


class ApprovalError(ValueError):
    """A relay block whose BABE digest yields no VRF story (no VRF, unknown author, invalid pre-output)."""


class InvalidAssignmentReason:
    """Why `check_assignment_cert` refused a cert (criteria.rs `InvalidAssignmentReason`)."""

    VALIDATOR_INDEX_OUT_OF_BOUNDS = "ValidatorIndexOutOfBounds"
    SAMPLE_OUT_OF_BOUNDS = "SampleOutOfBounds"
    CORE_INDEX_OUT_OF_BOUNDS = "CoreIndexOutOfBounds"
    INVALID_ASSIGNMENT_KEY = "InvalidAssignmentKey"
    IS_IN_BACKING_GROUP = "IsInBackingGroup"
    VRF_MODULO_CORE_INDEX_MISMATCH = "VRFModuloCoreIndexMismatch"
    VRF_MODULO_OUTPUT_MISMATCH = "VRFModuloOutputMismatch"
    VRF_DELAY_CORE_INDEX_MISMATCH = "VRFDelayCoreIndexMismatch"
    VRF_DELAY_OUTPUT_MISMATCH = "VRFDelayOutputMismatch"
    INVALID_ARGUMENTS = "InvalidArguments"


class InvalidAssignment(ValueError):
    """An assignment cert that does not prove what it claims; `reason` is an `InvalidAssignmentReason` value."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"invalid assignment: {reason}" + (f" ({detail})" if detail else ""))
        self.reason = reason


# -- SCALE types (approval-distribution gossip) ----------------------------------------------------------

CORE_BITFIELD = Struct(f"{V2}::Bitfield", [(None, BitVec(), "BitVec<u8, bitvec::order::Lsb0>")],
                       params=[("T", CORE_INDEX)])
ASSIGNMENT_CERT_KIND_V2 = Enum(f"{V2}::AssignmentCertKindV2", [
    Variant("RelayVRFModuloCompact", 0, (("core_bitfield", CORE_BITFIELD, "CoreBitfield"),)),
    Variant("RelayVRFDelay", 1, (("core_index", CORE_INDEX, "CoreIndex"),)),
    Variant("RelayVRFModulo", 2, (("sample", U32, "u32"),)),
])


@scale_struct(f"{V2}::AssignmentCertV2")
class AssignmentCertV2:
    """A certification of assignment: the criterion claimed (`kind`) and the VRF signature proving it.
    `kind` values: ("RelayVRFModuloCompact", {"core_bitfield": bits}), ("RelayVRFDelay", {"core_index": c}),
    ("RelayVRFModulo", {"sample": s}). The payload is a dict, so key sets of certs by `encode()`."""

    kind: tuple = sfield(ASSIGNMENT_CERT_KIND_V2, "AssignmentCertKindV2")
    vrf: VrfSignature = sfield(VRF_SIGNATURE, "VrfSignature")


@scale_struct(f"{V2}::IndirectAssignmentCertV2")
class IndirectAssignmentCertV2:
    """An assignment cert naming its relay block by hash and its validator by index (what peers gossip)."""

    block_hash: bytes = sfield(H256, "Hash")
    validator: int = sfield(VALIDATOR_INDEX, "ValidatorIndex")
    cert: AssignmentCertV2 = sfield(AssignmentCertV2.SCALE, "AssignmentCertV2")


def core_bitfield(cores: Iterable[int]) -> tuple:
    """`CoreBitfield::try_from(Vec<CoreIndex>)`: bit c set for each core, length max(core) + 1."""
    cores = set(cores)
    if not cores:
        raise ValueError("a core bitfield claims at least one core")
    return tuple(i in cores for i in range(max(cores) + 1))


def bitfield_cores(bits: Sequence[bool]) -> tuple[int, ...]:
    """The set bits of a bitfield, in increasing order (`iter_ones`)."""
    return tuple(i for i, b in enumerate(bits) if b)


# -- the relay VRF story ---------------------------------------------------------------------------------

def relay_vrf_story(pre_digest, authorities: Sequence, randomness: bytes, epoch_index: int) -> bytes:
    """RelayVRFStory of a relay block from its BABE pre-digest and its epoch (`UnsafeVRFOutput::compute_randomness`):
    make_bytes("A&V RC-VRF", 32) of the author's VRF. `authorities` are (public, weight) pairs or publics."""
    sig = getattr(pre_digest, "vrf_signature", None)
    if sig is None:
        raise ApprovalError("the block's BABE pre-digest carries no VRF (a plain secondary claim): no story")
    if pre_digest.authority_index >= len(authorities):
        raise ApprovalError(f"authority index {pre_digest.authority_index} out of bounds "
                            f"({len(authorities)} authorities)")
    author = authorities[pre_digest.authority_index]
    author = bytes(author[0] if isinstance(author, (tuple, list)) else author)
    try:
        in_out = attach_input(author, make_vrf_transcript(randomness, pre_digest.slot, epoch_index), sig.pre_output)
    except VrfError as exc:
        raise ApprovalError(f"cannot read the author's VRF: {exc}") from None
    return in_out.make_bytes(RELAY_VRF_STORY_CONTEXT, 32)


# -- transcripts -----------------------------------------------------------------------------------------

def relay_vrf_modulo_transcript_v1(story: bytes, sample: int) -> Transcript:
    t = Transcript(RELAY_VRF_MODULO_CONTEXT)
    t.append_message(b"RC-VRF", story)
    t.append_message(b"sample", U32.encode(sample))
    return t


def relay_vrf_modulo_transcript_v2(story: bytes) -> Transcript:
    t = Transcript(RELAY_VRF_MODULO_CONTEXT_V2)
    t.append_message(b"RC-VRF", story)
    return t


def relay_vrf_delay_transcript(story: bytes, core_index: int) -> Transcript:
    t = Transcript(RELAY_VRF_DELAY_CONTEXT)
    t.append_message(b"RC-VRF", story)
    t.append_message(b"core", U32.encode(core_index))
    return t


def assigned_core_transcript(core_index: int) -> Transcript:
    t = Transcript(ASSIGNED_CORE_CONTEXT)
    t.append_message(b"core", U32.encode(core_index))
    return t


def assigned_cores_transcript(bits: Sequence[bool]) -> Transcript:
    t = Transcript(ASSIGNED_CORE_CONTEXT_V2)
    t.append_message(b"cores", CORE_BITFIELD.encode(tuple(bits)))
    return t


# -- the criteria's arithmetic ---------------------------------------------------------------------------

_M32 = 0xFFFF_FFFF


def _chacha20_block(key_words: tuple, counter: int) -> list[int]:
    """One ChaCha20 block (RFC 8439 §2.3 rounds) with rand_chacha's layout: 64-bit block counter in words 12-13,
    64-bit stream id (0) in words 14-15."""
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574, *key_words,
             counter & _M32, counter >> 32, 0, 0]
    x = list(state)

    def quarter(a, b, c, d):
        x[a] = (x[a] + x[b]) & _M32
        x[d] ^= x[a]
        x[d] = ((x[d] << 16) | (x[d] >> 16)) & _M32
        x[c] = (x[c] + x[d]) & _M32
        x[b] ^= x[c]
        x[b] = ((x[b] << 12) | (x[b] >> 20)) & _M32
        x[a] = (x[a] + x[b]) & _M32
        x[d] ^= x[a]
        x[d] = ((x[d] << 8) | (x[d] >> 24)) & _M32
        x[c] = (x[c] + x[d]) & _M32
        x[b] ^= x[c]
        x[b] = ((x[b] << 7) | (x[b] >> 25)) & _M32

    for _ in range(10):
        quarter(0, 4, 8, 12), quarter(1, 5, 9, 13), quarter(2, 6, 10, 14), quarter(3, 7, 11, 15)
        quarter(0, 5, 10, 15), quarter(1, 6, 11, 12), quarter(2, 7, 8, 13), quarter(3, 4, 9, 14)
    return [(a + b) & _M32 for a, b in zip(x, state)]


class ChaCha20Rng:
    """rand_chacha 0.3 `ChaCha20Rng::from_seed(seed)`: the ChaCha20 keystream as little-endian u32 words."""

    def __init__(self, seed: bytes):
        if len(seed) != 32:
            raise ValueError(f"ChaCha20Rng takes a 32-byte seed, got {len(seed)}")
        self._key = tuple(int.from_bytes(seed[i:i + 4], "little") for i in range(0, 32, 4))
        self._counter = 0
        self._words: list[int] = []

    def next_u32(self) -> int:
        if not self._words:
            self._words = _chacha20_block(self._key, self._counter)
            self._counter += 1
        return self._words.pop(0)

    def gen_index(self, ubound: int) -> int:
        """rand 0.8 `gen_range(0..ubound)` for u32 (`UniformInt::sample_single`): widening multiply, rejecting
        low halves above the zone (range << leading_zeros(range)) − 1."""
        if not 0 < ubound <= _M32:
            raise ValueError(f"sample range 0..{ubound} is not a non-empty u32 range")
        zone = ((ubound << (32 - ubound.bit_length())) & _M32) - 1
        while True:
            wide = self.next_u32() * ubound
            if wide & _M32 <= zone:
                return wide >> 32


def generate_samples(rng: ChaCha20Rng, num_samples: int, max_cores: int) -> tuple[int, ...]:
    """`num_samples` distinct cores of 0..max_cores (at most 40, at most max_cores): rand 0.8's
    `partial_shuffle` (Fisher–Yates from the end, stopping after `amount` swaps), the chosen tail in order."""
    amount = min(MAX_MODULO_SAMPLES, num_samples, max_cores)
    cores = list(range(max_cores))
    end = max_cores - amount
    for i in range(max_cores - 1, end - 1, -1):
        j = rng.gen_index(i + 1)
        cores[i], cores[j] = cores[j], cores[i]
    return tuple(cores[end:])


def relay_vrf_modulo_cores(in_out: VrfInOut, num_samples: int, max_cores: int) -> tuple[int, ...]:
    """The cores a RelayVRFModuloCompact VRF assigns (before keeping those with a candidate)."""
    return generate_samples(ChaCha20Rng(in_out.make_bytes(CORE_RANDOMNESS_CONTEXT_V2, 32)), num_samples, max_cores)


def relay_vrf_modulo_core(in_out: VrfInOut, n_cores: int) -> int:
    """The core a legacy RelayVRFModulo sample assigns."""
    return int.from_bytes(in_out.make_bytes(CORE_RANDOMNESS_CONTEXT, 4), "little") % n_cores


def relay_vrf_delay_tranche(in_out: VrfInOut, n_delay_tranches: int, zeroth_delay_tranche_width: int) -> int:
    """The tranche a RelayVRFDelay VRF gives: u32 mod (tranches + width), the first `width` values all tranche 0."""
    wide = int.from_bytes(in_out.make_bytes(TRANCHE_RANDOMNESS_CONTEXT, 4), "little") \
        % (n_delay_tranches + zeroth_delay_tranche_width)
    return max(0, wide - zeroth_delay_tranche_width)


# -- computing and checking assignments ------------------------------------------------------------------

@dataclass(frozen=True)
class AssignmentConfig:
    """The session parameters the criteria read (criteria.rs `Config`, from `SessionInfo`)."""

    assignment_keys: tuple  # AssignmentId (sr25519 public) per validator index
    validator_groups: tuple  # validator indices per group index
    n_cores: int
    zeroth_delay_tranche_width: int
    relay_vrf_modulo_samples: int
    n_delay_tranches: int

    @classmethod
    def from_session_info(cls, info: SessionInfo) -> "AssignmentConfig":
        return cls(tuple(bytes(k) for k in info.assignment_keys), tuple(tuple(g) for g in info.validator_groups),
                   info.n_cores, info.zeroth_delay_tranche_width, info.relay_vrf_modulo_samples,
                   info.n_delay_tranches)

    def is_in_backing_group(self, validator: int, group: int) -> bool:
        return 0 <= group < len(self.validator_groups) and validator in self.validator_groups[group]


@dataclass(frozen=True)
class OurAssignment:
    """Our assignment to check the candidate on one core: the cert to gossip and the tranche it is due in."""

    cert: AssignmentCertV2
    tranche: int
    validator_index: int


def compute_assignments(keypair, relay_vrf_story: bytes, config: AssignmentConfig,
                        leaving_cores: Sequence[tuple[bytes, int, int]],
                        enable_v2_assignments: bool = True) -> dict[int, OurAssignment]:
    """Our assignments for a relay block, by core (criteria.rs `compute_assignments`).

    `keypair` is our `para_assignment` sr25519 key; `leaving_cores` the (candidate hash, core, backing group) of the
    candidates the block included. Cores our own group backed are skipped. Modulo criteria first (v2 compact, or
    the legacy per-sample ones), then a delay VRF per core; an earlier tranche wins.
    """
    if config.n_cores == 0 or not config.assignment_keys or not config.validator_groups:
        return {}
    try:
        index = config.assignment_keys.index(keypair.public)
    except ValueError:
        return {}
    cores = [core for _hash, core, group in leaving_cores if not config.is_in_backing_group(index, group)]
    assignments: dict[int, OurAssignment] = {}
    if enable_v2_assignments:
        _modulo_compact_assignments(keypair, index, config, relay_vrf_story, cores, assignments)
    else:
        _modulo_v1_assignments(keypair, index, config, relay_vrf_story, cores, assignments)
    for core in cores:
        in_out = vrf_create(keypair, relay_vrf_delay_transcript(relay_vrf_story, core))
        tranche = relay_vrf_delay_tranche(in_out, config.n_delay_tranches, config.zeroth_delay_tranche_width)
        if core not in assignments or assignments[core].tranche > tranche:
            cert = AssignmentCertV2(("RelayVRFDelay", {"core_index": core}),
                                    VrfSignature(in_out.output, vrf_prove(keypair, in_out)))
            assignments[core] = OurAssignment(cert, tranche, index)
    return assignments


def _modulo_compact_assignments(keypair, index: int, config: AssignmentConfig, story: bytes, cores: list,
                                assignments: dict) -> None:
    in_out = vrf_create(keypair, relay_vrf_modulo_transcript_v2(story))
    assigned = [c for c in relay_vrf_modulo_cores(in_out, config.relay_vrf_modulo_samples, config.n_cores)
                if c in cores]
    if not assigned:
        return
    bits = core_bitfield(assigned)
    proof = vrf_prove(keypair, in_out, assigned_cores_transcript(bits))
    cert = AssignmentCertV2(("RelayVRFModuloCompact", {"core_bitfield": bits}), VrfSignature(in_out.output, proof))
    for core in assigned:
        assignments[core] = OurAssignment(cert, 0, index)


def _modulo_v1_assignments(keypair, index: int, config: AssignmentConfig, story: bytes, cores: list,
                           assignments: dict) -> None:
    for sample in range(config.relay_vrf_modulo_samples):
        in_out = vrf_create(keypair, relay_vrf_modulo_transcript_v1(story, sample))
        core = relay_vrf_modulo_core(in_out, config.n_cores)
        if core not in cores or core in assignments:
            continue
        proof = vrf_prove(keypair, in_out, assigned_core_transcript(core))
        cert = AssignmentCertV2(("RelayVRFModulo", {"sample": sample}), VrfSignature(in_out.output, proof))
        assignments[core] = OurAssignment(cert, 0, index)


def check_assignment_cert(claimed_core_indices: Sequence[bool], validator_index: int, config: AssignmentConfig,
                          relay_vrf_story: bytes, assignment: AssignmentCertV2,
                          backing_groups: Sequence[int]) -> int:
    """The tranche `assignment` proves for `validator_index` on the claimed cores (criteria.rs
    `check_assignment_cert`); raises InvalidAssignment with the reason. Does not judge whether the cores hold
    candidates of the block; `backing_groups` are the claimed cores' backing groups, in core order."""
    R = InvalidAssignmentReason
    if not 0 <= validator_index < len(config.assignment_keys):
        raise InvalidAssignment(R.VALIDATOR_INDEX_OUT_OF_BOUNDS, f"validator {validator_index}")
    public = config.assignment_keys[validator_index]
    if not ristretto255.is_point(public) or public == ristretto255.IDENTITY:
        raise InvalidAssignment(R.INVALID_ASSIGNMENT_KEY)
    claimed = bitfield_cores(claimed_core_indices)
    if not claimed or len(claimed) != len(backing_groups):
        raise InvalidAssignment(R.INVALID_ARGUMENTS, f"{len(claimed)} cores claimed, {len(backing_groups)} groups")
    for core, group in zip(claimed, backing_groups):
        if core >= config.n_cores:
            raise InvalidAssignment(R.CORE_INDEX_OUT_OF_BOUNDS, f"core {core} of {config.n_cores}")
        if config.is_in_backing_group(validator_index, group):
            raise InvalidAssignment(R.IS_IN_BACKING_GROUP, f"core {core}")
    kind, fields = assignment.kind
    pre_output, proof = assignment.vrf.pre_output, assignment.vrf.proof

    if kind == "RelayVRFModuloCompact":
        bits = tuple(fields["core_bitfield"])
        if tuple(claimed_core_indices) != bits:
            raise InvalidAssignment(R.VRF_MODULO_CORE_INDEX_MISMATCH, "claimed cores differ from the cert's")
        in_out = _verified(public, relay_vrf_modulo_transcript_v2(relay_vrf_story), pre_output, proof,
                           assigned_cores_transcript(bits), R.VRF_MODULO_OUTPUT_MISMATCH)
        resulting = relay_vrf_modulo_cores(in_out, config.relay_vrf_modulo_samples, config.n_cores)
        if any(core not in resulting for core in claimed):
            raise InvalidAssignment(R.VRF_MODULO_CORE_INDEX_MISMATCH, "a claimed core is not the VRF's")
        return 0
    if kind == "RelayVRFModulo":
        sample = fields["sample"]
        if sample >= config.relay_vrf_modulo_samples:
            raise InvalidAssignment(R.SAMPLE_OUT_OF_BOUNDS, f"sample {sample}")
        if len(claimed) != 1:
            raise InvalidAssignment(R.INVALID_ARGUMENTS, "RelayVRFModulo claims exactly one core")
        in_out = _verified(public, relay_vrf_modulo_transcript_v1(relay_vrf_story, sample), pre_output, proof,
                           assigned_core_transcript(claimed[0]), R.VRF_MODULO_OUTPUT_MISMATCH)
        if relay_vrf_modulo_core(in_out, config.n_cores) != claimed[0]:
            raise InvalidAssignment(R.VRF_MODULO_CORE_INDEX_MISMATCH, f"core {claimed[0]} is not the VRF's")
        return 0
    if kind == "RelayVRFDelay":
        if len(claimed) != 1:
            raise InvalidAssignment(R.INVALID_ARGUMENTS, "RelayVRFDelay claims exactly one core")
        if fields["core_index"] != claimed[0]:
            raise InvalidAssignment(R.VRF_DELAY_CORE_INDEX_MISMATCH, f"cert core {fields['core_index']}")
        in_out = _verified(public, relay_vrf_delay_transcript(relay_vrf_story, claimed[0]), pre_output, proof,
                           None, R.VRF_DELAY_OUTPUT_MISMATCH)
        return relay_vrf_delay_tranche(in_out, config.n_delay_tranches, config.zeroth_delay_tranche_width)
    raise InvalidAssignment(R.INVALID_ARGUMENTS, f"unknown cert kind {kind!r}")


def _verified(public: bytes, transcript: Transcript, pre_output: bytes, proof: bytes, extra: Optional[Transcript],
              reason: str) -> VrfInOut:
    try:
        return vrf_verify_in_out(public, transcript, pre_output, proof, extra)
    except VrfError as exc:
        raise InvalidAssignment(reason, str(exc)) from None
