"""The token para's JSON-RPC driven by py-substrate-interface over a real socket, blocks built by the collator's
builder on a real relay state. Expected values come from the spec (SPEC.md: no fees, dev endowment, names),
sp-runtime's reason texts and JSON-RPC codes — never from the code under test."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from substrateinterface import Keypair, SubstrateInterface
from substrateinterface.exceptions import SubstrateRequestException

from relaychain.runtime.constants import DEV_ENDOWMENT, EXISTENTIAL_DEPOSIT
from relaychain.trie import verify_read_proof

from .token_harness import PARA_ID, TokenPara

AMOUNT = 3 * 10**12 + 7  # 3 UNIT and a few plancks: an exact sum, nothing charged (SPEC.md §3: no fees)


@pytest.fixture(scope="module")
def para():
    p = TokenPara()
    yield p
    p.close()


@pytest.fixture(scope="module")
def si(para):
    s = SubstrateInterface(url=para.url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def alice():
    return Keypair.create_from_uri("//Alice", ss58_format=42)


@pytest.fixture(scope="module")
def bob():
    return Keypair.create_from_uri("//Bob", ss58_format=42)


def rpc(para, method, params=None) -> dict:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
    return requests.post(para.http_url, json=body, timeout=30).json()


def free(si, who, block_hash=None) -> int:
    return si.query("System", "Account", [who], block_hash=block_hash).value["data"]["free"]


def transfer(si, keypair, dest, value, **kw):
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": dest, "value": value})
    return si.create_signed_extrinsic(call=call, keypair=keypair, **kw)


def raw(xt) -> bytes:
    return bytes.fromhex(str(xt.data)[2:])


def next_index(para, keypair) -> int:
    return rpc(para, "system_accountNextIndex", [keypair.ss58_address])["result"]


def rpc_error(excinfo) -> dict:
    err = excinfo.value.args[0]
    assert isinstance(err, dict), err
    return err


def test_identity_properties_and_metadata(si, para):
    assert si.chain == f"Token Parachain {PARA_ID} (dev)"
    assert si.type_registry_preset is None
    assert si.properties == {"ss58Format": 42, "tokenDecimals": 12, "tokenSymbol": "UNIT"}
    si.init_runtime()
    version = rpc(para, "state_getRuntimeVersion")["result"]
    assert version["specName"] == "token-parachain" and version["specVersion"] == 1
    assert version["transactionVersion"] == 1
    assert si.get_constant("System", "SS58Prefix").value == 42
    assert si.get_block_hash(0) == "0x" + para.node.genesis_hash.hex()
    names = {p.name for p in si.metadata.pallets}
    assert {"System", "ParachainSystem", "ParachainInfo", "Balances", "PolkadotXcm"} <= names


def test_genesis_endows_the_dev_accounts(si, alice, bob):
    for who in (alice, bob, Keypair.create_from_uri("//Alice//stash")):
        info = si.query("System", "Account", [who.ss58_address], block_hash=si.get_block_hash(0)).value
        assert info["data"]["free"] == DEV_ENDOWMENT and info["nonce"] == 0 and info["providers"] == 1
    assert si.query("ParachainInfo", "ParachainId").value == PARA_ID


def test_transfer_is_included_and_balances_change_exactly(si, para, alice, bob):
    before = si.get_chain_head()
    a0, b0 = free(si, alice.ss58_address, before), free(si, bob.ss58_address, before)
    nonce = si.get_account_nonce(alice.ss58_address)
    xt = transfer(si, alice, bob.ss58_address, AMOUNT)
    receipt = si.submit_extrinsic(xt)
    assert receipt.extrinsic_hash == "0x" + xt.extrinsic_hash.hex()
    assert rpc(para, "author_pendingExtrinsics")["result"] == [str(xt.data)]
    assert next_index(para, alice) == nonce + 1  # the pool's ready transaction counts
    built = para.build()
    assert raw(xt) in built.included
    head = si.get_chain_head()
    assert head == "0x" + built.header.hash().hex()
    assert free(si, bob.ss58_address, head) == b0 + AMOUNT
    assert free(si, alice.ss58_address, head) == a0 - AMOUNT
    assert si.query("System", "Account", [alice.ss58_address], block_hash=head).value["nonce"] == nonce + 1
    assert rpc(para, "author_pendingExtrinsics")["result"] == []
    block = si.get_block(block_hash=head)
    assert "0x" + xt.extrinsic_hash.hex() in ["0x" + x.extrinsic_hash.hex() for x in block["extrinsics"]
                                              if x.extrinsic_hash]
    assert block["extrinsics"][0].value["call"]["call_module"] == "ParachainSystem"


@pytest.mark.timeout(120)
def test_submit_and_watch_sees_its_block_and_events(si, para, alice, bob):
    b0 = free(si, bob.ss58_address)
    xt = transfer(si, alice, bob.ss58_address, AMOUNT)
    result = {}
    waiter = threading.Thread(target=lambda: result.update(r=si.submit_extrinsic(xt, wait_for_inclusion=True)))
    waiter.start()
    while not rpc(para, "author_pendingExtrinsics")["result"]:  # the watcher's transaction is in the pool
        if not waiter.is_alive():
            break
        time.sleep(0.01)
    built = para.build()
    waiter.join(60)
    receipt = result["r"]
    assert receipt.block_hash == "0x" + built.header.hash().hex()
    assert receipt.is_success, receipt.error_message
    events = [(e.value["event"]["module_id"], e.value["event"]["event_id"]) for e in receipt.triggered_events]
    assert ("Balances", "Transfer") in events and ("System", "ExtrinsicSuccess") in events
    assert free(si, bob.ss58_address, receipt.block_hash) == b0 + AMOUNT


def test_malformed_extrinsic_is_1001_and_the_node_keeps_serving(si, para):
    reply = rpc(para, "author_submitExtrinsic", ["0x0c0102"])  # a length prefix saying 3 bytes, then 2
    assert reply["error"]["code"] == 1001
    reply = rpc(para, "author_submitExtrinsic", ["0x10" + "ff" * 4])  # 4 bytes that are no extrinsic
    assert reply["error"]["code"] in (1001, 1010), reply
    assert rpc(para, "chain_getHeader")["result"]["number"] == hex(para.node.store.header(
        para.node.store.best_hash()).number)


def test_stale_nonce_is_outdated_and_a_future_nonce_waits(si, para, alice, bob):
    if si.get_account_nonce(alice.ss58_address) == 0:  # make a nonce stale first
        si.submit_extrinsic(transfer(si, alice, bob.ss58_address, AMOUNT))
        para.build()
    nonce = si.get_account_nonce(alice.ss58_address)
    assert nonce > 0
    with pytest.raises(SubstrateRequestException) as excinfo:
        si.submit_extrinsic(transfer(si, alice, bob.ss58_address, AMOUNT, nonce=nonce - 1))
    assert rpc_error(excinfo) == {"code": 1010, "message": "Invalid Transaction", "data": "Transaction is outdated"}
    future = transfer(si, alice, bob.ss58_address, AMOUNT, nonce=nonce + 1)
    si.submit_extrinsic(future)  # valid later: kept as future, not in the next block
    assert next_index(para, alice) == nonce  # a future transaction does not count
    built = para.build()
    assert raw(future) not in built.included
    si.submit_extrinsic(transfer(si, alice, bob.ss58_address, AMOUNT, nonce=nonce))  # fills the gap
    built = para.build()
    assert raw(future) in built.included and len(built.included) == 3
    assert si.get_account_nonce(alice.ss58_address) == next_index(para, alice) == nonce + 2


def test_bad_signature_and_keep_alive_violations_are_rejected(si, para, alice, bob):
    with pytest.raises(SubstrateRequestException) as excinfo:
        si.submit_extrinsic(transfer(si, alice, bob.ss58_address, AMOUNT, signature="0x" + "01" * 64))
    assert rpc_error(excinfo) == {"code": 1010, "message": "Invalid Transaction",
                                  "data": "Transaction has a bad signature"}
    pauper = Keypair.create_from_uri("//TokenParaPauper", ss58_format=42)
    with pytest.raises(SubstrateRequestException) as excinfo:
        si.submit_extrinsic(transfer(si, pauper, bob.ss58_address, EXISTENTIAL_DEPOSIT))
    assert rpc_error(excinfo)["code"] == 1010  # no account: cannot even hold a nonce
    assert rpc(para, "system_health")["result"] == {"peers": 0, "isSyncing": False, "shouldHavePeers": False}


def test_methods_the_para_does_not_have_are_clear_errors(para):
    assert rpc(para, "babe_epochAuthorship")["error"]["code"] == -32601
    assert rpc(para, "dev_newBlock")["error"]["code"] == -32601
    methods = rpc(para, "rpc_methods")["result"]["methods"]
    assert "chainHead_v1_follow" in methods and "author_submitExtrinsic" in methods
    reply = rpc(para, "state_call", ["NoSuch_api", "0x"])
    assert reply["error"]["code"] == 4003


def test_state_queries_keys_and_proofs(si, para, alice):
    prefix = "0x" + (bytes.fromhex("26aa394eea5630e07c48ae0c9558cef7") +
                     bytes.fromhex("b99d880ec681799c0cf30e8886371da9")).hex()  # twox128(System) ++ twox128(Account)
    keys = rpc(para, "state_getKeysPaged", [prefix, 100])["result"]
    assert len(keys) >= 12 and keys == sorted(keys)  # the 12 dev accounts at least, in key order
    entries = {str(k.value): v.value for k, v in si.query_map("System", "Account", page_size=5)}
    assert entries[alice.ss58_address]["nonce"] == si.get_account_nonce(alice.ss58_address)
    proof = rpc(para, "state_getReadProof", [[keys[0]]])["result"]
    assert proof["at"] == si.get_chain_head()
    header = rpc(para, "chain_getHeader", [proof["at"]])["result"]
    proven = verify_read_proof(bytes.fromhex(header["stateRoot"][2:]),
                               [bytes.fromhex(n[2:]) for n in proof["proof"]], [bytes.fromhex(keys[0][2:])])
    value = rpc(para, "state_getStorage", [keys[0], proof["at"]])["result"]
    assert proven == {bytes.fromhex(keys[0][2:]): bytes.fromhex(value[2:])}


@pytest.mark.timeout(120)
def test_new_and_finalized_head_subscriptions(si, para):
    seen = []
    start = para.node.store.header(para.node.store.best_hash()).number
    builder = threading.Thread(target=lambda: [para.build() for _ in range(3)])

    def handler(obj, update_nr, subscription_id):
        seen.append(obj["header"]["number"])
        if len(seen) == 1:
            builder.start()  # blocks come once the subscription is live (its first notification: the best head)
        if len(seen) >= 4:
            return list(seen[:4])

    try:
        numbers = si.subscribe_block_headers(handler)
    finally:
        if builder.ident is not None:
            builder.join(60)
    assert numbers == [start, start + 1, start + 2, start + 3]
    # Finality comes from the relay chain: Paras.Heads at a finalized relay block names the newest block.
    best = para.node.store.best_hash()
    para.on_loop(lambda: para.node.on_relay_head(para.node.store.header(best).encode(), finalized=True))
    assert si.get_chain_finalised_head() == "0x" + best.hex()
    finalized = []
    si.subscribe_block_headers(lambda obj, n, sub: finalized.append(obj["header"]["number"]) or finalized,
                               finalized_only=True)
    assert finalized == [start + 3]


@pytest.mark.timeout(120)
def test_a_watched_transfer_is_finalized_when_the_relay_finalizes_its_block(si, para, alice, bob):
    xt = transfer(si, alice, bob.ss58_address, AMOUNT)
    result = {}
    waiter = threading.Thread(target=lambda: result.update(r=si.submit_extrinsic(xt, wait_for_finalization=True)))
    waiter.start()
    while not rpc(para, "author_pendingExtrinsics")["result"] and waiter.is_alive():
        time.sleep(0.01)
    built = para.build()
    para.build()  # a descendant: finality of the relay's head covers the blocks below it too
    head = para.node.store.header(para.node.store.best_hash()).encode()
    para.on_loop(lambda: para.node.on_relay_head(head, finalized=True))
    waiter.join(60)
    receipt = result["r"]
    assert receipt.finalized and receipt.block_hash == "0x" + built.header.hash().hex()
    assert receipt.is_success


def test_chain_head_v1_follow_reports_the_para_chain(para):
    from tests.rpc.harness import WsClient

    ws = WsClient(para.url, 10)
    try:
        sub = ws.call("chainHead_v1_follow", [False])
        event = ws.pending.pop(0) if ws.pending else ws.recv()
        assert event["method"] == "chainHead_v1_followEvent" and event["params"]["subscription"] == sub
        init = event["params"]["result"]
        assert init["event"] == "initialized"
        assert init["finalizedBlockHashes"][-1] == "0x" + para.node.store.finalized_hash().hex()
        header = ws.call("chainHead_v1_header", [sub, init["finalizedBlockHashes"][-1]])
        assert bytes.fromhex(header[2:]) == para.node.store.header(para.node.store.finalized_hash()).encode()
    finally:
        ws.close()


def test_fee_queries_say_the_para_charges_nothing(si, para, alice, bob):
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": bob.ss58_address, "value": AMOUNT})
    info = si.get_payment_info(call, alice)  # state_call TransactionPaymentApi_query_info
    assert info["partialFee"] == 0 and info["class"] == "Normal"
    assert info["weight"]["ref_time"] == 1_000_000_000  # SPEC.md §3: a transfer's fixed weight
    xt = si.create_signed_extrinsic(call=call, keypair=alice)
    assert rpc(para, "payment_queryInfo", [str(xt.data)])["result"]["partialFee"] == "0"
    assert rpc(para, "author_pendingExtrinsics")["result"] == []  # a query submits nothing
