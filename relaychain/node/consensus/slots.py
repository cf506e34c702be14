"""Slots: time cut into fixed-length intervals, each with at most one expected author.

Rule (BABE, polkadot-sdk `sc-consensus-slots`): slot = floor(unix_time_ms / slot_duration_ms). The timestamp
inherent of a block authored in slot s is s * slot_duration_ms, so the runtime can check the slot from it.
Integers only (milliseconds): consensus code never uses floats for decisions.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """Where the node reads the time; injected so tests can drive slots deterministically."""

    def now_ms(self) -> int: ...

    async def sleep_until_ms(self, t_ms: int) -> None: ...


class SystemClock:
    """Wall-clock time (unix milliseconds)."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    async def sleep_until_ms(self, t_ms: int) -> None:
        delay_ms = t_ms - self.now_ms()
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)


class ManualClock:
    """A clock advanced explicitly by a test; sleepers wake when the time they wait for is reached."""

    def __init__(self, start_ms: int = 0):
        self._now = start_ms
        self._changed = asyncio.Event()

    def now_ms(self) -> int:
        return self._now

    def advance(self, ms: int) -> None:
        self.set(self._now + ms)

    def set(self, t_ms: int) -> None:
        if t_ms < self._now:
            raise ValueError("a clock never goes backwards")
        self._now = t_ms
        self._changed.set()
        self._changed = asyncio.Event()

    async def sleep_until_ms(self, t_ms: int) -> None:
        while self._now < t_ms:
            await self._changed.wait()


@dataclass(frozen=True)
class SlotInfo:
    """One slot as seen by the authoring loop."""

    slot: int
    duration_ms: int

    @property
    def start_ms(self) -> int:
        return self.slot * self.duration_ms

    @property
    def end_ms(self) -> int:
        return (self.slot + 1) * self.duration_ms

    @property
    def timestamp_ms(self) -> int:
        """The timestamp inherent a block authored in this slot carries."""
        return self.start_ms


def slot_at(time_ms: int, duration_ms: int) -> int:
    """The slot containing `time_ms`."""
    if duration_ms <= 0:
        raise ValueError("slot duration must be positive")
    return time_ms // duration_ms


def next_slot_start_ms(time_ms: int, duration_ms: int) -> int:
    """The first instant of the slot after the one containing `time_ms`."""
    return (slot_at(time_ms, duration_ms) + 1) * duration_ms


async def slot_ticks(clock: Clock, duration_ms: int):
    """Yield each new slot once, at its start (skipping slots missed while the consumer was busy)."""
    last = -1
    while True:
        now = clock.now_ms()
        slot = slot_at(now, duration_ms)
        if slot > last:
            last = slot
            yield SlotInfo(slot, duration_ms)
        await clock.sleep_until_ms(next_slot_start_ms(clock.now_ms(), duration_ms))
