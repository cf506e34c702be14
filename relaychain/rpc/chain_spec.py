"""`chainSpec_v1_*` (the new JSON-RPC spec's chain-spec functions): name, genesis hash and properties."""

from __future__ import annotations

from . import params as P
from .registry import MethodRegistry


def register(rpc: MethodRegistry) -> None:
    @rpc.method("chainSpec_v1_chainName")
    async def chain_name(ctx, p):
        return ctx.backend.chain_name

    @rpc.method("chainSpec_v1_genesisHash")
    async def genesis_hash(ctx, p):
        return P.to_hex(ctx.backend.genesis_hash)

    @rpc.method("chainSpec_v1_properties")
    async def properties(ctx, p):
        return dict(ctx.backend.properties)
