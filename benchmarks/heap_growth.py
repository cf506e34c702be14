"""Which allocation sites hold more malloc'd memory later in a run? From a heaptrack recording (issue #13 item 4).

tracemalloc sees only Python's allocators and slows an in-process `--dev` network until finality stalls;
heaptrack (`apt install heaptrack`) traces every malloc of the process, C extensions included, at a cost the
network keeps its pace under. This reads heaptrack's interpreted stream (format v3, zstd-compressed: the file
`heaptrack -o FILE` writes), replays allocations and frees up to two times, and prints the live bytes at each
and the call stacks (C frames: the Python code is `_PyEval_EvalFrameDefault`) whose live bytes grew most.

    heaptrack -o /tmp/ht python -m relaychain.cli run --dev -l warn     # stop it with Ctrl-C after 10 minutes
    python3 benchmarks/heap_growth.py /tmp/ht.zst --from 60 --to 540

Stream records used (heaptrack's `heaptrack_interpret` output, one per line, numbers in hex):
`s <len> <text>` string; `i <ip> <module> [<function> <file> <line>]...` instruction pointer;
`t <ip index> <parent trace>` trace node; `a <size> <trace>` allocation kind; `+ <kind>` / `- <kind>` an
allocation / free of that kind; `c <ms>` the time since start. Indices count from 1 (strings, ips, traces)
and from 0 (kinds), in order of appearance.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Optional


@dataclass
class Recording:
    """The tables of a heaptrack stream and the live count of each allocation kind at the requested times."""

    strings: list = field(default_factory=lambda: [""])
    ips: list = field(default_factory=lambda: [""])  # "function [module]" per instruction pointer
    traces: list = field(default_factory=lambda: [(0, 0)])  # (ip index, parent trace index)
    kinds: list = field(default_factory=list)  # (size, trace index)
    live_at: dict = field(default_factory=dict)  # requested time (s) -> {kind: live count}

    def live_bytes(self, at: float) -> Counter:
        """Live bytes per trace at time `at` (one of the requested times)."""
        out: Counter = Counter()
        for kind, count in self.live_at[at].items():
            if count:
                size, trace = self.kinds[kind]
                out[trace] += size * count
        return out

    def stack(self, trace: int, depth: int) -> tuple[str, ...]:
        """The innermost `depth` frames of `trace`, allocation site first."""
        out = []
        while trace and len(out) < depth:
            ip, trace = self.traces[trace]
            out.append(self.ips[ip])
        return tuple(out)


def replay(lines: Iterable[str], times: list[float]) -> Recording:
    """Read a heaptrack stream up to the last of `times` (seconds), recording live counts at each."""
    rec = Recording()
    live: Counter = Counter()
    pending = sorted(times)
    for line in lines:
        tag, rest = line[:1], line[2:].rstrip("\n")
        if tag == "+":
            live[int(rest, 16)] += 1
        elif tag == "-":
            live[int(rest, 16)] -= 1
        elif tag == "a":
            size, trace = rest.split()
            rec.kinds.append((int(size, 16), int(trace, 16)))
        elif tag == "t":
            ip, parent = rest.split()
            rec.traces.append((int(ip, 16), int(parent, 16)))
        elif tag == "i":
            parts = rest.split()
            module = rec.strings[int(parts[1], 16)].rsplit("/", 1)[-1]
            function = rec.strings[int(parts[2], 16)] if len(parts) > 2 else "??"
            rec.ips.append(f"{function} [{module}]")
        elif tag == "s":
            rec.strings.append(rest.split(" ", 1)[1] if " " in rest else "")
        elif tag == "c":
            now = int(rest, 16) / 1000
            while pending and now >= pending[0]:
                rec.live_at[pending.pop(0)] = dict(live)
            if not pending:
                break
    for t in pending:  # the run ended first: what was live at its end
        rec.live_at[t] = dict(live)
    return rec


def growth_by_site(rec: Recording, start: float, end: float, depth: int) -> list[tuple[int, tuple[str, ...]]]:
    """(bytes grown, stack of `depth` frames) per allocation site, most grown first."""
    before, after = rec.live_bytes(start), rec.live_bytes(end)
    sites: Counter = Counter()
    for trace in set(before) | set(after):
        sites[rec.stack(trace, depth)] += after.get(trace, 0) - before.get(trace, 0)
    return [(grown, stack) for stack, grown in sites.most_common()]


def _stream(path: str) -> Iterable[str]:
    if not path.endswith(".zst"):
        with open(path, errors="replace") as f:
            yield from f
        return
    proc = subprocess.Popen(["zstd", "-dc", path], stdout=subprocess.PIPE, text=True, errors="replace")
    try:
        yield from proc.stdout
    finally:
        proc.kill()
        proc.wait()


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("recording", help="heaptrack's output file (.zst, or the decompressed stream)")
    ap.add_argument("--from", dest="start", type=float, default=60.0, help="seconds into the run (default 60)")
    ap.add_argument("--to", dest="end", type=float, default=None, help="seconds into the run (default: its end)")
    ap.add_argument("--depth", type=int, default=6, help="frames that name a site (default 6)")
    ap.add_argument("--top", type=int, default=10, help="sites to print (default 10)")
    args = ap.parse_args(argv)
    end = args.end if args.end is not None else float("inf")
    rec = replay(_stream(args.recording), [args.start, end])
    before, after = rec.live_bytes(args.start), rec.live_bytes(end)
    print(f"live malloc'd bytes: {sum(before.values()) / 2**20:.2f} MiB at {args.start:g} s, "
          f"{sum(after.values()) / 2**20:.2f} MiB at {'the end' if args.end is None else f'{end:g} s'}")
    for grown, stack in growth_by_site(rec, args.start, end, args.depth)[:args.top]:
        print(f"\n{grown / 1024:10.1f} KiB")
        for frame in stack:
            print(f"    {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
