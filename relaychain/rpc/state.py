"""`state_*`: storage reads, key paging, proofs, runtime calls, version/metadata and their subscriptions.

Shapes and limits as sc-rpc: `state_getKeysPaged` start key is exclusive and `count` ≤ 1000 (4002 above);
an unknown `at` block or a failing runtime call is 4003 "Client error: …" (rpc.md §3, §5).
"""

from __future__ import annotations

from typing import Any, Optional

from relaychain.primitives.hashing import blake2_256

from . import params as P
from .common import resolve_at
from .errors import STATE_INVALID_COUNT, RpcError, invalid_params, state_client_error
from .registry import MethodRegistry

KEYS_PAGED_MAX_COUNT = 1000


def execution_failed(exc: Exception) -> RpcError:
    """4003 "Client error: Execution failed: …": the runtime (or the node serving it) raised `exc`."""
    return state_client_error(f"Execution failed: {type(exc).__name__}: {exc}")


def runtime_call(backend: Any, at: bytes, method: str, data: bytes) -> bytes:
    """Run a runtime API at `at`; any failure in the runtime is a 4003 client error, never -32603."""
    try:
        return backend.runtime_call(at, method, data)
    except RpcError:
        raise
    except Exception as exc:
        raise execution_failed(exc) from None


def runtime_version_json(backend: Any, at: bytes) -> dict:
    try:
        return backend.runtime_version(at).to_json()
    except Exception as exc:
        raise execution_failed(exc) from None


def _storage_changes(backend: Any, at: bytes, keys: list[bytes]) -> list[list[Optional[str]]]:
    return [[P.to_hex(k), P.to_hex(backend.storage(at, k))] for k in keys]


def register(rpc: MethodRegistry) -> None:
    @rpc.method("state_getStorage", "state_getStorageAt", params=("key", "hash"))
    async def get_storage(ctx, p):
        key = p.required(0, P.hex_bytes)
        at = resolve_at(ctx.backend, p.optional(1, P.hash256))
        return P.to_hex(ctx.backend.storage(at, key))

    @rpc.method("state_getStorageHash", "state_getStorageHashAt", params=("key", "hash"))
    async def get_storage_hash(ctx, p):
        key = p.required(0, P.hex_bytes)
        at = resolve_at(ctx.backend, p.optional(1, P.hash256))
        value = ctx.backend.storage(at, key)
        return None if value is None else P.to_hex(blake2_256(value))

    @rpc.method("state_getStorageSize", "state_getStorageSizeAt", params=("key", "hash"))
    async def get_storage_size(ctx, p):
        key = p.required(0, P.hex_bytes)
        at = resolve_at(ctx.backend, p.optional(1, P.hash256))
        value = ctx.backend.storage(at, key)
        return None if value is None else len(value)

    @rpc.method("state_getKeysPaged", "state_getKeysPagedAt", params=("prefix", "count", "startKey", "hash"))
    async def get_keys_paged(ctx, p):
        """Sorted keys under `prefix`, strictly after `startKey`, at most `count` (≤ 1000)."""
        prefix = p.optional(0, P.hex_bytes, b"")
        count = p.required(1, P.u32)
        if count > KEYS_PAGED_MAX_COUNT:
            raise RpcError(STATE_INVALID_COUNT,
                           f"count exceeds maximum value. value: {count}, max: {KEYS_PAGED_MAX_COUNT}")
        start_key = p.optional(2, P.hex_bytes)
        at = resolve_at(ctx.backend, p.optional(3, P.hash256))
        keys = ctx.backend.storage_keys(at, prefix, start_key, count)
        return [P.to_hex(k) for k in keys[:count]]

    @rpc.method("state_queryStorageAt", params=("keys", "at"))
    async def query_storage_at(ctx, p):
        keys = p.required(0, P.hex_list)
        at = resolve_at(ctx.backend, p.optional(1, P.hash256))
        return [{"block": P.to_hex(at), "changes": _storage_changes(ctx.backend, at, keys)}]

    @rpc.method("state_getReadProof", params=("keys", "hash"))
    async def get_read_proof(ctx, p):
        keys = p.required(0, P.hex_list)
        at = resolve_at(ctx.backend, p.optional(1, P.hash256))
        proof = ctx.backend.read_proof(at, keys)
        return {"at": P.to_hex(at), "proof": [P.to_hex(node) for node in proof]}

    @rpc.method("state_call", "state_callAt", params=("name", "bytes", "hash"))
    async def call(ctx, p):
        method = p.required(0, P.text)
        data = p.optional(1, P.hex_bytes, b"")
        at = resolve_at(ctx.backend, p.optional(2, P.hash256))
        return P.to_hex(runtime_call(ctx.backend, at, method, data))

    @rpc.method("state_getRuntimeVersion", "chain_getRuntimeVersion", params=("at",))
    async def get_runtime_version(ctx, p):
        at = resolve_at(ctx.backend, p.optional(0, P.hash256))
        return runtime_version_json(ctx.backend, at)

    @rpc.method("state_getMetadata", params=("hash",))
    async def get_metadata(ctx, p):
        at = resolve_at(ctx.backend, p.optional(0, P.hash256))
        try:
            raw = ctx.backend.metadata(at)
        except Exception as exc:
            raise execution_failed(exc) from None
        cached = ctx.cache.get("metadata")
        if cached is not None and cached[0] is raw:  # same bytes object: skip re-hexing ~100s of KB
            return cached[1]
        text = P.to_hex(raw)
        ctx.cache["metadata"] = (raw, text)
        return text

    @rpc.subscription(("state_subscribeStorage",), ("state_unsubscribeStorage",), "state_storage", params=("keys",))
    async def subscribe_storage(ctx, p, sub):
        """First the current values of all keys (null if absent), then only the keys that changed per new best block."""
        keys = p.optional(0, P.hex_list)
        if not keys:
            raise invalid_params("keys: subscribing to every storage change is not supported; pass the keys to watch")
        backend = ctx.backend
        best = backend.best_hash()
        last = {k: backend.storage(best, k) for k in keys}

        def on_new_head(header: Any) -> None:
            at = header.hash()
            changes = []
            for k in keys:
                value = backend.storage(at, k)
                if value != last[k]:
                    last[k] = value
                    changes.append([P.to_hex(k), P.to_hex(value)])
            if changes:
                sub.send({"block": P.to_hex(at), "changes": changes})

        sub.on_close(backend.subscribe("new_head", on_new_head))
        sub.send({"block": P.to_hex(best), "changes": [[P.to_hex(k), P.to_hex(v)] for k, v in last.items()]})

    @rpc.subscription(
        ("state_subscribeRuntimeVersion", "chain_subscribeRuntimeVersion"),
        ("state_unsubscribeRuntimeVersion", "chain_unsubscribeRuntimeVersion"),
        "state_runtimeVersion",
    )
    async def subscribe_runtime_version(ctx, p, sub):
        """The current version at once, then again whenever a new best block runs a different runtime."""
        backend = ctx.backend
        current = {"version": runtime_version_json(backend, backend.best_hash())}

        def on_new_head(header: Any) -> None:
            try:
                version = backend.runtime_version(header.hash()).to_json()
            except Exception:  # the block may be gone (re-org/pruning); the next head will tell
                return
            if version != current["version"]:
                current["version"] = version
                sub.send(version)

        sub.on_close(backend.subscribe("new_head", on_new_head))
        sub.send(current["version"])
