"""Per-connection state: the outgoing message queue and the subscriptions opened on it.

Ordering rule (rpc.md §1): a subscription is created *pending*; notifications produced before the
subscribe response has been queued are buffered and flushed right after it (`Subscription.activate`).
All queueing is synchronous so node callbacks (which run on the node's loop) can notify directly.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
from dataclasses import dataclass, field
from typing import Any, Callable

from .errors import TOO_MANY_SUBSCRIPTIONS, RpcError

log = logging.getLogger(__name__)

_ID_ALPHABET = string.ascii_letters + string.digits


def new_subscription_id() -> str:
    """Random 16-character id, as jsonrpsee (Substrate) hands out."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))


def encode_message(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


class Subscription:
    """A server → client stream of `{"method": notification, "params": {"subscription": id, "result": …}}`."""

    __slots__ = ("id", "notification", "_session", "_active", "_buffer", "_closed", "_cleanups", "_finishing",
                 "state")

    def __init__(self, session: "Session", notification: str):
        self.id = new_subscription_id()
        self.notification = notification
        self._session = session
        self._active = False
        self._buffer: list[str] = []
        self._closed = False
        self._cleanups: list[Callable[[], None]] = []
        self._finishing = False
        self.state: Any = None  # what the namespace keeps per subscription (e.g. a chainHead follow)

    @property
    def closed(self) -> bool:
        return self._closed

    def send(self, result: Any, *, final: bool = False) -> None:
        """Queue one notification (buffered until the subscribe response went out).

        `final=True` ends the subscription after this notification has been queued (e.g. a watched
        transaction reached `finalized` or `dropped`).
        """
        if self._closed or self._finishing:
            return
        text = encode_message(
            {"jsonrpc": "2.0", "method": self.notification, "params": {"subscription": self.id, "result": result}}
        )
        if self._active:
            self._session.enqueue(text)
            if final:
                self.close()
        else:
            self._buffer.append(text)
            self._finishing = final

    def activate(self) -> None:
        """The subscribe response has been queued: flush what was buffered, send directly from now on."""
        if self._active or self._closed:
            return
        self._active = True
        buffered, self._buffer = self._buffer, []
        for text in buffered:
            self._session.enqueue(text)
        if self._finishing:
            self.close()

    def on_close(self, cleanup: Callable[[], None]) -> None:
        """Run `cleanup` (e.g. the backend's unsubscribe) when this subscription ends."""
        if self._closed:
            cleanup()
        else:
            self._cleanups.append(cleanup)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._buffer.clear()
        self._session.subscriptions.pop(self.id, None)
        for cleanup in self._cleanups:
            try:
                cleanup()
            except Exception:  # a failing cleanup must not stop the others
                log.exception("subscription cleanup failed")
        self._cleanups.clear()


class Session:
    """One client connection. Subclasses deliver queued text (WebSocket) or collect it (HTTP)."""

    supports_subscriptions = False
    transport = "ws"  # the `protocol` label of the RPC metrics

    def __init__(self, max_subscriptions: int = 1024):
        self.max_subscriptions = max_subscriptions
        self.subscriptions: dict[str, Subscription] = {}
        self.closed = False

    def enqueue(self, text: str) -> None:
        raise NotImplementedError

    def backlog(self) -> int:
        """Messages queued for this client and not yet written (a follower that lags is stopped on it)."""
        return 0

    def open_subscription(self, notification: str) -> Subscription:
        if len(self.subscriptions) >= self.max_subscriptions:
            raise RpcError(
                TOO_MANY_SUBSCRIPTIONS,
                "Too many subscriptions on the connection",
                f"Exceeded max limit of {self.max_subscriptions}",
            )
        sub = Subscription(self, notification)
        self.subscriptions[sub.id] = sub
        return sub

    def close_subscription(self, sub_id: Any, notification: str) -> bool:
        """Unsubscribe: True if `sub_id` was an open subscription of this kind on this connection."""
        sub = self.subscriptions.get(sub_id) if isinstance(sub_id, str) else None
        if sub is None or sub.notification != notification:
            return False
        sub.close()
        return True

    def close(self) -> None:
        """Connection gone: end every subscription (and its backend hooks)."""
        self.closed = True
        for sub in list(self.subscriptions.values()):
            sub.close()


@dataclass
class CallContext:
    """What a handler sees: the node backend, the caller's session and the server's limits."""

    backend: Any
    session: Session
    registry: Any
    limits: Any
    cache: dict
    pending: list = field(default_factory=list)

    def after_response(self, action: Callable[[], None]) -> None:
        """Run `action` once this call's response has been queued (so its notifications follow it)."""
        self.pending.append(action)

    def require_subscriptions(self) -> None:
        if not self.session.supports_subscriptions:
            raise RpcError(-32601, "Method not found", "subscriptions are only available over WebSocket")
