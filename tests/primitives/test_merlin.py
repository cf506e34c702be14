"""Keccak-f[1600], STROBE-128 and Merlin transcripts against published vectors and hashlib's SHA-3."""

import hashlib
import json

import pytest
from hypothesis import given, strategies as st

from relaychain.primitives.merlin import StrobeError, Strobe128, Transcript, keccak_f1600


@pytest.fixture(scope="module")
def vectors(vectors_dir):
    return json.loads((vectors_dir / "primitives" / "merlin.json").read_text())


def _sponge(message: bytes, rate: int, pad: int, out_len: int) -> bytes:
    """A SHA-3 / SHAKE sponge over our permutation (FIPS 202 §4, §6): absorb padded blocks, squeeze."""
    padded = bytearray(message) + bytes((pad,)) + bytes(-(len(message) + 1) % rate)
    padded[-1] |= 0x80
    state = bytearray(200)
    for i in range(0, len(padded), rate):
        for j, b in enumerate(padded[i:i + rate]):
            state[j] ^= b
        keccak_f1600(state)
    out = bytearray()
    while True:
        out += state[:rate]
        if len(out) >= out_len:
            return bytes(out[:out_len])
        keccak_f1600(state)


@given(st.binary(max_size=400))
def test_keccak_permutation_gives_hashlib_sha3_and_shake(message):
    # hashlib's SHA-3 is an independent Keccak implementation; several blocks exercise repeated permutations.
    assert _sponge(message, 136, 0x06, 32) == hashlib.sha3_256(message).digest()
    assert _sponge(message, 72, 0x06, 64) == hashlib.sha3_512(message).digest()
    assert _sponge(message, 168, 0x1F, 400) == hashlib.shake_128(message).digest(400)


def test_merlin_simple_transcript_vector(vectors):
    v = vectors["simple"]
    t = Transcript(v["label"].encode())
    for label, message in v["messages"]:
        t.append_message(label.encode(), message.encode())
    assert t.challenge_bytes(v["challenge_label"].encode(), 32).hex() == v["challenge32"]


def test_merlin_complex_transcript_vector(vectors):
    # 32 rounds of challenge + 1024-byte message + challenge echo: many sponge wraps, both while absorbing and
    # in between operations.
    v = vectors["complex"]
    t = Transcript(v["label"].encode())
    t.append_message(v["first"][0].encode(), v["first"][1].encode())
    data = bytes([v["bigdata_byte"]]) * v["bigdata_len"]
    for _ in range(v["rounds"]):
        challenge = t.challenge_bytes(b"challenge", 32)
        t.append_message(b"bigdata", data)
        t.append_message(b"challengedata", challenge)
    assert challenge.hex() == v["last_challenge32"]


def test_clone_is_independent_and_equal(vectors):
    v = vectors["simple"]
    t = Transcript(v["label"].encode())
    t.append_message(b"some label", b"some data")
    copy, other = t.clone(), t.clone()
    other.append_message(b"someother label", b"someother data")
    assert copy.challenge_bytes(b"challenge", 32).hex() == v["challenge32"]
    assert other.challenge_bytes(b"challenge", 32).hex() != v["challenge32"]
    assert t.challenge_bytes(b"challenge", 32).hex() == v["challenge32"]


def test_witness_bytes_bind_transcript_seeds_and_rng_and_leave_the_transcript_alone():
    # merlin's `transcript_rng_is_bound_to_transcript_and_witnesses`, plus the external-rng input.
    def rng_output(commitment: bytes, witness: bytes, rng: bytes = bytes(32)) -> bytes:
        t = Transcript(b"test TranscriptRng collisions")
        t.append_message(b"com", commitment)
        return t.witness_bytes(b"witness", (witness,), 64, rng)

    outputs = {rng_output(b"commitment data 1", b"witness data 1"), rng_output(b"commitment data 2", b"witness data 1"),
               rng_output(b"commitment data 2", b"witness data 2"), rng_output(b"commitment data 2", b"witness data 2",
                                                                          b"\x01" * 32)}
    assert len(outputs) == 4
    assert rng_output(b"commitment data 2", b"witness data 2") == rng_output(b"commitment data 2", b"witness data 2")
    t = Transcript(b"p")
    before = t.clone().challenge_bytes(b"c", 32)
    t.witness_bytes(b"w", (b"secret",), 32, bytes(32))
    assert t.challenge_bytes(b"c", 32) == before
    with pytest.raises(ValueError):
        t.witness_bytes(b"w", (), 32, bytes(31))


def test_continued_operation_with_other_flags_is_refused():
    s = Strobe128(b"x")
    s.meta_ad(b"label", False)
    with pytest.raises(StrobeError):
        s.ad(b"more", True)


# -- the numba kernel against the plain permutation --------------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from relaychain.primitives.merlin import keccak_f1600, keccak_f1600_reference  # noqa: E402


@settings(max_examples=200)
@given(st.binary(min_size=200, max_size=200), st.integers(1, 3))
def test_the_keccak_kernel_is_the_reference_permutation(state, rounds):
    fast, plain = bytearray(state), bytearray(state)
    for _ in range(rounds):
        keccak_f1600(fast)
        keccak_f1600_reference(plain)
    assert fast == plain
