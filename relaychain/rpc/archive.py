"""`archive_v1_*`: any block's header, body, storage and runtime calls (json-rpc-interface-spec
`src/api/archive*.md`). The node keeps every block's state, so every block it knows is answered.

`archive_v1_hashByHeight` gives exactly the canonical hash up to the finalized height and every known block
(all forks) above it. `archive_v1_storage` is a subscription (`archive_v1_storageEvent`): one `storage` event
per result, then `storageDone` (or `storageError`); results are sent `ITEMS_PER_TURN` at a time so a large
descendants query never holds the node's loop; `archive_v1_stopStorage` ends it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from . import params as P
from .chain_head import child_trie_param, storage_items, storage_queries
from .common import unfinalized_blocks
from .errors import RpcError, invalid_params
from .registry import MethodRegistry
from .state import runtime_call

STORAGE_EVENT = "archive_v1_storageEvent"
ITEMS_PER_TURN = 64


def _height(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid_params(f"{name}: expected a non-negative integer")
    return value


def register(rpc: MethodRegistry) -> None:
    @rpc.method("archive_v1_finalizedHeight")
    async def finalized_height(ctx, p):
        return ctx.backend.header(ctx.backend.finalized_hash()).number

    @rpc.method("archive_v1_genesisHash")
    async def genesis_hash(ctx, p):
        return P.to_hex(ctx.backend.genesis_hash)

    @rpc.method("archive_v1_hashByHeight", params=("height",))
    async def hash_by_height(ctx, p):
        height = p.required(0, _height)
        backend = ctx.backend
        fin = backend.finalized_hash()
        fin_number = backend.header(fin).number
        if height <= fin_number:
            return [P.to_hex(backend.hash_by_number(height))]
        return [P.to_hex(h) for n, h, _ in unfinalized_blocks(backend, fin, fin_number) if n == height]

    @rpc.method("archive_v1_header", params=("hash",))
    async def header(ctx, p):
        h = ctx.backend.header(p.required(0, P.hash256))
        return None if h is None else P.to_hex(h.encode())

    @rpc.method("archive_v1_body", params=("hash",))
    async def body(ctx, p):
        block = ctx.backend.block(p.required(0, P.hash256))
        return None if block is None else [P.to_hex(x) for x in block.extrinsics]

    @rpc.method("archive_v1_call", params=("hash", "function", "callParameters"))
    async def call(ctx, p):
        block_hash = p.required(0, P.hash256)
        function = p.required(1, P.text)
        data = p.required(2, P.call_parameters)
        if ctx.backend.header(block_hash) is None:
            return None
        try:
            return {"success": True, "value": P.to_hex(runtime_call(ctx.backend, block_hash, function, data))}
        except RpcError as err:
            return {"success": False, "error": err.message}

    @rpc.subscription(("archive_v1_storage",), ("archive_v1_stopStorage",), STORAGE_EVENT,
                      params=("hash", "items", "childTrie"), unsubscribe_result="null")
    async def storage(ctx, p, sub):
        block_hash = p.required(0, P.hash256)
        queries = p.required(1, lambda v, n: storage_queries(v, n, paginated=True))
        child = p.optional(2, child_trie_param)
        backend = ctx.backend
        if backend.header(block_hash) is None:
            sub.send({"event": "storageError", "error": f"unknown block {P.to_hex(block_hash)}"}, final=True)
            return
        items = storage_items(backend.storage_reader(block_hash, child), queries)
        child_key = None if child is None else P.to_hex(child)
        loop = asyncio.get_running_loop()

        def send_some() -> None:
            if sub.closed:
                return
            try:
                for _ in range(ITEMS_PER_TURN):
                    _, item = next(items)
                    if child_key is not None:
                        item["childTrieKey"] = child_key
                    sub.send({"event": "storage", **item})
            except StopIteration:
                sub.send({"event": "storageDone"}, final=True)
                return
            except Exception as exc:  # the state could not be read: say so on the stream
                sub.send({"event": "storageError", "error": f"{type(exc).__name__}: {exc}"}, final=True)
                return
            loop.call_soon(send_some)

        ctx.after_response(send_some)
