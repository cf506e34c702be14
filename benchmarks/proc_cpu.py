"""CPU seconds of a process tree from /proc (Linux), for benchmarks that start a network in child processes."""

from __future__ import annotations

import os
from pathlib import Path


def process_tree_cpu_s(root_pid: int) -> float | None:
    """User + system CPU seconds of `root_pid` and every process below it, read from /proc (Linux); None where
    there is no /proc. A process that has exited no longer counts, so both readings of a difference are taken
    while the network runs."""
    if not os.path.isdir(f"/proc/{root_pid}"):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    pending, seen, total = [root_pid], set(), 0.0
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()  # after the command name, which may hold spaces
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            for task in os.listdir(f"/proc/{pid}/task"):
                pending += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except (OSError, ValueError):  # exited meanwhile
            continue
    return total
