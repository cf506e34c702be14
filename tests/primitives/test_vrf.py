"""ECVRF-EDWARDS25519-SHA512-TAI against the RFC 9381 vectors, plus rejection of every tampering."""

import json

import pytest
from hypothesis import given, settings, strategies as st

from relaychain.primitives.crypto import Ed25519Keypair
from relaychain.primitives.vrf import VrfError, vrf_proof_to_hash, vrf_prove, vrf_public_key, vrf_verify

Q = 2**252 + 27742317777372353535851937790883648493


@pytest.fixture(scope="module")
def vectors(vectors_dir):
    data = json.loads((vectors_dir / "vrf" / "rfc9381_ed25519.json").read_text())
    assert data["suite"] == "ECVRF-EDWARDS25519-SHA512-TAI"
    return [{k: bytes.fromhex(v) if k in ("sk", "pk", "alpha", "pi", "beta") else v for k, v in t.items()}
            for t in data["vectors"]]


def test_rfc9381_vectors(vectors):
    assert len(vectors) == 3
    for t in vectors:
        assert vrf_public_key(t["sk"]) == t["pk"]
        assert Ed25519Keypair.from_seed(t["sk"]).public == t["pk"]  # the VRF key is the ed25519 key
        assert vrf_prove(t["sk"], t["alpha"]) == t["pi"], t["name"]
        assert vrf_proof_to_hash(t["pi"]) == t["beta"]
        assert vrf_verify(t["pk"], t["pi"], t["alpha"]) == t["beta"]


def test_every_single_byte_tampering_of_the_proof_is_rejected(vectors):
    t = vectors[1]
    for i in range(80):
        bad = bytearray(t["pi"])
        bad[i] ^= 0x01
        with pytest.raises(VrfError):
            vrf_verify(t["pk"], bytes(bad), t["alpha"])


def test_wrong_alpha_or_key_is_rejected(vectors):
    a, b = vectors[1], vectors[2]
    with pytest.raises(VrfError):
        vrf_verify(a["pk"], a["pi"], a["alpha"] + b"\x00")
    with pytest.raises(VrfError):
        vrf_verify(a["pk"], a["pi"], b["alpha"])
    with pytest.raises(VrfError):
        vrf_verify(b["pk"], a["pi"], a["alpha"])


def test_malformed_keys_and_proofs(vectors):
    t = vectors[0]
    identity = (1).to_bytes(32, "little")  # y = 1: the neutral element, small order
    non_canonical = ((2**255 - 19) + 1).to_bytes(32, "little")  # y = p + 1 ≥ p
    not_on_curve = (2).to_bytes(32, "little")  # y = 2 has no x on the curve
    for pk in (identity, non_canonical, not_on_curve, t["pk"][:31], b""):
        with pytest.raises(VrfError):
            vrf_verify(pk, t["pi"], t["alpha"])
    s_too_big = t["pi"][:48] + (int.from_bytes(t["pi"][48:], "little") + Q).to_bytes(32, "little")
    for pi in (t["pi"][:79], t["pi"] + b"\x00", s_too_big, not_on_curve + t["pi"][32:], identity + t["pi"][32:]):
        with pytest.raises(VrfError):
            vrf_verify(t["pk"], pi, t["alpha"])
    with pytest.raises(VrfError):
        vrf_proof_to_hash(not_on_curve + t["pi"][32:])
    with pytest.raises(VrfError):
        vrf_prove(b"\x00" * 31, b"")


@settings(max_examples=25)
@given(st.binary(min_size=32, max_size=32), st.binary(max_size=64))
def test_prove_verify_round_trip(seed, alpha):
    pi = vrf_prove(seed, alpha)
    beta = vrf_verify(vrf_public_key(seed), pi, alpha)
    assert beta == vrf_proof_to_hash(pi) and len(beta) == 64
    assert vrf_prove(seed, alpha) == pi  # deterministic


@given(st.binary(min_size=80, max_size=80))
def test_random_proofs_rejected_with_vrf_error_only(pi):
    with pytest.raises(VrfError):
        vrf_verify(vrf_public_key(b"\x07" * 32), pi, b"alpha")
