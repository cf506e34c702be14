"""Helpers shared by the namespaces: which block a query is "at", and JSON shapes of chain data (rpc.md §6)."""

from __future__ import annotations

from typing import Any, Optional

from .errors import RpcError, STATE_CLIENT
from .params import to_hex


def resolve_at(backend: Any, at: Optional[bytes], *, code: int = STATE_CLIENT) -> bytes:
    """The block a state query reads: `at` if the node has it, else the best block when `at` is omitted."""
    if at is None:
        return backend.best_hash()
    if backend.header(at) is None:
        raise RpcError(code, f"Client error: UnknownBlock: Header was not found in the database: {to_hex(at)}")
    return at


def header_json(header: Any) -> dict:
    """Header in the RPC shape (rpc.md §6), as `primitives.types.Header.to_json()` renders it."""
    return header.to_json()


def block_json(block: Any, justifications: Optional[list]) -> dict:
    """`SignedBlock`: header, extrinsics as full encodings (with length prefix), justifications or null."""
    return {
        "block": {
            "header": header_json(block.header),
            "extrinsics": [to_hex(xt) for xt in block.extrinsics],
        },
        "justifications": None if not justifications else [
            [list(engine), to_hex(data)] for engine, data in justifications
        ],
    }


def unfinalized_blocks(backend: Any, finalized: bytes, finalized_number: int) -> list[tuple[int, bytes, Any]]:
    """(number, hash, header) of every known block descending from `finalized` — every fork, from the
    backend's leaves down — sorted so that each parent comes before its children."""
    found: dict[bytes, tuple[int, bytes, Any]] = {}
    for leaf in backend.leaves():
        branch, header = [], backend.header(leaf)
        while header is not None and header.number > finalized_number:
            h = header.hash()
            if h in found:
                break
            branch.append((header.number, h, header))
            header = backend.header(header.parent_hash)
        else:
            if header is None or header.hash() != finalized:
                continue  # a fork the finalized chain has left behind
        for entry in branch:
            found[entry[1]] = entry
    return sorted(found.values(), key=lambda e: e[0])
