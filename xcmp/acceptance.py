"""Acceptance rules for a candidate's messaging outputs (xcmp.md §5, §7, §8; parachains.md §7.5).

Pure functions over plain values: the relay runtime calls them with what it read from storage (at backing
and for `ParachainHost::check_validation_outputs`), and a collator can call them with what it read from the
relay chain before it builds a block. Each returns None or raises the typed error (`xcmp.errors`) of the
first rule broken, in Polkadot's order.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from xcmp import errors as E
from xcmp.types import HrmpChannel, HrmpChannelId, InboundDownwardMessage, OutboundHrmpMessage

MAX_POSSIBLE_ALLOCATION = 33_554_432
"""sp_core's `MAX_POSSIBLE_ALLOCATION` (32 MiB): bounds a downward queue's length (xcmp.md §7)."""


def check_outbound_hrmp(sender: int, messages: Sequence[OutboundHrmpMessage], max_message_num_per_candidate: int,
                        channel_of: Callable[[HrmpChannelId], Optional[HrmpChannel]]) -> None:
    """§5 outbound: at most `hrmp_max_message_num_per_candidate` messages; recipients strictly ascending (one
    message per recipient); each on an open channel, within its message size, total size and capacity.
    `channel_of` reads `HrmpChannels`."""
    if len(messages) > max_message_num_per_candidate:
        raise E.MoreMessagesThanPermitted(len(messages), max_message_num_per_candidate)
    last_recipient = None
    for idx, msg in enumerate(messages):
        if last_recipient is not None and msg.recipient <= last_recipient:
            raise E.NotSorted(idx)
        last_recipient = msg.recipient
        channel_id = HrmpChannelId(sender, msg.recipient)
        channel = channel_of(channel_id)
        if channel is None:
            raise E.NoSuchChannel(idx, channel_id)
        size = len(msg.data)
        if size > channel.max_message_size:
            raise E.MaxMessageSizeExceeded(idx, size, channel.max_message_size)
        if channel.total_size + size > channel.max_total_size:
            raise E.TotalSizeExceeded(idx, channel.total_size + size, channel.max_total_size)
        if channel.msg_count + 1 > channel.max_capacity:
            raise E.CapacityExceeded(idx, channel.msg_count + 1, channel.max_capacity)


def check_hrmp_watermark(relay_parent_number: int, new_watermark: int, last_watermark: Optional[int],
                         digest_blocks: Sequence[int]) -> None:
    """§5 watermark: the relay parent number is always allowed; never beyond it; never below the last
    watermark (equal is allowed); otherwise it must be a block in which the para received a message
    (`digest_blocks`, the block numbers of `HrmpChannelDigests[recipient]`)."""
    if new_watermark == relay_parent_number:
        return
    if new_watermark > relay_parent_number:
        raise E.AheadRelayParent(new_watermark, relay_parent_number)
    if last_watermark is not None:
        if new_watermark < last_watermark:
            raise E.AdvancementRule(new_watermark, last_watermark)
        if new_watermark == last_watermark:
            return
    if new_watermark not in set(digest_blocks):
        raise E.LandsOnBlockWithNoMessages(new_watermark)


def check_processed_downward_messages(queue: Sequence[InboundDownwardMessage], relay_parent_number: int,
                                      processed_downward_messages: int) -> None:
    """parachains.md §7.5 DMP: a para whose queue holds a message sent at or before its relay parent must
    process at least one; it cannot process more than are queued."""
    if queue and processed_downward_messages == 0 and queue[0].sent_at <= relay_parent_number:
        raise E.DmpAdvancementRule()
    if processed_downward_messages > len(queue):
        raise E.Underflow(processed_downward_messages, len(queue))


def max_downward_queue_len(max_downward_message_size: int) -> int:
    """A downward queue holds at most MAX_POSSIBLE_ALLOCATION / max_downward_message_size messages (§7)."""
    return MAX_POSSIBLE_ALLOCATION // max(max_downward_message_size, 1)


def check_queue_downward_message(para_id: int, msg: bytes, max_downward_message_size: int, queue_len: int,
                                 is_valid_para: bool = True) -> None:
    """§7 `can_queue_downward_message`: the message fits `max_downward_message_size`, the para exists and its
    queue is not full."""
    if len(msg) > max_downward_message_size:
        raise E.ExceedsMaxMessageSize(len(msg), max_downward_message_size)
    if not is_valid_para:
        raise E.Unroutable(para_id, "no such para")
    if queue_len >= max_downward_queue_len(max_downward_message_size):
        raise E.Unroutable(para_id, "its downward queue is full")


def check_upward_messages(messages: Sequence[bytes], *, max_per_candidate: int, max_message_size: int,
                          max_queue_count: int, max_queue_size: int, queue_count: int = 0, queue_size: int = 0,
                          is_offboarding: bool = False) -> None:
    """§8 / parachains.md §7.5 UMP: none while offboarding; at most `max_upward_message_num_per_candidate`;
    the para's queue stays within `max_upward_queue_count` and `max_upward_queue_size`; each message within
    `max_upward_message_size`."""
    if messages and is_offboarding:
        raise E.IsOffboarding()
    if len(messages) > max_per_candidate:
        raise E.UmpMoreMessagesThanPermitted(len(messages), max_per_candidate)
    if queue_count + len(messages) > max_queue_count:
        raise E.UmpCapacityExceeded(queue_count + len(messages), max_queue_count)
    total = 0
    for idx, msg in enumerate(messages):
        if len(msg) > max_message_size:
            raise E.MessageSize(idx, len(msg), max_message_size)
        total += len(msg)
    if queue_size + total > max_queue_size:
        raise E.UmpTotalSizeExceeded(queue_size + total, max_queue_size)
