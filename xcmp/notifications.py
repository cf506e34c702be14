"""The relay's HRMP notifications to paras, sent down their downward queues (xcmp.md §3, §9).

A `VersionedXcm::V4` (index 4) program of one instruction with `Compact<u32>` fields:
`HrmpNewChannelOpenRequest{sender, max_message_size, max_capacity}` (7), `HrmpChannelAccepted{recipient}` (8),
`HrmpChannelClosing{initiator, sender, recipient}` (9). Written by hand: the relay needs only these three.
"""

from __future__ import annotations

from relaychain.primitives.scale import encode_compact

XCM_VERSION = 4
_NEW_CHANNEL_OPEN_REQUEST, _CHANNEL_ACCEPTED, _CHANNEL_CLOSING = 7, 8, 9


def _program(instruction: int, *fields: int) -> bytes:
    return bytes((XCM_VERSION,)) + encode_compact(1) + bytes((instruction,)) + b"".join(map(encode_compact, fields))


def hrmp_new_channel_open_request(sender: int, max_message_size: int, max_capacity: int) -> bytes:
    return _program(_NEW_CHANNEL_OPEN_REQUEST, sender, max_message_size, max_capacity)


def hrmp_channel_accepted(recipient: int) -> bytes:
    return _program(_CHANNEL_ACCEPTED, recipient)


def hrmp_channel_closing(initiator: int, sender: int, recipient: int) -> bytes:
    return _program(_CHANNEL_CLOSING, initiator, sender, recipient)
