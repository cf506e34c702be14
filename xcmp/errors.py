"""Typed rejections of the message-passing acceptance rules (xcmp.md §5, §7, §8; parachains.md §7.5).

Class names are Polkadot's variants (`OutboundHrmpAcceptanceErr`, `HrmpWatermarkAcceptanceErr`,
`ProcessedDownwardMessagesAcceptanceErr`, `UmpAcceptanceCheckErr`, `QueueDownwardMessageError`); the values
that broke the rule are attributes, so callers decide on the type and the fields, never on the text.
"""

from __future__ import annotations


class XcmpError(Exception):
    """A message-passing rule was broken."""

    def __init__(self, message: str, **fields):
        self.fields = fields
        for name, value in fields.items():
            setattr(self, name, value)
        super().__init__(message)


# -- outbound HRMP (a candidate's horizontal messages) -------------------------------------------------------

class OutboundHrmpAcceptanceErr(XcmpError):
    pass


class MoreMessagesThanPermitted(OutboundHrmpAcceptanceErr):
    def __init__(self, sent: int, permitted: int):
        super().__init__(f"more HRMP messages than the configuration permits per candidate ({sent} > {permitted})",
                         sent=sent, permitted=permitted)


class NotSorted(OutboundHrmpAcceptanceErr):
    def __init__(self, idx: int):
        super().__init__(f"HRMP recipients must be strictly ascending (first out of order at index {idx})", idx=idx)


class NoSuchChannel(OutboundHrmpAcceptanceErr):
    def __init__(self, idx: int, channel_id):
        super().__init__(f"HRMP message {idx} is sent on channel {channel_id.sender}->{channel_id.recipient}, which "
                         "is not open", idx=idx, channel_id=channel_id)


class MaxMessageSizeExceeded(OutboundHrmpAcceptanceErr):
    def __init__(self, idx: int, msg_size: int, max_size: int):
        super().__init__(f"HRMP message {idx} exceeds the channel's maximum message size ({msg_size} > {max_size})",
                         idx=idx, msg_size=msg_size, max_size=max_size)


class TotalSizeExceeded(OutboundHrmpAcceptanceErr):
    def __init__(self, idx: int, total_size: int, limit: int):
        super().__init__(f"HRMP message {idx} would exceed the channel's total size ({total_size} > {limit}); wait "
                         "for the recipient to process its queue", idx=idx, total_size=total_size, limit=limit)


class CapacityExceeded(OutboundHrmpAcceptanceErr):
    def __init__(self, idx: int, count: int, limit: int):
        super().__init__(f"HRMP message {idx} would exceed the channel's capacity ({count} > {limit}); wait for the "
                         "recipient to process its queue", idx=idx, count=count, limit=limit)


# -- the HRMP watermark (a candidate's inbound progress) -----------------------------------------------------

class HrmpWatermarkAcceptanceErr(XcmpError):
    pass


class AdvancementRule(HrmpWatermarkAcceptanceErr):
    def __init__(self, new_watermark: int, last_watermark: int):
        super().__init__(f"the HRMP watermark went back ({new_watermark} < last {last_watermark})",
                         new_watermark=new_watermark, last_watermark=last_watermark)


class AheadRelayParent(HrmpWatermarkAcceptanceErr):
    def __init__(self, new_watermark: int, relay_chain_parent_number: int):
        super().__init__(f"the HRMP watermark is ahead of the relay parent ({new_watermark} > "
                         f"{relay_chain_parent_number})", new_watermark=new_watermark,
                         relay_chain_parent_number=relay_chain_parent_number)


class LandsOnBlockWithNoMessages(HrmpWatermarkAcceptanceErr):
    def __init__(self, new_watermark: int):
        super().__init__(f"the HRMP watermark {new_watermark} is neither the relay parent nor a block in which "
                         "the para received a message", new_watermark=new_watermark)


# -- downward messages ------------------------------------------------------------------------------------

class ProcessedDownwardMessagesAcceptanceErr(XcmpError):
    pass


class DmpAdvancementRule(ProcessedDownwardMessagesAcceptanceErr):
    """Polkadot's `ProcessedDownwardMessagesAcceptanceErr::AdvancementRule`."""

    def __init__(self):
        super().__init__("the para processed no downward message although one was waiting at its relay parent")


class Underflow(ProcessedDownwardMessagesAcceptanceErr):
    def __init__(self, processed_downward_messages: int, dmq_length: int):
        super().__init__(f"the para claims {processed_downward_messages} processed downward messages, but only "
                         f"{dmq_length} are queued", processed_downward_messages=processed_downward_messages,
                         dmq_length=dmq_length)


class QueueDownwardMessageError(XcmpError):
    pass


class ExceedsMaxMessageSize(QueueDownwardMessageError):
    def __init__(self, size: int, max_size: int):
        super().__init__(f"a downward message of {size} bytes exceeds max_downward_message_size {max_size}",
                         size=size, max_size=max_size)


class Unroutable(QueueDownwardMessageError):
    def __init__(self, para_id: int, reason: str):
        super().__init__(f"cannot queue a downward message for para {para_id}: {reason}", para_id=para_id)


# -- upward messages --------------------------------------------------------------------------------------

class UmpAcceptanceCheckErr(XcmpError):
    pass


class UmpMoreMessagesThanPermitted(UmpAcceptanceCheckErr):
    """Polkadot's `UmpAcceptanceCheckErr::MoreMessagesThanPermitted`."""

    def __init__(self, sent: int, permitted: int):
        super().__init__(f"more upward messages than permitted per candidate ({sent} > {permitted})",
                         sent=sent, permitted=permitted)


class MessageSize(UmpAcceptanceCheckErr):
    def __init__(self, idx: int, msg_size: int, max_size: int):
        super().__init__(f"upward message {idx} is too large ({msg_size} > {max_size})",
                         idx=idx, msg_size=msg_size, max_size=max_size)


class UmpCapacityExceeded(UmpAcceptanceCheckErr):
    """Polkadot's `UmpAcceptanceCheckErr::CapacityExceeded`."""

    def __init__(self, count: int, limit: int):
        super().__init__(f"the upward queue would hold {count} messages (limit {limit})", count=count, limit=limit)


class UmpTotalSizeExceeded(UmpAcceptanceCheckErr):
    """Polkadot's `UmpAcceptanceCheckErr::TotalSizeExceeded`."""

    def __init__(self, total_size: int, limit: int):
        super().__init__(f"the upward queue would hold {total_size} bytes (limit {limit})",
                         total_size=total_size, limit=limit)


class IsOffboarding(UmpAcceptanceCheckErr):
    def __init__(self):
        super().__init__("an offboarding para may not send upward messages")


# -- XCM programs (xcmp.md §9) -----------------------------------------------------------------------------

class XcmDecodeError(XcmpError):
    """Bytes that are not a `Versioned*` value of a version and instruction set this chain reads
    (`unsupported_version` True when only the version is the problem: pallet-xcm's `BadVersion`)."""

    def __init__(self, message: str, unsupported_version: bool = False):
        super().__init__(message, unsupported_version=unsupported_version)
