"""Block execution off the event loop (issue #13): one worker thread per process runs the runtime.

Why a thread: the event loop serves JSON-RPC, Prometheus, gossip and GRANDPA. A block of 1,000 transfers takes
~0.35 s to execute in Python; run on the loop, every RPC call waits for it. On the worker thread the runtime
shares the interpreter with the loop (the GIL is handed over every few milliseconds), so the loop keeps
answering while a block is executed or built. Why one thread: nodes of an in-process network share it, so
their executions queue behind each other instead of competing with the loop for the GIL.

Rules for what runs there (see `Client.verify_block`, `BabeAuthor.build_proposal`): the job reads the state
of stored blocks and computes new trie nodes, but does not change the client, the pool or any subsystem;
what it produced is committed on the loop afterwards, so every listener still runs on the loop.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def _the_executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="block-execution")
        return _executor


async def off_loop(fn: Callable[..., T], *args) -> T:
    """Run `fn(*args)` on the process's block-execution thread and wait for it without blocking the loop.

    Jobs run one at a time in submission order. Cancelling the awaiting task does not stop a job that started:
    its result is dropped (a job never changes shared state, so nothing is left half done)."""
    return await asyncio.get_running_loop().run_in_executor(_the_executor(), fn, *args)


class InFlight:
    """Counts the blocks a node is importing off the loop, so its slot worker can wait for them: a node authors
    on the blocks it has already received, not beside them (a competing block at the same height)."""

    def __init__(self):
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def __enter__(self) -> "InFlight":
        self._count += 1
        self._idle.clear()
        return self

    def __exit__(self, *exc) -> None:
        self._count -= 1
        if self._count == 0:
            self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no import is in flight (True), or `timeout` seconds (False)."""
        if self._idle.is_set():
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False
