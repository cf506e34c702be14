"""`chain_*`: block hashes, headers, blocks and head subscriptions (rpc.md §3, sc-rpc-api chain)."""

from __future__ import annotations

from typing import Any

from . import params as P
from .common import block_json, header_json
from .registry import MethodRegistry


def _hash_of(backend: Any, number: int) -> Any:
    hash_ = backend.hash_by_number(number)
    return P.to_hex(hash_)


def register(rpc: MethodRegistry) -> None:
    @rpc.method("chain_getBlockHash", "chain_getHead", params=("hash",))
    async def get_block_hash(ctx, p):
        """`[]` → best hash; `[n]` → canonical hash at n or null beyond best; `[[n, m]]` → a list."""
        raw = p.optional(0, lambda v, name: v)
        if raw is None:
            return P.to_hex(ctx.backend.best_hash())
        if isinstance(raw, list):
            return [_hash_of(ctx.backend, P.block_number(v, f"hash[{i}]")) for i, v in enumerate(raw)]
        return _hash_of(ctx.backend, P.block_number(raw, "hash"))

    @rpc.method("chain_getHeader", params=("hash",))
    async def get_header(ctx, p):
        at = p.optional(0, P.hash256) or ctx.backend.best_hash()
        header = ctx.backend.header(at)
        return None if header is None else header_json(header)

    @rpc.method("chain_getBlock", params=("hash",))
    async def get_block(ctx, p):
        at = p.optional(0, P.hash256) or ctx.backend.best_hash()
        block = ctx.backend.block(at)
        if block is None:
            return None
        return block_json(block, ctx.backend.justifications(at))

    @rpc.method("chain_getFinalizedHead", "chain_getFinalisedHead")
    async def get_finalized_head(ctx, p):
        return P.to_hex(ctx.backend.finalized_hash())

    @rpc.subscription(
        ("chain_subscribeNewHeads", "chain_subscribeNewHead", "subscribe_newHead"),
        ("chain_unsubscribeNewHeads", "chain_unsubscribeNewHead", "unsubscribe_newHead"),
        "chain_newHead",
    )
    async def subscribe_new_heads(ctx, p, sub):
        """First the current best header, then every new best block in import order."""
        backend = ctx.backend
        sub.on_close(backend.subscribe("new_head", lambda header: sub.send(header_json(header))))
        best = backend.header(backend.best_hash())
        if best is not None:
            sub.send(header_json(best))

    @rpc.subscription(
        ("chain_subscribeFinalizedHeads", "chain_subscribeFinalisedHeads"),
        ("chain_unsubscribeFinalizedHeads", "chain_unsubscribeFinalisedHeads"),
        "chain_finalizedHead",
    )
    async def subscribe_finalized_heads(ctx, p, sub):
        """First the current finalized header, then each newly finalized one; numbers never go backwards."""
        backend = ctx.backend
        last = {"number": -1}

        def on_finalized(header: Any) -> None:
            if header.number > last["number"]:
                last["number"] = header.number
                sub.send(header_json(header))

        sub.on_close(backend.subscribe("finalized", on_finalized))
        current = backend.header(backend.finalized_hash())
        if current is not None:
            on_finalized(current)

    @rpc.subscription(("chain_subscribeAllHeads",), ("chain_unsubscribeAllHeads",), "chain_allHead")
    async def subscribe_all_heads(ctx, p, sub):
        """Every imported block header, best or not (no initial notification, as Substrate)."""
        sub.on_close(ctx.backend.subscribe("all_head", lambda header: sub.send(header_json(header))))

