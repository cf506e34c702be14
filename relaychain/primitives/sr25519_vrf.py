"""sr25519 VRF: schnorrkel's verifiable random function over ristretto255 with Merlin transcripts.

Spec: w3f/schnorrkel `src/vrf.rs` (`vrf_hash`, `vrf_sign_extra`, `dleq_proove`, `dleq_verify`,
`VRFInOut::make_bytes`) and `src/context.rs` (`witness_scalar`, `challenge_scalar`); Substrate
`sp_core::sr25519::vrf` (`VrfSignature { pre_output, proof }`, the default extra transcript "VRF").

- Input: H = from_uniform_bytes(t.challenge_bytes("VRFHash", 64)) after committing "vrf-nm-pk" = public key to
  the input transcript t (the non-malleable variant; `Malleable` transcripts are not used by Polkadot).
- Pre-output: O = sk · H (32 bytes). `make_bytes(ctx, n)`: Merlin("VRFResult"), "" = ctx, "vrf-in" = H,
  "vrf-out" = O, then n challenge bytes labelled "" — what BABE and the approval criteria read.
- Proof (Schnorr DLEQ, schnorrkel's `KUSAMA_VRF` ordering): on the extra transcript e (default Merlin("VRF")):
  proto-name "DLEQProof", "vrf:h" = H; r = witness_scalar("proving\\x000", [nonce]); "vrf:R=g^r" = r·B,
  "vrf:h^r" = r·H, "vrf:pk" = pk, "vrf:h^sk" = O; c = challenge_scalar("prove") (64 bytes mod L);
  s = r − c·sk. Proof bytes: c ‖ s (64). Verify recomputes R = c·pk + s·B and Hr = c·O + s·H and checks c.
- Witness randomness: schnorrkel mixes 32 bytes from the system RNG into the nonce transcript; we mix in 32 zero
  bytes (schnorrkel's behaviour without an RNG), so signing is deterministic. The nonce still depends on the
  secret nonce seed and the whole transcript, so it never repeats for different inputs (as in EdDSA).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import ristretto255 as group
from .merlin import Transcript

VRF_PREOUT_LENGTH = 32
VRF_PROOF_LENGTH = 64
_WITNESS_RNG = bytes(32)


class VrfError(ValueError):
    """A VRF public key, pre-output or proof that cannot be used (bad encoding, identity point, or a proof that
    does not verify)."""


@dataclass(frozen=True)
class VrfInOut:
    """A VRF input point paired with its (pre-)output point, both compressed (schnorrkel `VRFInOut`)."""

    input: bytes
    output: bytes

    @property
    def pre_output(self) -> bytes:
        return self.output

    def make_bytes(self, context: bytes, n: int) -> bytes:
        """`VRFInOut::make_bytes`: n output bytes for `context`, bound to both input and output (2Hash-DH)."""
        t = Transcript(b"VRFResult")
        t.append_message(b"", context)
        t.append_message(b"vrf-in", self.input)
        t.append_message(b"vrf-out", self.output)
        return t.challenge_bytes(b"", n)


def make_bytes(in_out: VrfInOut, context: bytes, n: int) -> bytes:
    """Output bytes of a verified (or our own) VRF in/out for `context` (BABE, approval criteria)."""
    return in_out.make_bytes(context, n)


def _check_public(public: bytes) -> bytes:
    if len(public) != 32 or not group.is_point(public) or public == group.IDENTITY:
        raise VrfError("sr25519 public key is not a valid non-identity ristretto255 point")
    return bytes(public)


def vrf_input(public: bytes, transcript: Transcript) -> bytes:
    """The VRF input point H of `transcript` for signer `public` (`PublicKey::vrf_hash`); `transcript` unchanged."""
    t = transcript.clone()
    t.append_message(b"vrf-nm-pk", _check_public(public))
    return group.from_uniform_bytes(t.challenge_bytes(b"VRFHash", 64))


def _secret_scalar(keypair) -> tuple[bytes, bytes]:
    secret = bytes(keypair.secret)
    if len(secret) != 64 or not group.is_canonical_scalar(secret[:32]):
        raise VrfError("sr25519 secret key must be 64 bytes: a canonical scalar and a 32-byte nonce seed")
    return secret[:32], secret[32:]


def vrf_create(keypair, transcript: Transcript) -> VrfInOut:
    """Evaluate the VRF (no proof yet): H from the transcript, O = sk · H (`Keypair::vrf_create_hash`)."""
    key, _nonce = _secret_scalar(keypair)
    h = vrf_input(keypair.public, transcript)
    return VrfInOut(h, group.mul(key, h))


def attach_input(public: bytes, transcript: Transcript, pre_output: bytes) -> VrfInOut:
    """Pair a received pre-output with the input of `transcript` (`VRFPreOut::attach_input_hash`); the result is
    only trustworthy once its proof verified. Raises VrfError for an invalid or identity pre-output."""
    if len(pre_output) != VRF_PREOUT_LENGTH or not group.is_point(pre_output) or pre_output == group.IDENTITY:
        raise VrfError("VRF pre-output is not a valid non-identity ristretto255 point")
    return VrfInOut(vrf_input(public, transcript), bytes(pre_output))


def _dleq_transcript(extra: Optional[Transcript], h: bytes) -> Transcript:
    t = Transcript(b"VRF") if extra is None else extra.clone()
    t.append_message(b"proto-name", b"DLEQProof")
    t.append_message(b"vrf:h", h)
    return t


def _dleq_challenge(t: Transcript, r_point: bytes, hr: bytes, public: bytes, output: bytes) -> bytes:
    t.append_message(b"vrf:R=g^r", r_point)
    t.append_message(b"vrf:h^r", hr)
    t.append_message(b"vrf:pk", public)
    t.append_message(b"vrf:h^sk", output)
    return group.scalar_from_wide(t.challenge_bytes(b"prove", 64))


def vrf_prove(keypair, in_out: VrfInOut, extra: Optional[Transcript] = None) -> bytes:
    """The 64-byte DLEQ proof c ‖ s that `in_out.output` = sk · `in_out.input` (`Keypair::dleq_proove`), over the
    extra transcript (default Merlin("VRF"); approval assignments put the claimed cores there)."""
    key, nonce = _secret_scalar(keypair)
    public = _check_public(keypair.public)
    t = _dleq_transcript(extra, in_out.input)
    r = group.scalar_from_wide(t.witness_bytes(b"proving\x000", (nonce,), 64, _WITNESS_RNG))
    c = _dleq_challenge(t, group.mul_base(r), group.mul(r, in_out.input), public, in_out.output)
    return c + group.scalar_sub(r, group.scalar_mul(c, key))


def vrf_sign(keypair, transcript: Transcript, extra: Optional[Transcript] = None) -> tuple[bytes, bytes]:
    """Sign `transcript` with the VRF: (pre_output 32 bytes, proof 64 bytes), Substrate's `VrfSignature` layout."""
    in_out = vrf_create(keypair, transcript)
    return in_out.output, vrf_prove(keypair, in_out, extra)


def vrf_verify_in_out(public: bytes, transcript: Transcript, pre_output: bytes, proof: bytes,
                      extra: Optional[Transcript] = None) -> VrfInOut:
    """Check a VRF signature and return its verified in/out (for `make_bytes`); raises VrfError naming the fault."""
    public = _check_public(public)
    if len(proof) != VRF_PROOF_LENGTH:
        raise VrfError(f"VRF proof must be {VRF_PROOF_LENGTH} bytes, got {len(proof)}")
    c, s = bytes(proof[:32]), bytes(proof[32:])
    if not (group.is_canonical_scalar(c) and group.is_canonical_scalar(s)):
        raise VrfError("VRF proof scalars must be canonical (below the group order)")
    in_out = attach_input(public, transcript, pre_output)
    t = _dleq_transcript(extra, in_out.input)
    r_point = group.add(group.mul(c, public), group.mul_base(s))
    hr = group.add(group.mul(c, in_out.output), group.mul(s, in_out.input))
    if _dleq_challenge(t, r_point, hr, public, in_out.output) != c:
        raise VrfError("VRF proof does not verify for this key, transcript and pre-output")
    return in_out


def vrf_verify(public: bytes, transcript: Transcript, pre_output: bytes, proof: bytes,
               extra: Optional[Transcript] = None) -> bool:
    """True iff (pre_output, proof) is `public`'s VRF signature on `transcript` (and `extra`); never raises."""
    try:
        vrf_verify_in_out(public, transcript, pre_output, proof, extra)
        return True
    except VrfError:
        return False
