"""`dev_newBlock`: author one block now (instant/manual sealing). Registered only when the node is a dev node."""

from __future__ import annotations

from . import params as P
from .errors import DEV_ERROR, RpcError
from .registry import MethodRegistry

MAX_BLOCKS_PER_CALL = 100


def register(rpc: MethodRegistry) -> None:
    @rpc.method("dev_newBlock", params=("count",))
    async def new_block(ctx, p):
        """Seal `count` (default 1, at most 100) blocks on top of the best block; returns the last block hash."""
        count = p.optional(0, P.u32, 1)
        if not 1 <= count <= MAX_BLOCKS_PER_CALL:
            raise RpcError(DEV_ERROR, f"count must be in 1..{MAX_BLOCKS_PER_CALL}, got {count}")
        block_hash = b""
        for _ in range(count):
            try:
                block_hash = await ctx.backend.seal_block()
            except RpcError:
                raise
            except Exception as exc:
                raise RpcError(DEV_ERROR, f"Block production failed: {type(exc).__name__}: {exc}") from None
        return P.to_hex(block_hash)
