"""Typed errors of the trie area (spec: ../shared/specs/trie.md)."""

from __future__ import annotations


class TrieError(Exception):
    """Base class of every error raised by relaychain.trie."""


class TrieDecodeError(TrieError):
    """Bytes that are not a valid encoded trie node (trie.md §2, §6.2 step 4)."""


class TrieEncodeError(TrieError):
    """A node that cannot be encoded, e.g. a partial key longer than 65 535 nibbles (trie.md §2.1)."""


class MissingNodeError(TrieError):
    """A node referenced by hash is absent from the node store (an incomplete database)."""

    def __init__(self, node_hash: bytes, context: str = ""):
        self.node_hash = node_hash
        where = f" while {context}" if context else ""
        super().__init__(f"trie node 0x{node_hash.hex()} is missing from the node store{where}")


class TrieProofError(TrieError):
    """A read proof that is incomplete or contains malformed nodes (trie.md §6.2)."""
