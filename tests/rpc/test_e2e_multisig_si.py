"""End-to-end: py-substrate-interface 1.8.1's `generate_multisig_account` and `create_multisig_extrinsic`
against a REAL dev node: a 2-of-3 multisig transfer (//Alice approves by hash, //Bob executes with the call),
then a proxy transfer for its delegator. Balances are read back with plain storage reads."""

from __future__ import annotations

import pytest
from substrateinterface import Keypair, SubstrateInterface

pytestmark = pytest.mark.slow

UNIT = 10**12


@pytest.fixture
def si(dev_node):
    s = SubstrateInterface(url=dev_node.url)
    yield s
    s.close()


def free(si, address) -> int:
    return si.query("System", "Account", [address]).value["data"]["free"]


def submit(si, call, keypair):
    receipt = si.submit_extrinsic(si.create_signed_extrinsic(call, keypair=keypair), wait_for_finalization=True)
    assert receipt.is_success, receipt.error_message
    return receipt


@pytest.mark.timeout(180)
def test_two_of_three_multisig_transfer_executes(si):
    alice, bob, charlie, dave = (Keypair.create_from_uri(u) for u in ("//Alice", "//Bob", "//Charlie", "//Dave"))
    ms = si.generate_multisig_account([alice.ss58_address, bob.ss58_address, charlie.ss58_address], 2)
    submit(si, si.compose_call("Balances", "transfer_keep_alive", {"dest": ms.ss58_address, "value": 20 * UNIT}), alice)
    inner = si.compose_call("Balances", "transfer_keep_alive", {"dest": dave.ss58_address, "value": 7 * UNIT})
    dave0 = free(si, dave.ss58_address)

    first = si.submit_extrinsic(si.create_multisig_extrinsic(inner, alice, ms), wait_for_finalization=True)
    assert first.is_success, first.error_message
    assert any(e.value["event_id"] == "NewMultisig" for e in first.triggered_events)
    assert free(si, dave.ss58_address) == dave0

    second = si.submit_extrinsic(si.create_multisig_extrinsic(inner, bob, ms), wait_for_finalization=True)
    assert second.is_success, second.error_message
    executed = [e.value for e in second.triggered_events if e.value["event_id"] == "MultisigExecuted"]
    assert executed and "Ok" in executed[0]["attributes"]["result"]
    assert free(si, dave.ss58_address) - dave0 == 7 * UNIT
    assert free(si, ms.ss58_address) == 13 * UNIT


@pytest.mark.timeout(180)
def test_a_proxy_transfers_on_behalf_of_its_delegator(si):
    alice, bob, eve = (Keypair.create_from_uri(u) for u in ("//Alice", "//Bob", "//Eve"))
    submit(si, si.compose_call("Proxy", "add_proxy", {"delegate": bob.ss58_address, "proxy_type": "Any",
                                                       "delay": 0}), alice)
    proxies = si.query("Proxy", "Proxies", [alice.ss58_address]).value
    assert [p["delegate"] for p in proxies[0]] == [bob.ss58_address]
    eve0, alice0 = free(si, eve.ss58_address), free(si, alice.ss58_address)
    inner = si.compose_call("Balances", "transfer_keep_alive", {"dest": eve.ss58_address, "value": 3 * UNIT})
    receipt = submit(si, si.compose_call("Proxy", "proxy", {"real": alice.ss58_address, "force_proxy_type": None,
                                                             "call": inner}), bob)
    assert any(e.value["event_id"] == "ProxyExecuted" for e in receipt.triggered_events)
    assert free(si, eve.ss58_address) - eve0 == 3 * UNIT and alice0 - free(si, alice.ss58_address) == 3 * UNIT
    submit(si, si.compose_call("Proxy", "remove_proxies", {}), alice)
