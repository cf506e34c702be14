"""Node codec: header kinds and nibble-count boundaries (trie.md §2.1), partial keys, bitmap, values,
child references, and strict decoding (§6.2 step 4)."""

import pytest

from relaychain.trie import Node, TrieDecodeError, TrieEncodeError, Value, decode_node, encode_node
from relaychain.trie.codec import encode_header

from .reference import header as reference_header

HASH = bytes(range(32))
CHILD_HASH = bytes(range(100, 132))

# (name, prefix bits, node factory taking a partial key)
KINDS = [
    ("leaf", "01", lambda p: Node(p, Value(b"\x07"))),
    ("branch_no_value", "10", lambda p: Node(p, None, (CHILD_HASH,) + (None,) * 14 + (b"\x41\x00\x00",))),
    ("branch_with_value", "11", lambda p: Node(p, Value(b""), (None, CHILD_HASH) + (None,) * 14)),
    ("hashed_leaf", "001", lambda p: Node(p, Value(HASH, True))),
    ("hashed_branch", "0001", lambda p: Node(p, Value(HASH, True), (None,) * 15 + (CHILD_HASH,))),
]
COUNTS = [0, 1, 14, 15, 16, 30, 31, 32, 62, 63, 64, 317, 318, 572, 573, 65535]


def test_leaf_header_examples_from_spec():
    assert encode_header(0x40, 6, 62) == bytes.fromhex("7e")
    assert encode_header(0x40, 6, 63) == bytes.fromhex("7f00")
    assert encode_header(0x40, 6, 64) == bytes.fromhex("7f01")
    assert encode_header(0x40, 6, 317) == bytes.fromhex("7ffe")
    assert encode_header(0x40, 6, 318) == bytes.fromhex("7fff00")
    assert encode_header(0x20, 5, 31) == bytes.fromhex("3f00")
    assert encode_header(0x10, 4, 15) == bytes.fromhex("1f00")


@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k[0])
def test_header_boundaries_round_trip(kind, count):
    _, bits, make = kind
    partial = ("0123456789abcdef" * (count // 16 + 1))[:count]
    node = make(partial)
    encoded = encode_node(node)
    expected_header = reference_header(bits, count)
    assert encoded.startswith(expected_header)
    packed = bytes.fromhex(("0" + partial) if count % 2 else partial)
    assert encoded[len(expected_header):len(expected_header) + len(packed)] == packed
    assert decode_node(encoded) == node


def test_nibble_count_bound():
    with pytest.raises(TrieEncodeError):
        encode_node(Node("a" * 65536, Value(b"")))


def test_two_tuple_example_bytes():
    """trie.md §2.6: bitmap u16 LE, inline children, odd partial keys in the low half."""
    encoded = bytes.fromhex("8012001443031404ff1443081904fe")
    node = decode_node(encoded)
    assert node.partial == "" and node.value is None
    assert [i for i, c in enumerate(node.children) if c is not None] == [1, 4]
    assert decode_node(node.children[1]) == Node("314", Value(b"\xff"))
    assert decode_node(node.children[4]) == Node("819", Value(b"\xfe"))
    assert encode_node(node) == encoded


def test_value_compact_lengths():
    for n, prefix in [(0, "00"), (1, "04"), (63, "fc"), (64, "0101"), (16383, "fdff"), (16384, "02000100")]:
        enc = encode_node(Node("", Value(b"\x01" * n)))
        assert enc[1:1 + len(prefix) // 2].hex() == prefix
        assert decode_node(enc).value == Value(b"\x01" * n)


def test_empty_node():
    assert decode_node(b"\x00") is None


@pytest.mark.parametrize("bad, why", [
    ("", "empty input"),
    ("0042aa04bb", "0x00 with content"),
    ("01", "compact-proof escape byte"),
    ("02", "reserved header"),
    ("0f", "reserved header"),
    ("42aa04", "truncated value"),
    ("42aa04bbcc", "trailing bytes"),
    ("41f104bb", "non-zero padding nibble"),
    ("7f", "header continuation missing"),
    ("7fff", "header continuation missing"),
    ("800000", "zero bitmap"),
    ("8001", "truncated bitmap"),
    ("800100", "missing child ref"),
    ("800100" + "84" + "00" * 33, "child ref longer than a hash"),
    ("80010000", "child of zero length"),
    ("2100" + "00" * 31, "hashed value truncated"),
    ("420a0100", "non-canonical compact length"),
    ("c0010004", "branch value then missing child"),
])
def test_strict_decoding_rejects(bad, why):
    with pytest.raises(TrieDecodeError):
        decode_node(bytes.fromhex(bad))


def test_encode_rejects_malformed_nodes():
    with pytest.raises(TrieEncodeError):
        encode_node(Node("", None))  # leaf without value
    with pytest.raises(TrieEncodeError):
        encode_node(Node("", None, (None,) * 16))  # branch without children
    with pytest.raises(TrieEncodeError):
        encode_node(Node("", Value(b"short", True)))  # hashed value that is not a hash
    with pytest.raises(TrieEncodeError):
        encode_node(Node("", None, (b"x" * 33,) + (None,) * 15))


def test_v1_hashed_value_bytes_from_the_spec_table():
    """trie.md §2.1/§2.4 by hand: V1 hashes values of ≥ 33 bytes (header 001 / 0001, no length prefix)."""
    import hashlib

    from relaychain.trie import build_trie

    def b2(data):
        return hashlib.blake2b(data, digest_size=32).digest()

    v33, v32 = b"\x11" * 33, b"\x22" * 32
    root, nodes = build_trie({b"\xaa": v33}, 1)
    assert nodes[root] == b"\x22\xaa" + b2(v33) and nodes[b2(v33)] == v33
    root, nodes = build_trie({b"\xaa": v32}, 1)
    assert nodes[root] == b"\x42\xaa\x80" + v32  # 32 bytes stay inline: compact(32) = 0x80
    root, nodes = build_trie({b"\xaa": v33}, 0)
    assert nodes[root] == b"\x42\xaa\x84" + v33  # V0 never hashes
    root, nodes = build_trie({b"\xaa": v33, b"\xaa\xbb": b"\x01"}, 1)
    child = b"\x41\x0b\x04\x01"  # leaf, 1 nibble (b, low half), value 0x01: inline (< 32 bytes)
    assert nodes[root] == b"\x12\xaa" + (1 << 0xb).to_bytes(2, "little") + b2(v33) + bytes([len(child) << 2]) + child
