"""Opt-in allocation tracing for memory investigations (issue #13): which lines keep allocating while a node idles.

Off unless `RELAYCHAIN_TRACEMALLOC=<file>` is set in the environment of `relaychain run`; then tracemalloc
records `RELAYCHAIN_TRACEMALLOC_FRAMES` frames per allocation (default 6) and a daemon thread appends to
<file>, every `RELAYCHAIN_TRACEMALLOC_INTERVAL` seconds (default 60), the allocations that grew most since
the first snapshot (taken after one interval, so start-up is not counted), grouped by traceback.
When the variable is unset nothing is imported or started: zero cost. tracemalloc roughly doubles the
memory of every traced block and slows the node several times, so read RSS from a run without it.

`RELAYCHAIN_TRACEMALLOC_MODE=types` instead counts the live objects the garbage collector tracks, by type
(instances, dicts, lists, tuples…), and appends the types whose count grew most: no cost per allocation,
so the chain keeps its pace; a class whose count climbs block after block is what to look at. Its header
line also gives pymalloc's allocated blocks, the shared trie cache's segments and glibc's mallinfo2 (memory
malloc holds against memory in use: fragmentation, or growth outside Python objects). Below the counts it
lists the containers that grew and the objects of 512+ bytes (malloc's, not pymalloc's) whose bytes grew, by
type and holder: a bytes value or a table that keeps growing changes no count.
"""

from __future__ import annotations

import os
import sys
import threading
import time

ENV_FILE = "RELAYCHAIN_TRACEMALLOC"
ENV_INTERVAL = "RELAYCHAIN_TRACEMALLOC_INTERVAL"
ENV_FRAMES = "RELAYCHAIN_TRACEMALLOC_FRAMES"
ENV_MODE = "RELAYCHAIN_TRACEMALLOC_MODE"  # "tracemalloc" (default) or "types"
TOP = 25
LARGEST = 10


def start_from_environment() -> bool:
    """Start tracing if the environment asks for it; True when tracing was started."""
    path = os.environ.get(ENV_FILE)
    if not path:
        return False
    interval = float(os.environ.get(ENV_INTERVAL, "60"))
    if os.environ.get(ENV_MODE, "tracemalloc") == "types":
        thread = threading.Thread(target=_count_loop, args=(path, interval), name="memtrace", daemon=True)
        thread.start()
        return True
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
                 f"{sum(s.size_diff for s in stats) / 2**20:+.2f} MiB{_malloc_line()}"]
        for stat in stats[:TOP]:
            lines.append(f"{stat.size_diff / 1024:+10.1f} KiB {stat.count_diff:+8d} blocks "
                         f"(now {stat.size / 1024:.1f} KiB in {stat.count})")
            for frame in reversed(stat.traceback):  # innermost last reads like a traceback
                lines.append(f"        {frame.filename}:{frame.lineno}")
        with open(path, "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n\n")
        del snapshot, stats


def _type_counts() -> dict[str, int]:
    """Live gc-tracked objects by type."""
    import gc

    counts: dict[str, int] = {}
    for obj in gc.get_objects():
        cls = type(obj)
        name = f"{cls.__module__}.{cls.__qualname__}"
        counts[name] = counts.get(name, 0) + 1
    return counts


def _largest(sizes: dict[int, tuple[int, str, int]]) -> list[tuple[int, str, int]]:
    """The largest containers of a `_container_sizes()` by their own size: a list or dict that keeps growing
    while holding shared objects does not change any count, only its size."""
    return sorted(sizes.values(), reverse=True)[:LARGEST]


GROWN = 12
_SIZE_FLOOR = 2048  # containers below this cannot account for megabytes of growth one by one


def _container_sizes() -> dict[int, tuple[int, str, int]]:
    """id -> (own size, type name, length) of every container of at least `_SIZE_FLOOR` bytes: the gc-tracked
    ones and the dicts they hold that the collector has untracked (a dict of only bytes/ints/str is not
    tracked, so a growing bytes -> bytes map is invisible to `gc.get_objects()` alone)."""
    import gc

    sizes: dict[int, tuple[int, str, int]] = {}

    def note(obj) -> None:
        size = sys.getsizeof(obj, 0)
        if size >= _SIZE_FLOOR:
            cls = type(obj)
            try:
                length = len(obj)
            except TypeError:
                length = -1
            sizes[id(obj)] = (size, f"{cls.__module__}.{cls.__qualname__}", length)

    for obj in gc.get_objects():
        note(obj)
        for ref in gc.get_referents(obj):
            if type(ref) is dict and not gc.is_tracked(ref):
                note(ref)
    return sizes


def _owner(obj_id: int) -> str:
    """Where the container with this id hangs: `<referrer type>[.<attribute or key>]` (best effort)."""
    import gc

    target = next((o for o in gc.get_objects() if id(o) == obj_id), None)
    if target is None:  # an untracked dict: look for it among the referents
        for o in gc.get_objects():
            target = next((r for r in gc.get_referents(o) if id(r) == obj_id), None)
            if target is not None:
                break
    if target is None:
        return "?"
    owners = []
    for ref in gc.get_referrers(target):
        if type(ref).__name__ in ("frame", "cell") or ref is sys._getframe():
            continue
        if isinstance(ref, dict):
            key = next((k for k, v in ref.items() if v is target), None)
            holders = [h for h in gc.get_referrers(ref) if getattr(h, "__dict__", None) is ref]
            where = type(holders[0]).__qualname__ if holders else "dict"
            owners.append(f"{where}.{key}" if isinstance(key, str) else f"{where}[…]")
        else:
            attrs = getattr(ref, "__dict__", None)
            attr = next((k for k, v in attrs.items() if v is target), None) if isinstance(attrs, dict) else None
            if attr is None:  # __slots__
                attr = next((n for n in getattr(type(ref), "__slots__", ()) if getattr(ref, n, None) is target),
                            None)
            owners.append(f"{type(ref).__qualname__}.{attr}" if attr else type(ref).__qualname__)
        if len(owners) >= 3:
            break
    return ", ".join(owners) or "?"


def _grown_containers(before: dict, after: dict) -> list[str]:
    """The containers that grew most between two `_container_sizes()` (same object, same type), with owners."""
    grown = sorted(((a[0] - before[k][0], k, a) for k, a in after.items()
                    if k in before and before[k][1] == a[1] and a[0] > before[k][0]), reverse=True)[:GROWN]
    lines = [f"  grown: {diff / 1024:+9.1f} KiB  now {a[0] / 1024:9.1f} KiB  len {a[2]:8d}  {a[1]}  in {_owner(k)}"
             for diff, k, a in grown]
    new = {}
    for k, a in after.items():
        if k not in before or before[k][1] != a[1]:
            new[a[1]] = new.get(a[1], 0) + a[0]
    lines += [f"  new large: {size / 1024:9.1f} KiB  {name}"
              for name, size in sorted(new.items(), key=lambda item: -item[1])[:LARGEST]]
    return lines


_LARGE = 512  # CPython's small-object limit: bigger objects come from malloc, where pymalloc's figures miss them


def _holder_names() -> dict[int, str]:
    """id of an instance's or a module's __dict__ -> the name of what owns it, from the collector's referents:
    reading `obj.__dict__` would create the dict of every instance whose attributes CPython 3.11+ keeps inline
    (12,000 new dicts in a node, the memory the census is there to measure)."""
    import gc

    names: dict[int, str] = {}
    for obj in gc.get_objects():
        if type(obj) is dict:
            continue
        for ref in gc.get_referents(obj):
            if type(ref) is dict and id(ref) not in names:
                names[id(ref)] = (f"module {obj.__name__}" if type(obj).__name__ == "module"
                                  else type(obj).__qualname__)
    return names


def _large_objects() -> dict[tuple[str, str], tuple[int, int]]:
    """(type, holder) -> (count, bytes) of the objects of at least `_LARGE` bytes that gc-tracked objects hold,
    directly or through containers the collector has untracked (a tuple or dict of only bytes and ints), each
    counted once, under the first holder found: the malloc'd side of the heap (bytes of blocks, PoVs and
    chunks, dict and list tables), where `_type_counts` sees no change when a few large objects replace many
    small ones or one value keeps growing."""
    import gc

    holders = _holder_names()
    seen: set[int] = set()
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for obj in gc.get_objects():
        where = None
        todo = list(gc.get_referents(obj))
        while todo:
            ref = todo.pop()
            if id(ref) in seen or isinstance(ref, type):  # classes are not what grows, and have many holders
                continue
            if type(ref) in (tuple, dict) and not gc.is_tracked(ref):
                seen.add(id(ref))
                todo.extend(gc.get_referents(ref))
            size = sys.getsizeof(ref, 0)
            if size < _LARGE:
                continue
            seen.add(id(ref))
            if where is None:
                where = holders.get(id(obj)) or type(obj).__qualname__
            key = (type(ref).__qualname__, where)
            count, total = out.get(key, (0, 0))
            out[key] = (count + 1, total + size)
    return out


def _grown_large(before: dict, after: dict) -> list[str]:
    """The (type, holder) groups of large objects whose bytes grew most between two `_large_objects()`."""
    grown = sorted(((after[k][1] - before.get(k, (0, 0))[1], k) for k in after), reverse=True)[:GROWN]
    return [f"  large: {diff / 1024:+9.1f} KiB  now {after[k][1] / 1024:9.1f} KiB in {after[k][0]:6d} "
            f"{k[0]} held by {k[1]}" for diff, k in grown if diff > 0]


def _malloc_line() -> str:
    """glibc's own view of its heap (mallinfo2): bytes in use by malloc'd blocks against bytes it holds, so
    memory held but free (fragmentation) is told apart from memory in use. Empty off glibc."""
    import ctypes
    import ctypes.util

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                          "fsmblks", "uordblks", "fordblks", "keepcost")]

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        libc.mallinfo2.restype = MallInfo2
    except (OSError, AttributeError):
        return ""
    info = libc.mallinfo2()
    return (f"; malloc: heap {info.arena / 2**20:.1f} MiB of which in use {info.uordblks / 2**20:.1f} MiB, "
            f"free {info.fordblks / 2**20:.1f} MiB, mmapped {info.hblkhd / 2**20:.1f} MiB")


def _pymalloc_line() -> str:
    """pymalloc's arenas against the bytes its live blocks hold (sys._debugmallocstats): arenas kept alive by
    a few blocks each grow RSS while no count grows. That function writes to file descriptor 2 only, so fd 2
    points at a temporary file while it runs (a log line written in those milliseconds lands there too)."""
    import tempfile

    figures = {}
    with tempfile.TemporaryFile() as capture:
        saved = os.dup(2)
        try:
            os.dup2(capture.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        capture.seek(0)
        for line in capture.read().decode(errors="replace").splitlines():
            if line.startswith("# ") and "=" in line:
                name, _, value = line[2:].partition("=")
                figures[name.strip()] = int(value.strip().replace(",", "") or 0)
    arenas = figures.get("arenas allocated current")
    if arenas is None:
        return ""
    return (f"; pymalloc: {arenas} arenas (1 MiB each on 64-bit CPython 3.10+), blocks hold "
            f"{figures.get('bytes in allocated blocks', 0) / 2**20:.1f} MiB, free in pools "
            f"{figures.get('bytes in available blocks', 0) / 2**20:.1f} MiB")


def _trie_cache_line() -> str:
    from relaychain.trie.backend import SHARED_NODE_CACHE as cache

    return (f"trie cache: {len(cache.nodes) + len(cache.older)} nodes {cache.used / 2**20:.2f} MiB, "
            f"stale {len(cache.stale)} nodes {cache.stale_used / 2**20:.2f} MiB")


def _count_loop(path: str, interval: float) -> None:
    started = time.monotonic()
    time.sleep(interval)
    baseline = _type_counts()
    sizes = _container_sizes()
    large = _large_objects()
    base_at = time.monotonic() - started
    while True:
        time.sleep(interval)
        counts = _type_counts()
        previous, sizes = sizes, _container_sizes()
        previous_large, large = large, _large_objects()
        largest = _largest(sizes)
        now = time.monotonic() - started
        grown = sorted(((n - baseline.get(name, 0), name, n) for name, n in counts.items()), reverse=True)
        lines = [f"=== t={now:.0f}s  object counts grown since t={base_at:.0f}s (gc-tracked objects: "
                 f"{sum(counts.values())}, allocated blocks: {sys.getallocatedblocks()}; {_trie_cache_line()}"
                 f"{_malloc_line()}{_pymalloc_line()})"]
        lines += [f"{diff:+10d}  now {n:9d}  {name}" for diff, name, n in grown[:TOP] if diff > 0]
        lines += [f"  largest: {size / 1024:9.1f} KiB  len {length:8d}  {name}" for size, name, length in largest]
        lines += _grown_containers(previous, sizes)
        lines += [f"  large objects: {sum(n for n, _ in large.values())} of {_LARGE}+ bytes hold "
                  f"{sum(b for _, b in large.values()) / 2**20:.1f} MiB"] + _grown_large(previous_large, large)
        del previous, previous_large
        with open(path, "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n\n")
        del counts, grown, largest
