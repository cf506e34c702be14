"""The type DSL: values round-trip, encodings agree with scalecodec (an independent SCALE implementation)."""

import pytest
from hypothesis import given, strategies as st
from scalecodec.base import RuntimeConfiguration
from scalecodec.type_registry import load_type_registry_preset

from relaychain.primitives.scale import ScaleDecodeError
from relaychain.primitives.scale_types import (
    BOOL, BYTES, STR, U8, U16, U32, U64, U128, I32, Array, Compact, Enum, Option, PortableRegistry, Struct, Tuple,
    Variant, Vec,
)

RC = RuntimeConfiguration()
RC.update_type_registry(load_type_registry_preset("core"))


def oracle(type_string, value):
    return bytes(RC.create_scale_object(type_string).encode(value).data)


@given(st.integers(0, 2**128 - 1))
def test_compact_matches_scalecodec(n):
    assert Compact(U128).encode(n) == oracle("Compact<u128>", n)
    assert Compact(U128).decode(Compact(U128).encode(n)) == n


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**64 - 1), st.integers(-2**31, 2**31 - 1))
def test_fixed_ints_match_scalecodec(a, b, c):
    assert U32.encode(a) == oracle("u32", a)
    assert U64.encode(b) == oracle("u64", b)
    assert I32.encode(c) == oracle("i32", c)
    assert Tuple(U32, U64, I32).decode(Tuple(U32, U64, I32).encode((a, b, c))) == (a, b, c)


@given(st.lists(st.integers(0, 65535), max_size=40), st.binary(max_size=300), st.text(max_size=30))
def test_vec_bytes_str(items, blob, text):
    assert Vec(U16).encode(items) == oracle("Vec<u16>", items)
    assert Vec(U16).decode(Vec(U16).encode(items)) == items
    assert BYTES.encode(blob) == oracle("Bytes", "0x" + blob.hex())
    assert STR.decode(STR.encode(text)) == text


@given(st.one_of(st.none(), st.integers(0, 2**32 - 1)))
def test_option(v):
    t = Option(U32)
    assert t.encode(v) == oracle("Option<u32>", v)
    assert t.decode(t.encode(v)) == v


ENUM = Enum("test::Shape", [Variant("Unit", 0), Variant("One", 3, ((None, U8),)),
                            Variant("Named", 7, (("x", U32), ("y", BOOL))), Variant("Pair", 9, ((None, U8), (None, U16)))])


@pytest.mark.parametrize("value, expected", [
    ("Unit", b"\x00"), (("One", 5), b"\x03\x05"), (("Named", {"x": 1, "y": True}), b"\x07\x01\x00\x00\x00\x01"),
    (("Pair", (1, 2)), b"\x09\x01\x02\x00"),
])
def test_enum_uses_explicit_indices(value, expected):
    assert ENUM.encode(value) == expected
    assert ENUM.decode(expected) == value


def test_struct_and_array():
    s = Struct("test::Point", [("x", U32, "u32"), ("tag", Array(U8, 4), "[u8; 4]")])
    enc = s.encode({"x": 7, "tag": b"abcd"})
    assert enc == b"\x07\x00\x00\x00abcd"
    assert s.decode(enc) == {"x": 7, "tag": b"abcd"}
    newtype = Struct("test::Id", [(None, Array(U8, 32), "[u8; 32]")])
    assert newtype.decode(bytes(range(32))) == bytes(range(32))


@pytest.mark.parametrize("t, data", [
    (U32, b"\x01\x02"), (BOOL, b"\x02"), (Option(U8), b"\x02\x00"), (ENUM, b"\x01"), (Vec(U32), b"\x08\x01"),
    (U8, b"\x01\x02"),
])
def test_malformed_input_raises_typed_error(t, data):
    with pytest.raises(ScaleDecodeError):
        t.decode(data)


@pytest.mark.parametrize("t, bad", [(U8, 256), (U32, -1), (BOOL, 1), (Array(U8, 4), b"abc"), (ENUM, "Nope")])
def test_bad_values_refused(t, bad):
    with pytest.raises(ValueError):
        t.encode(bad)


def test_registry_deduplicates_structurally():
    reg = PortableRegistry()
    a = reg.id_of(Vec(U32))
    assert reg.id_of(Vec(U32)) == a  # a second, equal description is the same entry
    p1 = Struct("x::PerClass", [("n", U32, "T")], params=[("T", U32)])
    p2 = Struct("x::PerClass", [("n", U64, "T")], params=[("T", U64)])
    assert reg.id_of(p1) != reg.id_of(p2)  # same path, different generic parameter: two types
    n = len(reg)
    reg.id_of(Struct("x::PerClass", [("n", U32, "T")], params=[("T", U32)]))
    assert len(reg) == n


# -- BitVec<u8, Lsb0> and declared structs -----------------------------------------------------------

from relaychain.primitives.scale_types import H256, BitVec, scale_struct, sfield  # noqa: E402
from scalecodec.base import ScaleBytes  # noqa: E402


@given(st.lists(st.booleans(), max_size=70))
def test_bitvec_agrees_with_scalecodec(bits):
    enc = BitVec().encode(bits)
    assert BitVec().decode(enc) == tuple(bits)
    # scalecodec shows a BitVec as a binary number whose bit i is element i (Lsb0 over u8 stores).
    shown = RC.create_scale_object("BitVec", data=ScaleBytes(enc)).decode()
    assert int(shown, 2) == sum(1 << i for i, b in enumerate(bits) if b)
    assert enc[len(enc) - (len(bits) + 7) // 8:] == bytes(
        sum(1 << j for j in range(8) if 8 * i + j < len(bits) and bits[8 * i + j]) for i in range((len(bits) + 7) // 8))


def test_bitvec_refuses_padding_bits_and_short_input():
    with pytest.raises(ScaleDecodeError):
        BitVec().decode(bytes([3 << 2, 0b1000]))  # 3 bits, bit 3 set
    with pytest.raises(ScaleDecodeError):
        BitVec().decode(bytes([9 << 2, 0xFF]))  # 9 bits need 2 bytes


@scale_struct("example::Declared")
class Declared:
    number: int = sfield(U32, "u32")
    hash: bytes = sfield(H256, "Hash")
    bits: tuple = sfield(BitVec(), "BitVec<u8, Lsb0>")


def test_declared_struct_is_a_frozen_dataclass_and_its_own_codec():
    d = Declared(7, bytes(range(32)), (True, False, True))
    enc = d.encode()
    assert enc == U32.encode(7) + bytes(range(32)) + bytes([3 << 2, 0b101])
    assert Declared.decode(enc) == d and isinstance(Declared.decode(enc), Declared)
    with pytest.raises(Exception):
        d.number = 8
    assert [f.name for f in Declared.SCALE.fields] == ["number", "hash", "bits"]
    assert Declared.SCALE.path == ("example", "Declared")


# -- skip: moving past a value without building it ----------------------------------------------------------

def _skip_types():
    from relaychain.primitives.scale_types import (
        BOOL, BYTES, STR, U8, U16, U128, Array, BitVec, Compact, Enum, Option, Struct, Tuple, Variant, Vec,
    )
    fixed = Struct("t::Fixed", [("a", U16, "u16"), ("b", Array(U8, 3), "[u8; 3]"), ("c", BOOL, "bool")])
    var = Enum("t::E", [Variant("Unit", 0), Variant("Num", 1, ((None, Compact(U128), "Compact<u128>"),)),
                        Variant("Pair", 7, (("x", Option(U16), "Option<u16>"), ("y", BYTES, "Vec<u8>")))])
    return {
        "fixed": (fixed, st.builds(lambda a, b, c: {"a": a, "b": b, "c": c}, st.integers(0, 65535),
                                   st.binary(min_size=3, max_size=3), st.booleans())),
        "enum": (var, st.one_of(st.just("Unit"), st.tuples(st.just("Num"), st.integers(0, (1 << 128) - 1)),
                                st.tuples(st.just("Pair"), st.builds(lambda x, y: {"x": x, "y": y},
                                                                     st.none() | st.integers(0, 65535),
                                                                     st.binary(max_size=80))))),
        "vec_of_enum": (Vec(var), None),
        "vec_of_fixed": (Vec(fixed), None),
        "tuple": (Tuple(STR, Compact(U8), BitVec()), st.tuples(st.text(max_size=20), st.integers(0, 255),
                                                               st.lists(st.booleans(), max_size=20).map(tuple))),
    }


@given(st.data())
def test_skip_consumes_exactly_one_encoded_value(data):
    """For any value, `skip` ends where `decode_from` ends (the value's whole encoding, nothing of what
    follows); a fixed_size, when given, is the length of every encoding."""
    from relaychain.primitives.scale import Reader

    types = _skip_types()
    name = data.draw(st.sampled_from(sorted(types)))
    t, strategy = types[name]
    if strategy is None:
        inner = types[name.removeprefix("vec_of_")][1]
        strategy = st.lists(inner, max_size=6)
    value = data.draw(strategy)
    encoded = t.encode(value)
    tail = data.draw(st.binary(max_size=8))
    r = Reader(encoded + tail)
    t.skip(r)
    assert r.pos == len(encoded)
    if t.fixed_size() is not None:
        assert t.fixed_size() == len(encoded)


def test_skip_of_a_truncated_value_raises():
    from relaychain.primitives.scale import Reader

    for name, (t, _s) in _skip_types().items():
        if name == "fixed":
            encoded = t.encode({"a": 1, "b": b"abc", "c": True})
            with pytest.raises(ScaleDecodeError):
                t.skip(Reader(encoded[:-1]))
    vec = _skip_types()["vec_of_fixed"][0]
    with pytest.raises(ScaleDecodeError):
        vec.skip(Reader(b"\x08" + bytes(6)))  # two 6-byte items announced, one given
