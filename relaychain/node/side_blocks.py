"""Side blocks deferred until needed (issue #13; `Client.import_block_off_loop` decides which).

When two authors claim a slot, the block the fork choice ranks lower is a side block: nothing builds on it, and
its import costs every other node as much as the winning block's. A heavy one (DEFER_SIDE_BLOCK_EXTRINSICS or
more) waits here until something needs it — a vote or a fetch naming it, a child of it, the best chain moving
without an import — or until finality passes its height, when it is dropped unexecuted (as Substrate refuses a
block arriving below finality off the finalized chain). At most MAX_DEFERRED_SIDE_BLOCKS wait at once: should
finality stall under load, the oldest is imported rather than kept in memory.
"""

from __future__ import annotations

import asyncio
from typing import Optional

from relaychain.primitives import types
from relaychain.primitives.scale import Reader, ScaleDecodeError

# A side block of this many extrinsics or more waits until it is needed; smaller ones cost little to import (a
# block of inherents, a few transactions) and are imported as Substrate does.
DEFER_SIDE_BLOCK_EXTRINSICS = 32
# At most this many wait at once.
MAX_DEFERRED_SIDE_BLOCKS = 8


def extrinsic_count(block_bytes_or_block) -> Optional[int]:
    """How many extrinsics a block (encoded or decoded) holds, or None if that does not decode."""
    if isinstance(block_bytes_or_block, types.Block):
        return len(block_bytes_or_block.extrinsics)
    try:
        r = Reader(bytes(block_bytes_or_block))
        types.Header.decode_from(r)
        return r.compact()
    except (ScaleDecodeError, ValueError, TypeError):
        return None


class DeferredSideBlocks:
    """The side blocks waiting, by hash: (number, the future that releases it). Used on the event loop only."""

    def __init__(self):
        self._waiting: dict[bytes, tuple[int, asyncio.Future]] = {}

    async def wait(self, block_hash: bytes, number: int) -> None:
        """Until `release` names it, or `release_up_to` covers its number (the oldest goes first at the bound)."""
        release = asyncio.get_running_loop().create_future()
        if len(self._waiting) >= MAX_DEFERRED_SIDE_BLOCKS:
            self.release(min(self._waiting, key=lambda h: self._waiting[h][0]))
        self._waiting[block_hash] = (number, release)
        try:
            await release
        finally:
            self._waiting.pop(block_hash, None)

    def release(self, block_hash: bytes) -> bool:
        """Let a waiting side block be imported now; False if `block_hash` is not waiting."""
        entry = self._waiting.get(bytes(block_hash))
        if entry is None:
            return False
        if not entry[1].done():
            entry[1].set_result(None)
        return True

    def release_up_to(self, number: Optional[int] = None) -> None:
        """Release those at or below `number` (all of them without one)."""
        for block_number, release in list(self._waiting.values()):
            if (number is None or block_number <= number) and not release.done():
                release.set_result(None)
