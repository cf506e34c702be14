"""Transaction propagation (node/transactions.py): the `Transactions<E>` notification's bytes, batching,
best-effort import by peers. Encodings are checked against a plain SCALE writer written here."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, strategies as st

from relaychain.node.transactions import (TRANSACTIONS_TOPIC, KnownTransactions, decode_transactions,
                                          encode_transactions)
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


def test_a_transaction_is_not_sent_back_to_where_it_came_from(tmp_path):
    """sc-network-transactions' known set per peer: the peers Alice sent 30 transfers to admit them and
    propagate them on, but never back to Alice, and no link carries one twice in the same direction. Every
    frame the hub carries is counted (the receivers' de-duplication would hide a repeat from their handlers)."""
    from relaychain.node.network import wire

    async def scenario():
        hub, nodes = await start_in_process(tmp_path, slot_ms=60_000)  # no block takes them meanwhile
        carried: dict = {}  # (sender, receiver) -> transactions carried
        transmit = hub._transmit

        def counting_transmit(src, dst, frame, lossy):
            decoded = wire.decode_frame(frame)
            if isinstance(decoded, wire.Gossip) and decoded.topic == TRANSACTIONS_TOPIC:
                carried.setdefault((src, dst), []).extend(decode_transactions(decoded.data))
            return transmit(src, dst, frame, lossy)

        hub._transmit = counting_transmit
        alice_node = nodes[0]
        alice = alice_node.network.peer_id
        try:
            sender = dev_keypair("alice")
            xts = [signed_transfer(sender, bytes([i + 1]) * 32, 10 ** 12, i, alice_node.genesis_hash)
                   for i in range(30)]
            for xt in xts[:15]:
                alice_node.submit_extrinsic(xt)
            await asyncio.sleep(0.2)  # two batches, so the peers' batches differ from Alice's
            for xt in xts[15:]:
                alice_node.submit_extrinsic(xt)
            assert await wait_until(lambda: all(transaction_known(n, xt) for n in nodes[1:] for xt in xts),
                                    timeout=20)
            await asyncio.sleep(0.5)  # the peers' own batches (50 ms) have gone out
            assert not [link for link in carried if link[1] == alice]
            for link, got in carried.items():
                assert len(got) == len(set(got)), "a transaction crossed one link twice"
            for peer in (n.network.peer_id for n in nodes[1:]):
                assert sorted(carried[(alice, peer)]) == sorted(xts)
        finally:
            await stop_all(nodes)

    asyncio.run(scenario())


def test_known_transactions_keep_the_most_recent():
    known = KnownTransactions(capacity=3)
    assert [known.insert(bytes([i]) * 32) for i in (1, 2, 3)] == [True, True, True]
    assert known.insert(bytes([1]) * 32) is False  # known: and now the most recent
    assert known.insert(bytes([4]) * 32) is True   # evicts 2, the least recent
    assert len(known) == 3
    assert bytes([2]) * 32 not in known and bytes([1]) * 32 in known and bytes([4]) * 32 in known


def transaction_known(node, xt: bytes) -> bool:
    from relaychain.node.txpool import transaction_hash

    h = transaction_hash(xt)
    return h in node.pool or node.pool.is_banned(h)  # pooled, or already included (banned after inclusion)
