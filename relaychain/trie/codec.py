"""Node codec of the Substrate trie: `NodeCodec` of sp-trie with the NoExtension layout.

Spec: ../shared/specs/trie.md §2. A node is `header ‖ partial_key ‖ [bitmap] ‖ [value] ‖ children`.

Nibble paths are represented as lowercase hex strings: `bytes.hex()` already reads a key high nibble
first, so the path of key 0x1a2b is "1a2b". Partial keys may have an odd length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.records import fast_init
from relaychain.primitives.scale import encode_compact

from .errors import TrieDecodeError, TrieEncodeError

HASH_LENGTH = 32
# sp_core::storage::TRIE_VALUE_NODE_THRESHOLD: under LayoutV1 values of this length or more are hashed (§2.4).
TRIE_VALUE_NODE_THRESHOLD = 33
# trie-db NIBBLE_SIZE_BOUND: the largest nibble count a header can carry (§2.1).
NIBBLE_SIZE_BOUND = 0xFFFF

EMPTY_NODE = b"\x00"
EMPTY_ROOT = blake2_256(EMPTY_NODE)

# Header kinds (§2.1): (first-byte base, bits left for the nibble count).
LEAF = (0x40, 6)
BRANCH_NO_VALUE = (0x80, 6)
BRANCH_WITH_VALUE = (0xC0, 6)
HASHED_VALUE_LEAF = (0x20, 5)
HASHED_VALUE_BRANCH = (0x10, 4)

NIBBLES = "0123456789abcdef"


@fast_init
@dataclass(frozen=True, slots=True)
class Value:
    """A node value: inline bytes, or (V1, len ≥ 33) the blake2-256 hash of a separately stored value node."""

    data: bytes
    hashed: bool = False


@fast_init
@dataclass(frozen=True, slots=True)
class Node:
    """A decoded trie node.

    `partial` is the partial key as a nibble (hex) string. `children` is None for a leaf, otherwise a
    16-tuple of child references: a 32-byte hash, or the child's full encoding when that is < 32 bytes
    (inline child, §2.5).
    """

    partial: str
    value: Optional[Value]
    children: Optional[tuple] = None

    @property
    def is_leaf(self) -> bool:
        return self.children is None


def value_for(data: bytes, state_version: int) -> Value:
    """The form a newly written value takes: hashed under V1 when `len ≥ 33`, inline otherwise (§2.4, §4)."""
    if state_version == 1 and len(data) >= TRIE_VALUE_NODE_THRESHOLD:
        return Value(blake2_256(data), True)
    if state_version not in (0, 1):
        raise TrieEncodeError(f"unknown state version {state_version!r}; expected 0 or 1")
    return Value(bytes(data), False)


def encode_header(base: int, bits: int, nibble_count: int) -> bytes:
    """Kind prefix plus nibble count, continuing into extra bytes when the count does not fit (§2.1)."""
    if nibble_count > NIBBLE_SIZE_BOUND:
        raise TrieEncodeError(f"partial key of {nibble_count} nibbles exceeds the bound of {NIBBLE_SIZE_BOUND}")
    mask = (1 << bits) - 1
    if nibble_count < mask:
        return bytes((base | nibble_count,))
    out = bytearray((base | mask,))
    rest = nibble_count - mask
    while rest >= 255:
        out.append(255)
        rest -= 255
    out.append(rest)
    return bytes(out)


def encode_partial(partial: str) -> bytes:
    """Pack nibbles into bytes; an odd count puts the first nibble in the low half of byte 0 (§2.2)."""
    return bytes.fromhex("0" + partial if len(partial) & 1 else partial)


# SCALE compact of 0..63 (one byte): the length prefix of every child reference (1..32 bytes) and short value.
_COMPACT_BYTE = tuple(bytes((n << 2,)) for n in range(64))


def encode_node(node: Node) -> bytes:
    """Encode a leaf or branch node (§2)."""
    value = node.value
    children = node.children
    partial = node.partial
    if children is None:
        if value is None:
            raise TrieEncodeError("a leaf must have a value")
        base, bits = HASHED_VALUE_LEAF if value.hashed else LEAF
    elif value is None:
        base, bits = BRANCH_NO_VALUE
    else:
        base, bits = HASHED_VALUE_BRANCH if value.hashed else BRANCH_WITH_VALUE
    out = [encode_header(base, bits, len(partial)), encode_partial(partial)]
    refs = []
    if children is not None:
        if len(children) != 16:
            raise TrieEncodeError("a branch has exactly 16 child slots")
        bitmap, bit = 0, 1
        for child in children:
            if child is not None:
                size = len(child)
                if not 0 < size <= HASH_LENGTH:
                    raise TrieEncodeError(f"a child reference must be 1..32 bytes, got {size}")
                bitmap |= bit
                refs.append(_COMPACT_BYTE[size])
                refs.append(child)
            bit <<= 1
        if bitmap == 0:
            raise TrieEncodeError("a branch must have at least one child")
        out.append(bitmap.to_bytes(2, "little"))
    if value is not None:
        data = value.data
        if value.hashed:
            if len(data) != HASH_LENGTH:
                raise TrieEncodeError("a hashed value must be a 32-byte hash")
        else:
            size = len(data)
            out.append(_COMPACT_BYTE[size] if size < 64 else encode_compact(size))
        out.append(data)
    out += refs
    return b"".join(out)


def _read_compact(data: bytes, pos: int) -> tuple[int, int]:
    """SCALE compact at `pos` (canonical form only); return (value, new position)."""
    if pos >= len(data):
        raise TrieDecodeError(f"truncated node: compact length expected at offset {pos}")
    first = data[pos]
    mode = first & 3
    if mode == 0:
        return first >> 2, pos + 1
    if mode == 1:
        if pos + 2 > len(data):
            raise TrieDecodeError(f"truncated node: compact length at offset {pos}")
        n = int.from_bytes(data[pos:pos + 2], "little") >> 2
        if n < 64:
            raise TrieDecodeError(f"non-canonical compact length at offset {pos}")
        return n, pos + 2
    if mode == 2:
        if pos + 4 > len(data):
            raise TrieDecodeError(f"truncated node: compact length at offset {pos}")
        n = int.from_bytes(data[pos:pos + 4], "little") >> 2
        if n < 1 << 14:
            raise TrieDecodeError(f"non-canonical compact length at offset {pos}")
        return n, pos + 4
    raise TrieDecodeError(f"compact length at offset {pos} is too large for a trie node")


def decode_header(data: bytes) -> tuple[str, int, int]:
    """Return (kind, nibble count, offset after the header); kind is one of
    "leaf", "hashed_leaf", "branch", "branch_value", "hashed_branch" (§2.1)."""
    if not data:
        raise TrieDecodeError("empty input is not a trie node")
    first = data[0]
    top2 = first >> 6
    if top2 == 1:
        kind, bits = "leaf", 6
    elif top2 == 2:
        kind, bits = "branch", 6
    elif top2 == 3:
        kind, bits = "branch_value", 6
    elif first >> 5 == 1:
        kind, bits = "hashed_leaf", 5
    elif first >> 4 == 1:
        kind, bits = "hashed_branch", 4
    elif first == 0:
        raise TrieDecodeError("the empty-trie byte 0x00 cannot start a node with content")
    else:
        raise TrieDecodeError(f"invalid node header byte 0x{first:02x} (0x01..0x0f are not node kinds)")
    mask = (1 << bits) - 1
    count = first & mask
    pos = 1
    if count == mask:
        while True:
            if pos >= len(data):
                raise TrieDecodeError("truncated node header: nibble count continues past the end")
            b = data[pos]
            pos += 1
            count += b
            if count > NIBBLE_SIZE_BOUND:
                raise TrieDecodeError(f"nibble count exceeds the bound of {NIBBLE_SIZE_BOUND}")
            if b < 255:
                break
    return kind, count, pos


def decode_node(data: bytes) -> Optional[Node]:
    """Decode one node strictly: bad headers, non-zero padding, an empty bitmap, truncation and trailing
    bytes all raise `TrieDecodeError` (§6.2 step 4). Returns None for the empty trie `0x00`."""
    data = bytes(data)
    if data == EMPTY_NODE:
        return None
    kind, count, pos = decode_header(data)
    nbytes = (count + 1) // 2
    if pos + nbytes > len(data):
        raise TrieDecodeError("truncated node: partial key runs past the end")
    partial = data[pos:pos + nbytes].hex()
    if count & 1:
        if partial[0] != "0":
            raise TrieDecodeError("bad partial key: padding nibble of an odd-length key is not zero")
        partial = partial[1:]
    pos += nbytes
    is_branch = kind in ("branch", "branch_value", "hashed_branch")
    bitmap = 0
    if is_branch:
        if pos + 2 > len(data):
            raise TrieDecodeError("truncated node: branch bitmap missing")
        bitmap = int.from_bytes(data[pos:pos + 2], "little")
        pos += 2
        if bitmap == 0:
            raise TrieDecodeError("branch bitmap without a child")
    value: Optional[Value] = None
    if kind in ("hashed_leaf", "hashed_branch"):
        if pos + HASH_LENGTH > len(data):
            raise TrieDecodeError("truncated node: hashed value runs past the end")
        value = Value(data[pos:pos + HASH_LENGTH], True)
        pos += HASH_LENGTH
    elif kind in ("leaf", "branch_value"):
        length, pos = _read_compact(data, pos)
        if pos + length > len(data):
            raise TrieDecodeError("truncated node: value runs past the end")
        value = Value(data[pos:pos + length], False)
        pos += length
    children = None
    if is_branch:
        slots = [None] * 16
        for i in range(16):
            if bitmap >> i & 1:
                length, pos = _read_compact(data, pos)
                if not 0 < length <= HASH_LENGTH:
                    raise TrieDecodeError(f"child reference of {length} bytes in slot {i}; expected 1..32")
                if pos + length > len(data):
                    raise TrieDecodeError(f"truncated node: child {i} runs past the end")
                slots[i] = data[pos:pos + length]
                pos += length
        children = tuple(slots)
    if pos != len(data):
        raise TrieDecodeError(f"{len(data) - pos} trailing bytes after the node")
    return Node(partial, value, children)
