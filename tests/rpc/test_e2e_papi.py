"""End-to-end: polkadot-api 2.2.2 (papi, Node.js) against a REAL dev node over a REAL socket, through papi's
own WebSocket middleware — which routes any group of the new spec that `rpc_methods` lacks to legacy methods.
check_papi.mjs records every method sent on the wire: only new-spec methods (and `rpc_methods`) may appear.
It reads System.Account through the metadata-typed API, transfers with signSubmitAndWatch to finalization
and runs Utility.batch_all of two transfers. The `js_clients` fixture installs papi (tests/js_clients.py)."""

from __future__ import annotations

import json
import subprocess

import pytest

pytestmark = pytest.mark.slow

UNIT = 10**12
NEW_SPEC = ("chainHead_v1_", "chainSpec_v1_", "transaction_v1_", "transactionWatch_v1_", "archive_v1_")


@pytest.mark.timeout(180)
def test_papi_connects_queries_transfers_and_batches_with_no_legacy_method(js_clients, dev_node):
    proc = subprocess.run(["node", "check_papi.mjs", dev_node.url], cwd=js_clients, capture_output=True, text=True,
                          timeout=150)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    out = json.loads(proc.stdout.strip().splitlines()[-1])

    legacy = [m for m in out["wire"] if m != "rpc_methods" and not m.startswith(NEW_SPEC)]
    assert legacy == [], f"papi fell back to legacy methods: {legacy}"
    assert "chainHead_v1_follow" in out["wire"] and "transaction_v1_broadcast" in out["wire"]

    assert out["chainName"] == dev_node.rpc("system_chain")["result"]
    assert out["genesisHash"] == dev_node.rpc("chain_getBlockHash", [0])["result"]
    raw = dev_node.rpc("state_getStorage", [
        "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9de1e86a9a8c739864cf3cc5ec2bea59fd43593c7"
        "15fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d", dev_node.rpc("chain_getBlockHash", [
            out["finalizedAtStart"]])["result"]])["result"]
    info = bytes.fromhex(raw[2:])
    assert out["aliceAccount"]["nonce"] == int.from_bytes(info[0:4], "little")
    assert int(out["aliceAccount"]["free"]) == int.from_bytes(info[16:32], "little")

    transfer = out["transfer"]
    assert transfer["statuses"][0] == "signed" and transfer["statuses"][-1] == "finalized" and transfer["ok"]
    assert "Balances.Transfer" in transfer["events"] and transfer["events"][-1] == "System.ExtrinsicSuccess"
    assert int(out["bobDelta"]) == UNIT
    block = dev_node.rpc("chain_getBlock", [transfer["block"]["hash"]])["result"]["block"]
    assert int(block["header"]["number"], 16) == transfer["block"]["number"]
    assert transfer["block"]["hash"] == dev_node.rpc("chain_getBlockHash", [transfer["block"]["number"]])["result"]

    batch = out["batch"]
    assert batch["ok"] and batch["statuses"][-1] == "finalized"
    assert batch["events"].count("Balances.Transfer") == 2 and "Utility.BatchCompleted" in batch["events"]
    assert [int(d) for d in out["batchDeltas"]] == [2 * UNIT, 3 * UNIT]
