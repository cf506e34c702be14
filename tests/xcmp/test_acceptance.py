"""The messaging acceptance rules (xcmp.md §5, §7, §8; parachains.md §7.5): every rejection of issue #10's
adversarial list that lives at this layer, with its typed error and the values that broke the rule, and the
boundary cases that must pass."""

from __future__ import annotations

import pytest

from xcmp import errors as E
from xcmp.acceptance import (
    MAX_POSSIBLE_ALLOCATION, check_hrmp_watermark, check_outbound_hrmp, check_processed_downward_messages,
    check_queue_downward_message, check_upward_messages,
)
from xcmp.types import HrmpChannel, HrmpChannelId, InboundDownwardMessage, OutboundHrmpMessage as Out

SENDER = 2000
CHANNELS = {
    HrmpChannelId(2000, 2001): HrmpChannel(max_capacity=3, max_total_size=100, max_message_size=40, msg_count=1,
                                           total_size=30),
    HrmpChannelId(2000, 2002): HrmpChannel(max_capacity=8, max_total_size=1000, max_message_size=500),
}


def outbound(msgs, limit=5, channels=CHANNELS):
    return check_outbound_hrmp(SENDER, msgs, limit, channels.get)


# -- outbound HRMP ------------------------------------------------------------------------------------------

def test_outbound_within_limits_passes():
    outbound([])
    outbound([Out(2001, b"m" * 40), Out(2002, b"n" * 500)])
    outbound([Out(2001, b"m" * 40)])  # total 30 + 40 = 70 <= 100, count 2 <= 3


def test_more_messages_than_permitted_per_candidate():
    with pytest.raises(E.MoreMessagesThanPermitted) as e:
        outbound([Out(2001, b"a"), Out(2002, b"b")], limit=1)
    assert (e.value.sent, e.value.permitted) == (2, 1)


@pytest.mark.parametrize("recipients, idx", [((2002, 2001), 1), ((2001, 2001), 1)])
def test_recipients_out_of_order_or_repeated(recipients, idx):
    with pytest.raises(E.NotSorted) as e:
        outbound([Out(r, b"x") for r in recipients])
    assert e.value.idx == idx
    assert isinstance(e.value, E.OutboundHrmpAcceptanceErr)


def test_non_existent_channel():
    with pytest.raises(E.NoSuchChannel) as e:
        outbound([Out(2001, b"x"), Out(2003, b"y")])
    assert e.value.idx == 1 and e.value.channel_id == HrmpChannelId(2000, 2003)
    with pytest.raises(E.NoSuchChannel):  # the reverse direction is another channel
        check_outbound_hrmp(2001, [Out(2000, b"x")], 5, CHANNELS.get)


def test_oversize_message():
    with pytest.raises(E.MaxMessageSizeExceeded) as e:
        outbound([Out(2001, b"m" * 41)])
    assert (e.value.idx, e.value.msg_size, e.value.max_size) == (0, 41, 40)


def test_total_size_exceeded():
    full = {HrmpChannelId(2000, 2001): HrmpChannel(3, 100, 40, msg_count=1, total_size=70)}
    outbound([Out(2001, b"m" * 30)], channels=full)  # exactly 100
    with pytest.raises(E.TotalSizeExceeded) as e:
        outbound([Out(2001, b"m" * 31)], channels=full)
    assert (e.value.total_size, e.value.limit) == (101, 100)


def test_over_capacity():
    full = {HrmpChannelId(2000, 2001): HrmpChannel(3, 100, 40, msg_count=3, total_size=3)}
    with pytest.raises(E.CapacityExceeded) as e:
        outbound([Out(2001, b"")], channels=full)
    assert (e.value.count, e.value.limit) == (4, 3)


# -- the HRMP watermark --------------------------------------------------------------------------------------

def test_watermark_at_relay_parent_always_passes():
    check_hrmp_watermark(10, 10, last_watermark=None, digest_blocks=())
    check_hrmp_watermark(10, 10, last_watermark=10, digest_blocks=())


def test_watermark_above_relay_parent():
    with pytest.raises(E.AheadRelayParent) as e:
        check_hrmp_watermark(10, 11, last_watermark=None, digest_blocks=(11,))
    assert (e.value.new_watermark, e.value.relay_chain_parent_number) == (11, 10)


def test_watermark_below_last():
    with pytest.raises(E.AdvancementRule) as e:
        check_hrmp_watermark(10, 4, last_watermark=5, digest_blocks=(4, 7))
    assert (e.value.new_watermark, e.value.last_watermark) == (4, 5)


def test_watermark_equal_to_last_passes():
    check_hrmp_watermark(10, 5, last_watermark=5, digest_blocks=())


def test_watermark_must_land_on_a_block_with_messages():
    check_hrmp_watermark(10, 7, last_watermark=5, digest_blocks=(7, 9))
    with pytest.raises(E.LandsOnBlockWithNoMessages) as e:
        check_hrmp_watermark(10, 8, last_watermark=5, digest_blocks=(7, 9))
    assert e.value.new_watermark == 8
    with pytest.raises(E.LandsOnBlockWithNoMessages):
        check_hrmp_watermark(10, 3, last_watermark=None, digest_blocks=())


# -- downward messages ---------------------------------------------------------------------------------------

QUEUE = (InboundDownwardMessage(4, b"first"), InboundDownwardMessage(6, b"second"))


def test_processed_downward_messages_rules():
    check_processed_downward_messages((), 10, 0)
    check_processed_downward_messages(QUEUE, 3, 0)  # nothing was waiting at relay parent #3
    check_processed_downward_messages(QUEUE, 10, 1)
    check_processed_downward_messages(QUEUE, 10, 2)


def test_skipping_a_waiting_downward_message():
    with pytest.raises(E.DmpAdvancementRule):
        check_processed_downward_messages(QUEUE, 4, 0)


@pytest.mark.parametrize("queue", [(), QUEUE])
def test_claiming_more_downward_messages_than_queued(queue):
    with pytest.raises(E.Underflow) as e:
        check_processed_downward_messages(queue, 10, len(queue) + 1)
    assert (e.value.processed_downward_messages, e.value.dmq_length) == (len(queue) + 1, len(queue))


def test_queue_downward_message_limits():
    check_queue_downward_message(2000, b"x" * 10, 10, 0)
    with pytest.raises(E.ExceedsMaxMessageSize):
        check_queue_downward_message(2000, b"x" * 11, 10, 0)
    with pytest.raises(E.Unroutable):
        check_queue_downward_message(2000, b"x", 10, 0, is_valid_para=False)
    with pytest.raises(E.Unroutable):
        check_queue_downward_message(2000, b"x", 1024, MAX_POSSIBLE_ALLOCATION // 1024)


# -- upward messages ----------------------------------------------------------------------------------------

LIMITS = dict(max_per_candidate=2, max_message_size=10, max_queue_count=3, max_queue_size=25)


def test_upward_within_limits_passes():
    check_upward_messages([b"a" * 10, b"b" * 10], **LIMITS, queue_count=1, queue_size=5)


@pytest.mark.parametrize("msgs, queue, error", [
    ([b"a"] * 3, (0, 0), E.UmpMoreMessagesThanPermitted),
    ([b"a", b"b"], (2, 0), E.UmpCapacityExceeded),
    ([b"a", b"b" * 11], (0, 0), E.MessageSize),
    ([b"a" * 10, b"b" * 10], (0, 6), E.UmpTotalSizeExceeded),
])
def test_upward_rejections(msgs, queue, error):
    with pytest.raises(error) as e:
        check_upward_messages(msgs, **LIMITS, queue_count=queue[0], queue_size=queue[1])
    assert isinstance(e.value, E.UmpAcceptanceCheckErr)


def test_no_upward_messages_while_offboarding():
    check_upward_messages([], **LIMITS, is_offboarding=True)
    with pytest.raises(E.IsOffboarding):
        check_upward_messages([b"x"], **LIMITS, is_offboarding=True)
