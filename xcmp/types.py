"""Message-passing structures (SCALE, Polkadot field names and order; xcmp.md §1).

Each is declared once here; `OutboundHrmpMessage` lives with the candidate commitments it is part of
(`relaychain.primitives.parachain_types`) and is re-exported. Paths are those of Polkadot spec 1002005, whose
V14 metadata the runtime's storage is held against (tests/runtime/vectors/polkadot_v14_parachain_pallets.json).
"""

from __future__ import annotations

from typing import Optional

from relaychain.primitives.parachain_types import BLOCK_NUMBER, PARA_ID, OutboundHrmpMessage
from relaychain.primitives.scale_types import (
    BOOL, BYTES, H256, U32, U128, Enum, Option, Tuple, Variant, Vec, scale_struct, sfield,
)

__all__ = ["HrmpChannelId", "InboundDownwardMessage", "InboundHrmpMessage", "OutboundHrmpMessage", "HrmpChannel",
           "AbridgedHrmpChannel", "HrmpOpenChannelRequest", "HRMP_CHANNEL_DIGEST", "sovereign_account",
           "UMP_QUEUE_ID", "AGGREGATE_MESSAGE_ORIGIN", "ump_origin", "ump_para"]

_CORE = "polkadot_core_primitives"


@scale_struct("polkadot_parachain_primitives::primitives::HrmpChannelId")
class HrmpChannelId:
    """A unidirectional channel sender -> recipient; as a storage key its SCALE is 8 bytes."""

    sender: int = sfield(PARA_ID, "Id")
    recipient: int = sfield(PARA_ID, "Id")

    def is_participant(self, para_id: int) -> bool:
        return para_id in (self.sender, self.recipient)


@scale_struct(f"{_CORE}::InboundDownwardMessage", params=[("BlockNumber", BLOCK_NUMBER)])
class InboundDownwardMessage:
    """A message in a para's downward queue: `sent_at` is the relay block that enqueued it."""

    sent_at: int = sfield(BLOCK_NUMBER, "BlockNumber")
    msg: bytes = sfield(BYTES, "DownwardMessage")


@scale_struct(f"{_CORE}::InboundHrmpMessage", params=[("BlockNumber", BLOCK_NUMBER)])
class InboundHrmpMessage:
    """A message in a channel: `sent_at` is the relay block in which the sending candidate was enacted."""

    sent_at: int = sfield(BLOCK_NUMBER, "BlockNumber")
    data: bytes = sfield(BYTES, "sp_std::vec::Vec<u8>")


@scale_struct("polkadot_runtime_parachains::hrmp::HrmpChannel")
class HrmpChannel:
    """An open channel's limits, occupancy, MQC head and deposits (the relay's `HrmpChannels` value)."""

    max_capacity: int = sfield(U32, "u32")
    max_total_size: int = sfield(U32, "u32")
    max_message_size: int = sfield(U32, "u32")
    msg_count: int = sfield(U32, "u32", default=0)
    total_size: int = sfield(U32, "u32", default=0)
    mqc_head: Optional[bytes] = sfield(Option(H256), "Option<Hash>", default=None)
    sender_deposit: int = sfield(U128, "Balance", default=0)
    recipient_deposit: int = sfield(U128, "Balance", default=0)

    def abridged(self) -> "AbridgedHrmpChannel":
        return AbridgedHrmpChannel(self.max_capacity, self.max_total_size, self.max_message_size, self.msg_count,
                                   self.total_size, self.mqc_head)


@scale_struct("polkadot_primitives::v6::AbridgedHrmpChannel")
class AbridgedHrmpChannel:
    """The prefix of `HrmpChannel` a para may rely on when it reads the channel from a relay storage proof."""

    max_capacity: int = sfield(U32, "u32")
    max_total_size: int = sfield(U32, "u32")
    max_message_size: int = sfield(U32, "u32")
    msg_count: int = sfield(U32, "u32")
    total_size: int = sfield(U32, "u32")
    mqc_head: Optional[bytes] = sfield(Option(H256), "Option<Hash>")


@scale_struct("polkadot_runtime_parachains::hrmp::HrmpOpenChannelRequest")
class HrmpOpenChannelRequest:
    """A request to open a channel, confirmed by the recipient; it becomes a channel at a session change."""

    confirmed: bool = sfield(BOOL, "bool")
    _age: int = sfield(U32, "SessionIndex")
    sender_deposit: int = sfield(U128, "Balance")
    max_message_size: int = sfield(U32, "u32")
    max_capacity: int = sfield(U32, "u32")
    max_total_size: int = sfield(U32, "u32")


HRMP_CHANNEL_DIGEST = Vec(Tuple(BLOCK_NUMBER, Vec(PARA_ID)))
"""`HrmpChannelDigests[recipient]`: ascending (relay block, [senders that sent to it in that block])."""


def sovereign_account(para_id: int) -> bytes:
    """A para's account on the relay chain: b"para" ‖ u32 LE ‖ zero padding to 32 bytes
    (`ParaId::into_account_truncating`, TypeId b"para")."""
    return (b"para" + para_id.to_bytes(4, "little")).ljust(32, b"\x00")


UMP_QUEUE_ID = Enum("polkadot_runtime_parachains::inclusion::UmpQueueId", [Variant("Para", 0, [(None, PARA_ID, "ParaId")])])
AGGREGATE_MESSAGE_ORIGIN = Enum("polkadot_runtime_parachains::inclusion::AggregateMessageOrigin",
                                [Variant("Ump", 0, [(None, UMP_QUEUE_ID, "UmpQueueId")])])
"""The relay's message-queue origin (xcmp.md §8): a para's upward queue is `Ump(Para(id))`."""


def ump_origin(para_id: int) -> tuple:
    return ("Ump", ("Para", para_id))


def ump_para(origin) -> int:
    """The para whose upward queue `origin` is."""
    return origin[1][1]
