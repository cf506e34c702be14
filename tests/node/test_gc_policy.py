"""The node's cyclic-GC settings: the start-up heap leaves the collector's view, later cycles are still freed."""

import gc
import weakref

import pytest

from relaychain.node import gc_policy


@pytest.fixture
def restore_gc():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class _Holder:
    pass


def test_freeze_startup_heap_hides_live_objects_from_collections(restore_gc):
    survivor = _Holder()
    assert any(o is survivor for o in gc.get_objects())
    frozen = gc_policy.freeze_startup_heap()
    assert frozen >= 1 and gc.get_freeze_count() == frozen
    assert not any(o is survivor for o in gc.get_objects())  # no generation holds it: no collection scans it
    gc.unfreeze()
    assert any(o is survivor for o in gc.get_objects())


def test_garbage_left_by_start_up_is_collected_before_freezing(restore_gc):
    cycle = _Holder()
    cycle.me = cycle
    freed = []
    weakref.finalize(cycle, freed.append, True)
    del cycle
    gc_policy.freeze_startup_heap()
    assert freed == [True]  # collected, not frozen forever


def test_cycles_made_after_the_freeze_are_still_collected(restore_gc):
    gc_policy.raise_thresholds()
    assert gc.get_threshold()[0] == gc_policy.YOUNG_THRESHOLD
    gc_policy.freeze_startup_heap()
    cycle = _Holder()
    cycle.me = cycle
    freed = []
    weakref.finalize(cycle, freed.append, True)
    del cycle
    assert not freed  # a cycle outlives its last name; only the collector frees it
    gc.collect()
    assert freed == [True]
