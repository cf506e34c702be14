"""LruMap against a plain reference: a list of keys, most recently used last."""

import random
import threading

import pytest

from relaychain.primitives.lru import LruMap


def test_matches_a_reference_lru_over_random_operations():
    rng = random.Random(7)
    lru, order, values = LruMap(5), [], {}
    for step in range(3000):
        key = rng.randrange(12)
        if rng.random() < 0.5:
            lru.put(key, step)
            if key in order:
                order.remove(key)
            order.append(key)
            values[key] = step
            if len(order) > 5:
                values.pop(order.pop(0))
        else:
            expected = values.get(key)
            assert lru.get(key) == expected
            if expected is not None:
                order.remove(key)
                order.append(key)
        assert len(lru) == len(order)


def test_refuses_what_it_cannot_hold():
    with pytest.raises(ValueError):
        LruMap(0)
    with pytest.raises(ValueError):
        LruMap(2).put("k", None)  # None is what `get` answers for an absent key


def test_concurrent_writers_keep_the_bound():
    lru = LruMap(100)

    def write(base):
        for i in range(2000):
            lru.put((base, i), i)
            lru.get((base, i // 2))

    threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(lru) == 100
    lru.clear()
    assert len(lru) == 0 and lru.get((0, 1999)) is None
