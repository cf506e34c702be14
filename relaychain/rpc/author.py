"""`author_*`: submit and watch transactions (rpc.md §3, §4; sc-rpc-api author error codes).

An invalid transaction is rejected synchronously with a JSON-RPC error — 1010 "Invalid Transaction" with
sp-runtime's reason text as `data` — never as a notification. The node's and runtime's typed exceptions
are mapped by class name (see `POOL_ERRORS`), so neither has to import the RPC package.
"""

from __future__ import annotations

from typing import Any

from relaychain.primitives.extrinsic import UncheckedExtrinsic

from . import params as P
from .errors import (
    AUTHOR_BAD_FORMAT,
    POOL_ALREADY_IMPORTED,
    POOL_IMMEDIATELY_DROPPED,
    POOL_TEMPORARILY_BANNED,
    POOL_TOO_LOW_PRIORITY,
    POOL_UNKNOWN_VALIDITY,
    RpcError,
    invalid_transaction,
)
from .registry import MethodRegistry

# Exception class name (anywhere in the MRO) → (code, message). `data` is the exception's `.message`/str.
POOL_ERRORS: dict[str, tuple[int, str]] = {
    "UnknownTransaction": (POOL_UNKNOWN_VALIDITY, "Unknown Transaction Validity"),
    "TemporarilyBanned": (POOL_TEMPORARILY_BANNED, "Transaction is temporarily banned"),
    "AlreadyImported": (POOL_ALREADY_IMPORTED, "Transaction Already Imported"),
    "TooLowPriority": (POOL_TOO_LOW_PRIORITY, "Priority is too low"),
    "ImmediatelyDropped": (POOL_IMMEDIATELY_DROPPED, "Immediately Dropped"),
    "PoolFull": (POOL_IMMEDIATELY_DROPPED, "Immediately Dropped"),
}

# A watched transaction's stream ends after one of these statuses (as Substrate's pool watcher).
FINAL_STATUSES = ("finalized", "usurped", "finalityTimeout", "dropped", "invalid")


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) and message else str(exc)


def pool_error(exc: BaseException) -> RpcError | None:
    """The JSON-RPC error for a rejected transaction, or None if `exc` is not a validity/pool error.

    Order: the runtime's InvalidTransaction → 1010 with its reason text; an exception that carries its own
    author-RPC fields (int `code`, str `message`, optional `data`, as the node's pool errors do) → as is;
    otherwise by class name (`POOL_ERRORS`, ScaleDecodeError → 1001).
    """
    names = [cls.__name__ for cls in type(exc).__mro__]
    if "InvalidTransaction" in names:
        return invalid_transaction(_reason(exc))
    code, message = getattr(exc, "code", None), getattr(exc, "message", None)
    if isinstance(code, int) and not isinstance(code, bool) and isinstance(message, str):
        data = getattr(exc, "data", None)
        return RpcError(code, message, data if isinstance(data, (str, int, list, dict)) else None)
    if "ScaleDecodeError" in names:
        return RpcError(AUTHOR_BAD_FORMAT, f"Extrinsic has invalid format: {_reason(exc)}")
    for name in names:
        if name in POOL_ERRORS:
            code, message = POOL_ERRORS[name]
            return RpcError(code, message, _reason(exc))
    return None


def check_format(xt: bytes) -> None:
    """Reject undecodable bytes before the pool sees them: 1001 "Extrinsic has invalid format"."""
    try:
        UncheckedExtrinsic.decode(xt)
    except Exception as exc:
        raise RpcError(AUTHOR_BAD_FORMAT, f"Extrinsic has invalid format: {exc}") from None


def _is_final(status: Any) -> bool:
    if isinstance(status, str):
        return status in FINAL_STATUSES
    return isinstance(status, dict) and any(k in FINAL_STATUSES for k in status)


def _submit(fn, *args) -> bytes:
    try:
        return fn(*args)
    except RpcError:
        raise
    except Exception as exc:
        error = pool_error(exc)
        if error is None:
            raise
        raise error from None


def register(rpc: MethodRegistry) -> None:
    @rpc.method("author_submitExtrinsic", params=("extrinsic",))
    async def submit_extrinsic(ctx, p):
        """Validate and pool; the result is blake2_256 of the full encoding (with its length prefix)."""
        xt = p.required(0, P.hex_bytes)
        check_format(xt)
        return P.to_hex(_submit(ctx.backend.submit_extrinsic, xt))

    @rpc.subscription(
        ("author_submitAndWatchExtrinsic",), ("author_unwatchExtrinsic",), "author_extrinsicUpdate",
        params=("extrinsic",),
    )
    async def submit_and_watch(ctx, p, sub):
        """Statuses "ready" → {"inBlock"} → {"finalized"} (or "dropped"/"invalid"/…); the stream then ends."""
        xt = p.required(0, P.hex_bytes)
        check_format(xt)
        _submit(ctx.backend.watch_extrinsic, xt, lambda status: sub.send(status, final=_is_final(status)))

    @rpc.method("author_pendingExtrinsics")
    async def pending_extrinsics(ctx, p):
        return [P.to_hex(xt) for xt in ctx.backend.pending_extrinsics()]
