"""BABE slot claims: who may author in a slot, the pre-runtime digest that proves it, and the seal.

Rules (polkadot-sdk `sc-consensus-babe/src/{authorship,verification}.rs`, `sp-consensus-babe/src/digests.rs`):
- Primary claim: authority i signs the slot transcript (`babe_vrf.make_vrf_transcript`: randomness, slot,
  epoch) with the sr25519 VRF under its BABE key; it may author if the authoring score
  (u128 LE of make_bytes("substrate-babe-vrf", 16)) is below threshold_i = 2^128 * (1 - (1 - c)^(w_i / W)),
  c = 1/4 (Polkadot's `BABE_GENESIS_EPOCH_CONFIG.c = (1, 4)`), w_i its weight, W the total weight.
- Secondary claim: the slot owner is blake2_256(SCALE(randomness, slot)) read as a big-endian U256, mod the
  number of authorities, so every slot has an author even when no primary claim wins. With the epoch's
  `allowed_slots = PrimaryAndSecondaryVRFSlots` (Polkadot's) the owner also signs the slot transcript
  (SecondaryVRF), so every block carries a VRF output (BABE randomness, the approval-checking story);
  `PrimaryAndSecondaryPlainSlots` allows plain secondary claims instead, `PrimarySlots` none.
- Pre-digest `PreRuntime(b"BABE", PreDigest)`: 1 Primary{authority_index u32, slot u64, vrf_signature
  {pre_output [u8;32], proof [u8;64]}} | 2 SecondaryPlain{authority_index u32, slot u64} | 3 SecondaryVRF{as 1}.
- Seal `Seal(b"BABE", sr25519 signature)` over blake2_256 of the header *without* the seal, by the authority.
Integer arithmetic only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

from relaychain.primitives import ristretto255
from relaychain.primitives.babe_vrf import authoring_score, make_vrf_transcript
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import ScaleDecodeError, encode_u64
from relaychain.primitives.sr25519_vrf import VrfError, vrf_create, vrf_prove, vrf_verify_in_out
from relaychain.primitives.types import PreDigest as BabePreDigestCodec
from relaychain.primitives.types import (PrimaryPreDigest, SecondaryPlainPreDigest, SecondaryVRFPreDigest,
                                        VrfSignature, babe_primary_threshold)

# Probability that a given slot has at least one primary claim, as a fraction (Polkadot: 1/4).
PRIMARY_PROBABILITY = (1, 4)

# `sp_consensus_babe::AllowedSlots` variant names.
PRIMARY_SLOTS = "PrimarySlots"
SECONDARY_PLAIN_SLOTS = "PrimaryAndSecondaryPlainSlots"
SECONDARY_VRF_SLOTS = "PrimaryAndSecondaryVRFSlots"


class ClaimError(Exception):
    """A BABE pre-digest that does not prove a right to author (the message says which rule failed)."""


PreDigest = Union[PrimaryPreDigest, SecondaryPlainPreDigest, SecondaryVRFPreDigest]


def decode_pre_digest(data: bytes) -> PreDigest:
    """Decode a BABE `PreDigest` (whole input); raises ScaleDecodeError on anything else, including VRF proofs
    whose scalars are not canonical (schnorrkel's `VRFProof::from_bytes` refuses them)."""
    pre = BabePreDigestCodec.decode(data)
    sig = getattr(pre, "vrf_signature", None)
    if sig is not None and not (ristretto255.is_canonical_scalar(sig.proof[:32])
                                and ristretto255.is_canonical_scalar(sig.proof[32:])):
        raise ScaleDecodeError("BABE VRF proof scalars must be canonical (below the group order)")
    return pre


def encode_pre_digest(pre: PreDigest) -> bytes:
    return BabePreDigestCodec.encode(pre)


def primary_threshold(weight: int, total_weight: int) -> int:
    """This chain's primary threshold for an authority of `weight` (c = PRIMARY_PROBABILITY)."""
    return babe_primary_threshold(PRIMARY_PROBABILITY, weight, total_weight)


def secondary_slot_author(slot: int, n_authorities: int, randomness: bytes) -> int:
    """Index of the secondary owner of `slot`: U256::from(blake2_256(randomness ‖ slot u64)) mod n (big-endian)."""
    if n_authorities <= 0:
        raise ClaimError("no authorities: nobody owns the slot")
    return int.from_bytes(blake2_256(bytes(randomness) + encode_u64(slot)), "big") % n_authorities


@dataclass(frozen=True)
class EpochView:
    """What slot claims at a block depend on, read from the parent's state (`BabeApi`)."""

    authorities: tuple  # ((sr25519 BABE public, weight), ...): also the VRF keys
    randomness: bytes
    epoch_index: int
    allowed_slots: str = SECONDARY_VRF_SLOTS

    @property
    def total_weight(self) -> int:
        return sum(w for _, w in self.authorities)

    def transcript(self, slot: int):
        return make_vrf_transcript(self.randomness, slot, self.epoch_index)


def claim_primary(view: EpochView, slot: int, index: int, keypair) -> Optional[PrimaryPreDigest]:
    """Evaluate our VRF for `slot`; a PrimaryPreDigest if the score is below our threshold, else None.
    The proof is only computed for a winning output (`vrf_sign_after_check`)."""
    in_out = vrf_create(keypair, view.transcript(slot))
    if authoring_score(in_out) >= primary_threshold(view.authorities[index][1], view.total_weight):
        return None
    return PrimaryPreDigest(index, slot, VrfSignature(in_out.output, vrf_prove(keypair, in_out)))


def claim_slot(view: EpochView, slot: int, our_index: Optional[int], keypair) -> Optional[PreDigest]:
    """Our claim on `slot` with our BABE `keypair`: primary if the VRF wins, else secondary (VRF or plain, as
    the epoch allows) if we own the slot, else None."""
    if our_index is None or not view.authorities or our_index >= len(view.authorities):
        return None
    if view.authorities[our_index][0] != keypair.public:
        return None
    primary = claim_primary(view, slot, our_index, keypair)
    if primary is not None:
        return primary
    if view.allowed_slots == PRIMARY_SLOTS or secondary_slot_author(slot, len(view.authorities),
                                                                     view.randomness) != our_index:
        return None
    if view.allowed_slots == SECONDARY_VRF_SLOTS:
        in_out = vrf_create(keypair, view.transcript(slot))
        return SecondaryVRFPreDigest(our_index, slot, VrfSignature(in_out.output, vrf_prove(keypair, in_out)))
    return SecondaryPlainPreDigest(our_index, slot)


def check_claim(view: EpochView, pre: PreDigest) -> bytes:
    """Check that `pre` proves a right to author its slot; return the claimed authority's sr25519 key.

    Raises ClaimError naming the broken rule (unknown authority, secondary kind not allowed by the epoch, bad
    VRF proof, VRF above threshold, not the secondary slot owner).
    """
    n = len(view.authorities)
    if pre.authority_index >= n:
        raise ClaimError(f"authority index {pre.authority_index} out of range: {n} authorities")
    author = view.authorities[pre.authority_index][0]
    if isinstance(pre, PrimaryPreDigest):
        in_out = _verified_vrf(view, pre, author)
        threshold = primary_threshold(view.authorities[pre.authority_index][1], view.total_weight)
        if authoring_score(in_out) >= threshold:
            raise ClaimError(f"VRF output above the primary threshold for slot {pre.slot}")
        return author
    allowed = SECONDARY_VRF_SLOTS if isinstance(pre, SecondaryVRFPreDigest) else SECONDARY_PLAIN_SLOTS
    if view.allowed_slots != allowed:
        raise ClaimError(f"{claim_kind(pre)} claims are not allowed in this epoch ({view.allowed_slots})")
    owner = secondary_slot_author(pre.slot, n, view.randomness)
    if owner != pre.authority_index:
        raise ClaimError(f"authority {pre.authority_index} is not the secondary owner of slot {pre.slot} "
                         f"(owner: {owner})")
    if isinstance(pre, SecondaryVRFPreDigest):
        _verified_vrf(view, pre, author)
    return author


def _verified_vrf(view: EpochView, pre, author: bytes):
    try:
        return vrf_verify_in_out(author, view.transcript(pre.slot), pre.vrf_signature.pre_output,
                                 pre.vrf_signature.proof)
    except VrfError as exc:
        raise ClaimError(f"bad VRF signature for slot {pre.slot}: {exc}") from None


def claim_kind(pre: PreDigest) -> str:
    if isinstance(pre, PrimaryPreDigest):
        return "primary"
    return "secondary VRF" if isinstance(pre, SecondaryVRFPreDigest) else "secondary"


def authorities_index_of(authorities: Sequence, public: bytes) -> Optional[int]:
    for i, (key, _w) in enumerate(authorities):
        if key == public:
            return i
    return None
