"""BABE slot claims: who may author in a slot, the pre-runtime digest that proves it, and the seal.

Rules (polkadot-sdk `sc-consensus-babe/src/authorship.rs`, `sp-consensus-babe/src/digests.rs`):
- Primary claim: authority i evaluates a VRF over the slot transcript (randomness, slot, epoch); it may author
  if the VRF output, read as a little-endian u128, is below threshold_i = 2^128 * (1 - (1 - c)^(w_i / W))
  with c = 1/4 (Polkadot's `BABE_GENESIS_EPOCH_CONFIG.c = (1, 4)`), w_i its weight, W the total weight.
- Secondary (plain) claim: the slot owner is blake2_256(SCALE(randomness, slot)) read as a big-endian U256,
  mod the number of authorities — so every slot has an author even when no primary claim wins.
- Pre-digest `PreRuntime(b"BABE", PreDigest)`: 1 Primary{authority_index u32, slot u64, vrf_signature
  {pre_output [u8;32], proof [u8;64]}} | 2 SecondaryPlain{authority_index u32, slot u64}.
- Seal `Seal(b"BABE", sr25519 signature)` over blake2_256 of the header *without* the seal, by the authority.

Project choice (not Polkadot-compatible): the VRF is ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381, H4's `vrf`),
keyed by the authority's GRANDPA ed25519 key at the same index (an ECVRF key must be an Edwards point; the BABE
key is sr25519/ristretto). Its 80-byte proof travels in Substrate's 96-byte `VrfSignature` shape (H4's
`types.VrfSignature.from_ecvrf_proof`), so clients still decode the author index from the digest.
Integer arithmetic only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import ScaleDecodeError, encode_u64
from relaychain.primitives.types import PrimaryPreDigest
from relaychain.primitives.types import PreDigest as BabePreDigestCodec
from relaychain.primitives.types import SecondaryPlainPreDigest, VrfSignature, babe_primary_threshold, babe_vrf_input, babe_vrf_value

# Probability that a given slot has at least one primary claim, as a fraction (Polkadot: 1/4).
PRIMARY_PROBABILITY = (1, 4)


class ClaimError(Exception):
    """A BABE pre-digest that does not prove a right to author (the message says which rule failed)."""


PreDigest = Union[PrimaryPreDigest, SecondaryPlainPreDigest]


def decode_pre_digest(data: bytes) -> PreDigest:
    """Decode a BABE `PreDigest` (whole input); raises ScaleDecodeError on anything else (SecondaryVRF unused)."""
    pre = BabePreDigestCodec.decode(data)
    if not isinstance(pre, (PrimaryPreDigest, SecondaryPlainPreDigest)):
        raise ScaleDecodeError("SecondaryVRF pre-digests are not used by this chain")
    if isinstance(pre, PrimaryPreDigest):
        try:
            pre.vrf_signature.to_ecvrf_proof()
        except ValueError as exc:
            raise ScaleDecodeError(str(exc)) from None
    return pre


def encode_pre_digest(pre: PreDigest) -> bytes:
    return BabePreDigestCodec.encode(pre)


def primary_pre_digest(authority_index: int, slot: int, pi: bytes) -> PrimaryPreDigest:
    return PrimaryPreDigest(authority_index, slot, VrfSignature.from_ecvrf_proof(pi))


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

    authorities: tuple  # ((sr25519 public, weight), ...)
    vrf_keys: tuple  # ed25519 VRF public per authority index (same order) — may be empty: secondary only
    randomness: bytes
    epoch_index: int

    @property
    def total_weight(self) -> int:
        return sum(w for _, w in self.authorities)


def claim_primary(view: EpochView, slot: int, index: int, vrf_prove: Callable[[bytes], bytes],
                  vrf_proof_to_hash: Callable[[bytes], bytes]) -> Optional[PrimaryPreDigest]:
    """Evaluate our VRF for `slot`; a PrimaryPreDigest if the output is below our threshold, else None."""
    if index >= len(view.vrf_keys):
        return None
    pi = vrf_prove(babe_vrf_input(view.randomness, slot, view.epoch_index))
    threshold = primary_threshold(view.authorities[index][1], view.total_weight)
    if babe_vrf_value(vrf_proof_to_hash(pi)) < threshold:
        return primary_pre_digest(index, slot, pi)
    return None


def claim_slot(view: EpochView, slot: int, our_index: Optional[int], vrf_prove: Callable[[bytes], bytes],
               vrf_proof_to_hash: Callable[[bytes], bytes]) -> Optional[PreDigest]:
    """Our claim on `slot`: primary if the VRF wins, else secondary if we own the slot, else None."""
    if our_index is None or not view.authorities:
        return None
    primary = claim_primary(view, slot, our_index, vrf_prove, vrf_proof_to_hash)
    if primary is not None:
        return primary
    if secondary_slot_author(slot, len(view.authorities), view.randomness) == our_index:
        return SecondaryPlainPreDigest(our_index, slot)
    return None


def check_claim(view: EpochView, pre: PreDigest, vrf_verify: Callable[[bytes, bytes, bytes], bytes]) -> bytes:
    """Check that `pre` proves a right to author its slot; return the claimed authority's sr25519 key.

    Raises ClaimError naming the broken rule (unknown authority, bad VRF proof, VRF above threshold,
    not the secondary slot owner).
    """
    n = len(view.authorities)
    if pre.authority_index >= n:
        raise ClaimError(f"authority index {pre.authority_index} out of range: {n} authorities")
    author = view.authorities[pre.authority_index][0]
    if isinstance(pre, PrimaryPreDigest):
        if pre.authority_index >= len(view.vrf_keys):
            raise ClaimError("primary claim by an authority without a VRF key")
        alpha = babe_vrf_input(view.randomness, pre.slot, view.epoch_index)
        try:
            beta = vrf_verify(view.vrf_keys[pre.authority_index], pre.vrf_signature.to_ecvrf_proof(), alpha)
        except Exception as exc:  # VrfError: the proof does not verify under the authority's key
            raise ClaimError(f"bad VRF proof for slot {pre.slot}: {exc}") from None
        threshold = primary_threshold(view.authorities[pre.authority_index][1], view.total_weight)
        if babe_vrf_value(beta) >= threshold:
            raise ClaimError(f"VRF output above the primary threshold for slot {pre.slot}")
        return author
    owner = secondary_slot_author(pre.slot, n, view.randomness)
    if owner != pre.authority_index:
        raise ClaimError(f"authority {pre.authority_index} is not the secondary owner of slot {pre.slot} "
                         f"(owner: {owner})")
    return author


def claim_kind(pre: PreDigest) -> str:
    return "primary" if isinstance(pre, PrimaryPreDigest) else "secondary"


def authorities_index_of(authorities: Sequence, public: bytes) -> Optional[int]:
    for i, (key, _w) in enumerate(authorities):
        if key == public:
            return i
    return None
