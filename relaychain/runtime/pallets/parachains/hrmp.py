"""Hrmp (index 60): horizontal channels between paras — requests, channels, contents, digests, watermarks.

Polkadot: `polkadot/runtime/parachains/src/hrmp.rs` (spec 1002005 calls, events, errors, storage); xcmp.md
§1 (storage), §3 (lifecycle), §5 (acceptance), §6 (enactment and pruning).
- A para (origin `Parachain`) asks for a channel (`hrmp_init_open_channel`, reserving `hrmp_sender_deposit`
  on its sovereign account; the recipient is told through its downward queue), the recipient accepts
  (`hrmp_accept_open_channel`, reserving `hrmp_recipient_deposit`); either side may cancel an unconfirmed
  request or ask to close a channel. Root (the `ChannelManager`) may force a channel open (deposits as
  configured; none for system paras, ids < 2000).
- Requests become channels, and close requests remove channels with their contents (deposits returned),
  at the next session change (`initializer_on_new_session`, after Dmp, as initializer.rs).
- Candidates: `check_hrmp_watermark` and `check_outbound_hrmp` (xcmp.acceptance, on this pallet's storage)
  at backing; at enactment `prune_hrmp(recipient, watermark)` then `queue_outbound_hrmp(sender, msgs)`, which
  extends each channel's MQC head (xcmp.mqc) and records the block in the recipient's digest.
Channel payloads are opaque: the relay never decodes them.
"""

from __future__ import annotations

from dataclasses import replace
from relaychain.primitives.parachain_types import PARA_ID
from relaychain.primitives.scale_types import U32, UNIT, Vec
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.framework import DispatchError, Pallet, ensure_parachain, ensure_root, ensure_signed
from relaychain.runtime.pallets import balances
from relaychain.runtime.pallets.parachains import configuration, dmp, paras
from xcmp import acceptance, notifications
from xcmp.errors import QueueDownwardMessageError
from xcmp.mqc import ZERO_HEAD, extend_mqc
from xcmp.types import (
    HRMP_CHANNEL_DIGEST, HrmpChannel, HrmpChannelId, HrmpOpenChannelRequest, InboundHrmpMessage, sovereign_account,
)

pallet = Pallet("Hrmp", 60, "polkadot_runtime_parachains::hrmp")

LOWEST_PUBLIC_ID = 2000
"""Paras below this id are system paras: their channels carry no deposits (`ParaId::is_system`)."""

_CHANNEL_KEY = [("Twox64Concat", HrmpChannelId.SCALE)]
_PARA_KEY = [("Twox64Concat", PARA_ID)]

HrmpOpenChannelRequests = pallet.storage_map("HrmpOpenChannelRequests", _CHANNEL_KEY, HrmpOpenChannelRequest.SCALE,
                                             optional=True, docs=("The set of pending HRMP open channel requests.",))
HrmpOpenChannelRequestsList = pallet.storage_value("HrmpOpenChannelRequestsList", Vec(HrmpChannelId.SCALE),
                                                   default=[])
HrmpOpenChannelRequestCount = pallet.storage_map("HrmpOpenChannelRequestCount", _PARA_KEY, U32, default=0, docs=(
    "This mapping tracks how many open channel requests are initiated by a given sender para.",))
HrmpAcceptedChannelRequestCount = pallet.storage_map("HrmpAcceptedChannelRequestCount", _PARA_KEY, U32, default=0,
                                                     docs=("This mapping tracks how many open channel requests were "
                                                           "accepted by a given recipient para.",))
HrmpCloseChannelRequests = pallet.storage_map("HrmpCloseChannelRequests", _CHANNEL_KEY, UNIT, optional=True, docs=(
    "A set of pending HRMP close channel requests that are going to be closed during the session", "change."))
HrmpCloseChannelRequestsList = pallet.storage_value("HrmpCloseChannelRequestsList", Vec(HrmpChannelId.SCALE),
                                                    default=[])
HrmpWatermarks = pallet.storage_map("HrmpWatermarks", _PARA_KEY, U32, optional=True, docs=(
    "The HRMP watermark associated with each para.",))
HrmpChannels = pallet.storage_map("HrmpChannels", _CHANNEL_KEY, HrmpChannel.SCALE, optional=True, docs=(
    "HRMP channel data associated with each para.",))
HrmpIngressChannelsIndex = pallet.storage_map("HrmpIngressChannelsIndex", _PARA_KEY, Vec(PARA_ID), default=[], docs=(
    "Ingress index: the senders of each recipient's channels, sorted.",))
HrmpEgressChannelsIndex = pallet.storage_map("HrmpEgressChannelsIndex", _PARA_KEY, Vec(PARA_ID), default=[], docs=(
    "Egress index: the recipients of each sender's channels, sorted.",))
HrmpChannelContents = pallet.storage_map("HrmpChannelContents", _CHANNEL_KEY, Vec(InboundHrmpMessage.SCALE),
                                         default=[], docs=("Storage for the messages for each channel.",))
HrmpChannelDigests = pallet.storage_map("HrmpChannelDigests", _PARA_KEY, HRMP_CHANNEL_DIGEST, default=[], docs=(
    "What paras sent a message at the given block number for a given receiver.",))

_P = "ParaId"
_CHANNEL_FIELDS = [("sender", PARA_ID, _P), ("recipient", PARA_ID, _P), ("proposed_max_capacity", U32, "u32"),
                   ("proposed_max_message_size", U32, "u32")]
OpenChannelRequested = pallet.event("OpenChannelRequested", _CHANNEL_FIELDS, ("Open HRMP channel requested.",))
OpenChannelCanceled = pallet.event("OpenChannelCanceled", [("by_parachain", PARA_ID, _P),
                                                           ("channel_id", HrmpChannelId.SCALE, "HrmpChannelId")],
                                   ("An HRMP channel request sent by the receiver was canceled by either party.",))
OpenChannelAccepted = pallet.event("OpenChannelAccepted", [("sender", PARA_ID, _P), ("recipient", PARA_ID, _P)],
                                   ("Open HRMP channel accepted.",))
ChannelClosed = pallet.event("ChannelClosed", [("by_parachain", PARA_ID, _P),
                                               ("channel_id", HrmpChannelId.SCALE, "HrmpChannelId")],
                             ("HRMP channel closed.",))
HrmpChannelForceOpened = pallet.event("HrmpChannelForceOpened", _CHANNEL_FIELDS,
                                      ("An HRMP channel was opened via Root origin.",))
HrmpSystemChannelOpened = pallet.event("HrmpSystemChannelOpened", _CHANNEL_FIELDS,
                                       ("An HRMP channel was opened with a system chain.",))
OpenChannelDepositsUpdated = pallet.event("OpenChannelDepositsUpdated", [("sender", PARA_ID, _P),
                                                                         ("recipient", PARA_ID, _P)],
                                          ("An HRMP channel's deposits were updated.",))

for _name, _doc in [
    ("OpenHrmpChannelToSelf", "The sender tried to open a channel to themselves."),
    ("OpenHrmpChannelInvalidRecipient", "The recipient is not a valid para."),
    ("OpenHrmpChannelZeroCapacity", "The requested capacity is zero."),
    ("OpenHrmpChannelCapacityExceedsLimit", "The requested capacity exceeds the global limit."),
    ("OpenHrmpChannelZeroMessageSize", "The requested maximum message size is 0."),
    ("OpenHrmpChannelMessageSizeExceedsLimit", "The open request requested the message size that exceeds the "
                                               "global limit."),
    ("OpenHrmpChannelAlreadyExists", "The channel already exists"),
    ("OpenHrmpChannelAlreadyRequested", "There is already a request to open the same channel."),
    ("OpenHrmpChannelLimitExceeded", "The sender already has the maximum number of allowed outbound channels."),
    ("AcceptHrmpChannelDoesntExist", "The channel from the sender to the origin doesn't exist."),
    ("AcceptHrmpChannelAlreadyConfirmed", "The channel is already confirmed."),
    ("AcceptHrmpChannelLimitExceeded", "The recipient already has the maximum number of allowed inbound channels."),
    ("CloseHrmpChannelUnauthorized", "The origin tries to close a channel where it is neither the sender nor the "
                                     "recipient."),
    ("CloseHrmpChannelDoesntExist", "The channel to be closed doesn't exist."),
    ("CloseHrmpChannelAlreadyUnderway", "The channel close request is already requested."),
    ("CancelHrmpOpenChannelUnauthorized", "Canceling is requested by neither the sender nor recipient of the open "
                                          "channel request."),
    ("OpenHrmpChannelDoesntExist", "The open request doesn't exist."),
    ("OpenHrmpChannelAlreadyConfirmed", "Cannot cancel an HRMP open channel request because it is already "
                                        "confirmed."),
    ("WrongWitness", "The provided witness data is wrong."),
    ("ChannelCreationNotAuthorized", "The channel between these two chains cannot be authorized."),
]:
    pallet.error(_name, (_doc,))

fail = pallet.fail
_W = Weight(100_000_000, 10_000)


def is_system(para_id: int) -> bool:
    return para_id < LOWEST_PUBLIC_ID


# -- small storage helpers ----------------------------------------------------------------------------------

def _decrease(item, state, para_id: int) -> None:
    """Decrement a request counter, removing it at zero."""
    n = item.get(state, para_id)
    if n <= 1:
        item.remove(state, para_id)
    else:
        item.set(state, n - 1, para_id)


def _insert_sorted(item, state, key: int, value: int) -> None:
    values = list(item.get(state, key))
    if value not in values:
        values.append(value)
        item.set(state, sorted(values), key)


def _remove_sorted(item, state, key: int, value: int) -> None:
    values = [v for v in item.get(state, key) if v != value]
    if values:
        item.set(state, values, key)
    else:
        item.remove(state, key)


def _notify(ctx, para_id: int, msg: bytes, cfg) -> None:
    """A notification down the para's queue; a queue that cannot take it does not undo the call (Polkadot
    logs and goes on)."""
    try:
        dmp.queue_downward_message(ctx, para_id, msg, cfg)
    except QueueDownwardMessageError:
        pass


# -- channel lifecycle (§3) ---------------------------------------------------------------------------------

def init_open_channel(ctx, origin: int, recipient: int, proposed_max_capacity: int,
                      proposed_max_message_size: int) -> None:
    state = ctx.state
    if origin == recipient:
        raise fail("OpenHrmpChannelToSelf")
    if not paras.is_valid_para(state, recipient):
        raise fail("OpenHrmpChannelInvalidRecipient")
    cfg = configuration.active(state)
    if proposed_max_capacity == 0:
        raise fail("OpenHrmpChannelZeroCapacity")
    if proposed_max_capacity > cfg.hrmp_channel_max_capacity:
        raise fail("OpenHrmpChannelCapacityExceedsLimit")
    if proposed_max_message_size == 0:
        raise fail("OpenHrmpChannelZeroMessageSize")
    if proposed_max_message_size > cfg.hrmp_channel_max_message_size:
        raise fail("OpenHrmpChannelMessageSizeExceedsLimit")
    channel_id = HrmpChannelId(origin, recipient)
    if HrmpOpenChannelRequests.get(state, channel_id) is not None:
        raise fail("OpenHrmpChannelAlreadyRequested")
    if HrmpChannels.get(state, channel_id) is not None:
        raise fail("OpenHrmpChannelAlreadyExists")
    open_requests = HrmpOpenChannelRequestCount.get(state, origin)
    if len(HrmpEgressChannelsIndex.get(state, origin)) + open_requests >= cfg.hrmp_max_parachain_outbound_channels:
        raise fail("OpenHrmpChannelLimitExceeded")
    deposit = 0 if is_system(origin) or is_system(recipient) else cfg.hrmp_sender_deposit
    balances.reserve(ctx, sovereign_account(origin), deposit)
    HrmpOpenChannelRequestCount.set(state, open_requests + 1, origin)
    HrmpOpenChannelRequests.set(state, HrmpOpenChannelRequest(False, 0, deposit, proposed_max_message_size,
                                                              proposed_max_capacity, cfg.hrmp_channel_max_total_size),
                                channel_id)
    HrmpOpenChannelRequestsList.set(state, list(HrmpOpenChannelRequestsList.get(state)) + [channel_id])
    _notify(ctx, recipient, notifications.hrmp_new_channel_open_request(origin, proposed_max_message_size,
                                                                        proposed_max_capacity), cfg)


def accept_open_channel(ctx, origin: int, sender: int) -> None:
    state = ctx.state
    channel_id = HrmpChannelId(sender, origin)
    request = HrmpOpenChannelRequests.get(state, channel_id)
    if request is None:
        raise fail("AcceptHrmpChannelDoesntExist")
    if request.confirmed:
        raise fail("AcceptHrmpChannelAlreadyConfirmed")
    cfg = configuration.active(state)
    accepted = HrmpAcceptedChannelRequestCount.get(state, origin)
    if len(HrmpIngressChannelsIndex.get(state, origin)) + accepted >= cfg.hrmp_max_parachain_inbound_channels:
        raise fail("AcceptHrmpChannelLimitExceeded")
    deposit = 0 if is_system(origin) or is_system(sender) else cfg.hrmp_recipient_deposit
    balances.reserve(ctx, sovereign_account(origin), deposit)
    HrmpOpenChannelRequests.set(state, replace(request, confirmed=True), channel_id)
    HrmpAcceptedChannelRequestCount.set(state, accepted + 1, origin)
    _notify(ctx, sender, notifications.hrmp_channel_accepted(origin), cfg)


def cancel_open_request(ctx, origin: int, channel_id: HrmpChannelId) -> None:
    state = ctx.state
    if not channel_id.is_participant(origin):
        raise fail("CancelHrmpOpenChannelUnauthorized")
    request = HrmpOpenChannelRequests.get(state, channel_id)
    if request is None:
        raise fail("OpenHrmpChannelDoesntExist")
    if request.confirmed:
        raise fail("OpenHrmpChannelAlreadyConfirmed")
    HrmpOpenChannelRequests.remove(state, channel_id)
    HrmpOpenChannelRequestsList.set(state, [c for c in HrmpOpenChannelRequestsList.get(state) if c != channel_id])
    _decrease(HrmpOpenChannelRequestCount, state, channel_id.sender)
    balances.unreserve(ctx, sovereign_account(channel_id.sender), request.sender_deposit)


def close_channel(ctx, origin: int, channel_id: HrmpChannelId) -> None:
    state = ctx.state
    if not channel_id.is_participant(origin):
        raise fail("CloseHrmpChannelUnauthorized")
    if HrmpChannels.get(state, channel_id) is None:
        raise fail("CloseHrmpChannelDoesntExist")
    if HrmpCloseChannelRequests.exists(state, channel_id):  # its value is (), which decodes as None
        raise fail("CloseHrmpChannelAlreadyUnderway")
    HrmpCloseChannelRequests.set(state, (), channel_id)
    HrmpCloseChannelRequestsList.set(state, list(HrmpCloseChannelRequestsList.get(state)) + [channel_id])
    other = channel_id.recipient if origin == channel_id.sender else channel_id.sender
    _notify(ctx, other, notifications.hrmp_channel_closing(origin, channel_id.sender, channel_id.recipient),
            configuration.active(state))


def close_hrmp_channel(ctx, channel_id: HrmpChannelId) -> None:
    """Remove a channel with its contents and return both deposits (idempotent)."""
    state = ctx.state
    channel = HrmpChannels.take(state, channel_id)
    if channel is not None:
        balances.unreserve(ctx, sovereign_account(channel_id.sender), channel.sender_deposit)
        balances.unreserve(ctx, sovereign_account(channel_id.recipient), channel.recipient_deposit)
    HrmpChannelContents.remove(state, channel_id)
    _remove_sorted(HrmpEgressChannelsIndex, state, channel_id.sender, channel_id.recipient)
    _remove_sorted(HrmpIngressChannelsIndex, state, channel_id.recipient, channel_id.sender)


def process_hrmp_open_channel_requests(ctx, cfg) -> None:
    """Confirmed requests whose paras are both still valid become empty channels; unconfirmed ones wait."""
    state = ctx.state
    remaining = []
    for channel_id in HrmpOpenChannelRequestsList.get(state):
        request = HrmpOpenChannelRequests.get(state, channel_id)
        if request is None or not request.confirmed:
            remaining.append(channel_id)
            continue
        if paras.is_valid_para(state, channel_id.sender) and paras.is_valid_para(state, channel_id.recipient):
            waived = is_system(channel_id.sender) or is_system(channel_id.recipient)
            HrmpChannels.set(state, HrmpChannel(request.max_capacity, request.max_total_size,
                                                request.max_message_size, 0, 0, None, request.sender_deposit,
                                                0 if waived else cfg.hrmp_recipient_deposit), channel_id)
            _insert_sorted(HrmpIngressChannelsIndex, state, channel_id.recipient, channel_id.sender)
            _insert_sorted(HrmpEgressChannelsIndex, state, channel_id.sender, channel_id.recipient)
        _decrease(HrmpOpenChannelRequestCount, state, channel_id.sender)
        _decrease(HrmpAcceptedChannelRequestCount, state, channel_id.recipient)
        HrmpOpenChannelRequests.remove(state, channel_id)
    HrmpOpenChannelRequestsList.set(state, remaining)


def process_hrmp_close_channel_requests(ctx) -> None:
    state = ctx.state
    for channel_id in HrmpCloseChannelRequestsList.take(state) or []:
        HrmpCloseChannelRequests.remove(state, channel_id)
        close_hrmp_channel(ctx, channel_id)


def clean_open_channel_requests(ctx, cfg, outgoing: list[int]) -> None:
    """Drop the requests an outgoing para takes part in, refunding the party that stays."""
    state = ctx.state
    stay, go = [], []
    for channel_id in HrmpOpenChannelRequestsList.get(state):
        (go if channel_id.sender in outgoing or channel_id.recipient in outgoing else stay).append(channel_id)
    HrmpOpenChannelRequestsList.set(state, stay)
    for channel_id in go:
        request = HrmpOpenChannelRequests.take(state, channel_id)
        if request is None:
            continue
        if channel_id.sender not in outgoing:
            balances.unreserve(ctx, sovereign_account(channel_id.sender), request.sender_deposit)
        if request.confirmed:
            if channel_id.recipient not in outgoing:
                balances.unreserve(ctx, sovereign_account(channel_id.recipient), cfg.hrmp_recipient_deposit)
            _decrease(HrmpAcceptedChannelRequestCount, state, channel_id.recipient)


def clean_hrmp_after_outgoing(ctx, para_id: int) -> None:
    state = ctx.state
    HrmpOpenChannelRequestCount.remove(state, para_id)
    HrmpAcceptedChannelRequestCount.remove(state, para_id)
    channels = {HrmpChannelId(s, para_id) for s in HrmpIngressChannelsIndex.take(state, para_id) or []}
    channels |= {HrmpChannelId(para_id, r) for r in HrmpEgressChannelsIndex.take(state, para_id) or []}
    for channel_id in sorted(channels, key=lambda c: (c.sender, c.recipient)):
        close_hrmp_channel(ctx, channel_id)


# -- candidates (§5, §6) --------------------------------------------------------------------------------------

def check_hrmp_watermark(state, recipient: int, relay_parent_number: int, new_watermark: int) -> None:
    """§5 watermark rules on this para's stored watermark and digest (raises the xcmp error)."""
    acceptance.check_hrmp_watermark(relay_parent_number, new_watermark, HrmpWatermarks.get(state, recipient),
                                    [block for block, _ in HrmpChannelDigests.get(state, recipient)])


def check_outbound_hrmp(state, cfg, sender: int, messages) -> None:
    """§5 outbound rules against the open channels (raises the xcmp error)."""
    acceptance.check_outbound_hrmp(sender, messages, cfg.hrmp_max_message_num_per_candidate,
                                   lambda channel_id: HrmpChannels.get(state, channel_id))


def prune_hrmp(ctx, recipient: int, new_watermark: int) -> None:
    """Drop the messages the recipient has processed (sent at or before its new watermark) from every
    channel that sent to it by then, with their digest entries; record the watermark (§6)."""
    state = ctx.state
    digest = HrmpChannelDigests.get(state, recipient)
    senders = sorted({s for block, sent in digest if block <= new_watermark for s in sent})
    leftover = [(block, sent) for block, sent in digest if block > new_watermark]
    if leftover:
        HrmpChannelDigests.set(state, leftover, recipient)
    else:
        HrmpChannelDigests.remove(state, recipient)
    for sender in senders:
        channel_id = HrmpChannelId(sender, recipient)
        contents = HrmpChannelContents.get(state, channel_id)
        kept = [m for m in contents if m.sent_at > new_watermark]
        pruned = [m for m in contents if m.sent_at <= new_watermark]
        if kept:
            HrmpChannelContents.set(state, kept, channel_id)
        else:
            HrmpChannelContents.remove(state, channel_id)
        channel = HrmpChannels.get(state, channel_id)
        if channel is not None:
            HrmpChannels.set(state, replace(channel, msg_count=channel.msg_count - len(pruned),
                                            total_size=channel.total_size - sum(len(m.data) for m in pruned)),
                             channel_id)
    HrmpWatermarks.set(state, new_watermark, recipient)


def queue_outbound_hrmp(ctx, sender: int, messages) -> None:
    """Append each message to its channel at block `now`: counters, MQC head, contents, the recipient's
    digest. A channel closed since the candidate was backed is skipped (§6)."""
    state, now = ctx.state, ctx.number
    for msg in messages:
        channel_id = HrmpChannelId(sender, msg.recipient)
        channel = HrmpChannels.get(state, channel_id)
        if channel is None:
            continue
        data = bytes(msg.data)
        head = extend_mqc(channel.mqc_head or ZERO_HEAD, now, data)
        HrmpChannels.set(state, replace(channel, msg_count=channel.msg_count + 1,
                                        total_size=channel.total_size + len(data), mqc_head=head), channel_id)
        HrmpChannelContents.set(state, list(HrmpChannelContents.get(state, channel_id))
                                + [InboundHrmpMessage(now, data)], channel_id)
        digest = [(block, list(sent)) for block, sent in HrmpChannelDigests.get(state, msg.recipient)]
        if digest and digest[-1][0] == now:
            digest[-1][1].append(sender)
        else:
            digest.append((now, [sender]))
        HrmpChannelDigests.set(state, digest, msg.recipient)


def inbound_hrmp_channels_contents(state, recipient: int) -> list[tuple[int, list]]:
    """(sender, contents) of every channel to `recipient`, ascending by sender, empty channels included."""
    return [(sender, list(HrmpChannelContents.get(state, HrmpChannelId(sender, recipient))))
            for sender in HrmpIngressChannelsIndex.get(state, recipient)]


def hrmp_mqc_heads(state, recipient: int) -> list[tuple[int, bytes]]:
    """(sender, MQC head or zero) of every channel to `recipient`, ascending by sender."""
    out = []
    for sender in HrmpIngressChannelsIndex.get(state, recipient):
        channel = HrmpChannels.get(state, HrmpChannelId(sender, recipient))
        out.append((sender, (channel.mqc_head if channel is not None else None) or ZERO_HEAD))
    return out


# -- calls --------------------------------------------------------------------------------------------------

_CHANNEL_ID = ("channel_id", HrmpChannelId.SCALE, "HrmpChannelId")


@pallet.call(0, [("recipient", PARA_ID, _P), ("proposed_max_capacity", U32, "u32"),
                 ("proposed_max_message_size", U32, "u32")], weight=_W, docs=(
    "Initiate opening a channel from a parachain to a given recipient with given channel", "parameters."))
def hrmp_init_open_channel(ctx, origin, recipient: int, proposed_max_capacity: int,
                           proposed_max_message_size: int) -> None:
    sender = ensure_parachain(origin)
    init_open_channel(ctx, sender, recipient, proposed_max_capacity, proposed_max_message_size)
    ctx.deposit_event(OpenChannelRequested, sender=sender, recipient=recipient,
                      proposed_max_capacity=proposed_max_capacity, proposed_max_message_size=proposed_max_message_size)


@pallet.call(1, [("sender", PARA_ID, _P)], weight=_W, docs=("Accept a pending open channel request from the given "
                                                             "sender.",))
def hrmp_accept_open_channel(ctx, origin, sender: int) -> None:
    recipient = ensure_parachain(origin)
    accept_open_channel(ctx, recipient, sender)
    ctx.deposit_event(OpenChannelAccepted, sender=sender, recipient=recipient)


@pallet.call(2, [_CHANNEL_ID], weight=_W, docs=("Initiate unilateral closing of a channel.",))
def hrmp_close_channel(ctx, origin, channel_id: HrmpChannelId) -> None:
    by = ensure_parachain(origin)
    close_channel(ctx, by, channel_id)
    ctx.deposit_event(ChannelClosed, by_parachain=by, channel_id=channel_id)


@pallet.call(3, [("para", PARA_ID, _P), ("num_inbound", U32, "u32"), ("num_outbound", U32, "u32")], weight=_W,
             docs=("This extrinsic triggers the cleanup of all the HRMP storage items that a para may have.",))
def force_clean_hrmp(ctx, origin, para: int, num_inbound: int, num_outbound: int) -> None:
    ensure_root(origin)
    if len(HrmpIngressChannelsIndex.get(ctx.state, para)) > num_inbound or \
            len(HrmpEgressChannelsIndex.get(ctx.state, para)) > num_outbound:
        raise fail("WrongWitness")
    clean_hrmp_after_outgoing(ctx, para)


@pallet.call(4, [("channels", U32, "u32")], weight=_W, docs=("Force process HRMP open channel requests.",))
def force_process_hrmp_open(ctx, origin, channels: int) -> None:
    ensure_root(origin)
    if len(HrmpOpenChannelRequestsList.get(ctx.state)) > channels:
        raise fail("WrongWitness")
    process_hrmp_open_channel_requests(ctx, configuration.active(ctx.state))


@pallet.call(5, [("channels", U32, "u32")], weight=_W, docs=("Force process HRMP close channel requests.",))
def force_process_hrmp_close(ctx, origin, channels: int) -> None:
    ensure_root(origin)
    if len(HrmpCloseChannelRequestsList.get(ctx.state)) > channels:
        raise fail("WrongWitness")
    process_hrmp_close_channel_requests(ctx)


@pallet.call(6, [_CHANNEL_ID, ("open_requests", U32, "u32")], weight=_W, docs=(
    "This cancels a pending open channel request. It can be canceled by either of the sender",
    "or the recipient for that request. The origin must be either of those."))
def hrmp_cancel_open_request(ctx, origin, channel_id: HrmpChannelId, open_requests: int) -> None:
    by = ensure_parachain(origin)
    if len(HrmpOpenChannelRequestsList.get(ctx.state)) > open_requests:
        raise fail("WrongWitness")
    cancel_open_request(ctx, by, channel_id)
    ctx.deposit_event(OpenChannelCanceled, by_parachain=by, channel_id=channel_id)


@pallet.call(7, [("sender", PARA_ID, _P), ("recipient", PARA_ID, _P), ("max_capacity", U32, "u32"),
                 ("max_message_size", U32, "u32")], weight=_W, docs=(
    "Open a channel from a `sender` to a `recipient` `ParaId`. Although opened by governance,",
    "the `max_capacity` and `max_message_size` are still subject to the Relay Chain's", "configured limits."))
def force_open_hrmp_channel(ctx, origin, sender: int, recipient: int, max_capacity: int,
                            max_message_size: int) -> None:
    ensure_root(origin)
    channel_id = HrmpChannelId(sender, recipient)
    if HrmpOpenChannelRequests.get(ctx.state, channel_id) is not None:
        cancel_open_request(ctx, sender, channel_id)
    init_open_channel(ctx, sender, recipient, max_capacity, max_message_size)
    accept_open_channel(ctx, recipient, sender)
    ctx.deposit_event(HrmpChannelForceOpened, sender=sender, recipient=recipient, proposed_max_capacity=max_capacity,
                      proposed_max_message_size=max_message_size)


@pallet.call(8, [("sender", PARA_ID, _P), ("recipient", PARA_ID, _P)], weight=_W, pays_fee=False, docs=(
    "Establish an HRMP channel between two system chains.",))
def establish_system_channel(ctx, origin, sender: int, recipient: int) -> None:
    ensure_signed(origin)
    if not (is_system(sender) and is_system(recipient)):
        raise fail("ChannelCreationNotAuthorized")
    cfg = configuration.active(ctx.state)
    init_open_channel(ctx, sender, recipient, cfg.hrmp_channel_max_capacity, cfg.hrmp_channel_max_message_size)
    accept_open_channel(ctx, recipient, sender)
    ctx.deposit_event(HrmpSystemChannelOpened, sender=sender, recipient=recipient,
                      proposed_max_capacity=cfg.hrmp_channel_max_capacity,
                      proposed_max_message_size=cfg.hrmp_channel_max_message_size)


@pallet.call(9, [("sender", PARA_ID, _P), ("recipient", PARA_ID, _P)], weight=_W, docs=(
    "Update the deposits held for an HRMP channel to the latest `Configuration`.",))
def poke_channel_deposits(ctx, origin, sender: int, recipient: int) -> None:
    ensure_signed(origin)
    state = ctx.state
    channel_id = HrmpChannelId(sender, recipient)
    channel = HrmpChannels.get(state, channel_id)
    if channel is None:
        return
    cfg = configuration.active(state)
    waived = is_system(sender) or is_system(recipient)
    new_sender, new_recipient = (0, 0) if waived else (cfg.hrmp_sender_deposit, cfg.hrmp_recipient_deposit)
    for para, old, new in ((sender, channel.sender_deposit, new_sender),
                           (recipient, channel.recipient_deposit, new_recipient)):
        if new > old:
            balances.reserve(ctx, sovereign_account(para), new - old)
        elif old > new:
            balances.unreserve(ctx, sovereign_account(para), old - new)
    HrmpChannels.set(state, replace(channel, sender_deposit=new_sender, recipient_deposit=new_recipient), channel_id)
    ctx.deposit_event(OpenChannelDepositsUpdated, sender=sender, recipient=recipient)


@pallet.call(10, [("target_system_chain", PARA_ID, _P)], weight=_W, pays_fee=False, docs=(
    "Establish a bidirectional HRMP channel between a parachain and a system chain.",))
def establish_channel_with_system(ctx, origin, target_system_chain: int) -> None:
    sender = ensure_parachain(origin)
    if not is_system(target_system_chain):
        raise fail("ChannelCreationNotAuthorized")
    cfg = configuration.active(ctx.state)
    capacity, size = cfg.hrmp_channel_max_capacity, cfg.hrmp_channel_max_message_size
    for a, b in ((sender, target_system_chain), (target_system_chain, sender)):
        init_open_channel(ctx, a, b, capacity, size)
        accept_open_channel(ctx, b, a)
        ctx.deposit_event(HrmpSystemChannelOpened, sender=a, recipient=b, proposed_max_capacity=capacity,
                          proposed_max_message_size=size)


# -- genesis --------------------------------------------------------------------------------------------------

def genesis(ctx, preopen_hrmp_channels) -> None:
    """GenesisConfig `preopen_hrmp_channels`: each `(sender, recipient, max_capacity, max_message_size)` is
    requested and accepted as the paras would (same limits, deposits and notifications), then opened at
    once as at a session change. A channel the rules refuse makes the chain spec invalid (ValueError)."""
    for sender, recipient, max_capacity, max_message_size in preopen_hrmp_channels:
        try:
            init_open_channel(ctx, sender, recipient, max_capacity, max_message_size)
            accept_open_channel(ctx, recipient, sender)
        except DispatchError as e:
            raise ValueError(f"genesis HRMP channel {sender}->{recipient}: {e}") from e
    process_hrmp_open_channel_requests(ctx, configuration.active(ctx.state))


# -- initializer hooks ------------------------------------------------------------------------------------

def initializer_initialize(ctx) -> None:
    pass


def initializer_finalize(ctx) -> None:
    pass


def initializer_on_new_session(ctx, notification, outgoing_paras: list[int]) -> None:
    """Clean up after outgoing paras, then open the confirmed requests and close the condemned channels."""
    clean_open_channel_requests(ctx, notification.prev_config, outgoing_paras)
    for para_id in outgoing_paras:
        clean_hrmp_after_outgoing(ctx, para_id)
    process_hrmp_open_channel_requests(ctx, notification.prev_config)
    process_hrmp_close_channel_requests(ctx)
