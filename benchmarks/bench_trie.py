"""Trie benchmarks: from-scratch state roots and the per-block incremental root update.

Baseline in the same run: the from-scratch rebuild of the whole 100k-key state after the block's
changes (what a node without incremental updates would do). Run:
    python3 -m pytest benchmarks/bench_trie.py --benchmark-only
"""

import random

import pytest

from relaychain.storage import Database
from relaychain.trie import MemoryNodeStore, TrieBackend, build_trie, trie_root
from relaychain.trie.backend import NodeCache

STATE_SIZE = 100_000


def _entries(n: int, seed: int) -> dict:
    """Storage-like keys: a 32-byte pallet prefix shared by many keys, then a hashed account part;
    values of 16 or 40 bytes (so V1 hashes a part of them)."""
    rng = random.Random(seed)
    prefixes = [rng.randbytes(32) for _ in range(24)]
    return {rng.choice(prefixes) + rng.randbytes(32): rng.randbytes(rng.choice((16, 40))) for _ in range(n)}


def _block_changes(state: dict, n: int, seed: int) -> dict:
    """n changed keys: 60% updates of existing keys, 25% new keys, 15% deletes."""
    rng = random.Random(seed)
    keys = list(state)
    changes = {}
    for k in rng.sample(keys, int(n * 0.6)):
        changes[k] = rng.randbytes(rng.choice((16, 40)))
    for _ in range(int(n * 0.25)):
        changes[rng.choice(keys)[:32] + rng.randbytes(32)] = rng.randbytes(16)
    for k in rng.sample(keys, n - len(changes)):
        changes.setdefault(k, None)
    return changes


def _applied(state: dict, changes: dict) -> dict:
    new = dict(state)
    for k, v in changes.items():
        if v is None:
            new.pop(k, None)
        else:
            new[k] = v
    return new


@pytest.fixture(scope="module")
def state():
    entries = _entries(STATE_SIZE, 1)
    root, nodes = build_trie(entries, 1)
    return entries, root, nodes


@pytest.mark.parametrize("size", [10_000, 100_000])
def test_from_scratch_root(benchmark, size):
    entries = _entries(size, 2)
    benchmark.group = f"from-scratch root {size // 1000}k"
    root = benchmark.pedantic(trie_root, args=(entries, 1), rounds=3, iterations=1)
    assert len(root) == 32


@pytest.mark.parametrize("changed", [1_000, 3_000])
def test_block_rebuild_baseline(benchmark, state, changed):
    """Baseline: recompute the 100k-key root from scratch after the block's changes."""
    entries, _, _ = state
    after = _applied(entries, _block_changes(entries, changed, 3))
    benchmark.group = f"block root, {changed} changed keys in 100k"
    benchmark.pedantic(trie_root, args=(after, 1), rounds=3, iterations=1)


@pytest.mark.parametrize("cache", ["warm", "cold"])
@pytest.mark.parametrize("changed", [1_000, 3_000])
def test_block_incremental(benchmark, state, changed, cache):
    """TrieBackend.apply over an in-memory node store (cold: a fresh decoded-node cache each round; warm: the
    changed keys read first, as block execution reads what it writes — apply drops the nodes it replaces)."""
    entries, root, nodes = state
    changes = _block_changes(entries, changed, 3)
    store = MemoryNodeStore(nodes)

    def setup():
        b = TrieBackend(store, root, 1, NodeCache())
        if cache == "warm":
            for key in changes:
                b.get(key)
        return (b, changes), {}

    benchmark.group = f"block root, {changed} changed keys in 100k"
    new_root, _ = benchmark.pedantic(lambda b, ch: b.apply(ch), setup=setup, rounds=5, iterations=1)
    assert new_root == trie_root(_applied(entries, changes), 1)


def test_block_incremental_lmdb(benchmark, state, tmp_path_factory):
    """TrieBackend.apply reading nodes from the lmdb Database, cold cache, 3k changed keys."""
    entries, root, nodes = state
    changes = _block_changes(entries, 3_000, 3)
    db = Database(tmp_path_factory.mktemp("bench") / "db")
    db.put_nodes(nodes)

    def setup():
        return (TrieBackend(db.node_store, root, 1, NodeCache()), changes), {}

    benchmark.group = "block root, 3000 changed keys in 100k"
    try:
        new_root, _ = benchmark.pedantic(lambda b, ch: b.apply(ch), setup=setup, rounds=5, iterations=1)
    finally:
        db.close()
    assert new_root == trie_root(_applied(entries, changes), 1)
