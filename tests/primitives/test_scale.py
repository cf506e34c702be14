"""SCALE core: spec examples, round trips, and agreement with scalecodec (an independent implementation)."""

import pytest
from hypothesis import given, strategies as st
from scalecodec.base import RuntimeConfiguration, ScaleBytes

from relaychain.primitives import scale
from relaychain.primitives.scale import Reader, ScaleDecodeError, decode_all


@pytest.mark.parametrize("n,hexed", [(0, "00"), (1, "04"), (63, "fc"), (64, "0101"), (16383, "fdff"),
                                     (16384, "02000100"), (2**30 - 1, "feffffff"), (2**30, "0300000040")])
def test_compact_spec_examples(n, hexed):
    assert scale.encode_compact(n).hex() == hexed
    assert decode_all(bytes.fromhex(hexed), Reader.compact) == n


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_compact_round_trip_and_matches_scalecodec(n):
    enc = scale.encode_compact(n)
    assert decode_all(enc, Reader.compact) == n
    obj = RuntimeConfiguration().create_scale_object("Compact<u128>", ScaleBytes(enc))
    assert obj.decode() == n


@given(st.lists(st.binary(max_size=70), max_size=5), st.none() | st.integers(0, 2**32 - 1))
def test_vec_and_option_round_trip(items, opt):
    enc = scale.encode_vec(items, scale.encode_bytes) + scale.encode_option(opt, scale.encode_u32)
    r = Reader(enc)
    assert r.vec(Reader.bytes) == items
    assert r.option(Reader.u32) == opt
    r.finish()


@pytest.mark.parametrize("bad", [b"", b"\x01", b"\x03\x00\x00", b"\x15\x01\x02"])
def test_truncated_input_raises_typed_error(bad):
    with pytest.raises(ScaleDecodeError):
        r = Reader(bad)
        r.compact()
        r.bytes()


def test_non_canonical_compact_and_trailing_bytes_rejected():
    with pytest.raises(ScaleDecodeError):
        decode_all(b"\x01\x00", Reader.compact)  # 0 in two-byte mode
    with pytest.raises(ScaleDecodeError):
        decode_all(b"\x04\x00", Reader.compact)
    with pytest.raises(ScaleDecodeError):
        decode_all(b"\x02", Reader.bool)
