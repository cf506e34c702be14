"""Message-passing SCALE types (xcmp.md §1): byte layouts written out here, round trips, the abridged channel
as the prefix of the full one, and the V4 HRMP notifications."""

from __future__ import annotations

import struct

from hypothesis import given, strategies as st

from relaychain.primitives.parachain_types import OutboundHrmpMessage as CommitmentsOutbound
from xcmp import notifications as N
from xcmp.types import (
    AbridgedHrmpChannel, HrmpChannel, HrmpChannelId, HrmpOpenChannelRequest, InboundDownwardMessage,
    InboundHrmpMessage, OutboundHrmpMessage, sovereign_account,
)

u32 = st.integers(0, 2**32 - 1)


def test_outbound_message_is_the_commitments_type():
    assert OutboundHrmpMessage is CommitmentsOutbound


def test_channel_id_is_eight_bytes_sender_first():
    assert HrmpChannelId(2000, 2001).encode() == struct.pack("<II", 2000, 2001)


def test_inbound_messages_layout():
    assert InboundDownwardMessage(5, b"ab").encode() == struct.pack("<I", 5) + b"\x08ab"
    assert InboundHrmpMessage(6, b"xyz").encode() == struct.pack("<I", 6) + b"\x0cxyz"


def test_channel_layout_and_abridged_prefix():
    head = bytes(range(32))
    ch = HrmpChannel(8, 1024, 100, 2, 30, head, 10**12, 3)
    expected = struct.pack("<IIIII", 8, 1024, 100, 2, 30) + b"\x01" + head + (10**12).to_bytes(16, "little") \
        + (3).to_bytes(16, "little")
    assert ch.encode() == expected
    ab = ch.abridged()
    assert isinstance(ab, AbridgedHrmpChannel)
    assert ch.encode().startswith(ab.encode()) and len(ab.encode()) == 20 + 33
    assert HrmpChannel(1, 2, 3).encode() == struct.pack("<IIIII", 1, 2, 3, 0, 0) + b"\x00" + bytes(32)


def test_open_request_layout():
    req = HrmpOpenChannelRequest(True, 0, 5, 100, 8, 1024)
    assert req.encode() == b"\x01" + struct.pack("<I", 0) + (5).to_bytes(16, "little") + struct.pack("<III", 100, 8,
                                                                                                       1024)


@given(u32, u32, u32, u32, u32, st.one_of(st.none(), st.binary(min_size=32, max_size=32)), u32, u32)
def test_channel_round_trip(a, b, c, d, e, head, f, g):
    ch = HrmpChannel(a, b, c, d, e, head, f, g)
    assert HrmpChannel.decode(ch.encode()) == ch


def test_sovereign_account():
    assert sovereign_account(2000) == b"para" + struct.pack("<I", 2000) + bytes(24)


def test_notifications_are_v4_programs_with_compact_fields():
    # VersionedXcm::V4 = 4, one instruction (compact 1 = 0x04), instruction index, compact u32 fields
    assert N.hrmp_new_channel_open_request(2000, 100, 8) == bytes([4, 4, 7]) + bytes([0x41, 0x1f]) + bytes(
        [0x91, 0x01]) + bytes([0x20])
    assert N.hrmp_channel_accepted(1) == bytes([4, 4, 8, 4])
    assert N.hrmp_channel_closing(1, 1, 2) == bytes([4, 4, 9, 4, 4, 8])
