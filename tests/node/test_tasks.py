"""cancel_and_wait ends tasks even when one swallows its cancellation (as asyncio.wait_for can on 3.11)."""

from __future__ import annotations

import asyncio

from relaychain.node.tasks import cancel_and_wait


def test_a_task_that_swallows_a_cancellation_is_still_stopped():
    async def scenario():
        queue: asyncio.Queue = asyncio.Queue()
        swallowed = asyncio.Event()

        async def stubborn():
            try:
                await queue.get()
            except asyncio.CancelledError:
                swallowed.set()  # a lost cancellation: carry on, as wait_for's race makes a task do
            await queue.get()  # would wait forever after a single cancel

        async def failing():
            raise ValueError("failed while stopping")

        tasks = [asyncio.create_task(stubborn()), asyncio.create_task(failing())]
        await asyncio.sleep(0)
        await asyncio.wait_for(cancel_and_wait(tasks), 10)
        assert swallowed.is_set() and all(t.done() for t in tasks)
    asyncio.run(scenario())
