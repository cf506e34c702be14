"""Default child tries (trie.md §5).

A default child trie is a separate trie with the same codec and layout as the top trie; its root sits
in the top trie at `:child_storage:default:` ‖ storage_key, and that entry is removed (not set to the
empty root) when the child trie becomes empty.
"""

from __future__ import annotations

from typing import Iterable, Optional

from .backend import TrieBackend
from .codec import EMPTY_ROOT, HASH_LENGTH
from .errors import TrieError, TrieProofError
from .proof import read_proof, verify_read_proof
from .root import Entries, trie_root

CHILD_STORAGE_KEY_PREFIX = b":child_storage:"
DEFAULT_CHILD_STORAGE_KEY_PREFIX = b":child_storage:default:"


def child_storage_key(storage_key: bytes) -> bytes:
    """`ChildInfo::new_default(storage_key).prefixed_storage_key()`: the top-trie key of the child root."""
    return DEFAULT_CHILD_STORAGE_KEY_PREFIX + bytes(storage_key)


def is_child_storage_key(key: bytes) -> bool:
    """Keys under `:child_storage:` are reserved: the runtime cannot write them directly (§5)."""
    return bytes(key).startswith(CHILD_STORAGE_KEY_PREFIX)


def child_trie_root(entries: Entries, state_version: int = 1) -> bytes:
    """Root of a default child trie: the ordinary trie root over the child's entries."""
    return trie_root(entries, state_version)


def child_root_change(storage_key: bytes, child_root: bytes) -> tuple[bytes, Optional[bytes]]:
    """The top-trie change recording a child root: set it, or delete the entry for an empty child trie."""
    return child_storage_key(storage_key), (None if child_root == EMPTY_ROOT else child_root)


def child_root(top: TrieBackend, storage_key: bytes) -> bytes:
    """The root of a default child trie as recorded in the top trie (the empty root if it has none)."""
    stored = top.get(child_storage_key(storage_key))
    if stored is None:
        return EMPTY_ROOT
    if len(stored) != HASH_LENGTH:
        raise TrieError(f"child root entry for {bytes(storage_key)!r} is {len(stored)} bytes, not a 32-byte root")
    return stored


def child_backend(top: TrieBackend, storage_key: bytes) -> TrieBackend:
    """A backend over a default child trie, sharing the top trie's store, cache and state version."""
    return top.with_root(child_root(top, storage_key))


def read_child_proof(top: TrieBackend, storage_key: bytes, keys: Iterable[bytes]) -> list[bytes]:
    """`state_getChildReadProof`: the top-trie nodes proving the child root, plus the child-trie nodes
    for `keys` (§5)."""
    child = child_backend(top, storage_key)
    items = set(top.read_proof([child_storage_key(storage_key)]))
    items.update(read_proof(child.store, child.root, keys))
    return sorted(items)


def verify_child_read_proof(top_root: bytes, proof: list[bytes], storage_key: bytes,
                            keys: Iterable[bytes]) -> dict[bytes, Optional[bytes]]:
    """Check a child read proof against the top root; values of `keys` in the child trie."""
    top_key = child_storage_key(storage_key)
    stored = verify_read_proof(top_root, proof, [top_key])[top_key]
    if stored is not None and len(stored) != HASH_LENGTH:
        raise TrieProofError(f"child root entry is {len(stored)} bytes, not a 32-byte root")
    return verify_read_proof(EMPTY_ROOT if stored is None else stored, proof, keys)
