"""Clients read the parachain pallets exactly as on Polkadot: py-substrate-interface 1.8.1 and @polkadot/api 16
against `relaychain run --dev`'s network with its two adder paras, over a real WebSocket.

Both clients decode our storage and `ParaInherent.enter` with nothing but the metadata we serve; their
answers are compared with what the node holds (read directly from its state) and with the adder's head
layout decoded here.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from substrateinterface import SubstrateInterface

from tests.node.parachains.paranet import AdderHead

from .node_harness import ParaNetwork

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def paras():
    net = ParaNetwork()
    yield net
    net.close()


def _node_value(paras, fn):
    return paras.loop.call(fn)


def _head_number(head_hex: str) -> int:
    """The number of an adder head as clients show HeadData: its bytes, without the length prefix."""
    return AdderHead.from_bytes(bytes.fromhex(head_hex[2:])).number


def _wait(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.mark.timeout(240)
def test_substrate_interface_reads_parachain_pallets_and_decodes_enter(paras):
    s = SubstrateInterface(url=paras.url)
    node = paras.node
    assert s.query("Paras", "Parachains").value == [1000, 1001]
    first = s.query("Paras", "Heads", [1000]).value
    assert _wait(lambda: _head_number(s.query("Paras", "Heads", [1000]).value) > _head_number(first), 60)
    # ParasShared and ParaScheduler, against the node's own runtime API answers
    best = node.client.best_hash()
    keys = s.query("ParasShared", "ActiveValidatorKeys", block_hash="0x" + best.hex()).value
    assert keys == ["0x" + k.hex() for k in _node_value(paras, lambda: node.runtime_api.validators(best))]
    assert sorted(s.query("ParasShared", "ActiveValidatorIndices", block_hash="0x" + best.hex()).value) == [0, 1, 2, 3]
    groups = s.query("ParaScheduler", "ValidatorGroups", block_hash="0x" + best.hex()).value
    assert groups == _node_value(paras, lambda: node.runtime_api.validator_groups(best)[0])
    cores = s.query("ParaScheduler", "AvailabilityCores", block_hash="0x" + best.hex()).value
    assert len(cores) == 2
    assert s.query("ParasShared", "CurrentSessionIndex").value >= 0
    # ParaInclusion.PendingAvailability: with a candidate in every block, one is usually pending
    assert _wait(lambda: s.query("ParaInclusion", "PendingAvailability", [1000]).value is not None, 30)
    pending = s.query("ParaInclusion", "PendingAvailability", [1000]).value
    assert pending["descriptor"]["para_id"] == 1000 and pending["core"] in (0, 1)
    # ParaInherent.enter in a block: decoded with its bitfields and backed candidates
    found = []
    for _ in range(20):
        block = s.get_block(block_hash=s.get_chain_head())
        for xt in block["extrinsics"]:
            call = xt.value["call"]
            if call["call_module"] == "ParaInherent" and call["call_function"] == "enter":
                found.append((block["header"]["number"], call["call_args"][0]["value"]))
        if any(data["backed_candidates"] and data["bitfields"] for _, data in found):
            break
        time.sleep(0.5)
    number, data = next((n, d) for n, d in found if d["backed_candidates"] and d["bitfields"])
    assert data["parent_header"]["number"] == number - 1
    assert {c["candidate"]["descriptor"]["para_id"] for c in data["backed_candidates"]} <= {1000, 1001}
    for bitfield in data["bitfields"]:
        assert 0 <= bitfield["validator_index"] < 4
    s.close()


@pytest.mark.timeout(240)
def test_polkadot_js_reads_parachain_pallets_and_decodes_enter(paras, js_clients):
    proc = subprocess.run(["node", "check_paras.mjs", paras.url], cwd=js_clients, capture_output=True, text=True,
                          timeout=200)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    node = paras.node
    assert out["parachains"] == [1000, 1001]
    assert _head_number(out["headAfter"]) > _head_number(out["headBefore"])
    assert sorted(out["activeValidatorIndices"]) == [0, 1, 2, 3]
    assert len(out["activeValidatorKeys"]) == 4 and len(out["validatorGroups"]) == 2
    assert sorted(v for g in out["validatorGroups"] for v in g) == [0, 1, 2, 3]
    assert set(out["availabilityCores"]) <= {"Free", "Paras"} and len(out["availabilityCores"]) == 2
    with_candidates = [i for i in out["inherents"] if i["backed"]]
    assert with_candidates, out["inherents"]
    for inherent in out["inherents"]:
        assert inherent["parentNumber"] == inherent["block"] - 1
        parent = paras.loop.call(lambda: node.client.hash_by_number(inherent["parentNumber"]))
        assert inherent["parentHash"] == "0x" + parent.hex()
        assert all(0 <= v < 4 for v in inherent["bitfieldValidators"])
        for candidate in inherent["backed"]:
            assert candidate["para"] in (1000, 1001) and candidate["votes"] >= 2
            AdderHead.from_bytes(bytes.fromhex(candidate["headData"][2:]))  # the adder's 72-byte head
