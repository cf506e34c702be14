"""Read proofs (trie.md §6): round trips including V1 value nodes and absence, and rejection of
incomplete or tampered proofs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relaychain.primitives.hashing import blake2_256
from relaychain.trie import (
    EMPTY_ROOT, MemoryNodeStore, TrieBackend, TrieProofError, build_trie, decode_node, lookup_path, read_proof,
    verify_read_proof,
)

ENTRIES = {bytes([a, b]): bytes([a]) * (20 + a) for a in range(0, 30) for b in (0, 7, 0x70)}
ENTRIES[b"\x05"] = b"branch value that is long enough to be hashed"


def _backend(entries=ENTRIES, version=1):
    root, nodes = build_trie(entries, version)
    return TrieBackend(MemoryNodeStore(nodes), root, version)


def test_round_trip_present_and_absent():
    backend = _backend()
    keys = [b"\x05", b"\x05\x07", b"\x1d\x70", b"\x05\x08", b"\xff", b"", b"\x05\x07\x00"]
    proof = backend.read_proof(keys)
    assert proof == sorted(set(proof))  # a set, sorted like upstream's BTreeSet
    got = verify_read_proof(backend.root, proof, keys)
    assert got == {k: ENTRIES.get(k) for k in keys}


def test_v1_value_nodes_are_in_the_proof():
    backend = _backend()
    key = b"\x1d\x70"  # value of 49 bytes: hashed under V1
    proof = backend.read_proof([key])
    assert ENTRIES[key] in proof
    without_value = [p for p in proof if p != ENTRIES[key]]
    with pytest.raises(TrieProofError):
        verify_read_proof(backend.root, without_value, [key])
    # under V0 the same value is inline: no value node
    v0 = _backend(version=0)
    assert ENTRIES[key] not in v0.read_proof([key])


def test_root_node_always_in_proof_and_missing_root_rejected():
    backend = _backend({b"\xaa": b"\xbb"})
    proof = backend.read_proof([b"\xaa"])
    assert proof == [bytes.fromhex("42aa04bb")]
    with pytest.raises(TrieProofError):
        verify_read_proof(backend.root, [], [b"\xaa"])


def test_tampered_proofs_are_rejected():
    backend = _backend()
    keys = [b"\x05\x07", b"\x10\x00"]
    proof = backend.read_proof(keys)
    for i, item in enumerate(proof):
        # flip one byte: the tampered item no longer hashes to its reference, so the walk cannot finish
        tampered = bytearray(item)
        tampered[len(item) // 2] ^= 0x01
        bad = proof[:i] + [bytes(tampered)] + proof[i + 1:]
        with pytest.raises(TrieProofError):
            verify_read_proof(backend.root, bad, keys)
    # dropping any item makes the proof incomplete for at least one key
    for i in range(len(proof)):
        with pytest.raises(TrieProofError):
            verify_read_proof(backend.root, proof[:i] + proof[i + 1:], keys)


def test_malformed_node_under_a_valid_hash_is_rejected():
    bad_root_node = bytes.fromhex("800000")  # zero bitmap
    with pytest.raises(TrieProofError):
        verify_read_proof(blake2_256(bad_root_node), [bad_root_node], [b"\x00"])


def test_extra_items_are_tolerated():
    backend = _backend()
    proof = backend.read_proof([b"\x05\x07"]) + [b"\x42unrelated"]
    assert verify_read_proof(backend.root, proof, [b"\x05\x07"]) == {b"\x05\x07": ENTRIES[b"\x05\x07"]}


def test_empty_trie():
    assert verify_read_proof(EMPTY_ROOT, [], [b"x"]) == {b"x": None}


def test_lookup_path_root_first():
    backend = _backend()
    path = lookup_path(backend.store, backend.root, b"\x05\x07")
    assert blake2_256(path[0]) == backend.root
    for parent, child in zip(path, path[1:]):
        assert blake2_256(child) in decode_node(parent).children or blake2_256(child) == decode_node(parent).value.data


@given(st.dictionaries(st.binary(max_size=3), st.binary(max_size=40), max_size=30),
       st.lists(st.binary(max_size=3), max_size=5), st.sampled_from([0, 1]))
def test_proof_round_trip_property(entries, keys, version):
    root, nodes = build_trie(entries, version)
    proof = read_proof(MemoryNodeStore(nodes), root, keys)
    assert verify_read_proof(root, proof, keys) == {k: entries.get(k) for k in keys}
