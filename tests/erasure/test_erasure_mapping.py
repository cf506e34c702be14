"""RFC-47 chunk-to-validator mapping (spec: erasure.md "Chunk-to-validator mapping")."""

import json

import pytest

from relaychain.erasure import (
    ChunkIndexOutOfBounds, NotEnoughValidators, availability_chunk_index, availability_chunk_indices,
)

ENABLED = [False, False, True]


def test_mapping_matches_polkadot_sdk(vectors_dir):
    data = json.loads((vectors_dir / "erasure" / "chunk_mapping.json").read_text())
    for case in data["cases"]:
        assert availability_chunk_indices(ENABLED, data["n_validators"], case["core_index"]) == case["chunk_indices"]


def test_without_the_feature_validator_i_holds_chunk_i():
    for features in ([], [True, True], [True, True, False, True]):
        for core in range(5):
            assert availability_chunk_indices(features, 20, core) == list(range(20))


def test_each_core_gets_a_permutation():
    for core in range(15):
        indices = availability_chunk_indices(ENABLED, 20, core)
        assert sorted(indices) == list(range(20))
        assert indices == [availability_chunk_index(ENABLED, 20, core, v) for v in range(20)]


def test_bad_indices_are_refused():
    with pytest.raises(ChunkIndexOutOfBounds):
        availability_chunk_index(ENABLED, 10, 0, 10)
    with pytest.raises(NotEnoughValidators):
        availability_chunk_index([], 1, 0, 0)
