"""BABE slot-claim arithmetic: the primary threshold, the secondary slot owner, pre-digest codec."""

import hashlib
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from relaychain.node.consensus import babe_claims
from relaychain.node.consensus.babe_claims import (ClaimError, EpochView, SecondaryPlainPreDigest, check_claim,
                                                   primary_threshold, secondary_slot_author)
from relaychain.primitives.scale import ScaleDecodeError


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
