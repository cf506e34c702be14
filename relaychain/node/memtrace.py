"""Opt-in allocation tracing for memory investigations (issue #13): which lines keep allocating while a node idles.

Off unless `RELAYCHAIN_TRACEMALLOC=<file>` is set in the environment of `relaychain run`; then tracemalloc
records `RELAYCHAIN_TRACEMALLOC_FRAMES` frames per allocation (default 6) and a daemon thread appends to
<file>, every `RELAYCHAIN_TRACEMALLOC_INTERVAL` seconds (default 60), the allocations that grew most since
the first snapshot (taken after one interval, so start-up is not counted), grouped by traceback.
When the variable is unset nothing is imported or started: zero cost. tracemalloc roughly doubles the
memory of every traced block, so read RSS from a run without it.
"""

from __future__ import annotations

import os
import threading
import time

ENV_FILE = "RELAYCHAIN_TRACEMALLOC"
ENV_INTERVAL = "RELAYCHAIN_TRACEMALLOC_INTERVAL"
ENV_FRAMES = "RELAYCHAIN_TRACEMALLOC_FRAMES"
TOP = 25


def start_from_environment() -> bool:
    """Start tracing if the environment asks for it; True when tracing was started."""
    path = os.environ.get(ENV_FILE)
    if not path:
        return False
    interval = float(os.environ.get(ENV_INTERVAL, "60"))
    frames = int(os.environ.get(ENV_FRAMES, "6"))
    import tracemalloc

    tracemalloc.start(frames)
    thread = threading.Thread(target=_dump_loop, args=(path, interval), name="memtrace", daemon=True)
    thread.start()
    return True


def _dump_loop(path: str, interval: float) -> None:
    import tracemalloc

    # our own bookkeeping (snapshots, this module) is not what we are looking for
    ignore = (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__))
    started = time.monotonic()
    time.sleep(interval)
    baseline = tracemalloc.take_snapshot().filter_traces(ignore)
    base_at = time.monotonic() - started
    while True:
        time.sleep(interval)
        snapshot = tracemalloc.take_snapshot().filter_traces(ignore)
        now = time.monotonic() - started
        stats = sorted(snapshot.compare_to(baseline, "traceback"), key=lambda s: s.size_diff, reverse=True)
        traced, peak = tracemalloc.get_traced_memory()
        lines = [f"=== t={now:.0f}s  growth since t={base_at:.0f}s  traced={traced / 2**20:.1f} MiB "
                 f"(peak {peak / 2**20:.1f} MiB)  total diff="
                 f"{sum(s.size_diff for s in stats) / 2**20:+.2f} MiB"]
        for stat in stats[:TOP]:
            lines.append(f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks "
                         f"(now {stat.size / 1024:.1f} KiB in {stat.count})")
            for frame in reversed(stat.traceback):  # innermost last reads like a traceback
                lines.append(f"        {frame.filename}:{frame.lineno}")
        with open(path, "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n\n")
        del snapshot, stats
