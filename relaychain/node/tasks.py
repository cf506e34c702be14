"""Stopping asyncio tasks for sure.

On Python 3.11 a cancellation can be lost: `asyncio.wait_for` returns its inner result when the inner future
finishes in the same iteration as the cancellation, and the cancelled task carries on (CPython gh-86296,
fixed in 3.12). A task that then waits on a queue never ends, and `task.cancel(); await task` hangs a node's
shutdown. `cancel_and_wait` cancels again until every task has ended.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Iterable

log = logging.getLogger("relaychain.tasks")

RETRY_SECONDS = 0.5
MAX_ATTEMPTS = 20


async def cancel_and_wait(tasks: Iterable[asyncio.Task], what: str = "tasks") -> None:
    """Cancel `tasks` and wait until all have ended, re-cancelling those that swallowed a cancellation.
    Exceptions of the tasks are not re-raised (they are being stopped); a task still running after
    MAX_ATTEMPTS is logged and left."""
    pending = {t for t in tasks if not t.done()}
    for _ in range(MAX_ATTEMPTS):
        if not pending:
            return
        for t in pending:
            t.cancel()
        done, pending = await asyncio.wait(pending, timeout=RETRY_SECONDS)
        for t in done:
            if not t.cancelled():
                t.exception()  # retrieved: a task that failed while stopping is not an unhandled error
    if pending:
        log.error("%d %s did not stop: %s", len(pending), what, ", ".join(t.get_name() for t in pending))
