"""The new JSON-RPC spec (json-rpc-interface-spec: chainHead_v1, transaction_v1, transactionWatch_v1,
chainSpec_v1, archive_v1) over a REAL dev node and real WebSockets: follow events and pinning, operations,
the limits (pinned blocks, concurrent operations, follows per connection) and `stop` for a lagging follower.
Expected values come from the legacy methods and independent hashing, not from the code under test."""

from __future__ import annotations

import hashlib

import pytest

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.ss58 import ss58_encode
from relaychain.rpc import start_rpc_server
from relaychain.rpc.chain_head import ChainHeadLimits

from ..node.chain_helpers import account_key, signed_transfer
from .harness import WsClient

FOLLOW = "chainHead_v1_followEvent"
SYSTEM_ACCOUNT = "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"


def blake2_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def unhex(s: str) -> bytes:
    return bytes.fromhex(s[2:])


class Follower:
    """A WebSocket client with one chainHead_v1_follow subscription; events are read in order."""

    def __init__(self, url: str, with_runtime: bool = True):
        self.ws = WsClient(url, 20)
        self.sub = self.ws.call("chainHead_v1_follow", [with_runtime])

    def event(self) -> dict:
        msg = self.ws.pending.pop(0) if self.ws.pending else self.ws.recv()
        assert msg["method"] == FOLLOW and msg["params"]["subscription"] == self.sub, msg
        return msg["params"]["result"]

    def until(self, kind: str, operation: str | None = None) -> dict:
        while True:
            ev = self.event()
            if ev["event"] == kind and (operation is None or ev.get("operationId") == operation):
                return ev

    def call(self, method: str, *params):
        return self.ws.call(method, [self.sub, *params])

    def request(self, method: str, *params) -> dict:
        return self.ws.request(method, [self.sub, *params])

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def follower(dev_node):
    f = Follower(dev_node.url)
    yield f
    f.close()


@pytest.fixture
def small_limits_server(dev_node):
    servers = []

    def start(**limits) -> str:
        server = dev_node.loop.run(start_rpc_server(dev_node.node, "127.0.0.1", 0,
                                                    chain_head_limits=ChainHeadLimits(**limits)))
        servers.append(server)
        return f"ws://127.0.0.1:{server.port}"

    yield start
    for server in servers:
        dev_node.loop.run(server.stop())


def test_all_groups_are_listed(dev_node):
    methods = set(dev_node.rpc("rpc_methods")["result"]["methods"])
    for group in ("chainHead_v1_", "transaction_v1_", "transactionWatch_v1_", "chainSpec_v1_", "archive_v1_"):
        assert any(m.startswith(group) for m in methods), group
    assert {"chainHead_v1_follow", "chainHead_v1_unfollow", "chainHead_v1_header", "chainHead_v1_body",
            "chainHead_v1_call", "chainHead_v1_storage", "chainHead_v1_continue", "chainHead_v1_stopOperation",
            "chainHead_v1_unpin", "transaction_v1_broadcast", "transaction_v1_stop",
            "transactionWatch_v1_submitAndWatch", "transactionWatch_v1_unwatch", "archive_v1_finalizedHeight",
            "archive_v1_hashByHeight", "archive_v1_header", "archive_v1_body", "archive_v1_storage",
            "archive_v1_stopStorage", "archive_v1_call", "archive_v1_genesisHash", "chainSpec_v1_chainName",
            "chainSpec_v1_genesisHash", "chainSpec_v1_properties", "state_getStorage", "chain_getBlock"} <= methods


def test_follow_reports_blocks_in_order_and_header_matches_its_hash(dev_node, follower):
    init = follower.event()
    assert init["event"] == "initialized"
    finalized = init["finalizedBlockHashes"][-1]
    assert finalized == dev_node.rpc("chain_getFinalizedHead")["result"]
    version = dev_node.rpc("state_getRuntimeVersion")["result"]
    spec = init["finalizedBlockRuntime"]["spec"]
    assert init["finalizedBlockRuntime"]["type"] == "valid"
    assert spec["specVersion"] == version["specVersion"] and spec["transactionVersion"] == version["transactionVersion"]
    assert spec["apis"] == {api: v for api, v in version["apis"]}
    assert follower.event() == {"event": "bestBlockChanged", "bestBlockHash": finalized}

    new = dev_node.new_block()
    block = follower.event()
    assert block == {"event": "newBlock", "blockHash": new, "parentBlockHash": finalized, "newRuntime": None}
    assert follower.event() == {"event": "bestBlockChanged", "bestBlockHash": new}
    assert follower.event() == {"event": "finalized", "finalizedBlockHashes": [new], "prunedBlockHashes": []}

    header = unhex(follower.call("chainHead_v1_header", new))
    assert "0x" + blake2_256(header).hex() == new
    assert header[:32] == unhex(finalized)  # parent hash first (SCALE header)
    follower.call("chainHead_v1_unpin", [finalized, new])
    err = follower.request("chainHead_v1_header", new)["error"]
    assert err["code"] == -32801
    assert follower.request("chainHead_v1_unpin", new)["error"]["code"] == -32801


def test_operations_match_the_legacy_methods(dev_node, follower):
    dev_node.new_block()
    best = follower.until("bestBlockChanged")["bestBlockHash"]

    op = follower.call("chainHead_v1_body", best)
    assert op["result"] == "started"
    done = follower.until("operationBodyDone", op["operationId"])
    assert done["value"] == dev_node.rpc("chain_getBlock", [best])["result"]["block"]["extrinsics"]

    op = follower.call("chainHead_v1_call", best, "Core_version", "")
    done = follower.until("operationCallDone", op["operationId"])
    assert done["output"] == dev_node.rpc("state_call", ["Core_version", "0x", best])["result"]
    op = follower.call("chainHead_v1_call", best, "NoSuch_function", "0x")
    assert "error" in follower.until("operationError", op["operationId"])

    alice = Sr25519Keypair.from_uri("//Alice").public
    alice_key = "0x" + account_key(alice).hex()
    state_root = dev_node.rpc("chain_getHeader", [best])["result"]["stateRoot"]
    op = follower.call("chainHead_v1_storage", best, [
        {"key": alice_key, "type": "value"}, {"key": "0x3a636f6465", "type": "hash"},
        {"key": "0x", "type": "closestDescendantMerkleValue"}, {"key": "0xdeadbeef", "type": "value"}], None)
    assert op["discardedItems"] == 0
    items = follower.until("operationStorageItems", op["operationId"])["items"]
    code = unhex(dev_node.rpc("state_getStorage", ["0x3a636f6465", best])["result"])
    assert items == [{"key": alice_key, "value": dev_node.rpc("state_getStorage", [alice_key, best])["result"]},
                     {"key": "0x3a636f6465", "hash": "0x" + blake2_256(code).hex()},
                     {"key": "0x", "closestDescendantMerkleValue": state_root}]
    follower.until("operationStorageDone", op["operationId"])


def test_descendants_are_paged_with_continue(dev_node, follower):
    finalized = follower.event()["finalizedBlockHashes"][-1]
    expected_keys = dev_node.rpc("state_getKeysPaged", [SYSTEM_ACCOUNT, 1000, None, finalized])["result"]
    assert len(expected_keys) > 5
    op = follower.call("chainHead_v1_storage", finalized, [{"key": SYSTEM_ACCOUNT, "type": "descendantsHashes"}],
                       None)["operationId"]
    seen, waits = [], 0
    while True:
        ev = follower.event()
        if ev.get("operationId") != op:
            continue
        if ev["event"] == "operationStorageItems":
            assert len(ev["items"]) <= 5
            seen += ev["items"]
        elif ev["event"] == "operationWaitingForContinue":
            waits += 1
            assert follower.request("chainHead_v1_continue", "no-such-op")["result"] is None
            follower.call("chainHead_v1_continue", op)
        else:
            assert ev["event"] == "operationStorageDone"
            break
    assert [i["key"] for i in seen] == expected_keys
    assert waits == (len(expected_keys) - 1) // 5
    for item in seen[:3]:
        value = unhex(dev_node.rpc("state_getStorage", [item["key"], finalized])["result"])
        assert item["hash"] == "0x" + blake2_256(value).hex()


def test_operation_limit_and_stop_operation(dev_node, small_limits_server):
    f = Follower(small_limits_server(max_operations=2))
    try:
        finalized = f.event()["finalizedBlockHashes"][-1]
        op = f.call("chainHead_v1_storage", finalized, [{"key": SYSTEM_ACCOUNT, "type": "descendantsValues"}] * 3,
                    None)
        assert op["discardedItems"] == 1  # two slots: one item left out
        f.until("operationWaitingForContinue", op["operationId"])  # holds both slots
        assert f.call("chainHead_v1_body", finalized) == {"result": "limitReached"}
        assert f.call("chainHead_v1_storage", finalized, [{"key": "0x", "type": "value"}], None) == {
            "result": "limitReached"}
        assert f.call("chainHead_v1_stopOperation", op["operationId"]) is None
        body = f.call("chainHead_v1_body", finalized)
        assert body["result"] == "started"
        f.until("operationBodyDone", body["operationId"])
        assert f.request("chainHead_v1_continue", op["operationId"])["result"] is None  # stopped: no effect
    finally:
        f.close()


def test_pinned_block_limit_stops_a_follower_that_does_not_unpin(dev_node, small_limits_server):
    url = small_limits_server(max_pinned_blocks=3)
    lazy, diligent = Follower(url), Follower(url)
    try:
        pinned = lazy.event()["finalizedBlockHashes"]
        current = diligent.event()["finalizedBlockHashes"][-1]
        for _ in range(3):
            dev_node.new_block()
            fin = diligent.until("finalized")["finalizedBlockHashes"]
            diligent.call("chainHead_v1_unpin", [current] + fin[:-1])  # keeps only the newest pinned
            current = fin[-1]
        events = []
        while not events or events[-1]["event"] != "stop":
            events.append(lazy.event())
        # the finalized block and two new ones fill the 3 pins: the third new block would exceed them
        assert sum(e["event"] == "newBlock" for e in events) == 2
        assert lazy.call("chainHead_v1_header", pinned[0]) is None  # the follow is gone: null
        assert lazy.call("chainHead_v1_body", pinned[0]) == {"result": "limitReached"}
        diligent.call("chainHead_v1_header", current)  # still alive and pinned
    finally:
        lazy.close()
        diligent.close()


def test_a_follower_whose_connection_backs_up_is_stopped(dev_node, small_limits_server):
    """A block burst (newBlock, bestBlockChanged, finalized) queued faster than it is written: with room for
    one undelivered message the follow is stopped rather than buffered without bound."""
    f = Follower(small_limits_server(max_backlog=1))
    try:
        f.event()
        f.event()
        dev_node.new_block()
        kinds = []
        while not kinds or kinds[-1] != "stop":
            kinds.append(f.event()["event"])
        assert kinds[0] == "newBlock" and "finalized" not in kinds
    finally:
        f.close()


def test_a_follow_too_far_behind_finality_stops_at_once(dev_node, small_limits_server):
    """Best more than `max_lagging_distance` blocks above the finalized block: `stop` right after subscribing."""
    from relaychain.node.consensus.slots import SlotInfo

    node = dev_node.node

    def author_unfinalized():  # what dev sealing does, minus finalizing
        best = node.client.header(node.client.best_hash())
        from relaychain.node.client import block_slot
        slot = block_slot(best) + 1
        for candidate in range(slot, slot + 10_000):
            if node.author.author(SlotInfo(candidate, node.slot_duration_ms)) is not None:
                return

    if node.client.number(node.client.best_hash()) == 0:
        dev_node.new_block()  # the slots tried start after the best block's, and genesis has none (first in order)
    url = small_limits_server(max_lagging_distance=0)
    dev_node.loop.call(author_unfinalized)
    f = Follower(url)
    try:
        assert f.event() == {"event": "stop"}
    finally:
        f.close()
        dev_node.new_block()  # finalizes the block above (instant sealing), for the tests that follow


def test_follow_limits_and_param_errors(dev_node, small_limits_server):
    ws = WsClient(small_limits_server(max_follow_subscriptions=2), 20)
    try:
        subs = [ws.call("chainHead_v1_follow", [False]) for _ in range(2)]
        assert ws.request("chainHead_v1_follow", [True])["error"]["code"] == -32800
        assert ws.request("chainHead_v1_follow", ["yes"])["error"]["code"] == -32602
        finalized = dev_node.rpc("chain_getFinalizedHead")["result"]
        assert ws.request("chainHead_v1_call", [subs[0], finalized, "Core_version", "0x"])["error"]["code"] == -32802
        assert ws.request("chainHead_v1_unpin", [subs[0], [finalized, finalized]])["error"]["code"] == -32804
        assert ws.call("chainHead_v1_unfollow", [subs[0]]) is None
        assert ws.call("chainHead_v1_unfollow", [subs[0]]) is None  # no effect, no error
        assert ws.call("chainHead_v1_follow", [True])  # room again
    finally:
        ws.close()


def test_transaction_watch_reports_inclusion_and_finality(dev_node):
    ws = WsClient(dev_node.url, 20)
    try:
        genesis = unhex(dev_node.rpc("chain_getBlockHash", [0])["result"])
        alice, bob = Sr25519Keypair.from_uri("//Alice"), Sr25519Keypair.from_uri("//Bob")
        nonce = dev_node.rpc("system_accountNextIndex", [ss58_encode(alice.public)])["result"]
        xt = signed_transfer(alice, bob.public, 10**12, nonce, genesis)
        sub = ws.call("transactionWatch_v1_submitAndWatch", ["0x" + xt.hex()])
        events = []
        while not events or events[-1]["event"] not in ("finalized", "invalid", "dropped", "error"):
            msg = ws.pending.pop(0) if ws.pending else ws.recv()
            assert msg["params"]["subscription"] == sub
            events.append(msg["params"]["result"])
        assert events[0] == {"event": "validated"}
        final = events[-1]
        assert final["event"] == "finalized"
        block = dev_node.rpc("chain_getBlock", [final["block"]["hash"]])["result"]["block"]
        assert block["extrinsics"][final["block"]["index"]] == "0x" + xt.hex()
        assert ws.request("transactionWatch_v1_unwatch", [sub])["error"]["code"] == -32602  # already ended

        reused = signed_transfer(alice, bob.public, 7, nonce, genesis)  # another transaction, the nonce used
        stale = ws.call("transactionWatch_v1_submitAndWatch", ["0x" + reused.hex()])
        msg = ws.pending.pop(0) if ws.pending else ws.recv()
        assert msg["params"]["subscription"] == stale
        assert msg["params"]["result"] == {"event": "invalid", "error": "Transaction is outdated"}
        assert ws.request("transactionWatch_v1_submitAndWatch", ["nothex"])["error"]["code"] == -32602
    finally:
        ws.close()


def test_broadcast_and_stop(dev_node):
    ws = WsClient(dev_node.url, 20)
    try:
        genesis = unhex(dev_node.rpc("chain_getBlockHash", [0])["result"])
        alice, charlie = Sr25519Keypair.from_uri("//Alice"), Sr25519Keypair.from_uri("//Charlie")
        before = dev_node.rpc("state_getStorage", ["0x" + account_key(charlie.public).hex()])["result"]
        nonce = dev_node.rpc("system_accountNextIndex", [ss58_encode(alice.public)])["result"]
        op = ws.call("transaction_v1_broadcast", ["0x" + signed_transfer(alice, charlie.public, 5 * 10**12, nonce,
                                                                         genesis).hex()])
        assert isinstance(op, str)
        assert ws.call("transaction_v1_stop", [op]) is None
        assert ws.request("transaction_v1_stop", [op])["error"]["code"] == -32602
        invalid = ws.call("transaction_v1_broadcast", ["0x00"])  # silently not propagated, still an operation
        assert isinstance(invalid, str) and ws.call("transaction_v1_stop", [invalid]) is None
        after = dev_node.rpc("state_getStorage", ["0x" + account_key(charlie.public).hex()])["result"]
        assert int.from_bytes(unhex(after)[16:32], "little") - int.from_bytes(unhex(before)[16:32], "little") \
            == 5 * 10**12  # instant sealing included it
    finally:
        ws.close()


def test_archive_matches_the_legacy_methods(dev_node):
    dev_node.new_block()
    ws = WsClient(dev_node.url, 20)
    try:
        height = ws.call("archive_v1_finalizedHeight")
        finalized = dev_node.rpc("chain_getFinalizedHead")["result"]
        assert int(dev_node.rpc("chain_getHeader", [finalized])["result"]["number"], 16) == height
        assert ws.call("archive_v1_hashByHeight", [height]) == [finalized]
        assert ws.call("archive_v1_hashByHeight", [height + 1000]) == []
        assert ws.call("archive_v1_genesisHash") == dev_node.rpc("chain_getBlockHash", [0])["result"]
        header = unhex(ws.call("archive_v1_header", [finalized]))
        assert "0x" + blake2_256(header).hex() == finalized
        assert ws.call("archive_v1_header", ["0x" + "11" * 32]) is None
        assert ws.call("archive_v1_body", [finalized]) == dev_node.rpc("chain_getBlock", [finalized])["result"][
            "block"]["extrinsics"]
        call = ws.call("archive_v1_call", [finalized, "Core_version", "0x"])
        assert call == {"success": True, "value": dev_node.rpc("state_call", ["Core_version", "0x"])["result"]}
        assert ws.call("archive_v1_call", [finalized, "Nope_nope", "0x"])["success"] is False
        assert ws.call("archive_v1_call", ["0x" + "11" * 32, "Core_version", "0x"]) is None

        keys = dev_node.rpc("state_getKeysPaged", [SYSTEM_ACCOUNT, 1000, None, finalized])["result"]
        sub = ws.call("archive_v1_storage", [finalized, [
            {"key": SYSTEM_ACCOUNT, "type": "descendantsValues", "paginationStartKey": keys[1]},
            {"key": "0x3a636f6465", "type": "value"}], None])
        events = []
        while not events or events[-1]["event"] in ("storage",):
            msg = ws.pending.pop(0) if ws.pending else ws.recv()
            assert msg["method"] == "archive_v1_storageEvent" and msg["params"]["subscription"] == sub
            events.append(msg["params"]["result"])
        assert events[-1] == {"event": "storageDone"}
        got = [(e["key"], e["value"]) for e in events[:-1]]
        expected = [(k, dev_node.rpc("state_getStorage", [k, finalized])["result"]) for k in keys[2:]]
        expected.append(("0x3a636f6465", dev_node.rpc("state_getStorage", ["0x3a636f6465", finalized])["result"]))
        assert got == expected
    finally:
        ws.close()
