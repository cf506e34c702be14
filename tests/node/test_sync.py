"""Block announcement and ancestor sync: codec round trips, serving, and catching up after a partition."""

import asyncio

import pytest

from relaychain.node.sync import BlockRequest, decode_block_response, encode_block_response
from relaychain.primitives.scale import ScaleDecodeError
from tests.node.harness import node_key_seed, wait_until


def test_codecs_round_trip_and_reject_garbage():
    req = BlockRequest(b"\x11" * 32, 64)
    assert BlockRequest.decode(req.encode()) == req
    assert req.encode() == b"\x11" * 32 + (64).to_bytes(4, "little")
    blocks = [(b"block-2", None), (b"block-1", b"justification")]
    assert decode_block_response(encode_block_response(blocks)) == blocks
    for bad in (b"", b"\x04", encode_block_response(blocks) + b"\x00"):
        with pytest.raises(ScaleDecodeError):
            decode_block_response(bad)
    with pytest.raises(ScaleDecodeError):
        BlockRequest.decode(b"\x11" * 31)


def test_follower_catches_up_after_a_partition(tmp_path):
    from relaychain.node.network import InProcessHub
    from relaychain.node.service import Node, NodeConfig
    from relaychain.primitives.crypto import Ed25519Keypair

    async def scenario():
        hub = InProcessHub()
        author = Node(NodeConfig(name="alice", base_path=tmp_path / "a", validator="alice", slot_duration_ms=1000,
                                 is_dev=True, sealing="manual"),
                      hub.join(Ed25519Keypair.from_seed(node_key_seed("alice"))))
        # Manual sealing claims the next slot it owns, possibly a few slots ahead of the wall clock.
        follower = Node(NodeConfig(name="full", base_path=tmp_path / "f", slot_duration_ms=1000, is_dev=True,
                                   check_block_time=False),
                        hub.join(Ed25519Keypair.from_seed(node_key_seed("full"))))
        await author.start()
        await follower.start()
        try:
            await author.seal_block()
            assert await wait_until(lambda: follower.client.best_number() == 1, 5)
            # Served chain segment: newest first, each block the child of the next.
            resp = await follower.network.request(author.network.peer_id, "block-request",
                                                  BlockRequest(author.best_hash(), 5).encode())
            assert [b for b, _ in decode_block_response(resp)] == [author.block(author.best_hash()).encode(),
                                                                  author.block(author.genesis_hash).encode()]
            hub.partition([author.network.peer_id], [follower.network.peer_id])
            for _ in range(5):
                await author.seal_block()
            await asyncio.sleep(0.1)
            assert follower.client.best_number() == 1  # it heard nothing
            hub.heal()
            tip = await author.seal_block()  # its announcement has an unknown parent: fetch the 5 missing blocks
            assert await wait_until(lambda: follower.best_hash() == tip, 10)
            assert [follower.hash_by_number(n) for n in range(8)] == [author.hash_by_number(n) for n in range(8)]
        finally:
            await follower.stop()
            await author.stop()

    asyncio.run(scenario())
