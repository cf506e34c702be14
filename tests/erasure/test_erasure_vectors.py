"""The fast codec against the 97 Polkadot chunk vectors (tests/vectors/erasure/README.md)."""

import json
import random

import pytest

from relaychain.erasure import codec


@pytest.fixture(scope="module")
def cases(vectors_dir):
    return json.loads((vectors_dir / "erasure" / "polkadot_chunks.json").read_text())["cases"]


def test_chunks_are_byte_identical_to_vectors(cases):
    assert len(cases) == 97
    for case in cases:
        chunks = codec.obtain_chunks(case["n_validators"], bytes.fromhex(case["payload"]))
        assert [c.hex() for c in chunks] == case["chunks"], case["name"]


def test_vector_chunks_reconstruct_the_payload(cases):
    rng = random.Random(4)
    for case in cases:
        n, k = case["n_validators"], case["k_po2"]
        chunks = [bytes.fromhex(c) for c in case["chunks"]]
        payload = bytes.fromhex(case["payload"])
        for chosen in (range(n - k, n), rng.sample(range(n), k), range(k)):
            out = codec.reconstruct(n, {i: chunks[i] for i in chosen})
            assert out[:len(payload)] == payload and not any(out[len(payload):]), case["name"]
