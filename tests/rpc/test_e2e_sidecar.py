"""End-to-end: @substrate/api-sidecar 18 (Node.js, polkadot-js inside) as a REST front of a REAL dev node.
One node and one sidecar process serve the whole module. Every expected value is read from the node itself
(our JSON-RPC, or py-substrate-interface's own decoding of storage) or is an input the test chose; extrinsics
are signed by substrate-interface. The `js_clients` fixture installs sidecar (tests/js_clients.py)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import tempfile
import time

import pytest
import requests
from substrateinterface import Keypair, SubstrateInterface

pytestmark = pytest.mark.slow

UNIT = 10**12
SIDECAR_BOOT_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sidecar:
    """substrate-api-sidecar connected to the node's WebSocket; `get`/`post` return the HTTP response."""

    def __init__(self, js_dir, node_url: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile(mode="w+")
        env = dict(os.environ, SAS_SUBSTRATE_URL=node_url, SAS_EXPRESS_PORT=str(self.port),
                   SAS_EXPRESS_BIND_HOST="127.0.0.1", SAS_LOG_STRIP_ANSI="true")
        self.proc = subprocess.Popen([str(js_dir / "node_modules" / ".bin" / "substrate-api-sidecar")], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=js_dir)
        try:
            self._wait_until_serving()
        except BaseException:
            self.close()
            raise

    def _wait_until_serving(self) -> None:
        """Poll until sidecar answers over HTTP (it connects to the node and reads metadata first)."""
        deadline = time.monotonic() + SIDECAR_BOOT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"substrate-api-sidecar exited ({self.proc.returncode}):\n{self.output()}")
            try:
                if requests.get(self.base + "/node/version", timeout=10).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)  # poll interval, not a wait for an outcome
        pytest.fail(f"substrate-api-sidecar did not answer within {SIDECAR_BOOT_S} s:\n{self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()[-5000:]

    def get(self, path: str) -> requests.Response:
        return requests.get(self.base + path, timeout=60)

    def post(self, path: str, body: dict) -> requests.Response:
        return requests.post(self.base + path, json=body, timeout=60)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.log.close()


@pytest.fixture(scope="module")
def sidecar(js_clients, dev_node):
    sc = Sidecar(js_clients, dev_node.url)
    try:
        yield sc
    finally:
        sc.close()


@pytest.fixture(scope="module")
def si(dev_node):
    s = SubstrateInterface(url=dev_node.url)
    yield s
    s.close()


ALICE, BOB, CHARLIE, DAVE, EVE, FERDIE = (Keypair.create_from_uri(u) for u in (
    "//Alice", "//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie"))


def free(si, address) -> int:
    return si.query("System", "Account", [address]).value["data"]["free"]


def submit(si, extrinsic):
    receipt = si.submit_extrinsic(extrinsic, wait_for_finalization=True)
    assert receipt.is_success, receipt.error_message
    return receipt


def signed(si, pallet, name, args, keypair, **kw):
    return si.create_signed_extrinsic(si.compose_call(pallet, name, args), keypair=keypair, **kw)


def block_number(dev_node, block_hash: str) -> int:
    return int(dev_node.rpc("chain_getHeader", [block_hash])["result"]["number"], 16)


@pytest.mark.timeout(240)
def test_dry_run_reports_the_dispatch_outcome_and_a_failure_without_crashing(sidecar, si, dev_node):
    alice_key = si.create_storage_key("System", "Account", [ALICE.ss58_address]).to_hex()
    before = dev_node.rpc("state_getStorage", [alice_key])["result"]
    nonce = dev_node.rpc("system_accountNextIndex", [ALICE.ss58_address])["result"]

    ok = signed(si, "Balances", "transfer_keep_alive", {"dest": BOB.ss58_address, "value": UNIT}, ALICE)
    reply = sidecar.post("/transaction/dry-run", {"tx": str(ok.data)})
    assert reply.status_code == 200, reply.text
    result = reply.json()["dryRunResult"]
    assert result["resultType"] == "DispatchOutcome" and result["result"] == {"ok": []}, result
    assert reply.json()["at"]["hash"] == dev_node.rpc("chain_getBlockHash")["result"]

    # the transaction is valid but its dispatch fails: Polkadot's fungible transfer checks `can_withdraw`, which
    # answers Underflow above the total issuance and BalanceLow (Token::FundsUnavailable, TokenError variant 0,
    # which polkadot-js's built-in TokenError still names `NoFunds`) above the free balance
    issuance = si.query("Balances", "TotalIssuance").value
    for value, error in ((free(si, ALICE.ss58_address) + UNIT, {"token": "NoFunds"}),
                         (issuance + 1, {"arithmetic": "Underflow"})):
        bad = signed(si, "Balances", "transfer_keep_alive", {"dest": BOB.ss58_address, "value": value}, ALICE)
        reply = sidecar.post("/transaction/dry-run", {"tx": str(bad.data)})
        assert reply.status_code == 200, reply.text
        result = reply.json()["dryRunResult"]
        assert result == {"resultType": "DispatchOutcome", "result": {"err": error}}, (value, result)

    # a nonce far ahead of the account's: invalid (Future), reported as a validity error
    future = signed(si, "Balances", "transfer_keep_alive", {"dest": BOB.ss58_address, "value": UNIT}, ALICE,
                    nonce=nonce + 1000)
    reply = sidecar.post("/transaction/dry-run", {"tx": str(future.data)})
    assert reply.status_code == 200, reply.text
    result = reply.json()["dryRunResult"]
    assert result["resultType"] == "TransactionValidityError" and result["validityErrorType"] == "InvalidTransaction"
    assert result["result"] == {"future": None}, result

    # bytes that are no extrinsic: the node answers Err(Invalid(Call)) and sidecar relays it
    reply = sidecar.post("/transaction/dry-run", {"tx": "0x00"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["dryRunResult"] == {"resultType": "TransactionValidityError", "result": {"call": None},
                                            "validityErrorType": "InvalidTransaction"}
    assert sidecar.get("/node/version").status_code == 200  # both processes go on
    # nothing was kept: Alice's account is byte for byte what it was
    assert dev_node.rpc("state_getStorage", [alice_key])["result"] == before


@pytest.mark.timeout(120)
def test_runtime_code_is_the_code_in_storage(sidecar, dev_node):
    reply = sidecar.get("/runtime/code")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    code = dev_node.rpc("state_getStorage", ["0x" + b":code".hex(), body["at"]["hash"]])["result"]
    assert code and body["code"] == code
    assert body["at"]["hash"] == dev_node.rpc("chain_getBlockHash", [int(body["at"]["height"])])["result"]


@pytest.mark.timeout(240)
def test_proxy_info_lists_the_delegate_and_a_proxy_transfer_moves_the_delegators_funds(sidecar, si):
    path = f"/accounts/{ALICE.ss58_address}/proxy-info"
    reply = sidecar.get(path)
    assert reply.status_code == 200, reply.text
    assert si.query("Proxy", "Proxies", [ALICE.ss58_address]).value[0] == []
    assert reply.json()["delegatedAccounts"] == [] and int(reply.json()["depositHeld"]) == 0

    submit(si, signed(si, "Proxy", "add_proxy", {"delegate": BOB.ss58_address, "proxy_type": "Any", "delay": 0},
                      ALICE))
    proxies, deposit = si.query("Proxy", "Proxies", [ALICE.ss58_address]).value
    reply = sidecar.get(path)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert [(d["delegate"], d["proxyType"], int(d["delay"])) for d in body["delegatedAccounts"]] == \
        [(p["delegate"], p["proxy_type"], p["delay"]) for p in proxies] == [(BOB.ss58_address, "Any", 0)]
    assert int(body["depositHeld"]) == deposit > 0

    eve0, alice0, bob0 = (free(si, k.ss58_address) for k in (EVE, ALICE, BOB))
    inner = si.compose_call("Balances", "transfer_keep_alive", {"dest": EVE.ss58_address, "value": 3 * UNIT})
    receipt = submit(si, signed(si, "Proxy", "proxy", {"real": ALICE.ss58_address, "force_proxy_type": None,
                                                       "call": inner}, BOB))
    assert any(e.value["event_id"] == "ProxyExecuted" for e in receipt.triggered_events)
    assert free(si, EVE.ss58_address) - eve0 == 3 * UNIT
    assert alice0 - free(si, ALICE.ss58_address) == 3 * UNIT  # the delegator pays; Bob only the fee
    assert free(si, BOB.ss58_address) < bob0

    # sidecar's balance view agrees with the node's storage after the proxy transfer
    info = sidecar.get(f"/accounts/{ALICE.ss58_address}/balance-info").json()
    assert int(info["free"]) == free(si, ALICE.ss58_address)


@pytest.mark.timeout(120)
def test_staking_info_of_a_dev_validator_stash(sidecar, si):
    stash = Keypair.create_from_uri("//Alice//stash").ss58_address
    reply = sidecar.get(f"/accounts/{stash}/staking-info")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    controller = si.query("Staking", "Bonded", [stash]).value
    ledger = si.query("Staking", "Ledger", [controller]).value
    assert controller and body["controller"] == controller
    assert body["staking"]["stash"] == ledger["stash"] == stash
    assert int(body["staking"]["total"]) == ledger["total"] > 0
    assert int(body["staking"]["active"]) == ledger["active"]
    assert body["staking"]["unlocking"] == ledger["unlocking"] == []
    payee = si.query("Staking", "Payee", [stash]).value
    expected_payee = {k.lower(): v for k, v in payee.items()} if isinstance(payee, dict) else {payee.lower(): None}
    assert body["rewardDestination"] == expected_payee


def _extrinsic_hashes(dev_node, block_hash: str) -> list[str]:
    """blake2-256 of each extrinsic of the node's block (chain_getBlock), computed here."""
    extrinsics = dev_node.rpc("chain_getBlock", [block_hash])["result"]["block"]["extrinsics"]
    return ["0x" + hashlib.blake2b(bytes.fromhex(x[2:]), digest_size=32).hexdigest() for x in extrinsics]


def _find(extrinsics: list[dict], pallet: str, method: str) -> dict:
    found = [x for x in extrinsics if x["method"] == {"pallet": pallet, "method": method}]
    assert len(found) == 1, [x["method"] for x in extrinsics]
    return found[0]


def _sidecar_block(sidecar, dev_node, block_hash: str) -> dict:
    number = block_number(dev_node, block_hash)
    reply = sidecar.get(f"/blocks/{number}")
    assert reply.status_code == 200, reply.text
    block = reply.json()
    assert block["hash"] == block_hash and int(block["number"]) == number
    assert [x["hash"] for x in block["extrinsics"]] == _extrinsic_hashes(dev_node, block_hash)
    return block


@pytest.mark.timeout(300)
def test_blocks_decode_a_batch_all_of_two_transfers_and_a_multisig_as_multi(sidecar, si, dev_node):
    ms = si.generate_multisig_account([ALICE.ss58_address, BOB.ss58_address, CHARLIE.ss58_address], 2)
    transfers = [si.compose_call("Balances", "transfer_keep_alive", {"dest": ms.ss58_address, "value": 20 * UNIT}),
                 si.compose_call("Balances", "transfer_keep_alive", {"dest": FERDIE.ss58_address, "value": 2 * UNIT})]
    batch = submit(si, signed(si, "Utility", "batch_all", {"calls": transfers}, ALICE))

    block = _sidecar_block(sidecar, dev_node, batch.block_hash)
    x = _find(block["extrinsics"], "utility", "batchAll")
    assert x["success"] is True and x["signature"]["signer"] == {"id": ALICE.ss58_address}
    calls = x["args"]["calls"]
    assert [c["method"] for c in calls] == [{"pallet": "balances", "method": "transferKeepAlive"}] * 2
    assert [(c["args"]["dest"], int(c["args"]["value"])) for c in calls] == \
        [({"id": ms.ss58_address}, 20 * UNIT), ({"id": FERDIE.ss58_address}, 2 * UNIT)]
    assert sum(e["method"] == {"pallet": "balances", "method": "Transfer"} for e in x["events"]) == 2

    inner = si.compose_call("Balances", "transfer_keep_alive", {"dest": DAVE.ss58_address, "value": 7 * UNIT})
    dave0 = free(si, DAVE.ss58_address)
    approve = submit(si, si.create_multisig_extrinsic(inner, ALICE, ms))  # approve_as_multi: first approval
    execute = submit(si, si.create_multisig_extrinsic(inner, BOB, ms))  # as_multi: the threshold, executes
    assert free(si, DAVE.ss58_address) - dave0 == 7 * UNIT

    first = _find(_sidecar_block(sidecar, dev_node, approve.block_hash)["extrinsics"], "multisig", "approveAsMulti")
    assert first["args"]["call_hash"] == "0x" + inner.call_hash.hex()

    block = _sidecar_block(sidecar, dev_node, execute.block_hash)
    x = _find(block["extrinsics"], "multisig", "asMulti")
    assert x["success"] is True and x["signature"]["signer"] == {"id": BOB.ss58_address}
    args = x["args"]
    assert int(args["threshold"]) == 2
    assert sorted(args["other_signatories"]) == sorted([ALICE.ss58_address, CHARLIE.ss58_address])
    when = si.query("System", "Number", block_hash=approve.block_hash).value
    assert int(args["maybe_timepoint"]["height"]) == when
    assert int(args["maybe_timepoint"]["index"]) == approve.extrinsic_idx
    assert args["call"]["method"] == {"pallet": "balances", "method": "transferKeepAlive"}
    assert args["call"]["args"]["dest"] == {"id": DAVE.ss58_address} and int(args["call"]["args"]["value"]) == 7 * UNIT
    assert any(e["method"] == {"pallet": "multisig", "method": "MultisigExecuted"} for e in x["events"])
