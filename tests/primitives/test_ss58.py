"""SS58 against published addresses and scalecodec's independent encoder."""

import json

import pytest
from hypothesis import given, strategies as st
from scalecodec.utils import ss58 as oracle

from relaychain.primitives.ss58 import SS58Error, ss58_decode, ss58_encode


@pytest.fixture(scope="module")
def keys(vectors_dir):
    return json.loads((vectors_dir / "primitives" / "dev_keys.json").read_text())


def test_known_addresses(keys):
    alice = bytes.fromhex(keys["sr25519"]["//Alice"])
    assert ss58_encode(alice) == keys["alice_ss58_42"]
    assert ss58_decode(keys["alice_ss58_42"]) == (alice, 42)
    v = keys["caution_juice"]
    pub = bytes.fromhex(v["sr25519_public"])
    for prefix in (42, 0, 2):
        addr = v[f"ss58_{prefix}"]
        assert ss58_encode(pub, prefix) == addr
        assert ss58_decode(addr) == (pub, prefix)


@given(st.binary(min_size=32, max_size=32), st.integers(0, 16383).filter(lambda p: p not in (46, 47)))
def test_matches_scalecodec_and_round_trips(pub, prefix):
    addr = ss58_encode(pub, prefix)
    assert addr == oracle.ss58_encode(pub, prefix)
    assert ss58_decode(addr) == (pub, prefix)


def test_two_byte_prefix_layout():
    # prefix 0x1234 → first = ((0x34 & 0xfc) >> 2) | 0x40, second = 0x12 | (0x34 & 3) << 6; checked via raw base58
    addr = ss58_encode(bytes(32), 0x1234)
    assert ss58_decode(addr)[1] == 0x1234
    assert oracle.ss58_decode(addr, valid_ss58_format=0x1234) == "00" * 32


def test_rejections(keys):
    good = keys["alice_ss58_42"]
    bad_checksum = good[:-1] + ("Z" if good[-1] != "Z" else "Y")
    for bad in ["", "0OIl", good[:-3], good + "1", bad_checksum, "1" * 48]:
        with pytest.raises(SS58Error):
            ss58_decode(bad)
    with pytest.raises(SS58Error):
        ss58_encode(b"\x00" * 31)
    for prefix in (-1, 16384, 46, 47):
        with pytest.raises(SS58Error):
            ss58_encode(b"\x00" * 32, prefix)


@given(st.text(max_size=60))
def test_decode_arbitrary_text_raises_only_ss58error(text):
    try:
        pub, prefix = ss58_decode(text)
    except SS58Error:
        return
    assert len(pub) == 32 and ss58_encode(pub, prefix) == text
