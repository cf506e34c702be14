"""Default child tries (trie.md §5).

A default child trie is a separate trie with the same codec and layout as the top trie; its root sits
in the top trie at `:child_storage:default:` ‖ storage_key, and that entry is removed (not set to the
empty root) when the child trie becomes empty.
"""

from __future__ import annotations

from typing import Optional

from .codec import EMPTY_ROOT
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
