"""The execution thread (node/execution.py): jobs leave the loop, the most urgent first, errors travel back."""

from __future__ import annotations

import asyncio
import threading

import pytest

from relaychain.node.execution import BLOCKS, TRANSACTIONS, InFlight, off_loop, pending_jobs


def test_blocks_overtake_waiting_transactions_and_the_loop_stays_free():
    order = []
    gate = threading.Event()

    def job(name):
        order.append(name)
        return name

    async def scenario():
        blocker = asyncio.ensure_future(off_loop(gate.wait, 10))  # occupies the thread until released
        await asyncio.sleep(0.05)
        txs = [asyncio.ensure_future(off_loop(job, f"tx{i}", priority=TRANSACTIONS)) for i in range(3)]
        block = asyncio.ensure_future(off_loop(job, "block", priority=BLOCKS))
        await asyncio.sleep(0.05)
        assert pending_jobs(TRANSACTIONS) == 3
        ticks = 0
        while ticks < 5:  # the loop runs while the thread is busy
            await asyncio.sleep(0)
            ticks += 1
        gate.set()
        assert await blocker is True
        assert await block == "block"
        assert await asyncio.gather(*txs) == ["tx0", "tx1", "tx2"]
        assert pending_jobs(TRANSACTIONS) == 0

    asyncio.run(scenario())
    assert order == ["block", "tx0", "tx1", "tx2"]


def test_an_error_in_a_job_is_raised_to_its_caller():
    def fails():
        raise KeyError("no such block")

    async def scenario():
        with pytest.raises(KeyError):
            await off_loop(fails)
        assert await off_loop(len, b"abc") == 3  # the thread goes on

    asyncio.run(scenario())


def test_in_flight_counts_and_waits():
    async def scenario():
        flight = InFlight()
        assert await flight.wait_idle(0.01)
        with flight:
            assert flight.count == 1
            assert not await flight.wait_idle(0.01)
        assert flight.count == 0 and await flight.wait_idle(0.01)

    asyncio.run(scenario())
