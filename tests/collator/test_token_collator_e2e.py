"""End to end: four relay validators and a token para 2000 with its collator, everything real — the token PVF
(token.wasm) in executor workers judging the blocks the collator's Python runtime built, backing, availability,
inclusion, GRANDPA. A user drives the para through its own JSON-RPC with py-substrate-interface: a transfer is
in a para block once that block is the collator's candidate, and the relay chain includes it (`Paras.Heads(2000)`
at the relay's best block reaches it); the balances move by exactly the amount (SPEC.md: no fees). Finality is
the relay's GRANDPA over approved blocks; the para's finalized rule is tested in test_token_node."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest
from substrateinterface import Keypair, SubstrateInterface

from collator.token import relay_para_head, start_token_collator
from parachain.runtimes.token import validation_code
from parachain.token.genesis import genesis_head
from relaychain.launcher import NetworkSpec, NodeSpec, ParaSpec, chain_spec, start_in_process
from relaychain.node.command import load_node_key
from relaychain.node.network import InProcessHub
from relaychain.node.service import Node, NodeConfig
from relaychain.primitives.hashing import blake2_256
from tests.rpc.harness import LoopThread

pytestmark = pytest.mark.slow

PARA = 2000
VALIDATORS = ("alice", "bob", "charlie", "dave", "eve", "ferdie")
AMOUNT = 5 * 10**12 + 11


class TokenNetwork:
    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="token-collator-e2e-"))
        self.loop = LoopThread()
        spec = NetworkSpec(tuple(NodeSpec(v) for v in VALIDATORS),
                           (ParaSpec(PARA, "token", validation_code(), genesis_head(PARA), ()),), 1000)

        async def boot():
            hub = InProcessHub()
            net = await start_in_process(spec, self.base, hub=hub)
            name = f"collator-{PARA}"
            cfg = NodeConfig(name=name, base_path=self.base / name, slot_duration_ms=spec.block_time_ms,
                             is_dev=True, chain_spec=chain_spec(spec), parachains=False, quiet=True)
            relay = Node(cfg, hub.join(load_node_key(self.base / name, None)))
            await relay.start()
            token = await start_token_collator(PARA, relay, net.executor, self.base / name / "token", name=name,
                                               rpc_port=0)
            return net, relay, token

        try:
            self.net, self.relay, self.token = self.loop.run(boot(), timeout=180)
        except BaseException:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)
            raise

    def close(self):
        async def shutdown():
            await self.token.stop()
            await self.relay.stop()
            await self.net.stop()

        try:
            self.loop.run(shutdown(), timeout=120)
        finally:
            self.loop.close()
            shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def network():
    n = TokenNetwork()
    yield n
    n.close()


def free(si, who, block_hash=None) -> int:
    return si.query("System", "Account", [who], block_hash=block_hash).value["data"]["free"]


@pytest.mark.timeout(240)
def test_a_transfer_on_the_para_is_backed_and_included_by_the_relay(network):
    si = SubstrateInterface(url=network.token.rpc_url)
    try:
        alice = Keypair.create_from_uri("//Alice", ss58_format=42)
        bob = Keypair.create_from_uri("//Bob", ss58_format=42)
        before = si.get_chain_head()
        a0, b0 = free(si, alice.ss58_address, before), free(si, bob.ss58_address, before)
        call = si.compose_call("Balances", "transfer_keep_alive", {"dest": bob.ss58_address, "value": AMOUNT})
        xt = si.create_signed_extrinsic(call=call, keypair=alice)
        # inBlock: the block is the collator's candidate (its PVF run agreed with what the runtime built)
        receipt = si.submit_extrinsic(xt, wait_for_inclusion=True)
        assert receipt.is_success, receipt.error_message
        assert free(si, bob.ss58_address, receipt.block_hash) == b0 + AMOUNT
        assert free(si, alice.ss58_address, receipt.block_hash) == a0 - AMOUNT

        # What the relay chain says: Paras.Heads(2000) at its best block reaches a para block with the transfer
        # (its candidate was backed by validators running token.wasm, made available and included). That may be
        # another block than the first one the watcher saw, if the relay chain dropped that candidate and the
        # collator built the transaction again on the relay's head (node.py's rule).
        tx_hash = xt.extrinsic_hash

        def included_block():
            store = network.token.para.store
            head = relay_para_head(network.relay, network.relay.best_hash(), PARA)
            h = None if head is None else blake2_256(head)
            while h is not None and store.contains(h) and store.number(h) > 0:
                if any(blake2_256(x) == tx_hash for x in store.extrinsics(h)):
                    return h
                h = store.header(h).parent_hash
            return None
        deadline = time.monotonic() + 120
        while (found := network.loop.call(included_block)) is None:
            assert time.monotonic() < deadline, "the relay chain never included a para block with the transfer"
            time.sleep(0.2)
        assert free(si, bob.ss58_address, "0x" + found.hex()) == b0 + AMOUNT
        assert free(si, alice.ss58_address, "0x" + found.hex()) == a0 - AMOUNT
    finally:
        si.close()
