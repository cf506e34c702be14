"""Transaction propagation (node/transactions.py): the `Transactions<E>` notification's bytes, batching,
best-effort import by peers. Encodings are checked against a plain SCALE writer written here."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, strategies as st

from relaychain.node.transactions import TRANSACTIONS_TOPIC, decode_transactions, encode_transactions
from relaychain.primitives.crypto import dev_keypair
from relaychain.primitives.scale import ScaleDecodeError
from tests.node.chain_helpers import signed_transfer
from tests.node.harness import start_in_process, stop_all, wait_until


def plain_compact(n: int) -> bytes:  # SCALE compact, modes 0-2 (enough for these sizes)
    if n < 64:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    return ((n << 2) | 2).to_bytes(4, "little")


def extrinsic(body: bytes) -> bytes:
    return plain_compact(len(body)) + body


@given(st.lists(st.binary(max_size=300), max_size=20))
def test_batch_is_a_scale_vec_of_length_prefixed_extrinsics(bodies):
    xts = [extrinsic(b) for b in bodies]
    data = encode_transactions(xts)
    assert data == plain_compact(len(xts)) + b"".join(xts)
    assert decode_transactions(data) == xts


@pytest.mark.parametrize("bad", [
    plain_compact(2) + extrinsic(b"abc"),                 # one extrinsic announced twice
    plain_compact(1) + plain_compact(10) + b"short",     # an extrinsic shorter than its prefix
    plain_compact(1) + extrinsic(b"abc") + b"\x00",      # trailing bytes
])
def test_a_malformed_batch_is_refused_whole(bad):
    with pytest.raises(ScaleDecodeError):
        decode_transactions(bad)


def test_transfers_submitted_together_travel_in_one_notification(tmp_path):
    """50 transfers submitted to Alice in one go reach Bob's pool, sent by Alice as one notification (not 50)."""
    async def scenario():
        _hub, nodes = await start_in_process(tmp_path, slot_ms=2000)
        alice_node, bob_node = nodes[0], nodes[1]
        from_alice = []
        bob_node.network.on_gossip(TRANSACTIONS_TOPIC,
                                   lambda peer, data: from_alice.append(decode_transactions(data))
                                   if peer == alice_node.network.peer_id else None)
        try:
            sender = dev_keypair("alice")
            g = alice_node.genesis_hash
            xts = [signed_transfer(sender, bytes([i + 1]) * 32, 10 ** 12, i, g) for i in range(50)]
            for xt in xts:
                alice_node.submit_extrinsic(xt)
            assert await wait_until(lambda: sum(map(len, from_alice)) >= 50, timeout=20)
            assert len(from_alice) == 1 and from_alice[0] == xts
            # Bob imported them (validated off the loop) unless a block took them first
            assert await wait_until(lambda: all(transaction_known(bob_node, xt) for xt in xts), timeout=20)
        finally:
            await stop_all(nodes)

    asyncio.run(scenario())


def transaction_known(node, xt: bytes) -> bool:
    from relaychain.node.txpool import transaction_hash

    h = transaction_hash(xt)
    return h in node.pool or node.pool.is_banned(h)  # pooled, or already included (banned after inclusion)
