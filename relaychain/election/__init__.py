"""NPoS elections bit-exact with sp-npos-elections: sequential Phragmén, balancing, PhragMMS.

`elect(snapshot)` runs on numba kernels; `elect(snapshot, reference=True)` on the readable
exact-integer definition (`reference.py`). Spec: shared/specs/npos.md.
"""

from .api import elect
from .arithmetic import ACCURACIES, PerThing, PerU16, Perbill, Percent, Permill, Perquintill, Rounding
from .score import ElectionScore, evaluate_support
from .snapshot import (
    DuplicateId, ElectionArithmeticError, ElectionError, ElectionResult, IgnoredVotes, InvalidSnapshot, NoCandidates,
    Snapshot, Support, TooManyToElect, UnknownTargets,
)

__all__ = [
    "ACCURACIES", "DuplicateId", "ElectionArithmeticError", "ElectionError", "ElectionResult", "ElectionScore",
    "InvalidSnapshot", "NoCandidates", "PerThing", "PerU16", "Perbill", "Percent", "Permill", "Perquintill",
    "Rounding", "Snapshot", "Support", "TooManyToElect", "elect", "evaluate_support", "IgnoredVotes",
    "UnknownTargets",
]
