"""`system_dryRun` over a REAL dev node: the SCALE `ApplyExtrinsicResult` (Result<Result<(), DispatchError>,
TransactionValidityError>) of a transfer that succeeds, one whose call fails, and one that is invalid; nothing
is kept. Expected bytes are written out from sp-runtime's enum layouts (rpc.md §4, §10)."""

from __future__ import annotations

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.ss58 import ss58_encode

from ..node.chain_helpers import account_key, signed_transfer

BALANCES = 5


def test_dry_run_reports_the_apply_result_and_keeps_nothing(dev_node):
    alice, bob = Sr25519Keypair.from_uri("//Alice"), Sr25519Keypair.from_uri("//Bob")
    genesis = bytes.fromhex(dev_node.rpc("chain_getBlockHash", [0])["result"][2:])
    nonce = dev_node.rpc("system_accountNextIndex", [ss58_encode(alice.public)])["result"]
    before = dev_node.rpc("state_getStorage", ["0x" + account_key(alice.public).hex()])["result"]

    ok = signed_transfer(alice, bob.public, 10**12, nonce, genesis)
    assert dev_node.rpc("system_dryRun", ["0x" + ok.hex()])["result"] == "0x0000"

    too_much = signed_transfer(alice, bob.public, 10**30, nonce, genesis)
    out = bytes.fromhex(dev_node.rpc("system_dryRun", ["0x" + too_much.hex()])["result"][2:])
    # Ok(Err(DispatchError::Module{index: Balances, error: [e, 0, 0, 0]})) or a Token/Arithmetic error
    assert out[:2] == b"\x00\x01" and out[2] in (3, 7, 8)
    if out[2] == 3:
        assert out[3] == BALANCES and len(out) == 8

    stale = signed_transfer(alice, bob.public, 10**12, nonce + 1000, genesis)
    assert dev_node.rpc("system_dryRun", ["0x" + stale.hex()])["result"] == "0x010002"  # Err(Invalid(Future))
    best = dev_node.rpc("chain_getBlockHash")["result"]
    assert dev_node.rpc("system_dryRun", ["0x" + ok.hex(), best])["result"] == "0x0000"
    assert dev_node.rpc("state_getStorage", ["0x" + account_key(alice.public).hex()])["result"] == before
    # bytes that are no extrinsic: not applicable, Err(Invalid(Call)) — the node goes on
    assert dev_node.rpc("system_dryRun", ["0x00"])["result"] == "0x010000"
    assert "system_dryRun" in dev_node.rpc("rpc_methods")["result"]["methods"]
