"""TrieBackend: incremental updates against the independent reference root (tests/trie/reference.py),
reads, ordered iteration, and the V0/V1 mixed-trie rule of trie.md §4."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relaychain.primitives.hashing import blake2_256
from relaychain.trie import (
    EMPTY_ROOT, MemoryNodeStore, MissingNodeError, OverlayNodeStore, TrieBackend, TrieError, build_trie,
    decode_node, trie_root,
)

from .reference import reference_root, reference_root_for_version

# Keys from a small alphabet so that batches share prefixes, split nodes and fold branches.
KEYS = st.one_of(
    st.binary(max_size=3).map(lambda b: bytes(x & 0x11 for x in b)),
    st.binary(min_size=1, max_size=3),
    st.sampled_from([b"", b"\x00", b"\x01", b"\x10", b"\x01\x02", b"\x01\x02\x03", b"\xff" * 40]),
)
# Values around the 32/33-byte V1 threshold, and empty values (a real entry, trie.md §1).
VALUES = st.one_of(
    st.integers(min_value=30, max_value=35).map(lambda n: bytes([n]) * n),
    st.sampled_from([b"", b"\x01", b"\x02" * 31, b"\x03" * 100]),
)
BATCH = st.dictionaries(KEYS, st.one_of(st.none(), VALUES), max_size=12)


def _empty_backend(version=1):
    return TrieBackend(MemoryNodeStore(), EMPTY_ROOT, version)


def _commit(backend, changes):
    root, nodes = backend.apply(changes)
    for h, enc in nodes.items():
        assert blake2_256(enc) == h
    backend.store.put_nodes(nodes)
    return backend.with_root(root)


@settings(max_examples=150)
@given(st.lists(st.tuples(st.sampled_from([0, 1]), BATCH), min_size=1, max_size=6))
def test_incremental_updates_match_reference(batches):
    """Each value keeps the form it was last written with (hashed iff written under V1 and ≥ 33 bytes)."""
    store = MemoryNodeStore()
    backend = TrieBackend(store, EMPTY_ROOT, 1)
    model = {}
    for version, changes in batches:
        backend = TrieBackend(store, backend.root, version)
        backend = _commit(backend, changes)
        for k, v in changes.items():
            if v is None:
                model.pop(k, None)
            else:
                model[k] = (v, version == 1 and len(v) >= 33)
        assert backend.root == reference_root(model)
        for k, (v, _) in model.items():
            assert backend.get(k) == v
        assert backend.keys() == sorted(model)


@given(st.sampled_from([0, 1]), st.dictionaries(KEYS, VALUES, max_size=20), BATCH)
def test_single_version_updates_equal_from_scratch_root(version, initial, changes):
    root, nodes = build_trie(initial, version)
    backend = TrieBackend(MemoryNodeStore(nodes), root, version)
    new_root, _ = backend.apply(changes)
    expected = dict(initial)
    for k, v in changes.items():
        if v is None:
            expected.pop(k, None)
        else:
            expected[k] = v
    assert new_root == trie_root(expected, version) == reference_root_for_version(expected, version)


@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=20), st.data())
def test_insertion_order_does_not_matter(entries, data):
    order = data.draw(st.permutations(sorted(entries)))
    backend = _empty_backend(1)
    for k in order:
        backend = _commit(backend, {k: entries[k]})
    assert backend.root == trie_root(entries, 1)
    for k in order:  # deleting everything folds the trie back to empty
        backend = _commit(backend, {k: None})
    assert backend.root == EMPTY_ROOT


def test_apply_is_pure_and_untouched_v0_values_stay_inline():
    long_a, long_b = b"a" * 40, b"b" * 40
    root0, nodes = build_trie({b"\x01\x01": long_a, b"\x01\x02": long_b}, 0)
    store = MemoryNodeStore(nodes)
    v1 = TrieBackend(store, root0, 1)
    root1, new_nodes = v1.apply({b"\x01\x03": b"c"})
    assert v1.root == root0 and v1.get(b"\x01\x03") is None  # pure
    # the untouched long values keep their V0 inline form: not the from-scratch V1 root
    assert root1 == reference_root({b"\x01\x01": (long_a, False), b"\x01\x02": (long_b, False),
                                    b"\x01\x03": (b"c", False)})
    assert root1 != trie_root({b"\x01\x01": long_a, b"\x01\x02": long_b, b"\x01\x03": b"c"}, 1)
    # rewriting the same bytes under V1 migrates the value to a hashed value node
    store.put_nodes(new_nodes)
    root2, nodes2 = v1.with_root(root1).apply({b"\x01\x01": long_a, b"\x01\x02": long_b})
    assert root2 == trie_root({b"\x01\x01": long_a, b"\x01\x02": long_b, b"\x01\x03": b"c"}, 1)
    assert nodes2[blake2_256(long_a)] == long_a


def test_noop_changes_keep_root():
    entries = {b"\x01": b"x", b"\x02": b"y" * 40}
    root, nodes = build_trie(entries, 1)
    backend = TrieBackend(MemoryNodeStore(nodes), root, 1)
    assert backend.apply({})[0] == root
    assert backend.apply({b"\x03": None, b"\x01\x00": None, b"": None})[0] == root
    assert backend.apply({b"\x01": b"x", b"\x02": b"y" * 40})[0] == root


def test_empty_value_is_an_entry_not_a_delete():
    backend = _commit(_empty_backend(), {b"k": b""})
    assert backend.get(b"k") == b""
    assert backend.root == trie_root({b"k": b""}) != EMPTY_ROOT
    assert _commit(backend, {b"k": None}).root == EMPTY_ROOT


def test_reads_and_iteration():
    entries = {bytes([a, b]): bytes([a, b]) * (a + 1) for a in range(0, 40, 3) for b in (0, 1, 16, 255)}
    entries[b""] = b"root value"
    entries[b"\x03"] = b"short key"
    root, nodes = build_trie(entries, 1)
    backend = TrieBackend(MemoryNodeStore(nodes), root, 1)
    ordered = sorted(entries)
    for k, v in entries.items():
        assert backend.get(k) == v
    assert backend.get(b"\x04") is None and backend.get(b"\x03\x00\x00") is None
    for i, k in enumerate(ordered):
        assert backend.next_key(k) == (ordered[i + 1] if i + 1 < len(ordered) else None)
    assert backend.next_key(b"\x02\xff") == b"\x03"
    assert backend.next_key(b"\xff") is None
    assert backend.keys() == ordered
    assert backend.keys(b"\x03") == [k for k in ordered if k.startswith(b"\x03")]
    assert backend.keys(b"\x03", start_after=b"\x03\x00", limit=2) == [b"\x03\x01", b"\x03\x10"]
    assert backend.keys(b"\x03", start_after=b"\x01") == [k for k in ordered if k.startswith(b"\x03")]
    assert backend.keys(b"\x03", limit=0) == []
    assert list(backend.items(b"\x06")) == [(k, entries[k]) for k in ordered if k.startswith(b"\x06")]


@given(st.dictionaries(KEYS, VALUES, max_size=25), KEYS, KEYS)
def test_next_key_and_keys_match_sorted_model(entries, probe, prefix):
    root, nodes = build_trie(entries, 1)
    backend = TrieBackend(MemoryNodeStore(nodes), root, 1)
    ordered = sorted(entries)
    greater = [k for k in ordered if k > probe]
    assert backend.next_key(probe) == (greater[0] if greater else None)
    assert backend.keys(prefix, start_after=probe) == [k for k in ordered if k.startswith(prefix) and k > probe]


def test_missing_node_is_a_typed_error():
    root, nodes = build_trie({bytes([i]) * 40: b"v" * 40 for i in range(20)}, 1)
    partial = {h: e for h, e in nodes.items() if h == root}
    backend = TrieBackend(MemoryNodeStore(partial), root, 1)
    with pytest.raises(MissingNodeError):
        backend.get(b"\x05" * 40)
    with pytest.raises(TrieError):
        TrieBackend(MemoryNodeStore(), b"short", 1)


def test_overlay_store_chains_unpersisted_blocks():
    base = MemoryNodeStore()
    backend = _empty_backend()
    root1, nodes1 = TrieBackend(base, EMPTY_ROOT, 1).apply({b"a": b"1" * 40})
    overlay = OverlayNodeStore(base, nodes1)
    root2, nodes2 = TrieBackend(overlay, root1, 1).apply({b"b": b"2"})
    assert root2 == trie_root({b"a": b"1" * 40, b"b": b"2"}, 1)
    assert len(base) == 0 and backend.root == EMPTY_ROOT
    assert TrieBackend(OverlayNodeStore(overlay, nodes2), root2, 1).get(b"a") == b"1" * 40
    assert decode_node(nodes2[root2]).children is not None


def test_bad_input_is_a_typed_error():
    from relaychain.trie import TrieEncodeError
    with pytest.raises(TrieEncodeError):
        trie_root({"text key": b"v"})
    with pytest.raises(TrieEncodeError):
        trie_root({b"k": None})
    with pytest.raises(TrieEncodeError):
        trie_root({}, state_version=2)
    backend = _empty_backend()
    with pytest.raises(TrieError):
        backend.apply({"text": b"v"})
    with pytest.raises(TrieError):
        backend.apply({b"k": 5})
    assert backend.root == EMPTY_ROOT


def test_larger_random_blocks_match_from_scratch_roots():
    """Storage-shaped keys (shared 32-byte pallet prefixes) over several blocks of mixed changes."""
    import random
    rng = random.Random(7)
    prefixes = [rng.randbytes(32) for _ in range(6)]
    model = {rng.choice(prefixes) + rng.randbytes(rng.choice((8, 32))): rng.randbytes(rng.choice((0, 20, 33)))
             for _ in range(3000)}
    root, nodes = build_trie(model, 1)
    store = MemoryNodeStore(nodes)
    backend = TrieBackend(store, root, 1)
    for _ in range(4):
        keys = list(model)
        changes = {k: None for k in rng.sample(keys, 150)}
        changes.update({k: rng.randbytes(rng.choice((1, 32, 33))) for k in rng.sample(keys, 150)})
        changes.update({rng.choice(prefixes) + rng.randbytes(8): b"new" for _ in range(150)})
        backend = _commit(backend, changes)
        for k, v in changes.items():
            if v is None:
                model.pop(k, None)
            else:
                model[k] = v
        assert backend.root == trie_root(model, 1)
    assert backend.keys() == sorted(model)
    assert dict(backend.items()) == model
