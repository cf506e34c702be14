"""sr25519 VRF properties (the cross-implementation checks are in test_sr25519_vrf_js.py)."""

import pytest
from hypothesis import given, settings, strategies as st

from relaychain.primitives import ristretto255 as group
from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.merlin import Transcript
from relaychain.primitives.sr25519_vrf import (
    VrfError, attach_input, make_bytes, vrf_create, vrf_prove, vrf_sign, vrf_verify, vrf_verify_in_out,
)

ALICE = Sr25519Keypair.from_seed(bytes(range(32)))
BOB = Sr25519Keypair.from_seed(bytes(range(1, 33)))


def transcript(slot: int = 7, label: bytes = b"BABE") -> Transcript:
    t = Transcript(label)
    t.append_u64(b"slot number", slot)
    t.append_message(b"chain randomness", b"\x42" * 32)
    return t


def extra(cores: bytes = b"\x05") -> Transcript:
    t = Transcript(b"A&V ASSIGNED v2")
    t.append_message(b"cores", cores)
    return t


def test_sign_verify_round_trip_and_signature_shape():
    pre_output, proof = vrf_sign(ALICE, transcript())
    assert len(pre_output) == 32 and len(proof) == 64
    assert vrf_verify(ALICE.public, transcript(), pre_output, proof)
    in_out = vrf_verify_in_out(ALICE.public, transcript(), pre_output, proof)
    assert in_out == vrf_create(ALICE, transcript()) == attach_input(ALICE.public, transcript(), pre_output)


def test_signing_leaves_the_callers_transcripts_untouched():
    t, e = transcript(), extra()
    vrf_sign(ALICE, t, e)
    assert t.challenge_bytes(b"x", 16) == transcript().challenge_bytes(b"x", 16)
    assert e.challenge_bytes(b"x", 16) == extra().challenge_bytes(b"x", 16)


def test_output_is_a_function_of_key_and_input_only():
    pre_a, proof_a = vrf_sign(ALICE, transcript(), extra(b"\x01"))
    pre_b, proof_b = vrf_sign(ALICE, transcript(), extra(b"\x02"))
    assert pre_a == pre_b and proof_a != proof_b  # the extra transcript is signed but not part of the output
    assert vrf_sign(ALICE, transcript()) == vrf_sign(ALICE, transcript())  # deterministic signing
    assert vrf_sign(ALICE, transcript(8))[0] != pre_a
    assert vrf_sign(BOB, transcript())[0] != pre_a


def test_wrong_key_transcript_or_extra_fails():
    pre_output, proof = vrf_sign(ALICE, transcript(), extra())
    assert vrf_verify(ALICE.public, transcript(), pre_output, proof, extra())
    assert not vrf_verify(BOB.public, transcript(), pre_output, proof, extra())
    assert not vrf_verify(ALICE.public, transcript(8), pre_output, proof, extra())
    assert not vrf_verify(ALICE.public, transcript(), pre_output, proof, extra(b"\x06"))
    assert not vrf_verify(ALICE.public, transcript(), pre_output, proof)  # default extra "VRF" differs


def test_every_single_byte_tamper_fails():
    pre_output, proof = vrf_sign(ALICE, transcript())
    signature = pre_output + proof
    for i in range(96):
        bad = bytearray(signature)
        bad[i] ^= 0x01 << (i % 8)
        assert not vrf_verify(ALICE.public, transcript(), bytes(bad[:32]), bytes(bad[32:])), i


def test_non_canonical_scalars_and_identity_points_are_refused():
    pre_output, proof = vrf_sign(ALICE, transcript())
    c = int.from_bytes(proof[:32], "little")
    s = int.from_bytes(proof[32:], "little")
    # c + L and s + L are the same scalars mod L: schnorrkel refuses them as non-canonical, and so do we.
    if c + group.L < 2**256:
        assert not vrf_verify(ALICE.public, transcript(), pre_output, (c + group.L).to_bytes(32, "little") + proof[32:])
    if s + group.L < 2**256:
        assert not vrf_verify(ALICE.public, transcript(), pre_output, proof[:32] + (s + group.L).to_bytes(32, "little"))
    assert not vrf_verify(ALICE.public, transcript(), group.IDENTITY, proof)
    assert not vrf_verify(group.IDENTITY, transcript(), pre_output, proof)
    with pytest.raises(VrfError, match="pre-output"):
        attach_input(ALICE.public, transcript(), group.IDENTITY)
    with pytest.raises(VrfError, match="public key"):
        vrf_verify_in_out(b"\xff" * 32, transcript(), pre_output, proof)
    with pytest.raises(VrfError, match="64 bytes"):
        vrf_verify_in_out(ALICE.public, transcript(), pre_output, proof[:63])


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32), st.binary(min_size=64, max_size=64))
def test_verify_never_raises_on_garbage(public, pre_output, proof):
    assert vrf_verify(public, transcript(), pre_output, proof) is False


@settings(max_examples=15, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=80), st.integers(0, 2**64 - 1))
def test_random_keys_and_transcripts_verify(seed, message, slot):
    pair = Sr25519Keypair.from_seed(seed)
    t = transcript(slot)
    t.append_message(b"msg", message)
    pre_output, proof = vrf_sign(pair, t)
    assert vrf_verify(pair.public, t, pre_output, proof)


def test_make_bytes_depends_on_context_length_and_in_out():
    in_out = vrf_create(ALICE, transcript())
    a = make_bytes(in_out, b"substrate-babe-vrf", 16)
    assert len(a) == 16 and a == in_out.make_bytes(b"substrate-babe-vrf", 16)
    assert make_bytes(in_out, b"substrate-babe-vrf", 32)[:16] != a  # the length is part of the transcript
    assert make_bytes(in_out, b"BabeVRFInOutContext", 16) != a
    assert make_bytes(vrf_create(ALICE, transcript(8)), b"substrate-babe-vrf", 16) != a


def test_prove_separately_equals_sign():
    in_out = vrf_create(ALICE, transcript())
    assert (in_out.pre_output, vrf_prove(ALICE, in_out, extra())) == vrf_sign(ALICE, transcript(), extra())
