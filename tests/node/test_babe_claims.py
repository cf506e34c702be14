"""BABE slot-claim arithmetic: the primary threshold, the secondary slot owner, pre-digest codec."""

import hashlib
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from relaychain.node.consensus import babe_claims
from relaychain.node.consensus.babe_claims import (ClaimError, EpochView, SecondaryPlainPreDigest, check_claim,
                                                   primary_threshold, secondary_slot_author)
from relaychain.primitives.scale import ScaleDecodeError
from relaychain.primitives.types import babe_vrf_input


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


def _view(n=4):
    return EpochView(tuple((bytes([i]) * 32, 1) for i in range(n)), (), bytes(32), 0)


def test_check_secondary_claim():
    view = _view()
    slot = 1234
    owner = secondary_slot_author(slot, 4, view.randomness)
    assert check_claim(view, SecondaryPlainPreDigest(owner, slot), None) == bytes([owner]) * 32
    with pytest.raises(ClaimError, match="not the secondary owner"):
        check_claim(view, SecondaryPlainPreDigest((owner + 1) % 4, slot), None)
    with pytest.raises(ClaimError, match="out of range"):
        check_claim(view, SecondaryPlainPreDigest(7, slot), None)


def test_pre_digest_round_trip_and_rejects_garbage():
    pre = SecondaryPlainPreDigest(3, 2 ** 40)
    assert babe_claims.decode_pre_digest(babe_claims.encode_pre_digest(pre)) == pre
    # Substrate layout: kind 2 ‖ authority_index u32 LE ‖ slot u64 LE
    assert babe_claims.encode_pre_digest(pre) == bytes([2, 3, 0, 0, 0]) + (2 ** 40).to_bytes(8, "little")
    for bad in (b"", b"\x09", bytes([2, 3, 0, 0]), babe_claims.encode_pre_digest(pre) + b"\x00"):
        with pytest.raises(ScaleDecodeError):
            babe_claims.decode_pre_digest(bad)


def _dev_view():
    from relaychain.primitives.crypto import dev_keypair

    names = ("alice", "bob", "charlie", "dave")
    return names, EpochView(tuple((dev_keypair(n).public, 1) for n in names),
                            tuple(dev_keypair(n, "ed25519").public for n in names), bytes(range(32)), 3)


def test_primary_claims_with_real_vrf():
    from relaychain.primitives.crypto import dev_keypair
    from relaychain.primitives.types import PrimaryPreDigest, VrfSignature
    from relaychain.primitives.vrf import vrf_proof_to_hash, vrf_prove, vrf_verify

    names, view = _dev_view()
    seed = dev_keypair("alice", "ed25519").seed
    claims = {}
    for slot in range(200):
        pre = babe_claims.claim_primary(view, slot, 0, lambda a: vrf_prove(seed, a), vrf_proof_to_hash)
        if pre is not None:
            claims[slot] = pre
    # p = 1 - (3/4)^(1/4) ~ 6.9%: 200 slots give a handful of primary claims, never most of them.
    assert 3 <= len(claims) <= 30
    slot, pre = next(iter(claims.items()))
    assert check_claim(view, pre, vrf_verify) == dev_keypair("alice").public
    # The same proof claimed for Bob, for another slot, or tampered with, is refused.
    with pytest.raises(ClaimError):
        check_claim(view, PrimaryPreDigest(1, slot, pre.vrf_signature), vrf_verify)
    other = next(s for s in range(200) if s not in claims)
    with pytest.raises(ClaimError):
        check_claim(view, PrimaryPreDigest(0, other, pre.vrf_signature), vrf_verify)
    sig = pre.vrf_signature
    tampered = VrfSignature(sig.pre_output, bytes([sig.proof[0] ^ 1]) + sig.proof[1:])
    with pytest.raises(ClaimError):
        check_claim(view, PrimaryPreDigest(0, slot, tampered), vrf_verify)
    # A slot without a winning VRF is not claimable as primary even with a valid proof for it.
    loser_pi = vrf_prove(seed, babe_vrf_input(view.randomness, other, view.epoch_index))
    with pytest.raises(ClaimError, match="above the primary threshold"):
        check_claim(view, babe_claims.primary_pre_digest(0, other, loser_pi), vrf_verify)


def test_claim_slot_prefers_primary_and_falls_back_to_secondary_owner():
    from relaychain.primitives.crypto import dev_keypair
    from relaychain.primitives.vrf import vrf_proof_to_hash, vrf_prove

    names, view = _dev_view()
    for slot in range(40):
        owners = []
        for i, n in enumerate(names):
            seed = dev_keypair(n, "ed25519").seed
            pre = babe_claims.claim_slot(view, slot, i, lambda a, s=seed: vrf_prove(s, a), vrf_proof_to_hash)
            if pre is not None:
                owners.append((i, type(pre).__name__))
        secondary = secondary_slot_author(slot, 4, view.randomness)
        assert owners, f"slot {slot} has no author"
        for i, kind in owners:
            assert kind == "PrimaryPreDigest" or i == secondary
