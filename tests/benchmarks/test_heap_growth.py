"""benchmarks/heap_growth.py replays a heaptrack stream: live bytes per allocation site at two times, and the
sites that grew. The stream here is written out by hand in heaptrack's interpreted format (v3), so what is
live when is counted plainly below."""

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "heap_growth.py"
_spec = importlib.util.spec_from_file_location("heap_growth", _PATH)
heap_growth = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("heap_growth", heap_growth)  # dataclasses look their module up there
_spec.loader.exec_module(heap_growth)

STREAM = """v 10400 3
s 6 foo.so
s 5 alloc
s 6 caller
s 5 other
i 1000 1 2
i 2000 1 3
i 3000 1 4
t 2 0
t 1 1
t 3 0
a 100 2
a 10 1
a 8 3
+ 0
+ 1
+ 2
c 3e8
+ 0
+ 0
- 1
- 2
c 7d0
+ 1
c bb8
+ 0
c fa0
""".splitlines(keepends=True)


def test_live_bytes_per_site_at_two_times_and_what_grew():
    rec = heap_growth.replay(iter(STREAM), [1.0, 3.0])
    # at 1 s: one of each kind; at 3 s: kind 0 three times, kind 1 once, kind 2 freed
    assert rec.live_bytes(1.0) == {2: 0x100, 1: 0x10, 3: 0x8}
    assert {t: b for t, b in rec.live_bytes(3.0).items() if b} == {2: 3 * 0x100, 1: 0x10}
    grown = heap_growth.growth_by_site(rec, 1.0, 3.0, depth=2)
    assert grown[0] == (2 * 0x100, ("alloc [foo.so]", "caller [foo.so]"))
    assert sorted(grown[1:]) == [(-0x8, ("other [foo.so]",)), (0, ("caller [foo.so]",))]


def test_the_replay_stops_at_the_last_time_asked_and_a_time_past_the_end_is_the_end():
    lines = iter(STREAM)
    heap_growth.replay(lines, [1.0, 2.0])
    assert next(lines) == "+ 1\n"  # what follows the record at 2 s was not read
    rec = heap_growth.replay(iter(STREAM), [1.0, 60.0])
    assert {t: b for t, b in rec.live_bytes(60.0).items() if b} == {2: 4 * 0x100, 1: 0x10}
