"""`chainHead_v1_*`: follow the head of the chain, with pinned blocks and operations on them.

Spec: paritytech/json-rpc-interface-spec `src/api/chainHead*.md`. A `chainHead_v1_follow` subscription
reports `initialized` (the current finalized block, and its runtime with `withRuntime`), a `newBlock` for
every non-finalized block (parents first), `bestBlockChanged`, and then `newBlock`/`bestBlockChanged`/
`finalized` as the node imports and finalizes. Every reported block is pinned for that subscription until
`chainHead_v1_unpin`. `header` answers at once; `body`, `call` and `storage` start an operation whose result
comes as `operation*` events on the follow subscription, after the call's own response.

Limits (`ChainHeadLimits`, Substrate's defaults): 4 follows per connection (-32800 beyond), 16 concurrent
operations per follow (`limitReached` / `discardedItems` beyond), 5 descendant storage items per
`operationStorageItems` before `operationWaitingForContinue`. A follow is ended with a `stop` event when it
would pin more than 512 blocks (the client does not unpin), when the best block is more than 128 blocks
ahead of the finalized one at start (too far behind to report consistently), or when its connection has
more than `max_backlog` messages not yet written (the client does not read: it lags).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional

from relaychain.primitives.hashing import blake2_256

from . import params as P
from .common import unfinalized_blocks
from .errors import RpcError, invalid_params
from .registry import MethodRegistry
from .session import new_subscription_id
from .state import runtime_call

FOLLOW_EVENT = "chainHead_v1_followEvent"
CODE_KEY = b":code"

# Error codes of the spec.
TOO_MANY_FOLLOWS = -32800
INVALID_BLOCK = -32801
NO_RUNTIME_REQUESTED = -32802
INVALID_CONTINUE = -32803
DUPLICATE_HASHES = -32804

STORAGE_TYPES = ("value", "hash", "closestDescendantMerkleValue", "descendantsValues", "descendantsHashes")
DESCENDANTS = ("descendantsValues", "descendantsHashes")

# What the backend must offer beyond the legacy namespaces for these methods to be served (and listed).
REQUIRES = ("leaves", "storage_reader")


@dataclass(frozen=True)
class ChainHeadLimits:
    """Per-connection and per-follow limits (sc-rpc-spec-v2 ChainHeadConfig defaults)."""

    max_follow_subscriptions: int = 4
    max_pinned_blocks: int = 512
    max_operations: int = 16
    max_lagging_distance: int = 128
    max_backlog: int = 2048  # undelivered messages on the connection before a follower is stopped
    storage_items_per_page: int = 5


def runtime_spec_json(backend: Any, block_hash: bytes) -> dict:
    """The `finalizedBlockRuntime`/`newRuntime` object: `valid` with the spec subset, or `invalid`."""
    try:
        v = backend.runtime_version(block_hash).to_json()
    except Exception as exc:  # the runtime at this block cannot say its version: report, don't fail the follow
        return {"type": "invalid", "error": f"{type(exc).__name__}: {exc}"}
    return {"type": "valid", "spec": {
        "specName": v["specName"], "implName": v["implName"], "specVersion": v["specVersion"],
        "implVersion": v["implVersion"], "transactionVersion": v["transactionVersion"],
        "apis": {api: version for api, version in v["apis"]}}}


def storage_items(reader: Any, queries: list[dict]) -> Iterator[tuple[bool, dict]]:
    """(is_descendant, item) for each result of `queries` against a state reader, lazily (descendants are
    walked in key order as they are consumed). Keys absent from the state yield nothing."""
    for q in queries:
        key, kind = q["key"], q["type"]
        if reader is None:
            continue
        if kind == "closestDescendantMerkleValue":
            merkle = reader.closest_descendant_merkle_value(key)
            if merkle is not None:
                yield False, {"key": P.to_hex(key), "closestDescendantMerkleValue": P.to_hex(merkle)}
            continue
        if kind in DESCENDANTS:
            start = q.get("paginationStartKey")
            pairs = reader.items(key) if start is None else (
                (k, v) for k, v in reader.iter_from(start, inclusive=False) if k.startswith(key))
            for k, value in pairs:
                if not k.startswith(key):
                    break
                yield True, _item(k, value, kind == "descendantsHashes")
            continue
        value = reader.get(key)
        if value is not None:
            yield False, _item(key, value, kind == "hash")


def _item(key: bytes, value: bytes, hashed: bool) -> dict:
    if hashed:
        return {"key": P.to_hex(key), "hash": P.to_hex(blake2_256(value))}
    return {"key": P.to_hex(key), "value": P.to_hex(value)}


def storage_queries(value: Any, name: str, *, paginated: bool = False) -> list[dict]:
    """The `items` param: [{"key": hex, "type": one of STORAGE_TYPES[, "paginationStartKey": hex]}]."""
    if not isinstance(value, list):
        raise invalid_params(f"{name}: expected an array of {{key, type}} objects")
    if len(value) > P.MAX_KEYS_PER_QUERY:
        raise invalid_params(f"{name}: {len(value)} items, at most {P.MAX_KEYS_PER_QUERY} per request")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) - {"key", "type", "paginationStartKey"}:
            raise invalid_params(f"{name}[{i}]: expected {{key, type}}")
        kind = item.get("type")
        if kind not in STORAGE_TYPES:
            raise invalid_params(f"{name}[{i}].type: expected one of {list(STORAGE_TYPES)}, got {kind!r}")
        query = {"key": P.hex_bytes(item.get("key"), f"{name}[{i}].key"), "type": kind}
        if "paginationStartKey" in item:
            if not paginated or kind not in DESCENDANTS:
                raise invalid_params(f"{name}[{i}].paginationStartKey: only for descendants queries of archive")
            query["paginationStartKey"] = P.hex_bytes(item["paginationStartKey"], f"{name}[{i}].paginationStartKey")
        out.append(query)
    return out


def child_trie_param(value: Any, name: str) -> bytes:
    return P.hex_bytes(value, name)


class Operation:
    """A `body`/`call`/`storage` operation holding `slots` of its follow's operation budget."""

    __slots__ = ("id", "slots", "items", "stash", "waiting", "done")

    def __init__(self, op_id: str, slots: int):
        self.id = op_id
        self.slots = slots
        self.items: Optional[Iterator] = None
        self.stash: Optional[tuple] = None
        self.waiting = False
        self.done = False


class Follow:
    """One `chainHead_v1_follow` subscription: what it reported, what it pins, its operations."""

    def __init__(self, backend: Any, sub: Any, session: Any, with_runtime: bool, limits: ChainHeadLimits):
        self.backend = backend
        self.sub = sub
        self.session = session
        self.with_runtime = with_runtime
        self.limits = limits
        self.pinned: set[bytes] = set()
        self.reported: dict[bytes, int] = {}  # non-finalized blocks announced with newBlock → number
        self.finalized = b""
        self.finalized_number = -1
        self.best: Optional[bytes] = None
        self.stopped = False
        self.operations: dict[str, Operation] = {}
        self.slots_used = 0

    # -- notifications -------------------------------------------------------------------------

    def _send(self, event: dict) -> None:
        if self.stopped:
            return
        if self.session.backlog() > self.limits.max_backlog:
            self.stop()  # the client does not read what it is sent: it lags behind the chain
            return
        self.sub.send(event)

    def stop(self) -> None:
        """The `stop` event: this follow is dead (its pins and operations with it)."""
        if self.stopped:
            return
        self.sub.send({"event": "stop"}, final=True)
        self.stopped = True
        self.pinned.clear()
        self.operations.clear()
        self.slots_used = 0

    def _pin(self, block_hash: bytes) -> None:
        self.pinned.add(block_hash)
        if len(self.pinned) > self.limits.max_pinned_blocks:
            self.stop()

    # -- the chain -----------------------------------------------------------------------------

    def start(self) -> None:
        backend = self.backend
        fin = backend.finalized_hash()
        fin_header = backend.header(fin)
        best_header = backend.header(backend.best_hash())
        if best_header.number - fin_header.number > self.limits.max_lagging_distance:
            self.stop()
            return
        self.finalized, self.finalized_number = fin, fin_header.number
        self._pin(fin)
        event = {"event": "initialized", "finalizedBlockHashes": [P.to_hex(fin)]}
        if self.with_runtime:
            event["finalizedBlockRuntime"] = runtime_spec_json(backend, fin)
        self._send(event)
        for number, block_hash, header in unfinalized_blocks(backend, fin, fin_header.number):
            self._announce(block_hash, header)
        self._best_changed(backend.best_hash())

    def _announce(self, block_hash: bytes, header: Any) -> None:
        if self.stopped or block_hash in self.reported or block_hash == self.finalized:
            return
        self.reported[block_hash] = header.number
        event = {"event": "newBlock", "blockHash": P.to_hex(block_hash), "parentBlockHash": P.to_hex(header.parent_hash)}
        if self.with_runtime:
            event["newRuntime"] = self._new_runtime(block_hash, header.parent_hash)
        self._pin(block_hash)
        self._send(event)

    def _new_runtime(self, block_hash: bytes, parent_hash: bytes) -> Optional[dict]:
        """The block's runtime if it is not its parent's (their `:code` differ), else null."""
        code = self.backend.storage(block_hash, CODE_KEY)
        if code == self.backend.storage(parent_hash, CODE_KEY):
            return None
        return runtime_spec_json(self.backend, block_hash)

    def _known(self, block_hash: bytes) -> bool:
        return block_hash == self.finalized or block_hash in self.reported

    def on_block(self, header: Any) -> None:
        """A newly imported block: announce it, and first any unannounced ancestor above the finalized one."""
        if self.stopped or header.number <= self.finalized_number:
            return
        chain = []
        while not self._known(header.hash()):
            if header.number <= self.finalized_number:
                return  # on a fork the finalized chain has left behind: never reported
            chain.append(header)
            parent = self.backend.header(header.parent_hash)
            if parent is None:
                return
            header = parent
        for h in reversed(chain):
            self._announce(h.hash(), h)

    def on_best(self, header: Any) -> None:
        self.on_block(header)
        self._best_changed(header.hash())

    def _best_changed(self, block_hash: bytes) -> None:
        if self.stopped or block_hash == self.best or not self._known(block_hash):
            return
        self.best = block_hash
        self._send({"event": "bestBlockChanged", "bestBlockHash": P.to_hex(block_hash)})

    def _ancestor_at(self, header: Any, number: int) -> Optional[bytes]:
        while header is not None and header.number > number:
            header = self.backend.header(header.parent_hash)
        return None if header is None else header.hash()

    def on_finalized(self, header: Any) -> None:
        if self.stopped or header.number <= self.finalized_number:
            return
        self.on_block(header)
        if self.stopped:
            return
        route, cursor = [], header
        while cursor is not None and cursor.hash() != self.finalized:
            route.append(cursor.hash())
            cursor = self.backend.header(cursor.parent_hash)
        if cursor is None:  # not a descendant of what we reported as finalized: we cannot stay consistent
            self.stop()
            return
        route.reverse()
        new_fin = route[-1]
        finalized = set(route)
        pruned = []
        for block_hash, number in list(self.reported.items()):
            if block_hash in finalized:
                del self.reported[block_hash]
            elif number <= header.number or self._ancestor_at(self.backend.header(block_hash), header.number) != new_fin:
                pruned.append(block_hash)
                del self.reported[block_hash]
        self.finalized, self.finalized_number = new_fin, header.number
        if self.best is not None and (self.best in pruned or (self.best in finalized and self.best != new_fin)):
            # the best block must be the new finalized one or a block still reported (spec, `finalized`)
            best = self.backend.best_hash()
            best_header = self.backend.header(best)
            if best_header is None or self._ancestor_at(best_header, header.number) != new_fin:
                best = new_fin
            else:
                self.on_block(best_header)
            self._best_changed(best)
        self._send({"event": "finalized", "finalizedBlockHashes": [P.to_hex(h) for h in route],
                    "prunedBlockHashes": [P.to_hex(h) for h in pruned]})

    # -- operations ----------------------------------------------------------------------------

    def require_pinned(self, block_hash: bytes) -> None:
        if block_hash not in self.pinned:
            raise RpcError(INVALID_BLOCK, "Invalid block hash",
                           f"{P.to_hex(block_hash)} was not reported by this follow or is unpinned")

    def unpin(self, hashes: list[bytes]) -> None:
        if len(set(hashes)) != len(hashes):
            raise RpcError(DUPLICATE_HASHES, "Received duplicate hashes for the `chainHead_unpin` method")
        for h in hashes:
            self.require_pinned(h)
        self.pinned.difference_update(hashes)

    def free_slots(self) -> int:
        return self.limits.max_operations - self.slots_used

    def new_operation(self, slots: int) -> Operation:
        op = Operation(new_subscription_id(), slots)
        self.operations[op.id] = op
        self.slots_used += slots
        return op

    def finish(self, op: Operation, event: dict) -> None:
        """The operation's last event; its slots are free again."""
        if op.done or self.operations.get(op.id) is not op:
            return
        op.done = True
        del self.operations[op.id]
        self.slots_used -= op.slots
        self._send({"operationId": op.id, **event})

    def stop_operation(self, op_id: str) -> None:
        op = self.operations.pop(op_id, None)
        if op is not None:
            op.done = True
            self.slots_used -= op.slots

    def next_storage_page(self, op: Operation) -> None:
        """Send the operation's next results: every plain item at once, descendants `storage_items_per_page`
        at a time with `operationWaitingForContinue` in between, then `operationStorageDone`."""
        if op.done:
            return
        page, descendants = [], 0
        try:
            while descendants < self.limits.storage_items_per_page:
                if op.stash is not None:
                    entry, op.stash = op.stash, None
                else:
                    entry = next(op.items)
                is_descendant, item = entry
                page.append(item)
                descendants += is_descendant
            op.stash = next(op.items)  # is there more? keep it for the next page
        except StopIteration:
            op.stash = None
        except Exception as exc:  # the state could not be read (a missing trie node): not the caller's fault
            if page:
                self._send({"event": "operationStorageItems", "operationId": op.id, "items": page})
            self.finish(op, {"event": "operationError", "error": f"{type(exc).__name__}: {exc}"})
            return
        if page:
            self._send({"event": "operationStorageItems", "operationId": op.id, "items": page})
        if op.stash is None:
            self.finish(op, {"event": "operationStorageDone"})
        else:
            op.waiting = True
            self._send({"event": "operationWaitingForContinue", "operationId": op.id})

    def resume(self, op_id: str) -> Optional[Operation]:
        """The operation `chainHead_v1_continue` resumes (None: unknown or finished, no effect)."""
        op = self.operations.get(op_id)
        if op is None:
            return None
        if not op.waiting:
            raise RpcError(INVALID_CONTINUE, "Invalid continue",
                           f"operation {op_id} is not waiting for chainHead_v1_continue")
        op.waiting = False
        return op


# -- the methods ------------------------------------------------------------------------------------

def _follow_of(ctx: Any, sub_id: Any) -> Optional[Follow]:
    """The live follow named `sub_id` on this connection, None if invalid or stale."""
    sub = ctx.session.subscriptions.get(sub_id) if isinstance(sub_id, str) else None
    if sub is None or sub.notification != FOLLOW_EVENT or not isinstance(sub.state, Follow) or sub.state.stopped:
        return None
    return sub.state


def _limits(ctx: Any) -> ChainHeadLimits:
    return getattr(ctx.limits, "chain_head", None) or ChainHeadLimits()


def _hash_or_hashes(value: Any, name: str) -> list[bytes]:
    if isinstance(value, list):
        return [P.hash256(v, f"{name}[{i}]") for i, v in enumerate(value)]
    return [P.hash256(value, name)]


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise invalid_params(f"{name}: expected a boolean")
    return value


def register(rpc: MethodRegistry) -> None:
    @rpc.subscription(("chainHead_v1_follow",), ("chainHead_v1_unfollow",), FOLLOW_EVENT,
                      params=("withRuntime",), unsubscribe_result="null")
    async def follow(ctx, p, sub):
        with_runtime = p.required(0, _bool)
        limits = _limits(ctx)
        follows = sum(1 for s in ctx.session.subscriptions.values() if s.notification == FOLLOW_EVENT)
        if follows > limits.max_follow_subscriptions:
            raise RpcError(TOO_MANY_FOLLOWS, "Maximum number of chainHead_follow has been reached")
        backend = ctx.backend
        state = Follow(backend, sub, ctx.session, with_runtime, limits)
        sub.state = state
        sub.on_close(backend.subscribe("all_head", state.on_block))
        sub.on_close(backend.subscribe("new_head", state.on_best))
        sub.on_close(backend.subscribe("finalized", state.on_finalized))
        state.start()

    @rpc.method("chainHead_v1_header", params=("followSubscription", "hash"))
    async def header(ctx, p):
        state = _follow_of(ctx, p.required(0, P.text))
        block_hash = p.required(1, P.hash256)
        if state is None:
            return None
        state.require_pinned(block_hash)
        h = ctx.backend.header(block_hash)
        return None if h is None else P.to_hex(h.encode())

    @rpc.method("chainHead_v1_body", params=("followSubscription", "hash"))
    async def body(ctx, p):
        state = _follow_of(ctx, p.required(0, P.text))
        block_hash = p.required(1, P.hash256)
        if state is None:
            return {"result": "limitReached"}
        state.require_pinned(block_hash)
        if state.free_slots() < 1:
            return {"result": "limitReached"}
        op = state.new_operation(1)

        def run() -> None:
            block = ctx.backend.block(block_hash)
            if block is None:
                state.finish(op, {"event": "operationInaccessible"})
            else:
                state.finish(op, {"event": "operationBodyDone", "value": [P.to_hex(x) for x in block.extrinsics]})

        ctx.after_response(run)
        return {"result": "started", "operationId": op.id}

    @rpc.method("chainHead_v1_call", params=("followSubscription", "hash", "function", "callParameters"))
    async def call(ctx, p):
        state = _follow_of(ctx, p.required(0, P.text))
        block_hash = p.required(1, P.hash256)
        function = p.required(2, P.text)
        data = p.required(3, P.call_parameters)
        if state is None:
            return {"result": "limitReached"}
        state.require_pinned(block_hash)
        if not state.with_runtime:
            raise RpcError(NO_RUNTIME_REQUESTED, "The follow subscription was started with withRuntime false")
        if state.free_slots() < 1:
            return {"result": "limitReached"}
        op = state.new_operation(1)

        def run() -> None:
            try:
                output = runtime_call(ctx.backend, block_hash, function, data)
            except RpcError as err:
                state.finish(op, {"event": "operationError", "error": err.message})
            else:
                state.finish(op, {"event": "operationCallDone", "output": P.to_hex(output)})

        ctx.after_response(run)
        return {"result": "started", "operationId": op.id}

    @rpc.method("chainHead_v1_storage", params=("followSubscription", "hash", "items", "childTrie"))
    async def storage(ctx, p):
        state = _follow_of(ctx, p.required(0, P.text))
        block_hash = p.required(1, P.hash256)
        queries = p.required(2, storage_queries)
        child = p.optional(3, child_trie_param)
        if state is None:
            return {"result": "limitReached"}
        state.require_pinned(block_hash)
        accepted = min(len(queries), state.free_slots())
        if accepted == 0 and queries:
            return {"result": "limitReached"}
        op = state.new_operation(accepted)
        op.items = storage_items(ctx.backend.storage_reader(block_hash, child), queries[:accepted])
        ctx.after_response(lambda: state.next_storage_page(op))
        return {"result": "started", "operationId": op.id, "discardedItems": len(queries) - accepted}

    @rpc.method("chainHead_v1_continue", params=("followSubscription", "operationId"))
    async def continue_(ctx, p):
        state = _follow_of(ctx, p.required(0, P.text))
        op_id = p.required(1, P.text)
        op = None if state is None else state.resume(op_id)
        if op is not None:
            ctx.after_response(lambda: state.next_storage_page(op))
        return None

    @rpc.method("chainHead_v1_stopOperation", params=("followSubscription", "operationId"))
    async def stop_operation(ctx, p):
        state = _follow_of(ctx, p.required(0, P.text))
        op_id = p.required(1, P.text)
        if state is not None:
            state.stop_operation(op_id)
        return None

    @rpc.method("chainHead_v1_unpin", params=("followSubscription", "hashOrHashes"))
    async def unpin(ctx, p):
        state = _follow_of(ctx, p.required(0, P.text))
        hashes = p.required(1, _hash_or_hashes)
        if state is not None:
            state.unpin(hashes)
        return None
