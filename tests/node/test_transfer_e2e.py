"""A transfer signed by //Alice, submitted to one validator of a 4-validator network, is included and finalized
with the right balances, fee and events on every node."""

import asyncio

import pytest

from relaychain.primitives.crypto import dev_keypair
from relaychain.primitives.scale import encode_u128
from tests.node.chain_helpers import (BALANCES_INDEX, TRANSACTION_PAYMENT_INDEX, account_info, account_key,
                                      events_key, signed_transfer)
from tests.node.harness import start_in_process, stop_all, wait_until

pytestmark = pytest.mark.slow

AMOUNT = 12_345 * 10 ** 9


def test_transfer_included_and_finalized(tmp_path):
    async def scenario():
        hub, nodes = await start_in_process(tmp_path, slot_ms=250)
        try:
            alice, bob = dev_keypair("alice"), dev_keypair("bob")
            node = nodes[1]  # submitted to Bob's node; any validator may include it
            g = node.genesis_hash
            xt = signed_transfer(alice, bob.public, AMOUNT, 0, g)
            statuses = []
            await wait_until(lambda: node.client.best_number() >= 1, timeout=10)
            parent = node.best_hash()
            before_a = account_info(node.storage(parent, account_key(alice.public)))
            before_b = account_info(node.storage(parent, account_key(bob.public)))
            from relaychain.primitives.scale import encode_u32

            info = node.runtime_call(parent, "TransactionPaymentApi_query_info", xt + encode_u32(len(xt)))
            expected_fee = int.from_bytes(info[-16:], "little")
            tx_hash = node.watch_extrinsic(xt, statuses.append)

            def finalized():
                return any(isinstance(s, dict) and "finalized" in s for s in statuses)

            assert await wait_until(finalized, timeout=40), f"statuses: {statuses}"
            assert statuses[0] == "ready"
            in_block = [s["inBlock"] for s in statuses if isinstance(s, dict) and "inBlock" in s]
            block_hash = bytes.fromhex(statuses[-1]["finalized"][2:])
            assert in_block and in_block[-1] == statuses[-1]["finalized"]
            for n in nodes:  # every node has the block on its finalized chain
                await wait_until(lambda: n.client.finalized_number() >= n.client.number(block_hash) if
                                 n.client.number(block_hash) is not None else False, timeout=20)
                blk = n.block(block_hash)
                assert xt in blk.extrinsics
                assert n.hash_by_number(blk.header.number) == block_hash
                after_a = account_info(n.storage(block_hash, account_key(alice.public)))
                after_b = account_info(n.storage(block_hash, account_key(bob.public)))
                assert after_b["free"] - before_b["free"] == AMOUNT
                assert before_a["free"] - after_a["free"] == AMOUNT + expected_fee
                assert after_a["nonce"] == before_a["nonce"] + 1
            assert expected_fee > 0
            events = nodes[0].storage(block_hash, events_key())
            transfer = bytes([BALANCES_INDEX, 2]) + alice.public + bob.public + encode_u128(AMOUNT)
            fee_paid = bytes([TRANSACTION_PAYMENT_INDEX, 0]) + alice.public + encode_u128(expected_fee) + encode_u128(0)
            assert transfer in events and fee_paid in events
            assert tx_hash not in node.pool
        finally:
            await stop_all(nodes)

    asyncio.run(scenario())


def test_a_burst_of_transfers_is_all_included(tmp_path):
    """100 transfers (nonces 0..99, submitted out of order to different nodes) all end up on the finalized chain."""
    async def scenario():
        hub, nodes = await start_in_process(tmp_path, slot_ms=250)
        try:
            alice = dev_keypair("alice")
            dests = [bytes([i + 1]) * 32 for i in range(100)]
            g = nodes[0].genesis_hash
            xts = [signed_transfer(alice, dests[n], 10 ** 12, n, g) for n in range(100)]
            for n in reversed(range(100)):  # highest nonce first: they wait in the future queue
                nodes[n % 4].submit_extrinsic(xts[n])

            def done():
                fin = nodes[0].finalized_hash()
                return account_info(nodes[0].storage(fin, account_key(alice.public)))["nonce"] == 100

            assert await wait_until(done, timeout=40)
            fin = nodes[0].finalized_hash()
            for d in dests:
                assert account_info(nodes[0].storage(fin, account_key(d)))["free"] == 10 ** 12
            await wait_until(lambda: all(len(n.pool) == 0 for n in nodes), timeout=5)
            assert [len(n.pool) for n in nodes] == [0, 0, 0, 0]
        finally:
            await stop_all(nodes)

    asyncio.run(scenario())
