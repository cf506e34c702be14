"""heap.py (issue #13 item 4): freed C-heap memory is given back while a node runs."""

import asyncio
import ctypes

import pytest

from relaychain.node import heap

glibc_only = pytest.mark.skipif(not heap.can_trim(), reason="malloc_trim is glibc's")


@glibc_only
def test_a_trim_gives_back_the_free_pages_between_live_blocks():
    # Free every other block of a few megabytes of malloc'd memory: none of it is at the top of the heap, so
    # glibc's own trimming cannot return it; malloc_trim(0) reports that it released some.
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = (ctypes.c_size_t,)
    libc.free.argtypes = (ctypes.c_void_p,)
    blocks = [libc.malloc(64 * 1024 - 64) for _ in range(64)]
    try:
        for b in blocks:
            ctypes.memset(b, 1, 64 * 1024 - 64)  # touched, so the pages are really held
        for b in blocks[::2]:
            libc.free(b)
        assert heap.trim() is True
    finally:
        for b in blocks[1::2]:
            libc.free(b)


def test_keep_trimmed_trims_again_and_again_until_cancelled():
    async def scenario():
        trims = 0
        third = asyncio.Event()

        def count() -> bool:
            nonlocal trims
            trims += 1
            if trims == 3:
                third.set()
            return True

        task = asyncio.create_task(heap.keep_trimmed(interval=0.001, trim_now=count))
        await third.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return trims

    assert asyncio.run(scenario()) >= 3


def test_run_trimmed_returns_the_main_result_and_stops_its_trimmer():
    async def main():
        await asyncio.sleep(0)
        return 42

    async def scenario():
        result = await heap.run_trimmed(main())
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        return result, others

    result, others = asyncio.run(scenario())
    assert result == 42 and others == []


ARENA_PROBE = """
import ctypes, os, sys, tempfile, threading
from relaychain.node import heap
if sys.argv[1] == "limit":
    assert heap.limit_arenas()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = (ctypes.c_size_t,)
held, started = [], threading.Barrier(4)
def work():
    held.append(libc.malloc(200_000 - 64))  # each thread's first allocation picks its arena
    started.wait()
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
libc.fclose.argtypes = (ctypes.c_void_p,)
libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
path = tempfile.mktemp()
f = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, f)
libc.fclose(f)
print(open(path).read().count('<heap nr='))
os.unlink(path)
"""


@glibc_only
@pytest.mark.parametrize("mode", ["limit", "default"])
def test_threads_share_one_arena_once_limited(mode):
    # malloc_info lists one <heap> per arena: four threads that allocate get arenas of their own by default
    # (the control: the probe can tell), and share the main one after limit_arenas.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    out = subprocess.run([sys.executable, "-c", ARENA_PROBE, mode], capture_output=True, text=True, env=env,
                         check=True).stdout
    arenas = int(out.split()[-1])
    assert arenas == 1 if mode == "limit" else arenas > 1
