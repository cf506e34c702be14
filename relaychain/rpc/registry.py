"""The method registry: what the server answers, and therefore exactly what `rpc_methods` lists (rpc.md §2).

A namespace module registers plain calls with `@registry.method(name, *aliases, params=...)` and
subscriptions with `@registry.subscription(...)`; the registry creates the matching unsubscribe methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .session import CallContext, Subscription
    from .params import Params

CallHandler = Callable[["CallContext", "Params"], Awaitable[Any]]
SubscribeHandler = Callable[["CallContext", "Params", "Subscription"], Awaitable[None]]


@dataclass(frozen=True)
class MethodSpec:
    """One callable name. kind: "call", "subscribe" (result = subscription id) or "unsubscribe" (result = bool)."""

    name: str
    kind: str
    params: tuple[str, ...]
    handler: Optional[Callable[..., Awaitable[Any]]] = None
    notification: Optional[str] = None  # the `method` of notifications (subscribe / unsubscribe)
    # unsubscribe only: "bool" answers true/false (legacy namespaces); "null" answers null whatever the id
    # (chainHead_v1_unfollow, archive_v1_stopStorage); "null-or-error" answers null, or -32602 for an id
    # that names no active subscription (transactionWatch_v1_unwatch)
    unsubscribe_result: str = "bool"


class DuplicateMethod(ValueError):
    """Two registrations used the same method name."""


class MethodRegistry:
    def __init__(self) -> None:
        self._methods: dict[str, MethodSpec] = {}

    def _add(self, spec: MethodSpec) -> None:
        if spec.name in self._methods:
            raise DuplicateMethod(f"RPC method {spec.name!r} registered twice")
        self._methods[spec.name] = spec

    def method(self, name: str, *aliases: str, params: tuple[str, ...] = ()) -> Callable[[CallHandler], CallHandler]:
        def register(handler: CallHandler) -> CallHandler:
            for n in (name, *aliases):
                self._add(MethodSpec(n, "call", tuple(params), handler))
            return handler

        return register

    def subscription(
        self,
        subscribe: tuple[str, ...],
        unsubscribe: tuple[str, ...],
        notification: str,
        params: tuple[str, ...] = (),
        unsubscribe_result: str = "bool",
    ) -> Callable[[SubscribeHandler], SubscribeHandler]:
        """Register subscribe names (first is canonical) and their unsubscribe names for one notification."""
        if unsubscribe_result not in ("bool", "null", "null-or-error"):
            raise ValueError(f"unknown unsubscribe result {unsubscribe_result!r}")

        def register(handler: SubscribeHandler) -> SubscribeHandler:
            for n in subscribe:
                self._add(MethodSpec(n, "subscribe", tuple(params), handler, notification))
            for n in unsubscribe:
                self._add(MethodSpec(n, "unsubscribe", ("subscription",), None, notification,
                                      unsubscribe_result))
            return handler

        return register

    def lookup(self, name: str) -> Optional[MethodSpec]:
        return self._methods.get(name)

    def names(self) -> list[str]:
        """Every registered name, sorted (the `rpc_methods` result)."""
        return sorted(self._methods)

    def __contains__(self, name: str) -> bool:
        return name in self._methods
