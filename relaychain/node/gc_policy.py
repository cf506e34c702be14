"""The cyclic garbage collector's settings for a node process (issue #13: CPU per transfer, RPC pauses).

CPython frees an object when its last reference goes; the cyclic collector only exists for reference cycles,
and it scans the objects that containers hold. Its default schedule suits short scripts, not a node:
- a young collection every 700 net new container objects: under load a node (decoded extrinsics, pool
  entries, trie nodes, events) ran ~250 of them in a 10 s run of 8,000 transfers, and ~24 middle ones;
- a full collection whenever the long-lived objects grew by a quarter, which a filling transaction pool
  does again and again. It walks everything, the ~150,000 objects of the modules, numba and the runtime
  metadata included: ~115 ms of CPU each, 200–380 ms of wall time on two busy cores, with the GIL held.

Measured on `bench_stps.py --processes` (8,000 transfers, 1 s blocks; all four validators, from the first
submission to the last finalization): 1.31 s of CPU in the collector with the defaults, the longest pause
225–388 ms of wall time per node (Alice's had delayed an RPC sample to 413 ms in another run); 0.83 s after
freezing the start-up heap; 0.50–0.69 s with both changes below (three runs), the longest pause 98–202 ms.

- `raise_thresholds` (at process start): a young collection every `YOUNG_THRESHOLD` net new containers.
  Most temporaries die by reference count before that, so fewer survive into the older generations, and
  at most that many objects' worth of cyclic garbage waits for a collection.
- `freeze_startup_heap` (once the node has started): collect, then move every surviving object into the
  permanent generation (`gc.freeze`), which no collection scans. Those objects are modules, classes,
  functions, metadata and caches that live as long as the process; reference counting still frees them.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # CPython's default is 700
MIDDLE_THRESHOLD = 10  # young collections per middle one (the default)
OLD_THRESHOLD = 10  # middle collections per full one, which also waits for 25 % growth (the default)


def raise_thresholds() -> None:
    """Collect young objects every YOUNG_THRESHOLD net new containers rather than every 700."""
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_THRESHOLD, OLD_THRESHOLD)


def freeze_startup_heap() -> int:
    """Collect what start-up left as garbage, then exempt every live object from later collections; the
    number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
