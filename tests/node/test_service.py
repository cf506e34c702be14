"""The service: C6 backend conformance, dev sealing (instant/manual), restart from the database, metrics."""

import asyncio
import urllib.request

import pytest

from relaychain.primitives.crypto import dev_keypair
from tests.node.chain_helpers import account_info, account_key, signed_transfer
from tests.node.harness import start_in_process, stop_all, wait_until


def _dev_node(tmp_path, sealing, **kw):
    return start_in_process(tmp_path, names=("alice",), slot_ms=1000, sealing=sealing, **kw)


def test_backend_members_and_manual_sealing(tmp_path):
    from relaychain.rpc.backend import missing_members

    async def scenario():
        _, (node,) = await _dev_node(tmp_path, "manual")
        try:
            assert missing_members(node) == []
            assert node.best_hash() == node.genesis_hash == node.hash_by_number(0)
            heads, finals = [], []
            unsubscribe = node.subscribe("new_head", heads.append)
            node.subscribe("finalized", finals.append)
            await asyncio.sleep(0.3)
            assert node.client.best_number() == 0  # manual: nothing happens by itself
            h1 = await node.seal_block()
            h2 = await node.seal_block()
            assert node.header(h2).parent_hash == h1 and node.best_hash() == h2
            assert node.finalized_hash() == h2  # dev sealing finalizes what it seals
            assert [h.hash() for h in heads] == [h1, h2] and [h.hash() for h in finals] == [h1, h2]
            unsubscribe()
            await node.seal_block()
            assert len(heads) == 2
            # Dev-sealed blocks carry real slot claims: an independent client verifies and imports them.
            from relaychain.node.client import Client
            from relaychain.runtime import genesis
            from relaychain.storage import Database

            other = Client(Database(str(tmp_path / "other")),
                           genesis_storage=genesis.genesis_storage(genesis.dev_chain_spec(slot_duration_ms=1000)))
            for n in (1, 2, 3):
                assert other.import_block(node.block(node.hash_by_number(n)).encode()).is_new_best
            other.db.close()
            with pytest.raises(ValueError):
                node.subscribe("nonsense", print)
        finally:
            await stop_all([node])

    asyncio.run(scenario())


def test_instant_sealing_includes_each_transaction(tmp_path):
    async def scenario():
        _, (node,) = await _dev_node(tmp_path, "instant")
        try:
            alice, bob = dev_keypair("alice"), dev_keypair("bob")
            statuses = []
            node.watch_extrinsic(signed_transfer(alice, bob.public, 10 ** 12, 0, node.genesis_hash), statuses.append)
            assert await wait_until(lambda: any(isinstance(s, dict) and "finalized" in s for s in statuses), 5)
            assert statuses[0] == "ready"  # delivered after watch_extrinsic returned (call_soon)
            assert node.client.best_number() == 1
            assert account_info(node.storage(node.best_hash(), account_key(alice.public)))["nonce"] == 1
            assert node.pending_extrinsics() == []
        finally:
            await stop_all([node])

    asyncio.run(scenario())


def test_restart_resumes_the_stored_chain_and_serves_metrics(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()

    async def first_run():
        _, (node,) = await _dev_node(tmp_path, "manual", prometheus_port=port)
        try:
            for _ in range(3):
                await node.seal_block()
            body = await asyncio.to_thread(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                                                          timeout=5).read().decode())
            assert 'substrate_block_height{status="best"} 3.0' in body
            assert 'substrate_block_height{status="finalized"} 3.0' in body
            assert "substrate_ready_transactions_number 0.0" in body
            assert "substrate_sub_libp2p_peers_count" in body
            return node.best_hash(), node.genesis_hash
        finally:
            await stop_all([node])

    async def second_run():
        _, (node,) = await _dev_node(tmp_path, "manual")
        try:
            resumed = node.best_hash(), node.finalized_hash(), node.genesis_hash
            from relaychain.node.metrics import sample

            assert sample(node.metrics, "substrate_block_height", {"status": "finalized"}) == 3
            new = await node.seal_block()
            return resumed, node.header(new)
        finally:
            await stop_all([node])

    best, genesis = asyncio.run(first_run())
    resumed, new_header = asyncio.run(second_run())
    assert resumed == (best, best, genesis)
    assert new_header.parent_hash == best and new_header.number == 4


def test_interval_sealing(tmp_path):
    async def scenario():
        _, (node,) = await _dev_node(tmp_path, "100")
        try:
            assert await wait_until(lambda: node.client.finalized_number() >= 3, 10)
        finally:
            await stop_all([node])

    asyncio.run(scenario())
