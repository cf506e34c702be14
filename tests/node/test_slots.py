import asyncio

import pytest

from relaychain.node.consensus.slots import ManualClock, SlotInfo, next_slot_start_ms, slot_at, slot_ticks


def test_slot_arithmetic():
    assert slot_at(0, 6000) == 0
    assert slot_at(5999, 6000) == 0
    assert slot_at(6000, 6000) == 1
    assert next_slot_start_ms(6000, 6000) == 12000
    assert SlotInfo(7, 250).timestamp_ms == 1750
    with pytest.raises(ValueError):
        slot_at(1, 0)


def test_slot_ticks_follow_an_injected_clock():
    async def scenario():
        clock = ManualClock(1000)
        seen = []

        async def consume():
            async for info in slot_ticks(clock, 100):
                seen.append(info.slot)
                if len(seen) == 3:
                    return

        task = asyncio.create_task(consume())
        await asyncio.sleep(0)
        clock.advance(100)
        await asyncio.sleep(0)
        clock.advance(350)  # skips slots 12..13: the loop yields the current slot only
        await asyncio.wait_for(task, 1)
        return seen

    assert asyncio.run(scenario()) == [10, 11, 14]
