"""Collators: follow the relay chain, build para blocks with their PoV and hand them to backing groups."""

from .adder import AdderBlockBuilder
from .collator import (
    BuildContext, BuiltCollation, CollationError, CollationRecord, Collator, RelayAwareBlockBuilder, RelayView,
    build_collation,
)

__all__ = ["AdderBlockBuilder", "BuildContext", "BuiltCollation", "CollationError", "CollationRecord", "Collator",
           "RelayAwareBlockBuilder", "RelayView", "build_collation"]
