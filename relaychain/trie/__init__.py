"""Substrate base-16 Patricia–Merkle trie (NoExtension layout, blake2-256), state versions 0 and 1.

Spec: ../shared/specs/trie.md. Public API (contract C2):
- `trie_root`, `ordered_trie_root`, `build_trie` (from-scratch roots, root.py)
- `encode_node` / `decode_node` / `Node` / `Value` (node codec, codec.py)
- `NodeStore`, `MemoryNodeStore`, `OverlayNodeStore` (store.py)
- `TrieBackend` (reads, `apply` incremental updates; backend.py, update.py)
- `read_proof`, `verify_read_proof`, `lookup_path` (proof.py)
- `child_storage_key`, `child_trie_root`, `child_root_change`, `child_root`, `child_backend`,
  `read_child_proof`, `verify_child_read_proof` (child.py)
"""

from .codec import EMPTY_NODE, EMPTY_ROOT, TRIE_VALUE_NODE_THRESHOLD, Node, Value, decode_node, encode_node
from .errors import MissingNodeError, TrieDecodeError, TrieEncodeError, TrieError, TrieProofError
from .backend import TrieBackend
from .child import (
    child_backend, child_root, child_root_change, child_storage_key, child_trie_root, is_child_storage_key,
    read_child_proof, verify_child_read_proof,
)
from .proof import lookup_path, read_proof, verify_read_proof
from .root import build_trie, ordered_trie_root, trie_root
from .store import MemoryNodeStore, NodeStore, OverlayNodeStore

__all__ = [
    "EMPTY_NODE", "EMPTY_ROOT", "TRIE_VALUE_NODE_THRESHOLD", "Node", "Value", "decode_node", "encode_node",
    "MissingNodeError", "TrieDecodeError", "TrieEncodeError", "TrieError", "TrieProofError",
    "build_trie", "ordered_trie_root", "trie_root",
    "MemoryNodeStore", "NodeStore", "OverlayNodeStore", "TrieBackend",
    "child_backend", "child_root", "child_root_change", "child_storage_key", "child_trie_root",
    "is_child_storage_key", "read_child_proof", "verify_child_read_proof",
    "lookup_path", "read_proof", "verify_read_proof",
]
