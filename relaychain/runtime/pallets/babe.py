"""pallet_babe (index 2): slots, epochs, epoch randomness and authorities.

Substrate: `substrate/frame/babe/src/lib.rs`. Every block carries a BABE PreRuntime digest (the slot claim,
`relaychain.primitives.types.PreDigest`); `on_initialize` records its slot. An epoch lasts `EpochDuration`
slots; at its end the session rotates (Session asks `should_epoch_change`) and `enact_epoch_change` installs the
next authorities and randomness and announces the epoch after next in a `NextEpochData` consensus log.
`on_finalize` (after any epoch change, so the output lands in the right epoch) reads the author's VRF:
make_bytes("BabeVRFInOutContext", 32) of its pre-output against `make_vrf_transcript(Randomness, CurrentSlot,
EpochIndex)` and the author's key becomes `AuthorVrfRandomness` (primary and secondary VRF blocks); a primary
block's also joins the randomness under construction. The client verified the proof before execution, so the
runtime only attaches the input (as pallet_babe does).
Randomness(epoch n+2) = blake2_256(NextRandomness ‖ u64 LE (n+2) ‖ VRF outputs of epoch n).
"""

from __future__ import annotations

from relaychain.primitives.babe_vrf import block_randomness, make_vrf_transcript
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.sr25519_vrf import VrfError, attach_input
from relaychain.primitives.types import (
    BABE_ENGINE_ID, Consensus, NextEpochDescriptor, PreDigest, PrimaryPreDigest,
)
from relaychain.primitives.scale import ScaleDecodeError, encode_u64
from relaychain.runtime import constants as C
from relaychain.runtime.framework import Pallet
from relaychain.runtime.frame_types import BABE_ID, SLOT, bounded_vec, weak_bounded_vec
from relaychain.runtime.pallets.timestamp import TimestampError
from relaychain.primitives.scale_types import BYTES32, U32, U64, Enum, Option, Struct, Tuple, Variant

pallet = Pallet("Babe", 2, "pallet_babe")

AUTHORITY = Tuple(BABE_ID, U64)
ALLOWED_SLOTS = Enum("sp_consensus_babe::AllowedSlots", [
    Variant("PrimarySlots", 0), Variant("PrimaryAndSecondaryPlainSlots", 1), Variant("PrimaryAndSecondaryVRFSlots", 2)])
EPOCH_CONFIGURATION = Struct("sp_consensus_babe::BabeEpochConfiguration", [
    ("c", Tuple(U64, U64), "(u64, u64)"), ("allowed_slots", ALLOWED_SLOTS, "AllowedSlots")])
UNDER_CONSTRUCTION_SEGMENT_LENGTH = 256

EpochIndex = pallet.storage_value("EpochIndex", U64, default=0, docs=("Current epoch index.",))
Authorities = pallet.storage_value("Authorities", weak_bounded_vec(AUTHORITY), default=[],
                                   docs=("Current epoch authorities.",))
GenesisSlot = pallet.storage_value("GenesisSlot", SLOT, default=0, docs=(
    "The slot at which the first epoch actually started. This is 0", "until the first block of the chain."))
CurrentSlot = pallet.storage_value("CurrentSlot", SLOT, default=0, docs=("Current slot number.",))
Randomness = pallet.storage_value("Randomness", BYTES32, default=bytes(32), docs=(
    "The epoch randomness for the *current* epoch.",))
NextRandomness = pallet.storage_value("NextRandomness", BYTES32, default=bytes(32), docs=(
    "Next epoch randomness.",))
NextAuthorities = pallet.storage_value("NextAuthorities", weak_bounded_vec(AUTHORITY), default=[], docs=(
    "Next epoch authorities.",))
SegmentIndex = pallet.storage_value("SegmentIndex", U32, default=0, docs=(
    "Randomness under construction: the index of the segment being filled.",))
UnderConstruction = pallet.storage_map("UnderConstruction", [("Twox64Concat", U32)], bounded_vec(BYTES32),
                                       default=[], docs=("TWOX-NOTE: `SegmentIndex` is an increasing integer, so "
                                                         "this is okay.",))
AuthorVrfRandomness = pallet.storage_value("AuthorVrfRandomness", Option(BYTES32), default=None, docs=(
    "This field should always be populated during block processing unless",
    "secondary plain slots are enabled (which don't contain a VRF output)."))
EpochStart = pallet.storage_value("EpochStart", Tuple(U32, U32), default=(0, 0), docs=(
    "The block numbers when the last and current epoch have started, respectively `N-1` and `N`.",))
Lateness = pallet.storage_value("Lateness", U32, default=0, docs=(
    "How late the current block is compared to its parent.",))
EpochConfig = pallet.storage_value("EpochConfig", EPOCH_CONFIGURATION, optional=True, docs=(
    "The configuration for the current epoch.",))
SlotDuration = pallet.storage_value("SlotDuration", U64, optional=True, docs=(
    "relaychain: the slot duration in milliseconds chosen by the chain spec (Substrate fixes it when the",
    "runtime is compiled; this runtime serves nodes run with different block times). None: not checked."))
NextEpochConfig = pallet.storage_value("NextEpochConfig", EPOCH_CONFIGURATION, optional=True, docs=(
    "The configuration for the next epoch, `None` if the config will not change.",))

for _name, _doc in [("InvalidEquivocationProof", "An equivocation proof provided as part of an equivocation report "
                                                 "is invalid."),
                    ("InvalidKeyOwnershipProof", "A key ownership proof provided as part of an equivocation report "
                                                 "is invalid."),
                    ("DuplicateOffenceReport", "A given equivocation report is valid but already previously "
                                               "reported."),
                    ("InvalidConfiguration", "Submitted configuration is invalid.")]:
    pallet.error(_name, (_doc,))

EPOCH_DURATION = pallet.constant("EpochDuration", U64, C.EPOCH_DURATION_IN_SLOTS, (
    "The amount of time, in slots, that each epoch should last.",))
EXPECTED_BLOCK_TIME = pallet.constant("ExpectedBlockTime", U64, C.MILLISECS_PER_BLOCK, (
    "The expected average block time at which BABE should be creating",
    "blocks. Since BABE is probabilistic it is not trivial to figure out",
    "what the expected average block time should be based on the slot",
    "duration and the security parameter `c` (where `1 - c` represents",
    "the probability of a slot being empty)."))
pallet.constant("MaxAuthorities", U32, C.MAX_AUTHORITIES, ("Max number of authorities allowed",))
pallet.constant("MaxNominators", U32, 512, ("The maximum number of nominators for each validator.",))

GENESIS_EPOCH_CONFIG = {"c": C.BABE_C, "allowed_slots": "PrimaryAndSecondaryVRFSlots"}


class MissingSlotClaim(Exception):
    """A block without a valid BABE PreRuntime digest."""


def pre_digest_of(ctx):
    for item in ctx.pre_runtime:
        if getattr(item, "engine", None) == BABE_ENGINE_ID:
            try:
                return PreDigest.decode(item.data)
            except ScaleDecodeError as e:
                raise MissingSlotClaim(f"malformed BABE pre-digest: {e}") from None
    raise MissingSlotClaim("block has no BABE PreRuntime digest carrying its slot")


def on_initialize(ctx) -> None:
    """Record the block's slot (pallet_babe::initialize)."""
    state = ctx.state
    pre = pre_digest_of(ctx)
    slot = pre.slot
    if GenesisSlot.get(state) == 0:
        GenesisSlot.set(state, slot)
        # Epochs 0 and 1 both use the genesis authorities and randomness: announce epoch 1.
        ctx.deposit_log(Consensus(BABE_ENGINE_ID, NextEpochDescriptor(
            tuple(NextAuthorities.get(state)), NextRandomness.get(state)).encode()))
    prev = CurrentSlot.get(state)
    Lateness.set(state, max(0, slot - prev - 1) if prev else 0)
    CurrentSlot.set(state, slot)


def author_vrf_randomness(state, pre) -> bytes | None:
    """The 32 bytes the block author's VRF contributes, or None (no VRF, unknown authority, bad pre-output)."""
    sig = getattr(pre, "vrf_signature", None)
    authorities = Authorities.get(state)
    if sig is None or pre.authority_index >= len(authorities):
        return None
    transcript = make_vrf_transcript(Randomness.get(state), CurrentSlot.get(state), EpochIndex.get(state))
    try:
        return block_randomness(attach_input(bytes(authorities[pre.authority_index][0]), transcript,
                                             sig.pre_output))
    except VrfError:
        return None


def _deposit_randomness(state, output: bytes) -> None:
    segment = SegmentIndex.get(state)
    items = UnderConstruction.get(state, segment)
    if len(items) >= UNDER_CONSTRUCTION_SEGMENT_LENGTH:
        segment += 1
        SegmentIndex.set(state, segment)
        items = []
    UnderConstruction.set(state, items + [output], segment)


def on_finalize(ctx) -> None:
    """Collect the author's VRF output (pallet_babe::on_finalize): `AuthorVrfRandomness` for every block with a
    VRF (kept until the next such block), epoch randomness from primary blocks only."""
    state = ctx.state
    pre = pre_digest_of(ctx)
    if getattr(pre, "vrf_signature", None) is None:
        return
    randomness = author_vrf_randomness(state, pre)
    if randomness is not None and isinstance(pre, PrimaryPreDigest):
        _deposit_randomness(state, randomness)
    AuthorVrfRandomness.set(state, randomness)


pallet.on_initialize = on_initialize
pallet.on_finalize = on_finalize


def epoch_start_slot(state) -> int:
    return EpochIndex.get(state) * EPOCH_DURATION + GenesisSlot.get(state)


def should_epoch_change(ctx) -> bool:
    """`now != 1 && current_slot - epoch_start_slot >= EpochDuration` (pallet_babe::should_epoch_change)."""
    state = ctx.state
    return ctx.number != 1 and CurrentSlot.get(state) - epoch_start_slot(state) >= EPOCH_DURATION


def enact_epoch_change(ctx, authorities: list, next_authorities: list) -> None:
    state = ctx.state
    epoch_index = (CurrentSlot.get(state) - GenesisSlot.get(state)) // EPOCH_DURATION
    EpochIndex.set(state, epoch_index)
    Authorities.set(state, authorities)
    NextAuthorities.set(state, next_authorities)
    # Rotate randomness: the next epoch's becomes current; compute the one after from this epoch's VRFs.
    this_randomness = NextRandomness.get(state)
    segment = SegmentIndex.get(state)
    SegmentIndex.set(state, 0)
    rho = b"".join(b"".join(UnderConstruction.take(state, i)) for i in range(segment + 1))
    next_randomness = blake2_256(this_randomness + encode_u64(epoch_index + 1) + rho)
    NextRandomness.set(state, next_randomness)
    Randomness.set(state, this_randomness)
    start = EpochStart.get(state)
    EpochStart.set(state, (start[1], ctx.number))
    nxt = NextEpochConfig.get(state)
    if nxt is not None:
        EpochConfig.set(state, nxt)
    ctx.deposit_log(Consensus(BABE_ENGINE_ID, NextEpochDescriptor(tuple(next_authorities), next_randomness).encode()))


def on_new_session(ctx, changed: bool, validators: list, queued: list) -> None:
    """Session handler: the session's validators are this epoch's authorities (weight 1 each)."""
    enact_epoch_change(ctx, [(k["babe"], 1) for _, k in validators], [(k["babe"], 1) for _, k in queued])


def slot_duration_ms(state) -> int:
    """The chain's slot duration: the chain spec's if it set one, else the runtime default."""
    d = SlotDuration.get(state)
    return C.SLOT_DURATION_MS if d is None else d


def on_timestamp_set(ctx, now_ms: int) -> None:
    """The block's timestamp must fall in its slot (pallet_babe::on_timestamp_set)."""
    duration = SlotDuration.get(ctx.state)
    if duration is None:
        return
    slot = now_ms // duration
    if slot != CurrentSlot.get(ctx.state):
        raise TimestampError(f"Timestamp slot must match `CurrentSlot` (timestamp slot {slot}, "
                             f"block slot {CurrentSlot.get(ctx.state)})")


def genesis(ctx, validators: list) -> None:
    """Session genesis handler: the genesis validators are the authorities of epochs 0 and 1."""
    state = ctx.state
    auths = [(k["babe"], 1) for _, k in validators]
    Authorities.set(state, auths)
    NextAuthorities.set(state, auths)
    EpochConfig.set(state, GENESIS_EPOCH_CONFIG)


def genesis_slot_duration(state, slot_duration_ms) -> None:
    if slot_duration_ms is not None:
        if slot_duration_ms <= 0:
            raise ValueError("slot duration must be positive")
        SlotDuration.set(state, slot_duration_ms)
