"""BABE's VRF: the slot transcript an authority signs, and the values read from its output.

Spec: polkadot-sdk `sp_consensus_babe` (`make_vrf_transcript`, `RANDOMNESS_VRF_CONTEXT`, `RANDOMNESS_LENGTH`),
`sc-consensus-babe` (`AUTHORING_SCORE_VRF_CONTEXT`, `AUTHORING_SCORE_LENGTH`; authorship.rs, verification.rs),
`pallet_babe::on_finalize`; ../shared/specs/parachains.md §8 for the approval story read from the same output.

- Transcript: Merlin("BABE") with "slot number" = u64 LE, "current epoch" = u64 LE, "chain randomness" = 32
  bytes, signed with the authority's sr25519 BABE key (sr25519 VRF, default extra transcript).
- Primary claim: the authoring score u128::from_le_bytes(make_bytes("substrate-babe-vrf", 16)) must be below
  the authority's threshold.
- Block randomness (pallet_babe): make_bytes("BabeVRFInOutContext", 32) of the author's verified VRF.
"""

from __future__ import annotations

from .merlin import Transcript
from .sr25519_vrf import VrfInOut

AUTHORING_SCORE_VRF_CONTEXT = b"substrate-babe-vrf"
AUTHORING_SCORE_LENGTH = 16
RANDOMNESS_VRF_CONTEXT = b"BabeVRFInOutContext"
RANDOMNESS_LENGTH = 32


def make_vrf_transcript(randomness: bytes, slot: int, epoch_index: int) -> Transcript:
    """`sp_consensus_babe::make_vrf_transcript`: the VRF input of slot claims (primary and secondary VRF)."""
    if len(randomness) != RANDOMNESS_LENGTH:
        raise ValueError(f"epoch randomness must be {RANDOMNESS_LENGTH} bytes, got {len(randomness)}")
    t = Transcript(b"BABE")
    t.append_u64(b"slot number", slot)
    t.append_u64(b"current epoch", epoch_index)
    t.append_message(b"chain randomness", bytes(randomness))
    return t


def authoring_score(in_out: VrfInOut) -> int:
    """The value a primary claim compares with its threshold (sc-consensus-babe `claim_primary_slot`)."""
    return int.from_bytes(in_out.make_bytes(AUTHORING_SCORE_VRF_CONTEXT, AUTHORING_SCORE_LENGTH), "little")


def block_randomness(in_out: VrfInOut) -> bytes:
    """The 32 bytes a VRF-carrying block contributes (`AuthorVrfRandomness`, primary blocks' epoch randomness)."""
    return in_out.make_bytes(RANDOMNESS_VRF_CONTEXT, RANDOMNESS_LENGTH)
