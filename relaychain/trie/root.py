"""State roots computed from scratch: `trie_root`, `ordered_trie_root`, `build_trie`.

Spec: ../shared/specs/trie.md §1–§3. Like trie-root's streaming builder, the trie is built over the
sorted keys: a range of keys sharing a nibble prefix becomes one node whose partial key is the longest
common prefix of the range (so the result is canonical and independent of insertion order).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Iterable, Mapping, Optional, Sequence, Union

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import encode_compact

from .codec import (
    BRANCH_NO_VALUE, BRANCH_WITH_VALUE, EMPTY_NODE, HASH_LENGTH, HASHED_VALUE_BRANCH,
    HASHED_VALUE_LEAF, LEAF, NIBBLES, TRIE_VALUE_NODE_THRESHOLD, encode_header, encode_partial,
)
from .errors import TrieEncodeError

Entries = Union[Mapping[bytes, bytes], Iterable[tuple[bytes, bytes]]]

_BYTES = (bytes, bytearray, memoryview)

# The character just after each nibble character, to bisect the end of a child's key range.
_NEXT = {c: chr(ord(c) + 1) for c in NIBBLES}


def _entries_dict(entries: Entries) -> dict[bytes, bytes]:
    """Normalise entries to a dict; for repeated keys the later pair wins (what the host does)."""
    items = entries.items() if isinstance(entries, Mapping) else entries
    out: dict[bytes, bytes] = {}
    for key, value in items:
        if not isinstance(key, _BYTES):
            raise TrieEncodeError(f"trie keys are bytes, got {type(key).__name__}: {key!r:.60}")
        if not isinstance(value, _BYTES):
            raise TrieEncodeError(f"the value of key 0x{bytes(key).hex()} must be bytes "
                                  f"(a trie holds only present keys), got {type(value).__name__}")
        out[bytes(key)] = bytes(value)
    return out


class _Builder:
    """Recursive builder over sorted hex keys; records every hashed node (and V1 value node) in `nodes`."""

    __slots__ = ("keys", "values", "hash_values", "nodes")

    def __init__(self, keys: Sequence[str], values: Sequence[bytes], state_version: int,
                 nodes: Optional[dict[bytes, bytes]]):
        self.keys = keys
        self.values = values
        self.hash_values = state_version == 1
        self.nodes = nodes

    def _value_bytes(self, value: bytes) -> tuple[bytes, bool]:
        """(encoded value part, hashed?) for a value written under this builder's state version (§2.4)."""
        if self.hash_values and len(value) >= TRIE_VALUE_NODE_THRESHOLD:
            digest = blake2_256(value)
            if self.nodes is not None:
                self.nodes[digest] = value
            return digest, True
        return encode_compact(len(value)) + value, False

    def _reference(self, encoded: bytes) -> bytes:
        """`compact(len(ref)) ‖ ref` for a child: inline under 32 bytes, else hashed and recorded (§2.5)."""
        if len(encoded) < HASH_LENGTH:
            return encode_compact(len(encoded)) + encoded
        digest = blake2_256(encoded)
        if self.nodes is not None:
            self.nodes[digest] = encoded
        return b"\x80" + digest

    def build(self, lo: int, hi: int, depth: int) -> bytes:
        """Encoding of the node holding keys[lo:hi], all of which share their first `depth` nibbles."""
        keys = self.keys
        first = keys[lo]
        if hi - lo == 1:
            partial = first[depth:]
            value, hashed = self._value_bytes(self.values[lo])
            base, bits = HASHED_VALUE_LEAF if hashed else LEAF
            return encode_header(base, bits, len(partial)) + encode_partial(partial) + value
        last = keys[hi - 1]
        end = depth
        limit = min(len(first), len(last))
        while end < limit and first[end] == last[end]:
            end += 1
        partial = first[depth:end]
        value = b""
        kind = BRANCH_NO_VALUE
        if len(first) == end:  # the branch's own key is present: it sorts first
            value, hashed = self._value_bytes(self.values[lo])
            kind = HASHED_VALUE_BRANCH if hashed else BRANCH_WITH_VALUE
            lo += 1
        bitmap = 0
        children = []
        prefix = first[:end]
        start = lo
        while start < hi:
            nibble = keys[start][end]
            stop = bisect_left(keys, prefix + _NEXT[nibble], start, hi)
            bitmap |= 1 << int(nibble, 16)
            children.append(self._reference(self.build(start, stop, end + 1)))
            start = stop
        return b"".join((encode_header(kind[0], kind[1], len(partial)), encode_partial(partial),
                         bitmap.to_bytes(2, "little"), value, *children))


def _root_encoding(entries: Entries, state_version: int, nodes: Optional[dict[bytes, bytes]]) -> bytes:
    if state_version not in (0, 1):
        raise TrieEncodeError(f"unknown state version {state_version!r}; expected 0 or 1")
    data = _entries_dict(entries)
    if not data:
        return EMPTY_NODE
    pairs = sorted((k.hex(), v) for k, v in data.items())
    keys = [k for k, _ in pairs]
    values = [v for _, v in pairs]
    return _Builder(keys, values, state_version, nodes).build(0, len(keys), 0)


def trie_root(entries: Entries, state_version: int = 1) -> bytes:
    """blake2-256 of the root node's encoding; the root node is always hashed (§3)."""
    return blake2_256(_root_encoding(entries, state_version, None))


def build_trie(entries: Entries, state_version: int) -> tuple[bytes, dict[bytes, bytes]]:
    """(root, nodes): every node stored by hash, the root node (even if short) and, under V1, each value
    node (hash of a value ≥ 33 bytes → the value)."""
    nodes: dict[bytes, bytes] = {}
    encoded = _root_encoding(entries, state_version, nodes)
    root = blake2_256(encoded)
    nodes[root] = encoded
    return root, nodes


def ordered_trie_root(values: Iterable[bytes], state_version: int = 1) -> bytes:
    """Root of the trie keyed by SCALE `compact(i)` for the i-th value: the extrinsics root (§3)."""
    return trie_root({encode_compact(i): bytes(v) for i, v in enumerate(values)}, state_version)

