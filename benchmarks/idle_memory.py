"""Idle memory of `relaychain run --dev` (issue #13 item 4): is anonymous RSS flat while the network idles?

Starts the dev network (four validators; the two adder paras and their collators unless --no-paras) in a child
process, samples the node process's anonymous RSS (`RssAnon` in /proc/<pid>/status: heap, not the mapped
lmdb files) and that of its child processes (PVF workers) every --interval seconds, and the best / finalized
heights over JSON-RPC (HTTP POST). Prints one row per sample and a summary: RSS at minutes 1, 5, 10, 30
(those reached), the spread after the first minute, and the least-squares slope after the first minute.
Done-when of the issue: flat within 5 MiB after the first minute over 30 minutes at 1 s blocks.

    python3 benchmarks/idle_memory.py --minutes 30                       # the issue's check
    python3 benchmarks/idle_memory.py --minutes 10 --tracemalloc /tmp/tm.txt --tracemalloc-interval 120
        # plus the node's allocation growth by traceback, appended to /tmp/tm.txt (relaychain/node/memtrace.py);
        # tracemalloc inflates RSS, so take the RSS figures from a run without it.
    python3 benchmarks/idle_memory.py --minutes 6 --tracemalloc /tmp/types.txt --count-types --tracemalloc-interval 60
        # live objects by type instead: cheap, the chain keeps its pace

tracemalloc with frames slows the in-process network until finality stalls, and sees nothing C extensions
allocate. For growth outside Python objects, run the node under heaptrack and compare two times of the run:

    heaptrack -o /tmp/ht python -m relaychain.cli run --dev -l warn      # Ctrl-C after ten minutes
    python3 benchmarks/heap_growth.py /tmp/ht.zst --from 60 --to 540
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 2**20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_anon_kib(pid: int) -> int:
    """RssAnon of `pid` in KiB (0 if it has gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def child_pids(pid: int) -> list[int]:
    """All descendants of `pid` (from /proc/<pid>/task/*/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def rpc(port: int, method: str, params=()):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=3) as resp:
        return json.loads(resp.read())["result"]


def heights(port: int) -> tuple[str, str]:
    try:
        best = int(rpc(port, "chain_getHeader")["number"], 16)
        fin = int(rpc(port, "chain_getHeader", [rpc(port, "chain_getFinalizedHead")])["number"], 16)
        return str(best), str(fin)
    except (OSError, ValueError, KeyError, TypeError):
        return "-", "-"


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points (0 for fewer than two)."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="how long to idle (default 10; the issue asks 30)")
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between samples (default 10)")
    ap.add_argument("--block-time", type=int, default=1000, help="slot duration in ms (default 1000)")
    ap.add_argument("--no-paras", action="store_true", help="the relay chain alone")
    ap.add_argument("--tracemalloc", metavar="FILE", help="trace allocations in the node, dump growth to FILE")
    ap.add_argument("--tracemalloc-interval", type=float, default=120.0, help="seconds between dumps (default 120)")
    ap.add_argument("--tracemalloc-frames", type=int, default=5, help="frames per traceback (default 5)")
    ap.add_argument("--count-types", action="store_true",
                    help="with --tracemalloc FILE: count live objects by type instead (no per-allocation cost)")
    ap.add_argument("--csv", metavar="FILE", help="also write the samples to FILE")
    args = ap.parse_args(argv)

    def interrupted(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)  # stop the node cleanly, also when run in the background
    base = tempfile.mkdtemp(prefix="idle-memory-")
    port = _free_port()
    env = dict(os.environ)
    if args.tracemalloc:
        env.update(RELAYCHAIN_TRACEMALLOC=str(Path(args.tracemalloc).resolve()),
                   RELAYCHAIN_TRACEMALLOC_INTERVAL=str(args.tracemalloc_interval),
                   RELAYCHAIN_TRACEMALLOC_FRAMES=str(args.tracemalloc_frames),
                   RELAYCHAIN_TRACEMALLOC_MODE="types" if args.count_types else "tracemalloc")
    cmd = [sys.executable, "-m", "relaychain.cli", "run", "--dev", "--block-time", str(args.block_time),
           "--rpc-port", str(port), "--base-path", base, "-l", "warn"] + (["--no-paras"] if args.no_paras else [])
    log = open(Path(base) / "node.log", "w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    samples: list[tuple[float, float, float]] = []  # (minutes, node MiB, children MiB)
    print(f"relaychain run --dev{' --no-paras' if args.no_paras else ''} --block-time {args.block_time}, "
          f"pid {proc.pid}, sampling every {args.interval:.0f} s for {args.minutes:g} min")
    print(f"{'t (min)':>8} {'node RssAnon MiB':>17} {'children MiB':>13} {'best':>6} {'final':>6}")
    t0 = time.monotonic()
    try:
        while True:
            t = (time.monotonic() - t0) / 60
            if proc.poll() is not None:
                print(f"the node exited with {proc.returncode}; see its log below", file=sys.stderr)
                log.flush()
                print((Path(base) / "node.log").read_text()[-4000:], file=sys.stderr)
                return 1
            node = rss_anon_kib(proc.pid) / 1024
            kids = sum(rss_anon_kib(p) for p in child_pids(proc.pid)) / 1024
            best, fin = heights(port)
            samples.append((t, node, kids))
            print(f"{t:8.2f} {node:17.1f} {kids:13.1f} {best:>6} {fin:>6}", flush=True)
            if t >= args.minutes:
                break
            time.sleep(max(0.0, args.interval - ((time.monotonic() - t0) % args.interval)))
    except KeyboardInterrupt:
        pass
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        shutil.rmtree(base, ignore_errors=True)
    if args.csv:
        with open(args.csv, "w") as f:
            f.write("minutes,node_rss_anon_mib,children_rss_anon_mib\n")
            f.writelines(f"{t:.3f},{n:.2f},{k:.2f}\n" for t, n, k in samples)
    summarize(samples)
    return 0


def summarize(samples: list[tuple[float, float, float]]) -> None:
    def at(minute: float) -> str:
        reached = [s for s in samples if s[0] >= minute - 1e-9]
        return f"{reached[0][1]:.1f}" if reached else "-"

    after = [(t, n) for t, n, _ in samples if t >= 1.0]
    print()
    print("node RssAnon MiB at minute " + ", ".join(f"{m}: {at(m)}" for m in (1, 5, 10, 30)))
    if len(after) >= 2:
        values = [n for _, n in after]
        print(f"after minute 1: spread {max(values) - min(values):.1f} MiB, "
              f"slope {slope(after):+.2f} MiB/min over {after[-1][0] - after[0][0]:.1f} min")


if __name__ == "__main__":
    sys.exit(main())
