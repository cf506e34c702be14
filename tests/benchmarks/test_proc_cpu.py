"""benchmarks/proc_cpu.py: the CPU of a process and the processes below it, read from /proc (bench_stps.py
reports the node processes' CPU with it)."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "proc_cpu.py"
_spec = importlib.util.spec_from_file_location("proc_cpu", _PATH)
proc_cpu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proc_cpu)

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")


def test_a_process_tree_counts_its_children_cpu():
    burner = subprocess.Popen([sys.executable, "-c",
                               "import time\nend = time.process_time() + 0.5\n"
                               "while time.process_time() < end: pass\nprint('done', flush=True)\ntime.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert burner.stdout.readline().strip() == "done"  # its 0.5 s of CPU are spent, and it still runs
        t = os.times()
        mine = t.user + t.system
        child = proc_cpu.process_tree_cpu_s(burner.pid)
        tree = proc_cpu.process_tree_cpu_s(os.getpid())
        assert child >= 0.4  # clock ticks: a little below the 0.5 s it burnt is possible, not much
        assert tree >= mine + child - 0.1  # ours plus the child's, to the ticks' precision
    finally:
        burner.kill()
        burner.wait()


def test_no_such_process_has_no_figure():
    assert proc_cpu.process_tree_cpu_s(2**22 + 12345) is None
