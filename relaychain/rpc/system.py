"""`system_*` and `account_nextIndex`: node identity, chain properties, health, nonces (rpc.md §3)."""

from __future__ import annotations

from . import params as P
from .common import resolve_at
from .registry import MethodRegistry
from .state import execution_failed


def register(rpc: MethodRegistry) -> None:
    @rpc.method("system_name")
    async def name(ctx, p):
        return ctx.backend.node_name

    @rpc.method("system_version")
    async def version(ctx, p):
        return ctx.backend.node_version

    @rpc.method("system_chain")
    async def chain(ctx, p):
        """Must not be the name of a py-substrate-interface preset (rpc.md §12)."""
        return ctx.backend.chain_name

    @rpc.method("system_chainType")
    async def chain_type(ctx, p):
        return ctx.backend.chain_type

    @rpc.method("system_properties")
    async def properties(ctx, p):
        return dict(ctx.backend.properties)

    @rpc.method("system_health")
    async def health(ctx, p):
        """`shouldHavePeers` only for live chains, as Substrate (a dev node is alone on purpose)."""
        backend = ctx.backend
        return {
            "peers": int(backend.peer_count()),
            "isSyncing": bool(backend.is_syncing()),
            "shouldHavePeers": backend.chain_type == "Live",
        }

    @rpc.method("system_localPeerId")
    async def local_peer_id(ctx, p):
        return str(ctx.backend.local_peer_id())

    @rpc.method("system_nodeRoles")
    async def node_roles(ctx, p):
        return [str(role) for role in ctx.backend.node_roles()]

    @rpc.method("system_localListenAddresses")
    async def local_listen_addresses(ctx, p):
        return [str(addr) for addr in ctx.backend.listen_addresses()]

    @rpc.method("system_peers")
    async def peers(ctx, p):
        """Substrate's `PeerInfo`: peer id, observed roles, and the best block the peer is known to have."""
        return [{"peerId": str(info["peer_id"]), "roles": str(info["roles"]),
                 "bestHash": P.to_hex(bytes(info["best_hash"])), "bestNumber": int(info["best_number"])}
                for info in ctx.backend.peer_infos()]

    @rpc.method("system_syncState")
    async def sync_state(ctx, p):
        best = ctx.backend.header(ctx.backend.best_hash())
        number = 0 if best is None else best.number
        return {"startingBlock": 0, "currentBlock": number, "highestBlock": number}

    @rpc.method("system_accountNextIndex", "account_nextIndex", params=("accountId",))
    async def account_next_index(ctx, p):
        """Next nonce: the account's state nonce plus its transactions ready in the pool."""
        return int(ctx.backend.account_next_index(p.required(0, P.account_id)))


def register_dry_run(rpc: MethodRegistry) -> None:
    """`system_dryRun`, for a backend that can dry-run (`dry_run(at, xt)`)."""

    @rpc.method("system_dryRun", "system_dryRunAt", params=("extrinsic", "at"))
    async def dry_run(ctx, p):
        """SCALE `ApplyExtrinsicResult` of the extrinsic applied on the state of `at` (best by default)."""
        xt = p.required(0, P.hex_bytes)
        at = resolve_at(ctx.backend, p.optional(1, P.hash256))
        try:
            return P.to_hex(ctx.backend.dry_run(at, xt))
        except Exception as exc:  # undecodable bytes or a runtime failure: a client error, the node goes on
            raise execution_failed(exc) from None
