"""Block execution off the event loop (issue #13): one worker thread per process runs the runtime.

Why a thread: the event loop serves JSON-RPC, Prometheus, gossip and GRANDPA. A block of 1,000 transfers takes
~0.35 s to execute in Python; run on the loop, every RPC call waits for it. On the worker thread the runtime
shares the interpreter with the loop (the GIL is handed over every few milliseconds), so the loop keeps
answering while a block is executed or built. Why one thread: nodes of an in-process network share it, so
their executions queue behind each other instead of competing with the loop for the GIL. Jobs have a
priority: blocks first, then the validation of transactions peers gossip to us.

Rules for what runs there (see `Client.verify_block`, `BabeAuthor.build_proposal`): the job reads the state
of stored blocks and computes new trie nodes, but does not change the client, the pool or any subsystem;
what it produced is committed on the loop afterwards, so every listener still runs on the loop.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import sys
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

# How long a thread may hold the GIL while another waits for it (CPython's default is 5 ms). Every socket
# write or read of the event loop releases the GIL and must win it back from the busy execution thread, so a
# long interval throttles a loop doing many small writes; a short one makes every busy thread hand the GIL
# over (and the CPU caches with it) hundreds of times a second. Measured with `bench_stps.py --processes`
# (8,000 transfers, 1 s blocks, issue #13): 0.5 ms gave a median of 727 sTPS; 1 ms 800-889; 2 ms 889-1,143
# (median 1,000, no missed slot, RPC p99 66-220 ms); 5 ms 533-1,000 with missed slots and a p99 up to 333 ms.
SWITCH_INTERVAL_S = 0.002

# What waits for the thread, most urgent first: a block's import or authoring is on the slot's clock; a
# transaction gossiped by a peer can wait (Substrate likewise imports network transactions best effort).
BLOCKS = 0
TRANSACTIONS = 1


class _ExecutionThread:
    """One daemon thread taking jobs by (priority, arrival)."""

    def __init__(self):
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        self._jobs: "queue.PriorityQueue" = queue.PriorityQueue()
        self._order = itertools.count()
        self._waiting = [0, 0]  # jobs queued per priority (under _count_lock)
        self._count_lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="block-execution", daemon=True)
        self._thread.start()

    def submit(self, priority: int, fn: Callable, args: tuple) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._count_lock:
            self._waiting[priority] += 1
        self._jobs.put((priority, next(self._order), loop, future, fn, args))
        return future

    def pending(self, priority: int) -> int:
        return self._waiting[priority]

    def _work(self) -> None:
        while True:
            priority, _n, loop, future, fn, args = self._jobs.get()
            with self._count_lock:
                self._waiting[priority] -= 1
            if future.cancelled():
                continue
            try:
                result, error = fn(*args), None
            except BaseException as exc:  # handed to the awaiting task, which decides
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop is closed: nobody waits any more
                pass


def _settle(future: asyncio.Future, result, error) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


_lock = threading.Lock()
_thread: _ExecutionThread | None = None


def _the_thread() -> _ExecutionThread:
    global _thread
    with _lock:
        if _thread is None:
            _thread = _ExecutionThread()
        return _thread


async def off_loop(fn: Callable[..., T], *args, priority: int = BLOCKS) -> T:
    """Run `fn(*args)` on the process's execution thread and wait for it without blocking the loop.

    Jobs run one at a time, the most urgent `priority` first, then in submission order. Cancelling the awaiting
    task drops a job not yet started; one that started runs to its end and its result is dropped (a job never
    changes shared state, so nothing is left half done)."""
    return await _the_thread().submit(priority, fn, args)


def pending_jobs(priority: int) -> int:
    """Jobs of `priority` waiting for the thread (to bound best-effort work such as gossiped transactions)."""
    return 0 if _thread is None else _thread.pending(priority)


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
