"""End-to-end: @polkadot/api 16 (Node.js) against a REAL dev node over a REAL socket: connect, read
system.account, a transfer signed and watched to finalization, new-head subscription (rpc.md §1–§6).
The `js_clients` fixture installs the client (tests/js_clients.py)."""

from __future__ import annotations

import json
import subprocess

import pytest


pytestmark = pytest.mark.slow

TRANSFER = 10**12


@pytest.mark.timeout(180)
def test_polkadot_js_connects_transfers_and_subscribes(js_clients, dev_node):
    proc = subprocess.run(["node", "check_node.mjs", dev_node.url], cwd=js_clients, capture_output=True, text=True,
                          timeout=150)
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["aliceAddress"] == "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    assert out["genesisHash"] == dev_node.rpc("chain_getBlockHash", [0])["result"]
    assert out["specVersion"] == dev_node.rpc("state_getRuntimeVersion")["result"]["specVersion"]
    assert out["ss58Format"] == 42
    assert int(out["aliceFreeBefore"]) > 0
    assert out["statuses"][0] == "Ready" and out["statuses"][-1] == "Finalized"
    assert out["rawStatuses"] == ["Ready", "InBlock", "Finalized"]
    assert "balances.Transfer" in out["events"] and "system.ExtrinsicSuccess" in out["events"]
    assert int(out["bobFreeAfter"]) - int(out["bobFreeBefore"]) == TRANSFER
    assert out["blockHashMatches"] is True
    heads = out["heads"]
    assert heads == sorted(heads) and len(set(heads)) == 3
