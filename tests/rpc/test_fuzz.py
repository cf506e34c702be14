"""Property: whatever a client sends, the connection survives and every reply is a well-formed JSON-RPC
response (rpc.md §1: "A malformed request must never kill the connection or the node")."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .harness import RunningServer
from .toychain import ToyChain

METHODS = ["system_name", "chain_getBlockHash", "chain_getHeader", "state_getStorage", "state_getKeysPaged",
           "state_call", "author_submitExtrinsic", "chain_subscribeNewHeads", "chain_unsubscribeNewHeads",
           "state_subscribeStorage", "system_accountNextIndex", "nope_nope", ""]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=20)
    | st.sampled_from(["0x", "0x00", "0x" + "ab" * 32, "0xzz", "0x1"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
requests_ = st.fixed_dictionaries(
    {"method": st.sampled_from(METHODS)},
    optional={"jsonrpc": st.sampled_from(["2.0", "1.0", 2]), "id": json_values, "params": json_values},
)
messages = st.one_of(
    requests_.map(json.dumps),
    st.lists(requests_, max_size=5).map(json.dumps),
    json_values.map(json.dumps),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
)


@pytest.fixture(scope="module")
def server():
    s = RunningServer(ToyChain())
    yield s
    s.close()


def _well_formed(reply: dict) -> bool:
    if "method" in reply:  # a subscription notification
        return reply.get("jsonrpc") == "2.0" and set(reply["params"]) == {"subscription", "result"}
    if reply.get("jsonrpc") != "2.0" or "id" not in reply or ("result" in reply) == ("error" in reply):
        return False
    return "result" in reply or isinstance(reply["error"].get("code"), int)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=messages)
def test_any_message_leaves_the_connection_serving(server, text):
    client = server.ws()
    try:
        client.send_raw(text)
        client.send_raw(json.dumps({"jsonrpc": "2.0", "id": "sentinel/\u0000", "method": "system_name"}))
        replies = []
        while True:  # read until our own answer; check everything before it
            reply = client.recv()
            if isinstance(reply, dict) and reply.get("id") == "sentinel/\u0000":
                break
            replies.append(reply)
        assert reply["result"] == "toy-node"
        for reply in replies:
            items = reply if isinstance(reply, list) else [reply]
            assert items and all(isinstance(r, dict) and _well_formed(r) for r in items), reply
    finally:
        client.close()
