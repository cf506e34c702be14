"""Every known-answer vector of tests/vectors/trie/ (provenance in the README there)."""

import json
from pathlib import Path

import pytest

from relaychain.primitives.hashing import blake2_256
from relaychain.trie import EMPTY_ROOT, build_trie, decode_node, ordered_trie_root, trie_root
from relaychain.trie.child import child_storage_key, child_trie_root

from .reference import reference_root_for_version

VECTORS = Path(__file__).parent.parent / "vectors" / "trie"


def _hex(s: str) -> bytes:
    assert s.startswith("0x")
    return bytes.fromhex(s[2:])


def _load(name):
    return json.loads((VECTORS / name).read_text())


KNOWN = _load("known_roots.json")
KUSAMA = _load("kusama_genesis_root.json")
ENCODINGS = _load("node_encodings.json")


def _entries(case):
    return [(_hex(k), _hex(v)) for k, v in case["entries"]]


@pytest.mark.parametrize("case", KNOWN + KUSAMA, ids=lambda c: c["name"])
def test_known_root(case):
    assert trie_root(_entries(case), case["state_version"]) == _hex(case["root"])


@pytest.mark.parametrize("case", KNOWN + KUSAMA, ids=lambda c: c["name"])
def test_build_trie_root_and_nodes(case):
    root, nodes = build_trie(_entries(case), case["state_version"])
    assert root == _hex(case["root"])
    for h, enc in nodes.items():  # every stored item is keyed by its hash and decodes as a node
        assert blake2_256(enc) == h
        decode_node(enc)


@pytest.mark.parametrize("case", [c for c in KNOWN if "ordered_root" in c["name"]], ids=lambda c: c["name"])
def test_ordered_root(case):
    values = [_hex(v) for _, v in case["entries"]]
    assert ordered_trie_root(values, case["state_version"]) == _hex(case["root"])


@pytest.mark.parametrize("case", [c for c in KNOWN if "child_storage" in c["name"]], ids=lambda c: c["name"])
def test_child_root(case):
    name = case["note"].split(":child_storage:default:", 1)[1].encode()
    assert child_storage_key(name) == b":child_storage:default:" + name
    assert child_trie_root(_entries(case), case["state_version"]) == _hex(case["root"])


@pytest.mark.parametrize("case", ENCODINGS, ids=lambda c: c["name"])
def test_root_node_encoding(case):
    root, nodes = build_trie(_entries(case), case["state_version"])
    assert nodes[root] == _hex(case["root_node_encoding"])
    assert root == _hex(case["root"])


def test_empty_root_constant():
    assert EMPTY_ROOT.hex() == "03170a2e7597b7b7e3d84c05391d139a62b157e78786d8c082f29dcf4c111314"
    assert trie_root({}, 0) == trie_root({}, 1) == EMPTY_ROOT


@pytest.mark.parametrize("case", KNOWN + KUSAMA, ids=lambda c: c["name"])
def test_reference_agrees_with_vectors(case):
    """The test suite's own reference root is itself checked against the vectors."""
    assert reference_root_for_version(dict(_entries(case)), case["state_version"]) == _hex(case["root"])
