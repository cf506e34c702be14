"""JSON-RPC 2.0 framing and dispatch (rpc.md §1): one text message in → one response text out (or none).

Rules: a single request object or a batch array; requests without `id` are notifications (no answer);
errors carry the request id, or null when it could not be read; an empty batch is one -32600 error;
a batch over the limit is one -32010 error; nothing a client sends raises out of `Dispatcher.process`.
A message is parsed as serde_json does (`json_text.py`): nested deeper than 128, or carrying NaN/Infinity,
it is a -32700 Parse error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .errors import (
    OVERSIZED_REQUEST,
    OVERSIZED_RESPONSE,
    TOO_BIG_BATCH_REQUEST,
    RpcError,
    internal_error,
    invalid_params,
    invalid_request,
    method_not_found,
    parse_error,
)
from .json_text import JsonParseError, parse_message
from .params import Params
from .chain_head import ChainHeadLimits
from .registry import MethodRegistry
from .metrics import RpcMetrics
from .session import CallContext, Session, Subscription, encode_message

log = logging.getLogger(__name__)

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Server limits; exceeding one yields a JSON-RPC error, never a crash (defaults as Substrate's)."""

    max_request_bytes: int = 15 * MiB
    max_response_bytes: int = 15 * MiB
    max_batch_len: int = 1000
    max_connections: int = 100
    max_subscriptions_per_connection: int = 1024
    max_buffered_messages: int = 4096  # per connection; a client that stops reading is disconnected
    chain_head: ChainHeadLimits = field(default_factory=ChainHeadLimits)  # chainHead_v1 follows and operations


def error_response(request_id: Any, error: RpcError) -> dict:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": request_id}


def _valid_id(value: Any) -> bool:
    return value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


class Dispatcher:
    def __init__(self, registry: MethodRegistry, backend: Any, limits: Limits, metrics: Optional[RpcMetrics] = None):
        self.registry = registry
        self.backend = backend
        self.limits = limits
        self.metrics = metrics
        self.cache: dict = {}  # per-server memo for handlers (e.g. metadata hex by runtime)

    async def process(self, text: str | bytes, session: Session) -> Optional[str]:
        """Answer one message; new subscriptions are activated only after the answer was queued."""
        pending: list[Callable[[], None]] = []
        response = await self._respond(text, session, pending)
        if response is not None:
            session.enqueue(response)
        for after_response in pending:  # subscriptions activated, operations started (CallContext.after_response)
            after_response()
        return response

    async def _respond(self, text: str | bytes, session: Session, pending: list) -> Optional[str]:
        if len(text) > self.limits.max_request_bytes:
            return encode_message(error_response(None, RpcError(
                OVERSIZED_REQUEST, "Request is too big",
                f"Exceeded max limit of {self.limits.max_request_bytes}")))
        try:
            message = parse_message(text)
        except JsonParseError as exc:
            return encode_message(error_response(None, parse_error(str(exc))))
        if isinstance(message, list):
            return await self._respond_batch(message, session, pending)
        answer = await self._call(message, session, pending)
        return None if answer is None else self._encode_bounded(answer)

    async def _respond_batch(self, batch: list, session: Session, pending: list) -> Optional[str]:
        if not batch:
            return encode_message(error_response(None, invalid_request("empty batch")))
        if len(batch) > self.limits.max_batch_len:
            return encode_message(error_response(None, RpcError(
                TOO_BIG_BATCH_REQUEST, "The batch request was too large",
                f"Exceeded max limit of {self.limits.max_batch_len}")))
        answers = []
        for item in batch:
            answer = await self._call(item, session, pending)
            if answer is not None:
                answers.append(answer)
        if not answers:
            return None
        return self._encode_bounded(answers)

    def _encode_bounded(self, answer: Any) -> str:
        text = encode_message(answer)
        if len(text) <= self.limits.max_response_bytes:
            return text
        error = RpcError(OVERSIZED_RESPONSE, "Response is too big",
                         f"Exceeded max limit of {self.limits.max_response_bytes}")
        if isinstance(answer, list):
            return encode_message([error_response(a.get("id"), error) for a in answer])
        return encode_message(error_response(answer.get("id"), error))

    async def _call(self, request: Any, session: Session, pending: list) -> Optional[dict]:
        """One request object → its response object (None for a notification)."""
        if not isinstance(request, dict):
            return error_response(None, invalid_request("a request must be a JSON object"))
        has_id = "id" in request
        request_id = request.get("id")
        if not _valid_id(request_id):
            return error_response(None, invalid_request("id must be a string, an integer or null"))
        method = request.get("method")
        if request.get("jsonrpc") != "2.0" or not isinstance(method, str):
            return error_response(request_id, invalid_request('expected {"jsonrpc": "2.0", "method": <string>, ...}'))
        if self.metrics is None:
            return await self._answer(request, method, session, pending)
        started = self.metrics.on_call(session.transport, method)
        answer = await self._answer(request, method, session, pending)
        self.metrics.on_response(session.transport, method, answer is not None and "error" in answer, started)
        return answer

    async def _answer(self, request: dict, method: str, session: Session, pending: list) -> Optional[dict]:
        has_id = "id" in request
        request_id = request.get("id")
        try:
            result = await self._invoke(method, request.get("params"), session, pending)
        except RpcError as err:
            return error_response(request_id, err) if has_id else None
        except Exception as exc:  # a bug or backend failure must not take the connection down
            log.exception("RPC method %s failed", method)
            return error_response(request_id, internal_error(f"{type(exc).__name__}: {exc}")) if has_id else None
        if not has_id:
            return None
        return {"jsonrpc": "2.0", "result": result, "id": request_id}

    async def _invoke(self, method: str, raw_params: Any, session: Session, pending: list) -> Any:
        spec = self.registry.lookup(method)
        if spec is None:
            raise method_not_found(method)
        params = Params(raw_params, spec.params)
        ctx = CallContext(self.backend, session, self.registry, self.limits, self.cache, pending)
        if spec.kind == "call":
            return await spec.handler(ctx, params)
        if spec.kind == "unsubscribe":
            sub_id = params.required(0, _subscription_id)
            closed = session.close_subscription(sub_id, spec.notification)
            if spec.unsubscribe_result == "bool":
                return closed
            if not closed and spec.unsubscribe_result == "null-or-error":
                raise invalid_params(f"{sub_id!r} is not an active subscription")
            return None
        ctx.require_subscriptions()
        sub = session.open_subscription(spec.notification)
        first_action = len(pending)
        try:
            await spec.handler(ctx, params, sub)
        except BaseException:
            sub.close()
            del pending[first_action:]
            raise
        pending.insert(first_action, sub.activate)  # before what the handler asked to run after the response
        return sub.id


def _subscription_id(value: Any, name: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise invalid_params(f"{name}: expected a subscription id")
    return value
