"""BABE slot claims: the primary threshold, the secondary slot owner, pre-digest codec, sr25519 VRF claims."""

import hashlib
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from relaychain.node.consensus import babe_claims
from relaychain.node.consensus.babe_claims import (ClaimError, EpochView, SecondaryPlainPreDigest, check_claim,
                                                   primary_threshold, secondary_slot_author)
from relaychain.primitives import babe_vrf
from relaychain.primitives.crypto import dev_keypair
from relaychain.primitives.merlin import Transcript
from relaychain.primitives.scale import ScaleDecodeError
from relaychain.primitives.sr25519_vrf import vrf_create, vrf_sign, vrf_verify_in_out
from relaychain.primitives.types import PrimaryPreDigest, SecondaryVRFPreDigest, VrfSignature


def test_threshold_known_values():
    # c = 1/4: a sole authority (theta = 1) wins exactly a quarter of the u128 range.
    assert primary_threshold(1, 1) == 1 << 126
    assert primary_threshold(3, 3) == 1 << 126
    assert primary_threshold(0, 4) == 0


@given(st.integers(1, 12), st.integers(1, 12))
def test_threshold_is_floor_of_exact_value(w, extra):
    """threshold = floor(2^128 (1 - (3/4)^(w/W))): check t <= exact < t + 1 using exact rational powers."""
    total = w + extra - 1 if extra > 1 else w
    t = primary_threshold(w, total)
    # (2^128 - t) is ceil(2^128 * (3/4)^(w/W)); so (2^128 - t)^W >= 2^(128W) (3/4)^w > (2^128 - t - 1)^W
    q = (1 << 128) - t
    target = Fraction(3, 4) ** w * (1 << (128 * total))
    assert q ** total >= target > (q - 1) ** total


def test_threshold_probability_close_to_float_formula():
    for w, total in [(1, 4), (2, 5), (1, 100)]:
        approx = 1 - 0.75 ** (w / total)
        assert abs(primary_threshold(w, total) / 2 ** 128 - approx) < 1e-12


def _plain_owner(slot, n, randomness):
    # U256::from(blake2_256((randomness, slot).encode())) % n, U256 from big-endian bytes.
    digest = hashlib.blake2b(randomness + slot.to_bytes(8, "little"), digest_size=32).digest()
    return int(digest.hex(), 16) % n


@given(st.integers(0, 2 ** 64 - 1), st.integers(1, 50), st.binary(min_size=32, max_size=32))
def test_secondary_owner_matches_plain_definition(slot, n, randomness):
    assert secondary_slot_author(slot, n, randomness) == _plain_owner(slot, n, randomness)


def test_secondary_owner_spreads_over_authorities():
    owners = {secondary_slot_author(s, 4, bytes(32)) for s in range(64)}
    assert owners == {0, 1, 2, 3}


def _view(n=4, allowed_slots=babe_claims.SECONDARY_PLAIN_SLOTS):
    return EpochView(tuple((bytes([i]) * 32, 1) for i in range(n)), bytes(32), 0, allowed_slots)


def test_check_secondary_plain_claim():
    view = _view()
    slot = 1234
    owner = secondary_slot_author(slot, 4, view.randomness)
    assert check_claim(view, SecondaryPlainPreDigest(owner, slot)) == bytes([owner]) * 32
    with pytest.raises(ClaimError, match="not the secondary owner"):
        check_claim(view, SecondaryPlainPreDigest((owner + 1) % 4, slot))
    with pytest.raises(ClaimError, match="out of range"):
        check_claim(view, SecondaryPlainPreDigest(7, slot))
    # Polkadot's epochs allow secondary VRF claims only: a plain one is refused there.
    with pytest.raises(ClaimError, match="not allowed"):
        check_claim(_view(allowed_slots=babe_claims.SECONDARY_VRF_SLOTS), SecondaryPlainPreDigest(owner, slot))


def test_pre_digest_round_trip_and_rejects_garbage():
    pre = SecondaryPlainPreDigest(3, 2 ** 40)
    assert babe_claims.decode_pre_digest(babe_claims.encode_pre_digest(pre)) == pre
    # Substrate layout: kind 2 ‖ authority_index u32 LE ‖ slot u64 LE
    assert babe_claims.encode_pre_digest(pre) == bytes([2, 3, 0, 0, 0]) + (2 ** 40).to_bytes(8, "little")
    for bad in (b"", b"\x09", bytes([2, 3, 0, 0]), babe_claims.encode_pre_digest(pre) + b"\x00"):
        with pytest.raises(ScaleDecodeError):
            babe_claims.decode_pre_digest(bad)
    # A VRF proof scalar at or above the group order does not decode (schnorrkel `VRFProof::from_bytes`).
    sig = VrfSignature(bytes(32), b"\xff" * 32 + bytes(32))
    with pytest.raises(ScaleDecodeError, match="canonical"):
        babe_claims.decode_pre_digest(babe_claims.encode_pre_digest(PrimaryPreDigest(0, 1, sig)))


NAMES = ("alice", "bob", "charlie", "dave")


def _dev_view():
    return EpochView(tuple((dev_keypair(n).public, 1) for n in NAMES), bytes(range(32)), 3)


def test_babe_transcript_is_substrates():
    """make_vrf_transcript = Merlin("BABE") + slot number, current epoch (u64 LE), chain randomness."""
    t = Transcript(b"BABE")
    t.append_message(b"slot number", (77).to_bytes(8, "little"))
    t.append_message(b"current epoch", (3).to_bytes(8, "little"))
    t.append_message(b"chain randomness", bytes(range(32)))
    assert babe_vrf.make_vrf_transcript(bytes(range(32)), 77, 3).challenge_bytes(b"x", 32) == \
        t.challenge_bytes(b"x", 32)
    with pytest.raises(ValueError):
        babe_vrf.make_vrf_transcript(b"\x00", 5, 1)


def test_primary_claims_with_the_sr25519_vrf():
    view = _dev_view()
    alice = dev_keypair("alice")
    claims = {}
    for slot in range(200):
        pre = babe_claims.claim_primary(view, slot, 0, alice)
        if pre is not None:
            claims[slot] = pre
    # p = 1 - (3/4)^(1/4) ~ 6.9%: 200 slots give a handful of primary claims, never most of them.
    assert 3 <= len(claims) <= 30
    slot, pre = next(iter(claims.items()))
    # The claim is an ordinary VRF signature by Alice's BABE key over Substrate's transcript, and wins.
    in_out = vrf_verify_in_out(alice.public, babe_vrf.make_vrf_transcript(view.randomness, slot, 3),
                               pre.vrf_signature.pre_output, pre.vrf_signature.proof)
    assert babe_vrf.authoring_score(in_out) < primary_threshold(1, 4)
    assert check_claim(view, pre) == alice.public
    # The same signature claimed for Bob, for another slot, or tampered with, is refused.
    with pytest.raises(ClaimError, match="bad VRF"):
        check_claim(view, PrimaryPreDigest(1, slot, pre.vrf_signature))
    other = next(s for s in range(200) if s not in claims)
    with pytest.raises(ClaimError, match="bad VRF"):
        check_claim(view, PrimaryPreDigest(0, other, pre.vrf_signature))
    sig = pre.vrf_signature
    tampered = VrfSignature(sig.pre_output, bytes([sig.proof[0] ^ 1]) + sig.proof[1:])
    with pytest.raises(ClaimError, match="bad VRF"):
        check_claim(view, PrimaryPreDigest(0, slot, tampered))
    # A slot without a winning VRF is not claimable as primary even with a valid signature for it.
    loser = VrfSignature(*vrf_sign(alice, view.transcript(other)))
    with pytest.raises(ClaimError, match="above the primary threshold"):
        check_claim(view, PrimaryPreDigest(0, other, loser))


def test_claim_slot_prefers_primary_and_falls_back_to_secondary_vrf_owner():
    view = _dev_view()
    for slot in range(40):
        owners = []
        for i, n in enumerate(NAMES):
            pre = babe_claims.claim_slot(view, slot, i, dev_keypair(n))
            if pre is not None:
                owners.append((i, pre))
                assert check_claim(view, pre) == dev_keypair(n).public
        secondary = secondary_slot_author(slot, 4, view.randomness)
        assert owners, f"slot {slot} has no author"
        for i, pre in owners:
            assert isinstance(pre, PrimaryPreDigest) or (i == secondary and isinstance(pre, SecondaryVRFPreDigest))
    # Not an authority, or a key that is not the one at our index: no claim.
    assert babe_claims.claim_slot(view, 0, None, dev_keypair("alice")) is None
    assert babe_claims.claim_slot(view, 0, 1, dev_keypair("alice")) is None


def test_secondary_vrf_claim_is_checked_like_polkadot():
    view = _dev_view()
    slot = next(s for s in range(100) if secondary_slot_author(s, 4, view.randomness) == 2)
    charlie = dev_keypair("charlie")
    good = SecondaryVRFPreDigest(2, slot, VrfSignature(*vrf_sign(charlie, view.transcript(slot))))
    assert check_claim(view, good) == charlie.public
    # The owner's signature for another slot, or another key's signature, does not pass.
    with pytest.raises(ClaimError, match="bad VRF"):
        check_claim(view, SecondaryVRFPreDigest(2, slot, VrfSignature(*vrf_sign(charlie, view.transcript(slot + 1)))))
    with pytest.raises(ClaimError, match="bad VRF"):
        check_claim(view, SecondaryVRFPreDigest(2, slot, VrfSignature(*vrf_sign(dev_keypair("dave"),
                                                                                view.transcript(slot)))))
    # Whatever the VRF, only the slot owner may make a secondary claim; plain claims are not allowed here.
    with pytest.raises(ClaimError, match="not the secondary owner"):
        check_claim(view, SecondaryVRFPreDigest(3, slot, VrfSignature(*vrf_sign(dev_keypair("dave"),
                                                                                view.transcript(slot)))))
    with pytest.raises(ClaimError, match="not allowed"):
        check_claim(view, SecondaryPlainPreDigest(2, slot))
    assert vrf_create(charlie, view.transcript(slot)).output == good.vrf_signature.pre_output
