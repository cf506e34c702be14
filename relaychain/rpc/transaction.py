"""`transaction_v1_*` and `transactionWatch_v1_*`: submit transactions (json-rpc-interface-spec
`src/api/transaction*.md`).

`transaction_v1_broadcast` hands the transaction to the pool (which gossips it) and answers an operation id,
or null beyond `MAX_BROADCASTS` per connection; an invalid transaction is silently not propagated but still
counts until `transaction_v1_stop`. `transactionWatch_v1_submitAndWatch` reports the pool's statuses as the
spec's events: `validated` (ready or future), `bestChainBlockIncluded` ({hash, index} or null when
retracted), `finalized` ({hash, index}), and the final `invalid`, `dropped` or `error`; a transaction the pool
refuses is an `invalid`/`dropped` event, not a JSON-RPC error.
"""

from __future__ import annotations

from typing import Any, Optional

from relaychain.primitives.hashing import blake2_256

from . import params as P
from .author import check_format, pool_error
from .errors import (
    AUTHOR_BAD_FORMAT, POOL_ALREADY_IMPORTED, POOL_INVALID_TX, POOL_UNKNOWN_VALIDITY, RpcError, invalid_params,
)
from .registry import MethodRegistry

WATCH_EVENT = "transactionWatch_v1_watchEvent"
BROADCAST = "transaction_v1_broadcast"  # the session keeps each broadcast as a silent subscription
MAX_BROADCASTS = 16  # per connection (the spec asks for at least 4)

# Pool rejections that say the transaction itself is invalid; any other rejection drops it.
INVALID_CODES = (AUTHOR_BAD_FORMAT, POOL_INVALID_TX, POOL_UNKNOWN_VALIDITY)


def _submit_error(exc: BaseException) -> Optional[RpcError]:
    return exc if isinstance(exc, RpcError) else pool_error(exc)


def _block_ref(backend: Any, block_hex: str, tx_hash: bytes) -> Optional[dict]:
    """{hash, index}: where in the block the transaction is (None if the block no longer has it)."""
    block_hash = bytes.fromhex(block_hex[2:])
    block = backend.block(block_hash)
    if block is None:
        return None
    for index, xt in enumerate(block.extrinsics):
        if blake2_256(bytes(xt)) == tx_hash:
            return {"hash": block_hex, "index": index}
    return None


def watch_event(backend: Any, status: Any, tx_hash: bytes) -> Optional[dict]:
    """The spec's event for one pool status (Substrate `TransactionStatus` JSON), None to send nothing."""
    if status in ("ready", "future"):
        return {"event": "validated"}
    if status == "dropped":
        return {"event": "dropped", "error": "the transaction pool dropped the transaction"}
    if status == "invalid":
        return {"event": "invalid", "error": "the transaction is no longer valid"}
    if not isinstance(status, dict) or len(status) != 1:
        return None
    (kind, value), = status.items()
    if kind == "inBlock":
        return {"event": "bestChainBlockIncluded", "block": _block_ref(backend, value, tx_hash)}
    if kind == "retracted":
        return {"event": "bestChainBlockIncluded", "block": None}
    if kind == "finalized":
        ref = _block_ref(backend, value, tx_hash)
        if ref is None:
            return {"event": "error", "error": f"finalized block {value} does not hold the transaction"}
        return {"event": "finalized", "block": ref}
    if kind == "usurped":
        return {"event": "invalid", "error": f"replaced by transaction {value} with the same nonce"}
    if kind == "finalityTimeout":
        return {"event": "dropped", "error": f"block {value} took too long to be finalized"}
    return None  # "broadcast": the spec has no event for it


FINAL_EVENTS = ("finalized", "invalid", "dropped", "error")


def register(rpc: MethodRegistry) -> None:
    @rpc.method("transaction_v1_broadcast", params=("transaction",))
    async def broadcast(ctx, p):
        xt = p.required(0, P.hex_bytes)
        ctx.require_subscriptions()
        session = ctx.session
        if sum(1 for s in session.subscriptions.values() if s.notification == BROADCAST) >= MAX_BROADCASTS:
            return None
        op = session.open_subscription(BROADCAST)
        op.activate()
        try:
            check_format(xt)
            ctx.backend.submit_extrinsic(xt)
        except Exception as exc:  # an invalid or refused transaction is dropped silently (spec)
            if _submit_error(exc) is None:
                op.close()
                raise
        return op.id

    @rpc.method("transaction_v1_stop", params=("operationId",))
    async def stop(ctx, p):
        op_id = p.required(0, P.text)
        if not ctx.session.close_subscription(op_id, BROADCAST):
            raise invalid_params(f"{op_id!r} is not an active transaction_v1_broadcast operation")
        return None

    @rpc.subscription(("transactionWatch_v1_submitAndWatch",), ("transactionWatch_v1_unwatch",), WATCH_EVENT,
                      params=("transaction",), unsubscribe_result="null-or-error")
    async def submit_and_watch(ctx, p, sub):
        xt = p.required(0, P.hex_bytes)
        tx_hash = blake2_256(xt)
        backend = ctx.backend

        def on_status(status: Any) -> None:
            event = watch_event(backend, status, tx_hash)
            if event is not None:
                sub.send(event, final=event["event"] in FINAL_EVENTS)

        try:
            check_format(xt)
            backend.watch_extrinsic(xt, on_status)
        except Exception as exc:
            error = _submit_error(exc)
            if error is None:
                raise
            reason = error.data if isinstance(error.data, str) and error.data else error.message
            kind = "invalid" if error.code in INVALID_CODES else "dropped"
            if error.code == POOL_ALREADY_IMPORTED:
                reason = "the transaction is already in the pool"
            sub.send({"event": kind, "error": reason}, final=True)
