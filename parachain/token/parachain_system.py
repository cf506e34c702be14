"""cumulus ParachainSystem (index 1), ParachainInfo (4) and XcmpQueue (30): relay data in, messages out (SPEC.md §5).

`set_validation_data` (the mandatory inherent, extrinsic 0) checks, in order (any failure: `InvalidBlock`):
1. the PersistedValidationData equals the validation parameters (parent head, relay parent number and root);
2. the relay parent does not go backwards (>= `LastRelayChainBlockNumber`);
3. the relay proof proves the DMQ head, both channel indexes and every channel (`relay_state`);
4. the downward messages (each sent_at > last relay number) extend `LastDmqMqcHead` to the proven head;
5. horizontal messages come only from ingress senders (map keys strictly ascending — D9); for every ingress
   channel the messages (sent_at > last relay number, non-decreasing) extend `LastHrmpMqcHeads[sender]` to the
   channel's proven head (None = zero); a sender in the ingress index whose channel is absent from the proven
   state is an invalid block (D10).
Then it processes every downward message, then every sender's messages (ascending sender) and stores
`LastDmqMqcHead` (always written, even zero — D11), `LastHrmpMqcHeads` = one entry per current ingress sender
(zero heads included, as Cumulus' running heads; key absent when there is none — D12) and
`LastRelayChainBlockNumber`. The proven egress channels are kept for the block end. "Already processed" means
sent_at <= `processed_through` (LastRelayChainBlockNumber, or -1 before the first block: D15).

Block end: up to `MAX_UPWARD_PER_BLOCK` upward messages leave the front of `PendingUpwardMessages`; per egress
channel (ascending recipient) with room (`msg_count < max_capacity`), the longest prefix of the outbound queue
with 1 + sum(len) <= max_message_size and <= max_total_size - total_size goes out as one HRMP message
`0x00 ++ programs`; the rest stays queued. An egress recipient whose channel is absent from the proof is treated
as having no open channel (its messages stay queued).
"""

from __future__ import annotations

from dataclasses import dataclass

from relaychain.primitives.parachain_types import PARA_ID, OutboundHrmpMessage
from relaychain.primitives.scale_types import BYTES, H256, U32, Struct, Tuple, Vec
from relaychain.runtime.framework import Pallet, ensure_none
from relaychain.runtime.frame_types import Weight
from xcmp.mqc import ZERO_HEAD, mqc_head_of

from . import xcm_executor
from .errors import InvalidBlock
from .relay_state import RelayProofError, RelayState, read_relay_state
from .types import ParachainInherentData

MAX_UPWARD_PER_BLOCK = 8

pallet = Pallet("ParachainSystem", 1, "cumulus_pallet_parachain_system")
LastRelayChainBlockNumber = pallet.storage_value("LastRelayChainBlockNumber", U32, default=0, docs=(
    "The relay chain block number associated with the last parachain block.",))
LastDmqMqcHead = pallet.storage_value("LastDmqMqcHead", H256, default=ZERO_HEAD, docs=(
    "The last downward message queue chain head we have observed.",))
MQC_HEADS = Struct("BTreeMap", [(None, Vec(Tuple(PARA_ID, H256)), None)], params=[("K", PARA_ID), ("V", H256)])
LastHrmpMqcHeads = pallet.storage_value("LastHrmpMqcHeads", MQC_HEADS, default=(), docs=(
    "The message queue chain heads we have observed per each channel incoming channel.",))
PendingUpwardMessages = pallet.storage_value("PendingUpwardMessages", Vec(BYTES), default=[], docs=(
    "Upward messages that are still pending and not yet send to the relay chain.",))

info_pallet = Pallet("ParachainInfo", 4, "staging_parachain_info")
ParachainId = info_pallet.storage_value("ParachainId", PARA_ID, default=100)

xcmp_pallet = Pallet("XcmpQueue", 30, "cumulus_pallet_xcmp_queue")
OutboundXcmpMessages = xcmp_pallet.storage_map("OutboundXcmpMessages", [("Twox64Concat", PARA_ID)], Vec(BYTES),
                                               default=[], docs=(
    "The programs waiting to be sent to a sibling, oldest first.",))


@dataclass(frozen=True)
class ExpectedRelayParent:
    """What the validation parameters (or the collator) fix for the block: checked against the inherent (§5.1)."""

    parent_head: bytes
    relay_parent_number: int
    relay_parent_storage_root: bytes


# -- set_validation_data (§5) --------------------------------------------------------------------

def _check_validation_data(ctx, data: ParachainInherentData) -> None:
    pvd, expected = data.validation_data, ctx.expected
    if pvd.parent_head != expected.parent_head:
        raise InvalidBlock("validation_data", "the inherent's parent head is not the block's parent head")
    if pvd.relay_parent_number != expected.relay_parent_number:
        raise InvalidBlock("validation_data", f"relay parent number {pvd.relay_parent_number}, the validation "
                                              f"parameters say {expected.relay_parent_number}")
    if pvd.relay_parent_storage_root != expected.relay_parent_storage_root:
        raise InvalidBlock("validation_data", "relay parent storage root differs from the validation parameters")


def processed_through(state) -> int:
    """The relay block up to which inbound messages were processed: `LastRelayChainBlockNumber`, or -1 before
    the first block (key absent) — so messages the relay queued in its genesis block (sent_at 0, e.g. the
    notices of genesis HRMP channels) are delivered too (decision D15: SPEC's "absent = 0" would leave them
    out of every block while the relay's MQC head includes them, and no block could ever be valid)."""
    return -1 if state.get(LastRelayChainBlockNumber.key()) is None else LastRelayChainBlockNumber.get(state)


def _check_downward(state, messages, last_number: int, proven_head: bytes) -> bytes:
    for m in messages:
        if m.sent_at <= last_number:
            raise InvalidBlock("message_order", f"downward message sent at {m.sent_at} was already processed "
                                                f"(last relay parent {last_number})")
    head = mqc_head_of(((m.sent_at, m.msg) for m in messages), start=LastDmqMqcHead.get(state))
    if head != proven_head:
        raise InvalidBlock("dmq_mqc_head", f"downward messages lead to 0x{head.hex()}, the relay's DMQ head is "
                                           f"0x{proven_head.hex()}")
    return head


def _check_horizontal(state, horizontal: tuple, relay: RelayState, last_number: int) -> dict:
    """Returns the new MQC head per ingress sender."""
    senders = [s for s, _ in horizontal]
    if any(a >= b for a, b in zip(senders, senders[1:])):
        raise InvalidBlock("hrmp_sender", "horizontal_messages senders are not strictly ascending")
    given = dict(horizontal)
    for sender in senders:
        if sender not in relay.ingress_channels:
            raise InvalidBlock("hrmp_sender", f"messages from para {sender}, which has no channel to this para")
    last_heads = dict(LastHrmpMqcHeads.get(state))
    heads = {}
    for sender in sorted(relay.ingress_channels):
        channel = relay.ingress_channels[sender]
        if channel is None:
            raise InvalidBlock("relay_proof", f"ingress channel from {sender} is indexed but absent")
        msgs = given.get(sender, ())
        prev_sent = last_number + 1
        for m in msgs:
            if m.sent_at < prev_sent:
                raise InvalidBlock("message_order", f"message from {sender} sent at {m.sent_at} is already "
                                                    f"processed or out of order")
            prev_sent = m.sent_at
        head = mqc_head_of(((m.sent_at, m.data) for m in msgs), start=last_heads.get(sender, ZERO_HEAD))
        target = channel.mqc_head or ZERO_HEAD
        if head != target:
            raise InvalidBlock("hrmp_mqc_head", f"mqc head mismatch for sender {sender}: messages lead to "
                                                f"0x{head.hex()}, the channel's head is 0x{target.hex()}")
        heads[sender] = head
    return heads


@pallet.call(0, [("data", ParachainInherentData.SCALE, "ParachainInherentData")], weight=Weight(0, 0),
             dispatch_class="Mandatory", pays_fee=False, docs=(
    "Set the current validation data: the relay proof and the inbound messages (the mandatory inherent).",))
def set_validation_data(ctx, origin, data: ParachainInherentData) -> None:
    ensure_none(origin)
    if ctx.messaging is not None:
        raise InvalidBlock("inherent_position", "set_validation_data applied twice in one block")
    state = ctx.state
    _check_validation_data(ctx, data)
    pvd = data.validation_data
    last_number = processed_through(state)
    if pvd.relay_parent_number < last_number:
        raise InvalidBlock("relay_parent_backwards", f"relay parent {pvd.relay_parent_number} is below the last "
                                                     f"one, {last_number}")
    try:
        relay = read_relay_state(ctx.para_id, pvd.relay_parent_storage_root, data.relay_chain_state)
    except RelayProofError as e:
        raise InvalidBlock("relay_proof", str(e)) from None
    dmq_head = _check_downward(state, data.downward_messages, last_number, relay.dmq_mqc_head)
    hrmp_heads = _check_horizontal(state, data.horizontal_messages, relay, last_number)
    for m in data.downward_messages:
        xcm_executor.process_downward(ctx, m.msg)
    for sender, msgs in data.horizontal_messages:
        for m in msgs:
            xcm_executor.process_horizontal(ctx, sender, m.data)
    LastDmqMqcHead.set(state, dmq_head)
    if hrmp_heads:
        LastHrmpMqcHeads.set(state, tuple(sorted(hrmp_heads.items())))
    else:
        LastHrmpMqcHeads.remove(state)
    LastRelayChainBlockNumber.set(state, pvd.relay_parent_number)
    ctx.messaging = relay
    ctx.processed_downward_messages = len(data.downward_messages)


def inherent_call(data: ParachainInherentData) -> bytes:
    """The call bytes of `set_validation_data(data)`."""
    return set_validation_data.encode(data=data)


# -- block end (§5 "Block end") --------------------------------------------------------------------

def _take_upward(state) -> tuple:
    pending = list(PendingUpwardMessages.get(state))
    out, rest = pending[:MAX_UPWARD_PER_BLOCK], pending[MAX_UPWARD_PER_BLOCK:]
    if out:
        if rest:
            PendingUpwardMessages.set(state, rest)
        else:
            PendingUpwardMessages.remove(state)
    return tuple(bytes(m) for m in out)


def _take_horizontal(state, relay: RelayState) -> tuple:
    out = []
    for recipient in sorted(relay.egress_channels):
        channel = relay.egress_channels[recipient]
        queue = list(OutboundXcmpMessages.get(state, recipient))
        if not queue or channel is None or channel.msg_count >= channel.max_capacity:
            continue
        size, n = 1, 0
        room = channel.max_total_size - channel.total_size
        while n < len(queue) and size + len(queue[n]) <= channel.max_message_size and size + len(queue[n]) <= room:
            size += len(queue[n])
            n += 1
        if n == 0:
            continue
        out.append(OutboundHrmpMessage(recipient, b"\x00" + b"".join(bytes(p) for p in queue[:n])))
        if n < len(queue):
            OutboundXcmpMessages.set(state, queue[n:], recipient)
        else:
            OutboundXcmpMessages.remove(state, recipient)
    return tuple(out)


def block_end(ctx) -> tuple[tuple, tuple]:
    """The block's (upward_messages, horizontal_messages) commitments, taken from the outbound queues."""
    if ctx.messaging is None:
        raise InvalidBlock("inherent_position", "the block has no set_validation_data")
    return _take_upward(ctx.state), _take_horizontal(ctx.state, ctx.messaging)


def queue_upward(state, message: bytes) -> None:
    PendingUpwardMessages.set(state, list(PendingUpwardMessages.get(state)) + [bytes(message)])


def queue_to_sibling(state, para_id: int, program_bytes: bytes) -> None:
    OutboundXcmpMessages.set(state, list(OutboundXcmpMessages.get(state, para_id)) + [bytes(program_bytes)], para_id)


def own_para_id(state) -> int:
    return ParachainId.get(state)

