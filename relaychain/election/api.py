"""Public entry point: run an election on the numba kernels (default) or on the plain reference."""

from __future__ import annotations

from typing import Any

from .reference import Progress
from .snapshot import ElectionResult, Snapshot


def elect(snapshot: Snapshot | dict[str, Any], *, reference: bool = False, with_edge_weights: bool = False,
          progress: Progress = None) -> ElectionResult:
    """Elect `snapshot.to_elect` winners as sp-npos-elections would (npos.md).

    `snapshot` is a `Snapshot` or its JSON object. `reference=True` runs the readable exact-integer
    definition instead of the kernels (same result, far slower). Raises `ElectionError` subclasses
    for bad input, before any work is done.
    """
    if not isinstance(snapshot, Snapshot):
        snapshot = Snapshot.from_json(snapshot)
    if reference:
        from . import reference as impl
    else:
        from . import accelerated as impl
    return impl.elect(snapshot, with_edge_weights=with_edge_weights, progress=progress)
