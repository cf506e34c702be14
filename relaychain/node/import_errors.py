"""Why a block is refused at import, one exception per rule of `client`'s import rules (its module docstring);
and why a finalization request is refused. A refused block leaves the database unchanged."""

from __future__ import annotations


class BlockImportError(Exception):
    """A block that cannot be imported; the database is unchanged. Subclasses name the rule broken."""


class BadBlockEncoding(BlockImportError):
    pass


class UnknownParent(BlockImportError):
    def __init__(self, parent_hash: bytes, msg: str = ""):
        super().__init__(msg or f"unknown parent 0x{parent_hash.hex()}")
        self.parent_hash = parent_hash


class InvalidHeader(BlockImportError):
    pass


class NotDescendantOfFinalized(BlockImportError):
    pass


class SideBlockDropped(NotDescendantOfFinalized):
    """A deferred side block (`Client.import_block_off_loop`) that nothing needed before finality passed its height:
    never executed, and now refused as any block below finality off the finalized chain is."""


class BadPreDigest(BlockImportError):
    pass


class UnknownAuthority(BlockImportError):
    pass


class BadSeal(BlockImportError):
    pass


class BadStateRoot(BlockImportError):
    pass


class InvalidBlockBody(BlockImportError):
    pass


class ParentStateUnavailable(BlockImportError):
    """The parent's state could not be read while the block was verified (the database says which node)."""


class FinalityError(Exception):
    """A finalization request that would revert or skip the chain (unknown block, not a descendant)."""
