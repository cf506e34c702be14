"""RPC call metrics with Substrate's names (`sc-rpc-server` `middleware/metrics.rs`), on the node's registry.

- `substrate_rpc_calls_started{protocol, method}`: calls received (each call of a batch counts);
- `substrate_rpc_calls_finished{protocol, method, is_error, is_rate_limited}`: calls answered;
- `substrate_rpc_calls_time{protocol, method, is_rate_limited}`: time to answer, in microseconds;
- `substrate_rpc_sessions_opened` / `substrate_rpc_sessions_closed`: WebSocket connections.
`protocol` is "ws" or "http"; a method this server does not serve is counted as "unknown", so junk names
cannot grow the number of series. Nothing here is rate limited: `is_rate_limited` is always "false".
(prometheus_client exposes counters with a `_total` suffix.)
"""

from __future__ import annotations

import time
from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram

# Substrate's buckets, in microseconds.
CALL_TIME_BUCKETS_US = (5.0, 25.0, 100.0, 500.0, 1_000.0, 2_500.0, 10_000.0, 25_000.0, 100_000.0, 1_000_000.0,
                        10_000_000.0)


class RpcMetrics:
    def __init__(self, registry: CollectorRegistry, is_known_method: Callable[[str], bool]):
        self.is_known_method = is_known_method
        self._by_call: dict[tuple[str, str], _CallSeries] = {}  # (protocol, method label) -> its series
        self.calls_time = Histogram("substrate_rpc_calls_time", "Total time [μs] of processed RPC calls",
                                    ["protocol", "method", "is_rate_limited"], buckets=CALL_TIME_BUCKETS_US,
                                    registry=registry)
        self.calls_started = Counter("substrate_rpc_calls_started",
                                     "Number of received RPC calls (unique un-batched requests)",
                                     ["protocol", "method"], registry=registry)
        self.calls_finished = Counter("substrate_rpc_calls_finished",
                                      "Number of processed RPC calls (unique un-batched requests)",
                                      ["protocol", "method", "is_error", "is_rate_limited"], registry=registry)
        self.sessions_opened = Counter("substrate_rpc_sessions_opened", "Number of persistent RPC sessions opened",
                                       registry=registry)
        self.sessions_closed = Counter("substrate_rpc_sessions_closed", "Number of persistent RPC sessions closed",
                                       registry=registry)

    def method_label(self, method: str) -> str:
        return method if self.is_known_method(method) else "unknown"

    def _series(self, protocol: str, method: str) -> "_CallSeries":
        """The labelled series of one (protocol, method label), looked up once: `labels()` validates and locks on
        every call, and a busy server answers thousands of calls a second."""
        key = (protocol, self.method_label(method))
        series = self._by_call.get(key)
        if series is None:
            series = self._by_call[key] = _CallSeries(self, *key)
        return series

    def on_call(self, protocol: str, method: str) -> float:
        """Count a call; returns its start time for `on_response`."""
        self._series(protocol, method).started.inc()
        return time.perf_counter()

    def on_response(self, protocol: str, method: str, is_error: bool, started: float) -> None:
        series = self._series(protocol, method)
        series.time.observe((time.perf_counter() - started) * 1_000_000)
        series.finished(is_error).inc()


class _CallSeries:
    """The series of one (protocol, method label); the error count's is made on the first error, so a method
    that never failed shows no `is_error="true"` series, as before."""

    __slots__ = ("metrics", "protocol", "label", "started", "time", "_finished")

    def __init__(self, metrics: RpcMetrics, protocol: str, label: str):
        self.metrics, self.protocol, self.label = metrics, protocol, label
        self.started = metrics.calls_started.labels(protocol, label)
        self.time = metrics.calls_time.labels(protocol, label, "false")
        self._finished = {False: metrics.calls_finished.labels(protocol, label, "false", "false")}

    def finished(self, is_error: bool):
        child = self._finished.get(is_error)
        if child is None:
            child = self._finished[is_error] = self.metrics.calls_finished.labels(
                self.protocol, self.label, "true" if is_error else "false", "false")
        return child
