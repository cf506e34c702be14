"""Collators: follow the relay chain, build para blocks with their PoV and hand them to backing groups."""

from .adder import AdderBlockBuilder
from .collator import BuiltCollation, CollationError, CollationRecord, Collator, build_collation

__all__ = ["AdderBlockBuilder", "BuiltCollation", "CollationError", "CollationRecord", "Collator", "build_collation"]
