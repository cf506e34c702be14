"""Four validators (real keys, lmdb, tries, runtime) on an in-process hub author and finalize a chain."""

import asyncio

import pytest

from tests.node.harness import start_in_process, stop_all, wait_until

pytestmark = pytest.mark.slow


def test_four_validators_finalize_twenty_blocks(tmp_path):
    async def scenario():
        hub, nodes = await start_in_process(tmp_path, slot_ms=250)
        try:
            ok = await wait_until(lambda: min(n.client.finalized_number() for n in nodes) >= 20, timeout=55)
            fin = [n.client.finalized_number() for n in nodes]
            assert ok, f"finalized heights after 55 s: {fin}"
            # Every node agrees on the finalized chain (compare at the lowest finalized height).
            low = min(fin)
            hashes = {n.client.hash_by_number(low) for n in nodes}
            assert len(hashes) == 1
            # Authors rotate: blocks on the finalized chain come from more than one validator.
            from relaychain.node.client import babe_pre_digest

            authors = {babe_pre_digest(nodes[0].client.header(nodes[0].client.hash_by_number(i))).authority_index
                       for i in range(1, low + 1)}
            assert len(authors) >= 3
            # Metrics follow the chain.
            from relaychain.node.metrics import sample

            assert sample(nodes[0].metrics, "substrate_block_height", {"status": "finalized"}) >= 20
            nodes[0]._update_peer_metrics()
            assert sample(nodes[0].metrics, "substrate_sub_libp2p_peers_count") == 3.0
        finally:
            await stop_all(nodes)

    asyncio.run(scenario())


def test_finality_despite_latency_and_lost_announcements(tmp_path):
    """50 ms one-way latency and 40% gossip loss: missed blocks are fetched by block-request, forks resolve,
    lost votes are re-sent and lagging voters catch up."""
    from relaychain.node.network import InProcessHub

    async def scenario():
        hub, nodes = await start_in_process(tmp_path, slot_ms=250, hub=InProcessHub(latency=0.05, loss=0.4, seed=3))
        try:
            ok = await wait_until(lambda: min(n.client.finalized_number() for n in nodes) >= 10, timeout=50)
            assert ok, [n.client.finalized_number() for n in nodes]
            low = min(n.client.finalized_number() for n in nodes)
            assert len({n.client.hash_by_number(low) for n in nodes}) == 1
            assert hub.dropped > 0
        finally:
            await stop_all(nodes)

    asyncio.run(scenario())


def test_late_full_node_syncs_the_finalized_chain(tmp_path):
    """A non-validator joining late fetches the chain (with GRANDPA justifications) and follows finality."""
    from relaychain.node.network import InProcessHub
    from relaychain.node.service import Node, NodeConfig
    from relaychain.primitives.crypto import Ed25519Keypair

    async def scenario():
        hub = InProcessHub()
        _, nodes = await start_in_process(tmp_path, slot_ms=250, hub=hub)
        follower = None
        try:
            assert await wait_until(lambda: min(n.client.finalized_number() for n in nodes) >= 10, timeout=40)
            target = nodes[0].client.finalized_number()
            follower = Node(NodeConfig(name="full", base_path=tmp_path / "full", slot_duration_ms=250, is_dev=True),
                            hub.join(Ed25519Keypair.from_seed(b"\x05" * 32)))
            await follower.start()
            assert await wait_until(lambda: follower.client.finalized_number() >= target, timeout=20)
            assert follower.hash_by_number(target) == nodes[0].hash_by_number(target)
            # Justifications served with synced blocks are checked against the block's authority set.
            justified = [h for h in (nodes[0].hash_by_number(n) for n in range(1, target + 1))
                         if nodes[0].client.db.justification(h) is not None]
            assert justified
            h = justified[-1]
            j = nodes[0].client.db.justification(h)
            assert follower._verify_justification(h, j)
            assert not follower._verify_justification(h, j[:-1] + bytes([j[-1] ^ 1]))
            assert not follower._verify_justification(nodes[0].client.header(h).parent_hash, j)
        finally:
            await stop_all(nodes + ([follower] if follower else []))

    asyncio.run(scenario())


def test_bad_blocks_from_a_rogue_peer_are_rejected(tmp_path):
    """A peer announcing a block with a forged seal and garbage bytes changes nothing; the chain goes on."""
    import dataclasses

    from relaychain.node.network import InProcessHub
    from relaychain.primitives import types
    from relaychain.primitives.crypto import Ed25519Keypair, dev_keypair

    async def scenario():
        hub = InProcessHub()
        _, nodes = await start_in_process(tmp_path, slot_ms=250, hub=hub)
        rogue = hub.join(Ed25519Keypair.from_seed(b"\x66" * 32))
        await rogue.start()
        try:
            assert await wait_until(lambda: min(n.client.best_number() for n in nodes) >= 2, timeout=20)
            good = nodes[0].block(nodes[0].best_hash())
            pre, _seal = good.header.without_seal()
            forged_pre = dataclasses.replace(pre, state_root=b"\x42" * 32)
            forged = types.Block(forged_pre.with_log(types.Seal(b"BABE", dev_keypair("ferdie").sign(forged_pre.hash()))),
                                 good.extrinsics)
            rogue.gossip("block-announce", forged.encode())
            rogue.gossip("block-announce", b"\x01\x02\x03")
            height = max(n.client.best_number() for n in nodes)
            assert await wait_until(lambda: min(n.client.finalized_number() for n in nodes) >= height, timeout=30)
            for n in nodes:
                assert n.client.db.header(forged.header.hash()) is None
        finally:
            await rogue.stop()
            await stop_all(nodes)

    asyncio.run(scenario())
