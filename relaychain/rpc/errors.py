"""JSON-RPC error objects with Substrate's codes (rpc.md §1, §4; jsonrpsee and sc-rpc-api error modules).

Every failure a handler can produce is an `RpcError`; the dispatcher turns it into
`{"code", "message"[, "data"]}`. Anything else escaping a handler becomes -32603 and is logged.
"""

from __future__ import annotations

from typing import Any

# JSON-RPC 2.0 / jsonrpsee
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
TOO_MANY_SUBSCRIPTIONS = -32006
OVERSIZED_REQUEST = -32007
OVERSIZED_RESPONSE = -32008
SERVER_IS_BUSY = -32009
TOO_BIG_BATCH_REQUEST = -32010

# sc-rpc-api author (base 1000)
AUTHOR_BAD_FORMAT = 1001
AUTHOR_VERIFICATION = 1002
POOL_INVALID_TX = 1010
POOL_UNKNOWN_VALIDITY = 1011
POOL_TEMPORARILY_BANNED = 1012
POOL_ALREADY_IMPORTED = 1013
POOL_TOO_LOW_PRIORITY = 1014
POOL_IMMEDIATELY_DROPPED = 1016
AUTHOR_OTHER = 1040

# sc-rpc-api state (base 4000)
STATE_INVALID_COUNT = 4002
STATE_CLIENT = 4003

# dev namespace (base 6000, as sc-rpc-api dev)
DEV_ERROR = 6000


class RpcError(Exception):
    """A JSON-RPC error to send back; `data` is optional extra detail (string or JSON)."""

    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(f"{code}: {message}" + (f" ({data})" if data is not None else ""))
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict:
        err = {"code": self.code, "message": self.message}
        if self.data is not None:
            err["data"] = self.data
        return err


def parse_error(detail: str | None = None) -> RpcError:
    return RpcError(PARSE_ERROR, "Parse error", detail)


def invalid_request(detail: str | None = None) -> RpcError:
    return RpcError(INVALID_REQUEST, "Invalid request", detail)


def method_not_found(method: str | None = None) -> RpcError:
    return RpcError(METHOD_NOT_FOUND, "Method not found", None if method is None else f"unknown method {method!r}")


def invalid_params(detail: str) -> RpcError:
    """-32602: the params do not fit the method; `detail` says which and why (jsonrpsee puts it in message)."""
    return RpcError(INVALID_PARAMS, f"Invalid params: {detail}")


def internal_error(detail: str | None = None) -> RpcError:
    return RpcError(INTERNAL_ERROR, "Internal error", detail)


def invalid_transaction(reason: str) -> RpcError:
    """1010: the pool rejected the transaction; `data` is sp-runtime's InvalidTransaction text (rpc.md §4)."""
    return RpcError(POOL_INVALID_TX, "Invalid Transaction", reason)


def state_client_error(detail: str) -> RpcError:
    """4003: the client/runtime failed while serving a state query (e.g. a runtime call error)."""
    return RpcError(STATE_CLIENT, f"Client error: {detail}")
