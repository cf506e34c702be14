"""The namespaces (chain_*, state_*, author_*, payment_*, system_*, grandpa_*) over the in-test backend:
results, aliases, subscriptions and Substrate error codes (rpc.md §3–§5). Expected values are written out
here, never computed by the server code."""

from __future__ import annotations

import json

from .harness import RunningServer
from .helpers import H, unsigned_remark as _unsigned_remark


# -- chain_* ---------------------------------------------------------------------------------------


def test_block_hash_forms(srv, ws, chain):
    b1 = srv.loop.call(chain.add_block)
    assert ws.call("chain_getBlockHash") == H(b1)
    assert ws.call("chain_getHead") == H(b1)
    assert ws.call("chain_getBlockHash", [0]) == H(chain.genesis_hash)
    assert ws.call("chain_getBlockHash", ["0x1"]) == H(b1)
    assert ws.call("chain_getBlockHash", [5]) is None
    assert ws.call("chain_getBlockHash", [[0, 1, 9]]) == [H(chain.genesis_hash), H(b1), None]


def test_header_and_block_json(srv, ws, chain):
    h1 = srv.loop.call(lambda: chain.add_block(finalize=True))
    header = ws.call("chain_getHeader", [H(h1)])
    assert header["number"] == "0x1" and header["parentHash"] == H(chain.genesis_hash)
    assert ws.call("chain_getHeader", ["0x" + "ee" * 32]) is None
    assert ws.call("chain_getHeader") == header
    block = ws.call("chain_getBlock", [H(h1)])
    assert block["block"]["header"] == header and block["block"]["extrinsics"] == []
    assert block["justifications"] == [[[70, 82, 78, 75], "0x0102"]]
    assert ws.call("chain_getBlock", [H(chain.genesis_hash)])["justifications"] is None
    assert ws.call("chain_getBlock", ["0x" + "ee" * 32]) is None
    assert ws.call("chain_getFinalizedHead") == ws.call("chain_getFinalisedHead") == H(h1)


def test_new_heads_answer_first_then_current_then_imports(srv, ws, chain):
    ws.send_raw(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "chain_subscribeNewHeads", "params": []}))
    response = ws.recv()
    sub_id = response["result"]
    assert isinstance(sub_id, str) and response["id"] == 1
    first = ws.recv()
    assert first["method"] == "chain_newHead" and first["params"]["subscription"] == sub_id
    assert first["params"]["result"]["number"] == "0x0"
    srv.loop.call(chain.add_block)
    srv.loop.call(chain.add_block)
    numbers = [ws.recv()["params"]["result"]["number"] for _ in range(2)]
    assert numbers == ["0x1", "0x2"]
    assert ws.call("chain_unsubscribeNewHeads", [sub_id]) is True
    assert ws.call("chain_unsubscribeNewHeads", [sub_id]) is False
    assert chain.subscribers["new_head"] == []  # backend hook released


def test_finalized_heads_never_go_backwards(srv, ws, chain):
    sub_id = ws.call("chain_subscribeFinalizedHeads")
    assert ws.recv()["params"]["result"]["number"] == "0x0"
    b1 = srv.loop.call(chain.add_block)
    b2 = srv.loop.call(chain.add_block)
    srv.loop.call(lambda: chain.finalize(b2))
    srv.loop.call(lambda: chain.finalize(b1))  # stale notification must be dropped
    b3 = srv.loop.call(lambda: chain.add_block(finalize=True))
    got = [ws.recv()["params"]["result"]["number"] for _ in range(2)]
    assert got == ["0x2", "0x3"] and b3
    assert ws.call("chain_unsubscribeFinalisedHeads", [sub_id]) is True


def test_closing_the_socket_releases_backend_subscriptions(srv, chain):
    client = srv.ws()
    client.call("chain_subscribeNewHeads")
    client.call("chain_subscribeAllHeads")
    client.call("state_subscribeStorage", [["0x0a01"]])
    assert len(chain.subscribers["new_head"]) == 2
    client.close()
    import time
    for _ in range(100):
        if not srv.loop.call(lambda: chain.subscribers["new_head"] + chain.subscribers["all_head"]):
            break
        time.sleep(0.02)
    assert chain.subscribers["new_head"] == [] and chain.subscribers["all_head"] == []


# -- state_* ---------------------------------------------------------------------------------------


def test_storage_reads(ws, chain):
    assert ws.call("state_getStorage", ["0x0a01"]) == H(b"one")
    assert ws.call("state_getStorageAt", ["0x0a01", H(chain.genesis_hash)]) == H(b"one")
    assert ws.call("state_getStorage", ["0x0b"]) is None
    assert ws.call("state_getStorageSize", ["0x0a02"]) == 3
    import hashlib
    assert ws.call("state_getStorageHash", ["0x0a02"]) == "0x" + hashlib.blake2b(b"two", digest_size=32).hexdigest()
    reply = ws.request("state_getStorage", ["0x0a01", "0x" + "ee" * 32])
    assert reply["error"]["code"] == 4003


def test_keys_paged_start_key_is_exclusive_and_count_capped(srv, ws, chain):
    srv.loop.call(lambda: chain.add_block({bytes([0x0a, i]): b"v" for i in range(3, 10)}))
    all_keys = ws.call("state_getKeysPaged", ["0x0a", 100])
    assert all_keys == [H(bytes([0x0a, i])) for i in range(1, 10)]
    assert ws.call("state_getKeysPaged", ["0x0a", 3, "0x0a03"]) == ["0x0a04", "0x0a05", "0x0a06"]
    assert ws.call("state_getKeysPaged", ["0x0a", 3, "0x0a09"]) == []
    assert ws.call("state_getKeysPagedAt", ["0x0a", 5, None, H(chain.genesis_hash)]) == ["0x0a01", "0x0a02"]
    reply = ws.request("state_getKeysPaged", ["0x", 1001])
    assert reply["error"]["code"] == 4002
    assert reply["error"]["message"] == "count exceeds maximum value. value: 1001, max: 1000"


def test_query_storage_at_and_read_proof(ws, chain):
    result = ws.call("state_queryStorageAt", [["0x0A01", "0x0b"]])
    assert result == [{"block": H(chain.genesis_hash), "changes": [["0x0a01", H(b"one")], ["0x0b", None]]}]
    proof = ws.call("state_getReadProof", [["0x0a01"]])
    assert proof == {"at": H(chain.genesis_hash), "proof": [H(b"one")]}


def test_state_call_and_runtime_errors(ws):
    assert ws.call("state_call", ["Echo_echo", "0x0102"]) == "0x0102"
    assert ws.call("state_callAt", ["Echo_echo", "0x"]) == "0x"
    reply = ws.request("state_call", ["Nope_nope", "0x"])
    assert reply["error"]["code"] == 4003 and "Nope_nope" in reply["error"]["message"]


def test_runtime_version_and_metadata(srv, ws, chain):
    version = ws.call("state_getRuntimeVersion")
    assert version["specName"] == "toy" and ws.call("chain_getRuntimeVersion") == version
    assert ws.call("state_getMetadata").startswith("0x6d6574610e")
    sub_id = ws.call("state_subscribeRuntimeVersion")
    assert ws.recv()["params"] == {"subscription": sub_id, "result": version}
    srv.loop.call(chain.add_block)  # same version: no notification

    def upgrade():
        chain.version.spec_version = 2
        chain.add_block()

    srv.loop.call(upgrade)
    assert ws.recv()["params"]["result"]["specVersion"] == 2


def test_storage_subscription_initial_values_then_changes(srv, ws, chain):
    sub_id = ws.call("state_subscribeStorage", [["0x0a01", "0x0c"]])
    first = ws.recv()
    assert first["method"] == "state_storage"
    assert first["params"] == {"subscription": sub_id, "result": {
        "block": H(chain.genesis_hash), "changes": [["0x0a01", H(b"one")], ["0x0c", None]]}}
    srv.loop.call(lambda: chain.add_block({b"\x0a\x02": b"unwatched"}))
    b2 = srv.loop.call(lambda: chain.add_block({b"\x0c": b"new"}))
    update = ws.recv()["params"]["result"]
    assert update == {"block": H(b2), "changes": [["0x0c", H(b"new")]]}
    assert ws.call("state_unsubscribeStorage", [sub_id]) is True


# -- author_ / payment / system ------------------------------------------------------------------


def test_submit_extrinsic_and_invalid_reasons(ws, chain):
    import hashlib
    xt = _unsigned_remark(b"hello")
    assert ws.call("author_submitExtrinsic", [H(xt)]) == "0x" + hashlib.blake2b(xt, digest_size=32).hexdigest()
    assert ws.call("author_pendingExtrinsics") == [H(xt)]
    dup = ws.request("author_submitExtrinsic", [H(xt)])
    assert dup["error"]["code"] == 1013 and dup["error"]["message"] == "Transaction Already Imported"
    bad = ws.request("author_submitExtrinsic", [H(_unsigned_remark(b"BADSIG"))])
    assert bad["error"] == {"code": 1010, "message": "Invalid Transaction", "data": "Transaction has a bad signature"}
    garbage = ws.request("author_submitExtrinsic", ["0x0102"])
    assert garbage["error"]["code"] == 1001
    watched = ws.request("author_submitAndWatchExtrinsic", [H(_unsigned_remark(b"BADSIG"))])
    assert watched["error"]["code"] == 1010  # rejected synchronously, not as a notification


def test_submit_and_watch_orders_response_ready_in_block_finalized(srv, ws, chain):
    xt = _unsigned_remark(b"watch me")
    ws.send_raw(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "author_submitAndWatchExtrinsic", "params": [H(xt)]}))
    response = ws.recv()  # the toy pool said "ready" before the server answered: it must come after
    sub_id = response["result"]
    assert response["id"] == 1
    assert ws.recv()["params"] == {"subscription": sub_id, "result": "ready"}
    block = srv.loop.call(lambda: chain.add_block(finalize=True))
    updates = [ws.recv() for _ in range(2)]
    assert [u["method"] for u in updates] == ["author_extrinsicUpdate"] * 2
    assert [u["params"]["result"] for u in updates] == [{"inBlock": H(block)}, {"finalized": H(block)}]
    assert ws.call("author_unwatchExtrinsic", [sub_id]) is False  # the stream ended at "finalized"


def test_payment_query_info(ws):
    info = ws.call("payment_queryInfo", [H(_unsigned_remark(b"x"))])
    assert info == {"weight": {"ref_time": 1000, "proof_size": 0}, "class": "normal", "partialFee": "12345"}


def test_system_methods(ws, chain):
    assert ws.call("system_properties") == {"ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "UNIT"}
    assert ws.call("system_health") == {"peers": 0, "isSyncing": False, "shouldHavePeers": False}
    assert ws.call("system_chainType") == "Development"
    alice = bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
    chain.nonces[alice] = 7
    assert ws.call("system_accountNextIndex", ["5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"]) == 7
    assert ws.call("account_nextIndex", [H(alice)]) == 7
    assert ws.call("system_syncState") == {"startingBlock": 0, "currentBlock": 0, "highestBlock": 0}


def test_backend_bug_is_internal_error_and_connection_survives(srv, ws, chain):
    def boom(h):
        raise KeyError("disk on fire")

    chain.header = boom
    reply = ws.request("chain_getHeader", [])
    assert reply["error"]["code"] == -32603
    assert ws.call("system_name") == "toy-node"


def test_pool_errors_carrying_their_own_rpc_fields_are_forwarded(ws, chain):
    class TooLowPriority(Exception):
        code = 1014

        def __init__(self):
            super().__init__("x")
            self.message = "Priority is too low: (5 vs 3)"
            self.data = "The transaction has too low priority to replace another transaction already in the pool."

    def refuse(xt):
        raise TooLowPriority()

    chain.submit_extrinsic = refuse
    reply = ws.request("author_submitExtrinsic", [H(_unsigned_remark(b"low"))])
    assert reply["error"] == {"code": 1014, "message": "Priority is too low: (5 vs 3)",
                              "data": "The transaction has too low priority to replace another transaction already in the pool."}


def test_chain_spec_v1(ws, chain):
    assert ws.call("chainSpec_v1_chainName") == "Relaychain Toy"
    assert ws.call("chainSpec_v1_genesisHash") == H(chain.genesis_hash)
    assert ws.call("chainSpec_v1_properties")["ss58Format"] == 42


def test_client_that_stops_reading_is_dropped_not_buffered_forever(chain):
    with RunningServer(chain, max_buffered_messages=50) as server:
        client = server.ws()
        client.call("chain_subscribeAllHeads")
        # The client never reads: the server must cut it off instead of queueing without bound.
        server.loop.call(lambda: [chain.add_block() for _ in range(400)])
        import time
        deadline = time.time() + 10
        while time.time() < deadline and server.loop.call(lambda: chain.subscribers["all_head"]):
            time.sleep(0.02)
        assert chain.subscribers["all_head"] == []  # subscription released with the connection
        other = server.ws()  # the server itself is fine
        assert other.call("system_name") == "toy-node"
        other.close()


def test_grandpa_justifications_subscription(srv, ws, chain):
    sub_id = ws.call("grandpa_subscribeJustifications")
    srv.loop.call(lambda: chain.add_block(finalize=True))  # the toy chain stores a FRNK justification 0x0102
    note = ws.recv()
    assert note["method"] == "grandpa_justifications"
    assert note["params"] == {"subscription": sub_id, "result": "0x0102"}
    assert ws.call("grandpa_unsubscribeJustifications", [sub_id]) is True


def test_key_lists_are_bounded(ws):
    keys = ["0x0a01"] * 4097  # one over the documented bound of 4096 keys per request
    for method in ("state_queryStorageAt", "state_getReadProof", "state_subscribeStorage"):
        assert ws.request(method, [keys])["error"]["code"] == -32602
    assert len(ws.call("state_queryStorageAt", [keys[:4096]])[0]["changes"]) == 4096


def test_dropped_transaction_ends_its_stream(srv, ws, chain):
    xt = _unsigned_remark(b"to be dropped")
    sub_id = ws.call("author_submitAndWatchExtrinsic", [H(xt)])
    assert ws.recv()["params"]["result"] == "ready"
    srv.loop.call(lambda: chain.watchers.pop(xt)("dropped"))
    assert ws.recv()["params"] == {"subscription": sub_id, "result": "dropped"}
    assert ws.call("author_unwatchExtrinsic", [sub_id]) is False  # already ended by the server
