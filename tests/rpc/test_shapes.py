"""Names and JSON shapes checked against data recorded from real Polkadot nodes (tests/vectors/rpc/):
every method we list is a Polkadot method name (dev_newBlock aside), and the real node's responses have
exactly the keys Polkadot's have."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .harness import RunningServer
from .toychain import ToyChain

VECTORS = Path(__file__).parent.parent / "vectors" / "rpc"
OUR_OWN = {"dev_newBlock"}  # relaychain's manual-sealing method (Substrate's is engine_createBlock)


def load(name: str):
    return json.loads((VECTORS / name).read_text())


def test_every_listed_method_is_a_polkadot_method():
    polkadot = set(load("polkadot-v14-rpc_methods.json")["methods"])
    with RunningServer(ToyChain(is_dev=True)) as server:
        client = server.ws()
        ours = set(client.call("rpc_methods")["methods"])
        client.close()
    assert ours - polkadot == OUR_OWN
    # Where Polkadot lists a family's aliases we list them all (clients pick whichever they know).
    for family in (
        {"chain_getBlockHash", "chain_getHead"},
        {"chain_getFinalizedHead", "chain_getFinalisedHead"},
        {"chain_subscribeNewHeads", "chain_subscribeNewHead", "subscribe_newHead"},
        {"chain_unsubscribeNewHeads", "chain_unsubscribeNewHead", "unsubscribe_newHead"},
        {"chain_subscribeFinalizedHeads", "chain_subscribeFinalisedHeads"},
        {"state_getStorage", "state_getStorageAt"},
        {"state_getKeysPaged", "state_getKeysPagedAt"},
        {"state_call", "state_callAt"},
        {"state_getRuntimeVersion", "chain_getRuntimeVersion"},
        {"state_subscribeRuntimeVersion", "chain_subscribeRuntimeVersion"},
        {"system_accountNextIndex", "account_nextIndex"},
    ):
        assert family <= polkadot and family <= ours, family


def _key_tree(value):
    """The structure of a JSON value: dict keys recursively, list element structure, leaf types."""
    if isinstance(value, dict):
        return {k: _key_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_key_tree(value[0])] if value else []
    return type(value).__name__


@pytest.mark.slow
def test_real_node_shapes_match_polkadot(dev_node):
    dev_node.new_block()  # a block with BABE pre-digest and seal logs (genesis has none)
    header = dev_node.rpc("chain_getHeader")["result"]
    sample = load("Header.004.json")["result"]
    assert set(header) == set(sample) and set(header["digest"]) == set(sample["digest"])
    assert header["digest"]["logs"] and all(isinstance(x, str) and x.startswith("0x") for x in header["digest"]["logs"])
    assert header["number"] == hex(int(header["number"], 16))  # hex without padding

    block = dev_node.rpc("chain_getBlock")["result"]
    sample_block = load("SignedBlock.005.json")["result"]
    assert set(block) == {"block", "justifications"}  # current nodes: justifications (sample: old `justification`)
    assert _key_tree(block["block"]) == _key_tree(sample_block["block"])

    version = dev_node.rpc("state_getRuntimeVersion")["result"]
    assert _key_tree(version).keys() == _key_tree(load("polkadot-v14-runtime_version.json")).keys()
    assert all(len(api_id) == 18 and isinstance(v, int) for api_id, v in version["apis"])

    key = "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"
    changes = dev_node.rpc("state_queryStorageAt", [[key]])["result"][0]
    sample_changes = load("StorageChangeSet.001.json")["params"]["result"]
    assert set(changes) == set(sample_changes)
