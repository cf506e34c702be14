"""The plain reference code against the Polkadot vectors, and its own round trips (spec: erasure.md)."""

import json

import pytest

from relaychain.erasure import reference
from relaychain.erasure.params import code_params, recovery_threshold


@pytest.fixture(scope="module")
def cases(vectors_dir):
    return json.loads((vectors_dir / "erasure" / "polkadot_chunks.json").read_text())["cases"]


def test_vector_file_is_complete(cases):
    assert len(cases) == 97


def test_derived_parameters_match_vectors(cases):
    for case in cases:
        n = case["n_validators"]
        params = code_params(n)
        assert (params.n, params.k, recovery_threshold(n)) == (case["n_po2"], case["k_po2"], case["recovery_threshold"])
        assert params.shard_len(len(case["payload"]) // 2) == case["shard_len"]


def test_reference_chunks_match_vectors(cases):
    for case in cases:
        chunks = reference.obtain_chunks(case["n_validators"], bytes.fromhex(case["payload"]))
        assert [c.hex() for c in chunks] == case["chunks"], case["name"]


def test_reference_reconstructs_from_last_k_chunks(cases):
    for case in cases[:40]:
        n, k = case["n_validators"], case["k_po2"]
        chunks = {i: bytes.fromhex(case["chunks"][i]) for i in range(n - k, n)}
        payload = bytes.fromhex(case["payload"])
        out = reference.reconstruct(n, chunks)
        assert out[:len(payload)] == payload and not any(out[len(payload):]), case["name"]
