"""Embedded on-disk database on lmdb: blocks, canonical index, finality, trie nodes, metadata and
availability chunks, with one atomic, fsync'd transaction per write (contract C3).

Public API: `Database`, `LmdbNodeStore`, `StorageError`, `UnknownBlockError`, `DatabaseInUse`,
`DatabaseCorrupt`.
"""

from .database import Database, LmdbNodeStore
from .errors import DatabaseCorrupt, DatabaseInUse, StorageError, UnknownBlockError

__all__ = ["Database", "LmdbNodeStore", "StorageError", "UnknownBlockError", "DatabaseInUse",
           "DatabaseCorrupt"]
