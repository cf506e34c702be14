"""The relay's HRMP notifications to paras, sent down their downward queues (xcmp.md §3, §9).

Each is a `VersionedXcm::V4` program of one instruction: `HrmpNewChannelOpenRequest{sender, max_message_size,
max_capacity}`, `HrmpChannelAccepted{recipient}`, `HrmpChannelClosing{initiator, sender, recipient}`
(declared in `xcmp.xcm`).
"""

from __future__ import annotations

from xcmp.xcm import XCM_VERSION, encode_versioned_xcm

__all__ = ["XCM_VERSION", "hrmp_new_channel_open_request", "hrmp_channel_accepted", "hrmp_channel_closing"]


def hrmp_new_channel_open_request(sender: int, max_message_size: int, max_capacity: int) -> bytes:
    return encode_versioned_xcm([("HrmpNewChannelOpenRequest", {
        "sender": sender, "max_message_size": max_message_size, "max_capacity": max_capacity})])


def hrmp_channel_accepted(recipient: int) -> bytes:
    return encode_versioned_xcm([("HrmpChannelAccepted", {"recipient": recipient})])


def hrmp_channel_closing(initiator: int, sender: int, recipient: int) -> bytes:
    return encode_versioned_xcm([("HrmpChannelClosing", {
        "initiator": initiator, "sender": sender, "recipient": recipient})])
