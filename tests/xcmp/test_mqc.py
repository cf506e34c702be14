"""MQC heads (xcmp.md §2) against a plain reference written here with hashlib and struct: blake2_256 of
SCALE(prev head H256, relay block number u32, blake2_256(SCALE(Vec<u8> message)))."""

from __future__ import annotations

import hashlib
import struct

import pytest
from hypothesis import given, strategies as st

from xcmp.mqc import ZERO_HEAD, extend_mqc, mqc_head_of


def b2(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def scale_compact(n: int) -> bytes:
    if n < 1 << 6:
        return struct.pack("<B", n << 2)
    if n < 1 << 14:
        return struct.pack("<H", (n << 2) | 1)
    if n < 1 << 30:
        return struct.pack("<I", (n << 2) | 2)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "little")
    return bytes((((len(raw) - 4) << 2) | 3,)) + raw


def reference_head(messages, start=bytes(32)) -> bytes:
    head = start
    for sent_at, data in messages:
        head = b2(head + struct.pack("<I", sent_at) + b2(scale_compact(len(data)) + data))
    return head


def test_zero_head_and_empty_chain():
    assert ZERO_HEAD == bytes(32)
    assert mqc_head_of([]) == bytes(32)


@pytest.mark.parametrize("data", [b"", b"x", b"a" * 63, b"b" * 64, b"c" * 16_384, b"d" * 70_000])
def test_one_link_matches_reference_across_compact_length_modes(data):
    assert extend_mqc(bytes(32), 7, data) == reference_head([(7, data)])


def test_inner_hash_is_over_the_scale_encoded_message_not_the_raw_bytes():
    raw_inner = b2(bytes(32) + struct.pack("<I", 1) + b2(b"hello"))
    assert extend_mqc(bytes(32), 1, b"hello") != raw_inner


@given(st.lists(st.tuples(st.integers(0, 2**32 - 1), st.binary(max_size=200)), max_size=8),
       st.binary(min_size=32, max_size=32))
def test_chains_match_reference(messages, start):
    assert mqc_head_of(messages, start) == reference_head(messages, start)


def test_order_and_block_number_matter():
    a, b = (3, b"one"), (3, b"two")
    assert mqc_head_of([a, b]) != mqc_head_of([b, a])
    assert mqc_head_of([(3, b"one")]) != mqc_head_of([(4, b"one")])


def test_bad_head_length_is_refused():
    with pytest.raises(ValueError):
        extend_mqc(bytes(31), 0, b"")
