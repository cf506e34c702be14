"""The shared trie node cache is bounded by bytes, and its byte accounting does not under-count (issue #13):
reads through a small cache stay correct while the cache never holds more than its budget, and the memory
the cache really holds (tracemalloc) is within its accounted bytes."""

import gc
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from relaychain.primitives.hashing import blake2_256
from relaychain.trie import EMPTY_ROOT, MemoryNodeStore, TrieBackend
from relaychain.trie.backend import NodeCache, ValueCache

NO_VALUES = ValueCache(0)  # every read walks the nodes: these tests are about the node cache

KEYS = st.binary(min_size=1, max_size=6)
VALUES = st.binary(max_size=80)


def _trie(items: dict):
    store = MemoryNodeStore()
    root, nodes = TrieBackend(store, EMPTY_ROOT, 1, NodeCache(0)).apply(items)
    store.put_nodes(nodes)
    return store, root


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=200), st.integers(min_value=0, max_value=40_000),
       st.randoms(use_true_random=False))
def test_reads_through_a_small_cache_are_right_and_the_cache_stays_within_its_budget(items, budget, rnd):
    store, root = _trie(items)
    cache = NodeCache(budget)
    backend = TrieBackend(store, root, 1, cache, NO_VALUES)
    keys = list(items) * 2
    rnd.shuffle(keys)
    for key in keys:
        assert backend.get(key) == items[key]
        assert cache.used <= budget
    assert sorted(backend.keys()) == sorted(items)
    assert cache.used <= budget
    # every held node (or value node, under its 33-byte key) is the one its hash names
    for key, (entry, _) in cache.nodes.items():
        node_hash = key if len(key) == 32 else key[1:]
        assert store.get_node(node_hash) is not None and blake2_256(store.get_node(node_hash)) == node_hash
        if len(key) == 33:
            assert entry == store.get_node(node_hash)
        assert entry is not None


def test_the_accounted_bytes_cover_the_memory_the_cache_holds():
    items = {blake2_256(i.to_bytes(4, "little")): bytes([i % 251]) * (i % 70) for i in range(3000)}
    store, root = _trie(items)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        cache = NodeCache(1 << 30)
        backend = TrieBackend(store, root, 1, cache, NO_VALUES)
        for key in items:
            backend.get(key)
        del backend
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(cache) > 3000  # branches and leaves: every node was loaded once
    assert held <= cache.used <= 2 * held


def test_a_node_read_again_outlives_nodes_read_once():
    items = {bytes([i]) * 3: bytes([i]) * 40 for i in range(64)}
    store, root = _trie(items)
    probe = NodeCache(1 << 30)
    TrieBackend(store, root, 1, probe, NO_VALUES).get(b"\x00" * 3)
    root_size = probe.nodes[root][1]
    cache = NodeCache(root_size * 6)
    backend = TrieBackend(store, root, 1, cache, NO_VALUES)
    for key in items:  # every read starts at the root: it is always the most recently used
        backend.get(key)
        assert root in cache.nodes
    assert cache.used <= cache.budget


def test_a_node_larger_than_the_budget_is_not_cached_and_reads_still_work():
    items = {b"k": b"v" * 20}
    store, root = _trie(items)
    cache = NodeCache(10)
    assert TrieBackend(store, root, 1, cache, NO_VALUES).get(b"k") == b"v" * 20
    assert len(cache) == 0 and cache.used == 0


def _reference_node_hashes(entries: dict) -> set:
    """Hashes of every hashed node of the trie holding `entries` (values < 33 bytes: inline), built from scratch
    by the reference encoder: the root, and each child whose encoding is 32 bytes or more."""
    from .reference import blake2, common_prefix_length, encode_subtrie, to_nibbles

    out = set()

    def walk(items, is_root):
        encoded = encode_subtrie(items)
        if is_root or len(encoded) >= 32:
            out.add(blake2(encoded))
        n = common_prefix_length([p for p, _, _ in items])
        rest = [(p[n:], v, h) for p, v, h in items]
        for i in range(16):
            group = [(p[1:], v, h) for p, v, h in rest if p and p[0] == i]
            if group:
                walk(group, False)

    if entries:
        walk([(to_nibbles(k), v, False) for k, v in entries.items()], True)
    return out


SMALL_VALUES = st.binary(max_size=32)


def _updated(backend, store, entries: dict, batch: dict):
    """Apply `batch` (None = delete) to `backend`'s state: store the new nodes, mirror the batch in the plain
    dict `entries`, and return the backend of the new root."""
    root, nodes = backend.apply(batch)
    store.put_nodes(nodes)
    for key, value in batch.items():
        if value is None:
            entries.pop(key, None)
        else:
            entries[key] = value
    return backend.with_root(root)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(KEYS, st.one_of(st.none(), SMALL_VALUES), max_size=12), min_size=1, max_size=8))
def test_after_each_update_the_cache_holds_only_nodes_of_the_new_state(batches):
    """Nodes an update replaces are dropped from the cache: reading the latest state after a chain of updates
    leaves nothing of the older states cached (issue #13: every block's dead paths used to stay)."""
    store = MemoryNodeStore()
    cache = NodeCache(1 << 30)
    backend = TrieBackend(store, EMPTY_ROOT, 1, cache, NO_VALUES)
    entries: dict = {}
    for batch in batches:
        backend = _updated(backend, store, entries, batch)
        for key in entries:
            assert backend.get(key) == entries[key]
        assert set(cache.nodes) <= _reference_node_hashes(entries)
        assert cache.used == sum(size for _, size in cache.nodes.values())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(KEYS, st.one_of(st.none(), SMALL_VALUES), max_size=12), min_size=1, max_size=8))
def test_reading_an_older_state_after_an_update_leaves_the_main_segment_to_the_new_state(batches):
    """A subsystem reading the parent block's state after the child's update (or another node importing the
    same block) finds the replaced nodes in the stale segment: they do not come back into the main segment, which
    keeps only nodes of the newest state (issue #13: ~400 reloaded nodes a minute filled it for an hour)."""
    store = MemoryNodeStore()
    cache = NodeCache(1 << 30, stale_budget_bytes=1 << 30)
    backend = TrieBackend(store, EMPTY_ROOT, 1, cache, NO_VALUES)
    entries: dict = {}
    for batch in batches:
        before = dict(entries)
        for key in entries:  # the state is read before the update replaces it
            backend.get(key)
        old, backend = backend, _updated(backend, store, entries, batch)
        for key in entries:
            assert backend.get(key) == entries[key]
        for key in before:  # the older state, read again after the update
            assert old.get(key) == before[key]
        assert set(cache.nodes) <= _reference_node_hashes(entries)
        assert cache.used == sum(size for _, size in cache.nodes.values())
        assert cache.stale_used == sum(size for _, size in cache.stale.values())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.dictionaries(KEYS, st.one_of(st.none(), SMALL_VALUES), max_size=12), min_size=1, max_size=10),
       st.integers(min_value=0, max_value=3000))
def test_the_stale_segment_stays_within_its_budget_and_reads_stay_right(batches, stale_budget):
    store = MemoryNodeStore()
    cache = NodeCache(1 << 30, stale_budget_bytes=stale_budget)
    backend = TrieBackend(store, EMPTY_ROOT, 1, cache, NO_VALUES)
    states = []
    entries: dict = {}
    for batch in batches:
        for key in entries:
            backend.get(key)
        backend = _updated(backend, store, entries, batch)
        states.append((backend, dict(entries)))
        assert cache.stale_used <= stale_budget
        assert cache.stale_used == sum(size for _, size in cache.stale.values())
        assert not set(cache.stale) & set(cache.nodes)
    for state, expected in states:  # every older state still reads right, whichever segment holds its nodes
        assert sorted(state.keys()) == sorted(expected)
        for key, value in expected.items():
            assert state.get(key) == value
    assert cache.stale_used <= stale_budget


def test_the_stale_segment_is_small_beside_the_main_one_by_default():
    from relaychain.primitives.memory_bounds import TRIE_CACHE_BYTES, TRIE_CACHE_STALE_BYTES

    cache = NodeCache()
    assert cache.budget == TRIE_CACHE_BYTES and cache.stale_budget == TRIE_CACHE_STALE_BYTES
    assert TRIE_CACHE_STALE_BYTES <= TRIE_CACHE_BYTES // 16
    assert NodeCache(1000).stale_budget == 1000  # never more than the whole cache


class StepClock:
    """A clock the test moves: the cache's generations turn when the test says time has passed."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_nodes_unread_for_a_whole_generation_leave_and_nodes_read_each_generation_stay():
    """The main segment ages (issue #13): an idle network reads the nodes of forks it then abandons and of states
    it reads once; under a 64 MiB LRU alone they stayed until the budget was full, for hours. A node not read
    during a whole generation now leaves when the next one begins; the nodes read every generation stay."""
    hot_items = {bytes([i]) * 3: bytes([i]) * 30 for i in range(40)}  # inline values (< 33 bytes)
    hot_store, hot_root = _trie(hot_items)
    clock = StepClock()
    cache = NodeCache(1 << 30, generation_seconds=30, clock=clock)
    hot = TrieBackend(hot_store, hot_root, 1, cache, NO_VALUES)
    hot_hashes = _reference_node_hashes(hot_items)
    previous_fork: set = set()
    for step in range(12):
        once_items = {blake2_256(bytes([step, i])): bytes([step, i]) * 15 for i in range(30)}
        once_store, once_root = _trie(once_items)
        once = TrieBackend(once_store, once_root, 1, cache, NO_VALUES)  # a fork's state: read in this step, never again
        for key, value in once_items.items():
            assert once.get(key) == value
        for key, value in hot_items.items():  # the chain's state: read in every step
            assert hot.get(key) == value
        held = set(cache.nodes) | set(cache.older)
        fork = _reference_node_hashes(once_items)
        assert hot_hashes <= held
        # of the fork states, only this generation's and the one before are held
        assert held - hot_hashes <= fork | previous_fork
        assert cache.used == sum(size for _, size in list(cache.nodes.values()) + list(cache.older.values()))
        previous_fork = fork
        clock.now += 31  # one generation per step
    assert cache.used <= cache.budget


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=100), st.lists(st.integers(0, 100), max_size=30),
       st.randoms(use_true_random=False))
def test_reads_across_generations_stay_right_and_the_accounting_exact(items, steps, rnd):
    store, root = _trie(items)
    clock = StepClock()
    cache = NodeCache(20_000, generation_seconds=10, clock=clock)
    backend = TrieBackend(store, root, 1, cache, NO_VALUES)
    keys = list(items)
    for step in steps:
        clock.now += step % 25
        key = rnd.choice(keys)
        assert backend.get(key) == items[key]
        assert not set(cache.nodes) & set(cache.older)
        assert cache.used == sum(size for _, size in list(cache.nodes.values()) + list(cache.older.values()))
        assert cache.used <= cache.budget


class CountingStore(MemoryNodeStore):
    """A MemoryNodeStore that counts its reads."""

    __slots__ = ("reads",)

    def __init__(self):
        super().__init__()
        self.reads = 0

    def get_node(self, node_hash):
        self.reads += 1
        return super().get_node(node_hash)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=60),
       st.lists(st.dictionaries(KEYS, st.one_of(st.none(), VALUES), max_size=12), min_size=1, max_size=5))
def test_the_states_updates_create_are_read_without_the_store(items, batches):
    """The nodes and value nodes an update creates go into the cache (the next block and the pool read the new
    state): every key of a state built by updates through one cache reads right without one store read."""
    store, cache = CountingStore(), NodeCache(1 << 30)
    entries: dict = {}
    backend = _updated(TrieBackend(store, EMPTY_ROOT, 1, cache, NO_VALUES), store, entries, items)
    for batch in batches:
        backend = _updated(backend, store, entries, batch)
    store.reads = 0
    for key, value in entries.items():
        assert backend.get(key) == value
    assert sorted(backend.keys()) == sorted(entries)
    assert store.reads == 0


def test_a_value_whose_bytes_encode_a_node_is_read_as_a_value_and_the_node_as_a_node():
    """Value nodes share the node cache under their own keys: a V1 value equal to a node's encoding has that
    node's hash, and each read still gets what it asked for, in either order."""
    from relaychain.trie.codec import decode_node

    first = {b"\x10": b"a" * 40, b"\x20": b"b" * 40}  # a root branch over two leaves, at nibbles 1 and 2
    store = MemoryNodeStore()
    root, nodes = TrieBackend(store, EMPTY_ROOT, 1, NodeCache(0)).apply(first)
    store.put_nodes(nodes)
    leaf_hash = decode_node(store.get_node(root)).children[1]
    leaf = store.get_node(leaf_hash)  # the leaf of b"\x10": adding b"\x30" below leaves it as it is
    items = dict(first)
    items[b"\x30"] = leaf
    for order in (list(items), list(reversed(items))):
        store = MemoryNodeStore()
        root, nodes = TrieBackend(store, EMPTY_ROOT, 1, NodeCache(0)).apply(items)
        store.put_nodes(nodes)
        assert decode_node(store.get_node(root)).children[1] == leaf_hash  # the node and the value share a hash
        cache = NodeCache(1 << 30)
        for _ in range(2):  # loading into the cache, then reading from it
            backend = TrieBackend(store, root, 1, cache, NO_VALUES)
            for key in order:
                assert backend.get(key) == items[key]
