"""End-to-end: py-substrate-interface 1.8.1 drives a REAL dev node over a REAL socket (rpc.md, "What the
project must match"). Expected values come from the protocol (sp-runtime reason texts, JSON-RPC codes,
balance arithmetic), never from our own code."""

from __future__ import annotations

import threading

import pytest
from substrateinterface import Keypair, SubstrateInterface
from substrateinterface.exceptions import SubstrateRequestException


pytestmark = pytest.mark.slow

ALICE_PUBLIC = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
TRANSFER = 10**12  # 1 UNIT with 12 decimals


@pytest.fixture(scope="module")
def si(dev_node):
    substrate = SubstrateInterface(url=dev_node.url)
    yield substrate
    substrate.close()


@pytest.fixture(scope="module")
def alice():
    return Keypair.create_from_uri("//Alice", ss58_format=42)


@pytest.fixture(scope="module")
def bob():
    return Keypair.create_from_uri("//Bob", ss58_format=42)


def free(si, who, block_hash=None):
    return si.query("System", "Account", [who], block_hash=block_hash).value["data"]["free"]


def transfer(si, keypair, dest, value, **kw):
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": dest, "value": value})
    return si.create_signed_extrinsic(call=call, keypair=keypair, **kw)


def rpc_error(excinfo) -> dict:
    err = excinfo.value.args[0]
    assert isinstance(err, dict), err
    return err


def test_connect_runtime_version_and_properties(si, dev_node, alice):
    assert alice.public_key.hex() == ALICE_PUBLIC
    assert si.type_registry_preset is None, f"system_chain {si.chain!r} selected a scalecodec preset (rpc.md §12)"
    assert si.properties["ss58Format"] == si.ss58_format == 42
    assert si.token_symbol == "UNIT" and si.token_decimals == 12
    si.init_runtime()
    version = dev_node.rpc("state_getRuntimeVersion")["result"]
    assert si.runtime_version == version["specVersion"]
    assert si.transaction_version == version["transactionVersion"]
    assert si.get_constant("System", "SS58Prefix").value == 42
    head = si.get_chain_head()
    assert si.get_block_hash(0) == dev_node.rpc("chain_getBlockHash", [0])["result"]
    assert si.get_block_number(head) >= 0


def test_query_and_query_map_system_account(si, alice, bob):
    info = si.query("System", "Account", [alice.ss58_address]).value
    assert info["data"]["free"] > 0
    entries = {str(k.value): v.value for k, v in si.query_map("System", "Account", page_size=2)}
    assert alice.ss58_address in entries and bob.ss58_address in entries
    assert entries[alice.ss58_address]["data"]["free"] == si.query("System", "Account", [alice.ss58_address]).value["data"]["free"]
    nonce = si.get_account_nonce(alice.ss58_address)
    assert nonce == info["nonce"]  # system_accountNextIndex agrees with System.Account when the pool is empty


def _events(receipt) -> list[tuple[str, str, object]]:
    return [(e.value["event"]["module_id"], e.value["event"]["event_id"], e.value["event"]["attributes"])
            for e in receipt.triggered_events]


def test_transfer_wait_for_inclusion(si, alice, bob):
    before_hash = si.get_chain_head()
    alice_before, bob_before = free(si, alice.ss58_address, before_hash), free(si, bob.ss58_address, before_hash)
    xt = transfer(si, alice, bob.ss58_address, TRANSFER)
    receipt = si.submit_extrinsic(xt, wait_for_inclusion=True)
    assert receipt.is_success, receipt.error_message
    fee = receipt.total_fee_amount
    assert fee > 0
    names = [(m, e) for m, e, _ in _events(receipt)]
    assert ("Balances", "Transfer") in names and ("System", "ExtrinsicSuccess") in names
    assert ("TransactionPayment", "TransactionFeePaid") in names
    after = receipt.block_hash
    assert free(si, bob.ss58_address, after) == bob_before + TRANSFER
    assert free(si, alice.ss58_address, after) == alice_before - TRANSFER - fee


def test_transfer_wait_for_finalization_and_decoded_block(si, alice, bob):
    xt = transfer(si, alice, bob.ss58_address, TRANSFER, era={"period": 64})  # mortal: birth hash must match
    receipt = si.submit_extrinsic(xt, wait_for_finalization=True)
    assert receipt.finalized and receipt.is_success
    finalized = si.get_chain_finalised_head()
    assert si.get_block_number(finalized) >= si.get_block_number(receipt.block_hash)
    block = si.get_block(block_hash=receipt.block_hash)
    hashes = ["0x" + x.extrinsic_hash.hex() for x in block["extrinsics"] if x.extrinsic_hash]
    assert "0x" + xt.extrinsic_hash.hex() in hashes
    assert block["header"]["number"] == si.get_block_number(receipt.block_hash)
    assert block["extrinsics"][0].value["call"]["call_module"] == "Timestamp"


@pytest.mark.timeout(120)
def test_new_head_and_finalized_head_subscriptions(si, dev_node):
    for finalized_only in (False, True):
        seen = []
        # Blocks are produced only once the subscription is live (its first notification, the current head).
        producer = threading.Thread(target=lambda: [dev_node.new_block() for _ in range(3)])

        def handler(obj, update_nr, subscription_id):
            seen.append(obj["header"]["number"])
            if len(seen) == 1:
                producer.start()
            if len(seen) >= 3:  # SI may hand over already-queued notifications after the first return
                return list(seen[:3])

        try:
            numbers = si.subscribe_block_headers(handler, finalized_only=finalized_only)
        finally:
            if producer.ident is not None:
                producer.join(60)
        assert numbers == sorted(numbers) and len(set(numbers)) == 3, numbers


@pytest.mark.timeout(60)
def test_bad_signature_is_1010_and_does_not_hang(si, alice, bob):
    for wait, sig_byte in ((False, "01"), (True, "02")):  # submit, then submitAndWatch
        xt = transfer(si, alice, bob.ss58_address, TRANSFER, signature="0x" + sig_byte * 64)
        with pytest.raises(SubstrateRequestException) as excinfo:
            si.submit_extrinsic(xt, wait_for_inclusion=wait)
        assert rpc_error(excinfo) == {"code": 1010, "message": "Invalid Transaction",
                                      "data": "Transaction has a bad signature"}
    # As Substrate's pool: the same invalid bytes again are temporarily banned.
    with pytest.raises(SubstrateRequestException) as excinfo:
        si.submit_extrinsic(xt)
    assert rpc_error(excinfo)["code"] == 1012


@pytest.mark.timeout(60)
def test_unpayable_fee_is_1010(si, bob):
    pauper = Keypair.create_from_uri("//RpcPauperWithNoFunds", ss58_format=42)
    xt = transfer(si, pauper, bob.ss58_address, 1)
    with pytest.raises(SubstrateRequestException) as excinfo:
        si.submit_extrinsic(xt, wait_for_inclusion=True)
    assert rpc_error(excinfo)["code"] == 1010
    assert rpc_error(excinfo)["data"] == "Inability to pay some fees (e.g. account balance too low)"


@pytest.mark.timeout(60)
def test_stale_nonce_is_1010_outdated(si, alice, bob):
    used = si.get_account_nonce(alice.ss58_address)
    receipt = si.submit_extrinsic(transfer(si, alice, bob.ss58_address, TRANSFER, nonce=used),
                                  wait_for_inclusion=True)
    assert receipt.is_success, receipt.error_message
    assert si.get_account_nonce(alice.ss58_address) == used + 1
    xt = transfer(si, alice, bob.ss58_address, TRANSFER, nonce=used)  # the nonce just used on chain
    with pytest.raises(SubstrateRequestException) as excinfo:
        si.submit_extrinsic(xt)
    assert rpc_error(excinfo) == {"code": 1010, "message": "Invalid Transaction", "data": "Transaction is outdated"}


def test_unknown_method_is_32601(si):
    with pytest.raises(SubstrateRequestException) as excinfo:
        si.rpc_request("relaychain_noSuchMethod", [])
    assert rpc_error(excinfo)["code"] == -32601


def test_http_post_on_the_same_port(dev_node, alice):
    http = SubstrateInterface(url=dev_node.http_url)
    try:
        assert http.get_chain_head() == dev_node.rpc("chain_getHead")["result"]
        assert http.query("System", "Account", [alice.ss58_address]).value["data"]["free"] > 0
    finally:
        http.close()


def test_payment_info_via_state_call(si, alice, bob):
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": bob.ss58_address, "value": TRANSFER})
    info = si.get_payment_info(call, alice)
    assert info["partialFee"] > 0 and info["class"] == "Normal"


def test_payment_query_info_rpc_agrees_with_state_call(si, dev_node, alice, bob):
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": bob.ss58_address, "value": TRANSFER})
    via_state_call = si.get_payment_info(call, alice)
    xt = si.create_signed_extrinsic(call=call, keypair=alice, signature="0x" + "00" * 64)
    via_payment = dev_node.rpc("payment_queryInfo", [str(xt.data)])["result"]
    assert int(via_payment["partialFee"]) == via_state_call["partialFee"]
    assert via_payment["class"] == "normal"
    assert via_payment["weight"]["ref_time"] == via_state_call["weight"]["ref_time"]


@pytest.mark.timeout(120)
def test_storage_subscription_sees_a_transfer(si, alice, bob):
    start = free(si, bob.ss58_address)
    updates = []
    sender = SubstrateInterface(url=si.url)  # its own connection: SI objects are not thread-safe
    sending = threading.Thread(target=lambda: send())

    def send():
        sender.submit_extrinsic(transfer(sender, alice, bob.ss58_address, TRANSFER), wait_for_inclusion=True)

    def handler(account, update_nr, subscription_id):
        updates.append(account.value["data"]["free"])
        if update_nr == 0:  # the current value; now make it change
            sending.start()
        elif account.value["data"]["free"] != start:
            return account.value["data"]["free"]

    try:
        final = si.query("System", "Account", [bob.ss58_address], subscription_handler=handler)
    finally:
        if sending.ident is not None:
            sending.join(60)
        sender.close()
    assert updates[0] == start and final == start + TRANSFER


@pytest.mark.timeout(120)
def test_manual_sealing_pool_nonces_and_pending_extrinsics(alice, bob):
    from .node_harness import DevNode

    node = DevNode(sealing="manual")
    manual = SubstrateInterface(url=node.url)
    try:
        start = manual.get_account_nonce(alice.ss58_address)
        hashes = []
        for nonce in (start, start + 1):
            receipt = manual.submit_extrinsic(transfer(manual, alice, bob.ss58_address, TRANSFER, nonce=nonce))
            hashes.append(receipt.extrinsic_hash)
        # system_accountNextIndex counts the two ready transactions; the state nonce does not yet.
        assert node.rpc("system_accountNextIndex", [alice.ss58_address])["result"] == start + 2
        assert manual.query("System", "Account", [alice.ss58_address]).value["nonce"] == start
        assert len(manual.retrieve_pending_extrinsics()) == 2
        block_hash = node.new_block()
        assert node.rpc("author_pendingExtrinsics")["result"] == []
        assert manual.query("System", "Account", [alice.ss58_address], block_hash=block_hash).value["nonce"] == start + 2
        block = manual.get_block(block_hash=block_hash)
        included = ["0x" + x.extrinsic_hash.hex() for x in block["extrinsics"] if x.extrinsic_hash]
        assert all(h in included for h in hashes)
    finally:
        manual.close()
        node.close()
