"""The JSON-RPC server against a small in-test backend: framing, batches, errors, limits, HTTP, subscriptions.

Expected values are written out from the JSON-RPC 2.0 spec and Substrate's codes (rpc.md §1–§4), never
computed by the server code.
"""

from __future__ import annotations

import json

import pytest
import requests
import websocket

from .harness import RunningServer
from .helpers import H
from .toychain import ToyChain


# -- framing -------------------------------------------------------------------------------------


def test_result_carries_request_id_of_any_allowed_type(ws):
    for rid in (7, "abc", None):
        ws.send_raw(json.dumps({"jsonrpc": "2.0", "id": rid, "method": "system_name"}))
        assert ws.recv() == {"jsonrpc": "2.0", "result": "toy-node", "id": rid}


def test_parse_error_keeps_the_connection_usable(ws):
    for garbage in ("{bad", "", "\x00\xff", "[1,", "null}"):
        ws.send_raw(garbage)
        reply = ws.recv()
        assert reply["error"]["code"] == -32700 and reply["id"] is None
    assert ws.call("system_chain") == "Relaychain Toy"


def test_binary_frames_are_read_as_json(ws):
    ws.conn.send_binary(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "system_version"}).encode())
    assert ws.recv() == {"jsonrpc": "2.0", "result": "0.0.1", "id": 3}


@pytest.mark.parametrize("request_obj", [
    {"id": 1, "method": "system_name"},  # no jsonrpc
    {"jsonrpc": "1.0", "id": 1, "method": "system_name"},
    {"jsonrpc": "2.0", "id": 1, "method": 5},
    {"jsonrpc": "2.0", "id": 1},
    {"jsonrpc": "2.0", "id": {"x": 1}, "method": "system_name"},
    {"jsonrpc": "2.0", "id": 1, "method": "system_name", "params": "oops"},
    42,
    "text",
])
def test_invalid_requests(ws, request_obj):
    ws.send_raw(json.dumps(request_obj))
    reply = ws.recv()
    assert reply["error"]["code"] in (-32600, -32602), reply
    expected_id = request_obj.get("id") if isinstance(request_obj, dict) and not isinstance(request_obj.get("id"), dict) else None
    assert reply["id"] == expected_id
    assert ws.call("system_name") == "toy-node"


def test_notifications_get_no_answer(ws):
    ws.send_raw(json.dumps({"jsonrpc": "2.0", "method": "system_name"}))
    ws.send_raw(json.dumps({"jsonrpc": "2.0", "method": "no_such_method"}))
    ws.send_raw(json.dumps({"jsonrpc": "2.0", "id": 9, "method": "system_version"}))
    assert ws.recv() == {"jsonrpc": "2.0", "result": "0.0.1", "id": 9}


def test_unknown_method_is_32601(ws):
    reply = ws.request("state_getStorageMagic", [])
    assert reply["error"]["code"] == -32601
    assert reply["error"]["message"] == "Method not found"


@pytest.mark.parametrize("method,params", [
    ("state_getStorage", ["nothex"]),
    ("state_getStorage", ["0xabc"]),  # odd length
    ("state_getStorage", ["0x0a01", "0x1234"]),  # hash not 32 bytes
    ("state_getStorage", []),  # missing key
    ("system_name", [1]),  # too many params
    ("chain_getBlockHash", [-1]),
    ("chain_getBlockHash", [2**32]),
    ("chain_getBlockHash", [True]),
    ("state_getKeysPaged", ["0x", "ten"]),
    ("state_getStorage", {"nokey": "0x"}),
    ("system_accountNextIndex", ["not-an-address"]),
])
def test_bad_params_are_32602(ws, method, params):
    reply = ws.request(method, params)
    assert reply["error"]["code"] == -32602, reply


def test_named_params_are_accepted(ws, chain):
    assert ws.call("state_getStorage", {"key": "0x0a01"}) == H(b"one")
    assert ws.call("state_getStorage", {"key": "0x0a01", "hash": H(chain.genesis_hash)}) == H(b"one")


# -- batches -------------------------------------------------------------------------------------


def test_batch_answers_each_request_and_skips_notifications(ws):
    ws.send_raw(json.dumps([
        {"jsonrpc": "2.0", "id": 1, "method": "system_name"},
        {"jsonrpc": "2.0", "method": "system_name"},
        {"jsonrpc": "2.0", "id": 2, "method": "nope"},
        {"jsonrpc": "2.0", "id": 3, "method": "state_getStorage", "params": ["0x0a02"]},
        17,
    ]))
    replies = ws.recv()
    assert isinstance(replies, list) and len(replies) == 4
    by_id = {r["id"]: r for r in replies if r["id"] is not None}
    assert by_id[1]["result"] == "toy-node"
    assert by_id[2]["error"]["code"] == -32601
    assert by_id[3]["result"] == H(b"two")
    assert [r["error"]["code"] for r in replies if r["id"] is None] == [-32600]


def test_empty_batch_is_one_invalid_request(ws):
    ws.send_raw("[]")
    assert ws.recv() == {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid request", "data": "empty batch"},
                         "id": None}


def test_batch_of_notifications_is_silent(ws):
    ws.send_raw(json.dumps([{"jsonrpc": "2.0", "method": "system_name"}]))
    assert ws.call("system_name") == "toy-node"


def test_batch_limit(chain):
    with RunningServer(chain, max_batch_len=3) as server:
        client = server.ws()
        client.send_raw(json.dumps([{"jsonrpc": "2.0", "id": i, "method": "system_name"} for i in range(4)]))
        assert client.recv()["error"]["code"] == -32010
        client.send_raw(json.dumps([{"jsonrpc": "2.0", "id": i, "method": "system_name"} for i in range(3)]))
        assert len(client.recv()) == 3
        client.close()


# -- limits --------------------------------------------------------------------------------------


def test_oversized_request_is_an_error_not_a_disconnect(chain):
    with RunningServer(chain, max_request_bytes=1000) as server:
        client = server.ws()
        big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "state_getStorage", "params": ["0x" + "00" * 600]})
        client.send_raw(big)
        assert client.recv()["error"]["code"] == -32007
        assert client.call("system_name") == "toy-node"
        client.close()
        response = server.post(big, raw=True)
        assert response.status_code == 413 and response.json()["error"]["code"] == -32007


def test_response_size_limit(chain):
    with RunningServer(chain, max_response_bytes=50) as server:
        client = server.ws()
        assert client.request("system_properties")["error"]["code"] == -32008
        client.close()


def test_subscription_limit_per_connection(chain):
    with RunningServer(chain, max_subscriptions_per_connection=2) as server:
        client = server.ws()
        first = client.call("chain_subscribeAllHeads")
        client.call("chain_subscribeAllHeads")
        assert client.request("chain_subscribeAllHeads")["error"]["code"] == -32006
        assert client.call("chain_unsubscribeAllHeads", [first]) is True
        client.call("chain_subscribeAllHeads")
        client.close()


def test_connection_limit(chain):
    with RunningServer(chain, max_connections=1) as server:
        first = server.ws()
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(server.url, timeout=5)
        assert refused.value.status_code == 503
        first.close()


# -- HTTP on the same port -----------------------------------------------------------------------


def test_http_post_single_and_batch(srv):
    r = srv.post({"jsonrpc": "2.0", "id": 1, "method": "system_chain"})
    assert r.status_code == 200 and r.json() == {"jsonrpc": "2.0", "result": "Relaychain Toy", "id": 1}
    r = srv.post([{"jsonrpc": "2.0", "id": 1, "method": "system_name"}, {"jsonrpc": "2.0", "id": 2, "method": "x"}])
    assert r.status_code == 200
    assert sorted(r.json(), key=lambda m: m["id"])[1]["error"]["code"] == -32601


def test_http_errors_are_status_200(srv):
    r = srv.post("{nope", raw=True)
    assert r.status_code == 200 and r.json()["error"]["code"] == -32700
    r = srv.post({"jsonrpc": "2.0", "id": 5, "method": "nope"})
    assert r.status_code == 200 and r.json()["error"]["code"] == -32601


def test_http_has_no_subscriptions(srv):
    r = srv.post({"jsonrpc": "2.0", "id": 1, "method": "chain_subscribeNewHeads"})
    assert r.json()["error"]["code"] == -32601


def test_http_get_without_upgrade_is_405(srv):
    assert requests.get(srv.http_url, timeout=5).status_code == 405


def test_cors(chain):
    with RunningServer(chain) as server:  # default: loopback and polkadot.js origins
        ok = server.post({"jsonrpc": "2.0", "id": 1, "method": "system_name"}, headers={"Origin": "http://localhost:3000"})
        assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        bad = server.post({"jsonrpc": "2.0", "id": 1, "method": "system_name"}, headers={"Origin": "https://evil.example"})
        assert bad.status_code == 403
        with pytest.raises(websocket.WebSocketBadStatusException):
            websocket.create_connection(server.url, timeout=5, origin="https://evil.example")
    with RunningServer(chain, cors="https://only.example") as server:
        # Same-origin (the server's own address, as websocket-client sends by default) is allowed, e.g. with
        # --rpc-external and a LAN address; other origins are not.
        host = server.url.removeprefix("ws://")
        websocket.create_connection(server.url, timeout=5, origin=f"http://{host}").close()
        with pytest.raises(websocket.WebSocketBadStatusException):
            websocket.create_connection(server.url, timeout=5, origin="http://localhost:3000")
        ok = server.post({"jsonrpc": "2.0", "id": 1, "method": "system_name"}, headers={"Origin": "https://only.example"})
        assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == "https://only.example"
    with RunningServer(chain, cors="all") as server:
        ok = server.post({"jsonrpc": "2.0", "id": 1, "method": "system_name"}, headers={"Origin": "https://any.example"})
        assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == "*"


# -- rpc_methods -----------------------------------------------------------------------------------


POLKADOT_ALIASES = ["chain_getHead", "chain_getFinalisedHead", "state_getStorageAt", "chain_subscribeNewHead",
                    "subscribe_newHead", "chain_subscribeFinalisedHeads", "chain_unsubscribeFinalisedHeads",
                    "unsubscribe_newHead", "chain_getRuntimeVersion", "state_callAt", "account_nextIndex"]


def test_rpc_methods_lists_aliases_and_only_dispatchable_names(ws):
    methods = ws.call("rpc_methods")["methods"]
    assert methods == sorted(methods)
    for alias in POLKADOT_ALIASES:
        assert alias in methods
    assert "dev_newBlock" not in methods  # not a dev node
    for name in methods:
        reply = ws.request(name, [])
        assert reply.get("error", {}).get("code") != -32601, name


def test_dev_new_block_only_on_dev_nodes():
    chain = ToyChain(is_dev=True)
    with RunningServer(chain) as server:
        client = server.ws()
        assert "dev_newBlock" in client.call("rpc_methods")["methods"]
        new_hash = client.call("dev_newBlock")
        assert new_hash == H(chain.best_hash()) and chain.hash_by_number(1) == chain.best_hash()
        assert client.request("dev_newBlock", [0])["error"]["code"] == 6000
        client.close()
