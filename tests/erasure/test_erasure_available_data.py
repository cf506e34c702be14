"""AvailableData v1 helpers (spec: erasure.md "What is coded"), checked against the Polkadot vector."""

import json

import pytest

from relaychain.erasure import (
    AvailableData, BadPayload, PersistedValidationData, PoV, obtain_chunks, obtain_chunks_v1,
    reconstruct_from_systematic_v1, reconstruct_v1,
)


@pytest.fixture(scope="module")
def vector(vectors_dir):
    cases = json.loads((vectors_dir / "erasure" / "polkadot_chunks.json").read_text())["cases"]
    return next(c for c in cases if c["name"] == "available_data_pov_0_to_254_default_pvd_n10")


def test_scale_encoding_and_chunks_match_polkadot(vector):
    data = AvailableData(PoV(bytes(range(255))), PersistedValidationData())
    assert data.encode().hex() == vector["payload"]
    assert [c.hex() for c in obtain_chunks_v1(10, data)] == vector["chunks"]
    assert obtain_chunks_v1(10, data.encode()) == obtain_chunks_v1(10, data)


def test_round_trip_from_any_four_of_ten_like_polkadot(vector):
    chunks = [bytes.fromhex(c) for c in vector["chunks"]]
    expected = AvailableData(PoV(bytes(range(255))), PersistedValidationData())
    assert reconstruct_v1(10, {i: chunks[i] for i in (1, 4, 6, 9)}) == expected
    assert reconstruct_from_systematic_v1(10, chunks[:4]) == expected


def test_round_trip_with_validation_data():
    data = AvailableData(PoV(b"\x07" * 5000), PersistedValidationData(b"head" * 9, 1234, bytes(range(32)), 5 << 20))
    chunks = obtain_chunks_v1(100, data)
    assert reconstruct_v1(100, {i: chunks[i] for i in range(60, 100)}) == data


def test_bytes_that_are_not_available_data_are_bad_payload():
    chunks = obtain_chunks(10, b"\xff\xff\xff\xff")  # a compact length far beyond the data
    with pytest.raises(BadPayload):
        reconstruct_v1(10, {i: chunks[i] for i in range(6, 10)})
    with pytest.raises(BadPayload):
        reconstruct_from_systematic_v1(10, chunks[:4])


def test_invalid_validation_data_is_refused():
    with pytest.raises(ValueError):
        PersistedValidationData(relay_parent_storage_root=b"short")
    with pytest.raises(ValueError):
        PersistedValidationData(relay_parent_number=1 << 32)
