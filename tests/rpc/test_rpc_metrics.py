"""RPC metrics with Substrate's names and labels (sc-rpc-server middleware/metrics.rs), on a registry the
server is given (the node's): calls started / finished / time by method and protocol, WebSocket sessions."""

import pytest
from prometheus_client import CollectorRegistry

from .harness import RunningServer
from .toychain import ToyChain


@pytest.fixture
def served():
    registry = CollectorRegistry()
    server = RunningServer(ToyChain(), metrics_registry=registry)
    yield server, registry
    server.close()


def value(registry, name, **labels):
    return registry.get_sample_value(name, labels) or 0.0


def test_calls_are_counted_and_timed_by_method_and_protocol(served):
    server, registry = served
    ws = server.ws()
    try:
        for _ in range(3):
            ws.call("chain_getHeader")
        assert "error" in ws.request("no_suchMethod")
        assert "error" in ws.request("chain_getBlockHash", ["not a number"])
    finally:
        ws.close()
    assert server.post({"jsonrpc": "2.0", "id": 1, "method": "chain_getHeader", "params": []}).json()["result"]

    started, finished = "substrate_rpc_calls_started_total", "substrate_rpc_calls_finished_total"
    assert value(registry, started, protocol="ws", method="chain_getHeader") == 3
    assert value(registry, started, protocol="http", method="chain_getHeader") == 1
    assert value(registry, finished, protocol="ws", method="chain_getHeader", is_error="false",
                 is_rate_limited="false") == 3
    # an unknown method is counted, under one label whatever its name
    assert value(registry, started, protocol="ws", method="unknown") == 1
    assert value(registry, finished, protocol="ws", method="unknown", is_error="true", is_rate_limited="false") == 1
    assert value(registry, finished, protocol="ws", method="chain_getBlockHash", is_error="true",
                 is_rate_limited="false") == 1
    assert value(registry, "substrate_rpc_calls_time_count", protocol="ws", method="chain_getHeader",
                 is_rate_limited="false") == 3
    assert value(registry, "substrate_rpc_calls_time_sum", protocol="ws", method="chain_getHeader",
                 is_rate_limited="false") > 0
    assert value(registry, "substrate_rpc_sessions_opened_total") == 1


def test_no_registry_no_metrics(srv, ws):
    ws.call("chain_getHeader")
    assert srv.server.metrics is None
