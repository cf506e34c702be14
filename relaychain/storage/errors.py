"""Typed errors of the storage area."""

from __future__ import annotations


class StorageError(Exception):
    """A database operation that cannot be done: bad input, a closed or full database, an invalid
    fork-choice or finality request. Nothing is written when it is raised."""


class UnknownBlockError(StorageError):
    """A block (or a block's parent) that the database does not hold."""


class DatabaseInUse(StorageError):
    """Another process holds the database open (two nodes on one base path would mix their chains)."""

    def __init__(self, message: str, holder_pid: int | None = None):
        super().__init__(message)
        self.holder_pid = holder_pid


class DatabaseCorrupt(StorageError):
    """The database files are damaged (truncated, overwritten, not lmdb): they are refused, never rewritten."""

    def __init__(self, message: str, directory: str | None = None):
        super().__init__(message)
        self.directory = directory
