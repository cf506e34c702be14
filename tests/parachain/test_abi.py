"""ValidationParams / ValidationResult bytes against scalecodec (an independent SCALE implementation)
and their Polkadot type paths against Polkadot's own metadata (tests/runtime/vectors)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from scalecodec.base import RuntimeConfiguration, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from parachain.abi import (
    HEAD_DATA, MAX_UPWARD_MESSAGE_NUM, VALIDATION_CODE, OutboundHrmpMessage, ValidationParams,
    ValidationResult,
)
from relaychain.primitives.scale import ScaleDecodeError, encode_compact

POLKADOT_SHAPES = Path(__file__).parent.parent / "runtime" / "vectors" / "polkadot_v14_parachain_pallets.json"


@pytest.fixture(scope="module")
def oracle():
    rc = RuntimeConfiguration()
    rc.update_type_registry(load_type_registry_preset("core"))
    rc.update_type_registry({"types": {
        "OracleOutboundHrmpMessage": {"type": "struct", "type_mapping": [["recipient", "u32"], ["data", "Vec<u8>"]]},
        "OracleValidationParams": {"type": "struct", "type_mapping": [
            ["parent_head", "Vec<u8>"], ["block_data", "Vec<u8>"], ["relay_parent_number", "u32"],
            ["relay_parent_storage_root", "H256"]]},
        "OracleValidationResult": {"type": "struct", "type_mapping": [
            ["head_data", "Vec<u8>"], ["new_validation_code", "Option<Vec<u8>>"],
            ["upward_messages", "Vec<Vec<u8>>"], ["horizontal_messages", "Vec<OracleOutboundHrmpMessage>"],
            ["processed_downward_messages", "u32"], ["hrmp_watermark", "u32"]]},
    }})

    def encode(type_name: str, value: dict) -> bytes:
        return bytes(rc.create_scale_object(type_name).encode(value).data)

    def decode(type_name: str, data: bytes):
        return rc.create_scale_object(type_name, ScaleBytes(data)).decode()

    return encode, decode


blobs = st.binary(max_size=300)
u32s = st.integers(0, (1 << 32) - 1)
messages = st.builds(OutboundHrmpMessage, recipient=u32s, data=blobs)
params_st = st.builds(ValidationParams, parent_head=blobs, block_data=blobs, relay_parent_number=u32s,
                      relay_parent_storage_root=st.binary(min_size=32, max_size=32))
results_st = st.builds(ValidationResult, head_data=blobs, new_validation_code=st.none() | blobs,
                       upward_messages=st.lists(blobs, max_size=5), horizontal_messages=st.lists(messages, max_size=5),
                       processed_downward_messages=u32s, hrmp_watermark=u32s)


def _ints(b: bytes) -> list[int]:
    return list(b)


@given(p=params_st)
def test_validation_params_bytes_match_scalecodec(oracle, p):
    encode, decode = oracle
    expected = encode("OracleValidationParams", {
        "parent_head": _ints(p.parent_head), "block_data": _ints(p.block_data),
        "relay_parent_number": p.relay_parent_number, "relay_parent_storage_root": "0x" + p.relay_parent_storage_root.hex()})
    assert p.encode() == expected
    assert ValidationParams.decode(expected) == p
    assert decode("OracleValidationParams", p.encode())["relay_parent_number"] == p.relay_parent_number


@given(r=results_st)
def test_validation_result_bytes_match_scalecodec(oracle, r):
    encode, decode = oracle
    expected = encode("OracleValidationResult", {
        "head_data": _ints(r.head_data),
        "new_validation_code": None if r.new_validation_code is None else _ints(r.new_validation_code),
        "upward_messages": [_ints(m) for m in r.upward_messages],
        "horizontal_messages": [{"recipient": m.recipient, "data": _ints(m.data)} for m in r.horizontal_messages],
        "processed_downward_messages": r.processed_downward_messages, "hrmp_watermark": r.hrmp_watermark})
    assert r.encode() == expected
    assert ValidationResult.decode(expected) == r
    decoded = decode("OracleValidationResult", r.encode())
    assert len(decoded["upward_messages"]) == len(r.upward_messages)
    assert [m["recipient"] for m in decoded["horizontal_messages"]] == [m.recipient for m in r.horizontal_messages]
    assert decoded["hrmp_watermark"] == r.hrmp_watermark


@given(r=results_st, extra=st.binary(min_size=1, max_size=4))
def test_a_result_with_trailing_bytes_does_not_decode(r, extra):
    with pytest.raises(ScaleDecodeError):
        ValidationResult.decode(r.encode() + extra)


def test_upward_messages_beyond_the_bound_do_not_decode():
    # head_data [], None, then 16385 empty upward messages: one more than MAX_UPWARD_MESSAGE_NUM.
    n = MAX_UPWARD_MESSAGE_NUM + 1
    data = b"\x00\x00" + encode_compact(n) + bytes(n) + b"\x00" + bytes(8)
    with pytest.raises(ScaleDecodeError, match="bound"):
        ValidationResult.decode(data)
    at_bound = b"\x00\x00" + encode_compact(n - 1) + bytes(n - 1) + b"\x00" + bytes(8)
    assert len(ValidationResult.decode(at_bound).upward_messages) == MAX_UPWARD_MESSAGE_NUM
    with pytest.raises(ValueError):
        ValidationResult(b"", upward_messages=[b""] * n).encode()


def test_lists_become_tuples_so_equal_results_compare_equal():
    r = ValidationResult(b"h", upward_messages=[b"a"], horizontal_messages=[OutboundHrmpMessage(1, b"x")])
    assert r == ValidationResult.decode(r.encode())
    assert hash(r) == hash(ValidationResult.decode(r.encode()))


def _find_shape(node, path: str):
    """The first composite shape with this path anywhere in the metadata shapes file."""
    if isinstance(node, dict):
        if node.get("path") == path and "fields" in node:
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find_shape(child, path)
        if found is not None:
            return found
    return None


def test_polkadot_metadata_has_our_paths_field_names_and_type_names():
    shapes = json.loads(POLKADOT_SHAPES.read_text())
    hrmp = _find_shape(shapes, "polkadot_core_primitives::OutboundHrmpMessage")
    assert [(name, type_name) for name, type_name, _ in hrmp["fields"]] == [
        (f.name, f.type_name) for f in OutboundHrmpMessage.SCALE.fields]
    assert hrmp["fields"][0][2]["path"] == "::".join(OutboundHrmpMessage.SCALE.fields[0].type.path)
    for ours in (HEAD_DATA, VALIDATION_CODE):
        theirs = _find_shape(shapes, "::".join(ours.path))
        assert theirs["fields"] == [[None, "Vec<u8>", ["Vec", "u8"]]]
        assert ours.fields[0].type_name == "Vec<u8>"
