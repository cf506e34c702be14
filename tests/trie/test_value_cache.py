"""The shared value cache, (state root, key) -> value: reads through it equal the items the trie was built from,
for several states sharing one cache, and it keeps its bounds (entries, largest value)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from relaychain.trie import EMPTY_ROOT, MemoryNodeStore, TrieBackend
from relaychain.trie.backend import NodeCache, ValueCache

KEYS = st.binary(min_size=1, max_size=4)
VALUES = st.binary(max_size=60)


def _state(items: dict, values: ValueCache) -> TrieBackend:
    store = MemoryNodeStore()
    root, nodes = TrieBackend(store, EMPTY_ROOT, 1, NodeCache(0), ValueCache(0)).apply(items)
    store.put_nodes(nodes)
    return TrieBackend(store, root, 1, NodeCache(0), values)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(KEYS, VALUES, min_size=1, max_size=40), min_size=1, max_size=4),
       st.lists(KEYS, max_size=120), st.integers(min_value=0, max_value=16), st.integers(min_value=0, max_value=64))
def test_reads_of_several_states_through_one_small_cache_equal_their_items(states, probes, capacity, max_value):
    cache = ValueCache(capacity, max_value)
    backends = [_state(items, cache) for items in states]
    for _ in range(2):  # the second pass reads what the first left in the cache
        for key in probes + [k for items in states for k in items]:
            for items, backend in zip(states, backends):
                assert backend.get(key) == items.get(key)
                assert len(cache) <= capacity


def test_a_value_longer_than_the_largest_kept_is_read_but_not_remembered():
    cache = ValueCache(8, max_value=16)
    state = _state({b"short": b"s" * 16, b"long": b"l" * 17}, cache)
    assert state.get(b"long") == b"l" * 17 and state.get(b"short") == b"s" * 16 and state.get(b"absent") is None
    assert cache.get(state.root, b"long") is ValueCache.MISS
    assert cache.get(state.root, b"short") == b"s" * 16
    assert cache.get(state.root, b"absent") is None  # an absence is remembered too
    assert len(cache) == 2
