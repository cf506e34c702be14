"""InherentData (sp_inherents): BTreeMap<[u8; 8], Vec<u8>> with sorted keys."""

import pytest
from hypothesis import given, strategies as st
from scalecodec.base import RuntimeConfiguration, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

from relaychain.primitives.inherents import PARACHAINS_INHERENT, TIMESTAMP_INHERENT, InherentData, InherentDataError
from relaychain.primitives.scale import ScaleDecodeError

RC = RuntimeConfiguration()
RC.update_type_registry(load_type_registry_preset("core"))


def test_identifiers_are_substrates():
    assert TIMESTAMP_INHERENT == b"timstap0" and PARACHAINS_INHERENT == b"parachn0"


@given(st.dictionaries(st.binary(min_size=8, max_size=8), st.binary(max_size=40), max_size=5))
def test_encoding_is_a_sorted_map_of_byte_vectors(entries):
    enc = InherentData(entries).encode()
    # an independent SCALE codec: Vec<([u8; 8], Vec<u8>)> over the entries sorted by key
    expected = RC.create_scale_object("Vec<([u8; 8], Bytes)>").encode(
        [("0x" + k.hex(), "0x" + v.hex()) for k, v in sorted(entries.items())]).data
    assert enc == bytes(expected)
    assert dict(InherentData.decode(enc)) == entries


def test_bad_identifiers_and_duplicates_are_refused():
    with pytest.raises(InherentDataError):
        InherentData({b"short": b""})
    data = InherentData({TIMESTAMP_INHERENT: b"\x01" * 8})
    with pytest.raises(InherentDataError):
        data.with_entry(TIMESTAMP_INHERENT, b"")
    dup = b"\x08" + (TIMESTAMP_INHERENT + b"\x00") * 2
    with pytest.raises(ScaleDecodeError):
        InherentData.decode(dup)
