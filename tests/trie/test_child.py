"""Default child tries (trie.md §5): root entry key, removal when empty, child proofs."""

import pytest

from relaychain.trie import (
    EMPTY_ROOT, MemoryNodeStore, TrieBackend, TrieProofError, build_trie, child_backend, child_root,
    child_root_change, child_storage_key, is_child_storage_key, read_child_proof, trie_root,
    verify_child_read_proof,
)


def _state_with_child():
    store = MemoryNodeStore()
    child_entries = {b"c1": b"x" * 40, b"c2": b"y"}
    c_root, c_nodes = build_trie(child_entries, 1)
    store.put_nodes(c_nodes)
    top = TrieBackend(store, EMPTY_ROOT, 1)
    root, nodes = top.apply(dict([child_root_change(b"mychild", c_root), (b"top", b"t")]))
    store.put_nodes(nodes)
    return top.with_root(root), child_entries, c_root


def test_child_root_lives_in_the_top_trie():
    top, child_entries, c_root = _state_with_child()
    assert child_storage_key(b"mychild") == b":child_storage:default:mychild"
    assert is_child_storage_key(b":child_storage:default:mychild") and not is_child_storage_key(b"top")
    assert top.root == trie_root({b":child_storage:default:mychild": c_root, b"top": b"t"}, 1)
    assert child_root(top, b"mychild") == c_root
    assert child_backend(top, b"mychild").get(b"c1") == b"x" * 40
    assert child_root(top, b"other") == EMPTY_ROOT


def test_empty_child_trie_removes_its_entry():
    top, _, _ = _state_with_child()
    key, value = child_root_change(b"mychild", EMPTY_ROOT)
    assert value is None
    root, _ = top.apply({key: value})
    assert root == trie_root({b"top": b"t"}, 1)


def test_child_read_proof_round_trip_and_tamper():
    top, child_entries, _ = _state_with_child()
    keys = [b"c1", b"c2", b"absent"]
    proof = read_child_proof(top, b"mychild", keys)
    assert verify_child_read_proof(top.root, proof, b"mychild", keys) == {**child_entries, b"absent": None}
    with pytest.raises(TrieProofError):
        verify_child_read_proof(top.root, [p for p in proof if p != b"x" * 40], b"mychild", [b"c1"])
    # a child that does not exist is proven empty by the top-trie nodes alone
    absent_proof = read_child_proof(top, b"nochild", [b"c1"])
    assert verify_child_read_proof(top.root, absent_proof, b"nochild", [b"c1"]) == {b"c1": None}
