"""Storage read proofs (trie.md §6): the node set of `state_getReadProof` and its verification.

A proof is an unordered set of encoded nodes: every hash-referenced node visited while looking up the
keys (the root always), plus under V1 the raw bytes of each hashed value read. We return it sorted by
bytes, as Substrate's `BTreeSet<Vec<u8>>` does.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

from relaychain.primitives.hashing import blake2_256

from .codec import EMPTY_NODE, EMPTY_ROOT, HASH_LENGTH, Node, decode_node
from .errors import MissingNodeError, TrieDecodeError, TrieProofError
from .store import NodeStore


def _lookup(fetch, root: bytes, key: bytes, visit) -> Optional[bytes]:
    """The §6.2 walk: `fetch(hash)` gives the encoded node (or raises); `visit(encoded)` sees every
    hash-referenced node and value node used. Returns the value or None if the key is absent."""
    if root == EMPTY_ROOT:
        encoded = fetch(root, allow_empty=True)
        if encoded is not None:
            visit(encoded)
        return None
    encoded = fetch(root)
    visit(encoded)
    node = decode_node(encoded)
    path = bytes(key).hex()
    pos = 0
    while node is not None:
        if not path.startswith(node.partial, pos):
            return None
        pos += len(node.partial)
        if pos == len(path):
            return _value(fetch, node, visit)
        if node.children is None:
            return None
        ref = node.children[int(path[pos], 16)]
        if ref is None:
            return None
        pos += 1
        if len(ref) == HASH_LENGTH:
            encoded = fetch(ref)
            visit(encoded)
            node = decode_node(encoded)
        else:
            node = decode_node(ref)
        if node is None:
            raise TrieDecodeError("a child reference points at the empty node")
    return None


def _value(fetch, node: Node, visit) -> Optional[bytes]:
    value = node.value
    if value is None:
        return None
    if not value.hashed:
        return value.data
    data = fetch(value.data)
    visit(data)
    return data


def lookup_path(store: NodeStore, root: bytes, key: bytes) -> list[bytes]:
    """The encoded nodes on the lookup path of `key`, root first (an erasure-chunk branch, trie.md §7)."""
    path: list[bytes] = []
    _lookup(_store_fetch(store), root, key, path.append)
    return path


def _store_fetch(store: NodeStore):
    def fetch(node_hash: bytes, allow_empty: bool = False) -> Optional[bytes]:
        encoded = store.get_node(node_hash)
        if encoded is None:
            if allow_empty:
                return EMPTY_NODE
            raise MissingNodeError(node_hash, "building a read proof")
        return encoded
    return fetch


def read_proof(store: NodeStore, root: bytes, keys: Iterable[bytes]) -> list[bytes]:
    """Every node (and V1 value node) visited looking up `keys` under `root`, deduplicated, sorted."""
    items: set[bytes] = set()
    fetch = _store_fetch(store)
    for key in keys:
        _lookup(fetch, root, bytes(key), items.add)
    return sorted(items)


def verify_read_proof(root: bytes, proof: Iterable[bytes], keys: Iterable[bytes]) -> dict[bytes, Optional[bytes]]:
    """Check `proof` against `root` and return each key's value (None = proven absent).

    Raises TrieProofError when a needed node or value node is missing or a node is malformed
    (`read_proof_check`, trie.md §6.2). Unused items are tolerated."""
    db: Mapping[bytes, bytes] = {}
    for item in proof:
        if not isinstance(item, (bytes, bytearray, memoryview)):
            raise TrieProofError(f"proof items are encoded nodes (bytes), got {type(item).__name__}")
        db[blake2_256(bytes(item))] = bytes(item)

    def fetch(node_hash: bytes, allow_empty: bool = False) -> Optional[bytes]:
        encoded = db.get(node_hash)
        if encoded is None:
            if allow_empty:
                return None
            raise TrieProofError(f"incomplete proof: no item hashes to 0x{node_hash.hex()}")
        return encoded

    out: dict[bytes, Optional[bytes]] = {}
    for key in keys:
        key = bytes(key)
        try:
            out[key] = _lookup(fetch, bytes(root), key, lambda _: None)
        except TrieDecodeError as e:
            raise TrieProofError(f"invalid proof node while looking up 0x{key.hex()}: {e}") from e
    return out
