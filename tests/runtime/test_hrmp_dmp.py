"""HRMP channels and downward queues through the runtime (xcmp.md §2-§7, parachains.md §6-§7): channels opened
by Root (`force_open_hrmp_channel`) and by the paras (`hrmp_init_open_channel` / `hrmp_accept_open_channel`,
a para origin as XCM `Transact` would give it) taking effect at the session change; a candidate's horizontal
message landing in `HrmpChannelContents` with the MQC head recomputed here (tests/xcmp/test_mqc.py's plain
reference); the recipient's watermark pruning it; the HRMP notifications in the downward queues and the
processed-count rule; every adversarial candidate of issue #10 refused with its typed reason while the
queues stay as they were. Paras 2000 (core 0) and 2001 (core 1) of `ParasChain`."""

from __future__ import annotations

from dataclasses import replace

import pytest

from relaychain.primitives import parachain_types as P
from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.scale import Reader
from relaychain.primitives.scale_types import Vec
from relaychain.runtime import executive
from relaychain.runtime.frame_types import event_record
from relaychain.runtime.framework import NONE, Call, DispatchError, ModuleError, Origin
from relaychain.runtime.pallets import balances, sudo, system
from relaychain.runtime.pallets.parachains import (
    configuration, dmp, hrmp, inclusion, paras, paras_inherent, scheduler, shared,
)
from relaychain.runtime.parachain_host import call_table
from relaychain.runtime.runtime import RUNTIME
from tests.runtime.paras_fixture import (
    CODE_A, CODE_B, HEAD_A0, HEAD_B0, PARA_A, PARA_B, ParasChain, make_bitfield, make_candidate,
)
from tests.xcmp.test_mqc import reference_head
from xcmp import errors as E
from xcmp.types import (
    HrmpChannel, HrmpChannelId, InboundDownwardMessage, InboundHrmpMessage, OutboundHrmpMessage, sovereign_account,
)

ALICE = Sr25519Keypair.from_uri("//Alice")
EPOCH = 10
RECORDS = Vec(event_record(RUNTIME.event_type))
A_TO_B = HrmpChannelId(PARA_A, PARA_B)
CODE = {PARA_A: CODE_A, PARA_B: CODE_B}
CORE = {PARA_A: 0, PARA_B: 1}

# V4 notifications written out: VersionedXcm 4, one instruction (compact 1), index, compact u32 fields
OPEN_REQUEST_2000_SIZE_8_CAP_1 = bytes([4, 4, 7, 0x41, 0x1F, 0x20, 0x04])  # sender 2000, size 8, capacity 1
ACCEPTED_BY_2001 = bytes([4, 4, 8, 0x45, 0x1F])


def events(chain, pallet=None) -> list:
    raw = chain.state().get(system.Events.key())
    return [ev for p, ev in (rec["event"] for rec in (RECORDS.decode(raw) if raw else [])) if pallet in (None, p)]


def next_session(chain):
    chain.block_with(slot=chain.slot + EPOCH)


def sudo_xt(chain, nonce, pallet_call, **args) -> bytes:
    return chain.sign(ALICE, sudo.sudo.encode(call=Call(pallet_call, args)), nonce)


def scratch(chain) -> executive.BlockBuilder:
    """The next block's initialized state, thrown away after use."""
    return executive.BlockBuilder(chain.state(), chain.head, chain.pre_digest(chain.slot + 1),
                                  storage_root=chain.storage_root(chain.state()))


def para_call(chain, para_id, pallet_call, **args):
    """Dispatch as the para itself (what XCM Transact from the para's origin gives) in the next block."""
    b = chain.builder()
    RUNTIME.dispatch(b.ctx, Origin.parachain(para_id), Call(pallet_call, args))
    chain.commit(b)


def call_error(chain, origin, pallet_call, **args) -> str:
    with pytest.raises(DispatchError) as e:
        RUNTIME.dispatch(scratch(chain).ctx, origin, Call(pallet_call, args))
    return e.value.name if isinstance(e.value, ModuleError) else e.value.value


def messaging_state(chain) -> dict:
    st = chain.state()
    return {"dmq": {p: dmp.DownwardMessageQueues.get(st, p) for p in (PARA_A, PARA_B)},
            "dmq_heads": {p: dmp.DownwardMessageQueueHeads.get(st, p) for p in (PARA_A, PARA_B)},
            "channel": hrmp.HrmpChannels.get(st, A_TO_B), "contents": hrmp.HrmpChannelContents.get(st, A_TO_B),
            "digest": hrmp.HrmpChannelDigests.get(st, PARA_B),
            "watermarks": {p: hrmp.HrmpWatermarks.get(st, p) for p in (PARA_A, PARA_B)}}


def candidate(chain, para, parent_head, head, **kw):
    """A candidate on the current head as relay parent, backed by the group on its core."""
    rp = chain.head.number
    st = chain.state()
    group = scheduler.group_validators(st, scheduler.group_assigned_to_core(st, CORE[para], rp + 1))
    return make_candidate(chain, para, parent_head, head, rp, CODE[para], group=group,
                          session=shared.CurrentSessionIndex.get(st), **kw)


def include(chain, para, parent_head, head, **kw) -> int:
    """Back the candidate, make it available with every bitfield; returns the block that enacted it."""
    c = candidate(chain, para, parent_head, head, **kw)
    chain.block_with(candidates=[c.backed])
    assert inclusion.PendingAvailability.get(chain.state(), para).hash == c.hash
    bits = tuple(core == CORE[para] for core in range(2))
    session = shared.CurrentSessionIndex.get(chain.state())
    chain.block_with(bitfields=[make_bitfield(chain, i, bits, session=session) for i in range(6)])
    assert paras.Heads.get(chain.state(), para) == head
    return chain.head.number


def rejected(chain, c) -> tuple[str, Exception]:
    """`enter` refuses the candidate (error name and its xcmp reason); a block built with it drops it, and
    no message is lost or changed."""
    data = P.ParachainsInherentData((), (c.backed,), (), chain.head)
    with pytest.raises(ModuleError) as e:
        RUNTIME.dispatch(scratch(chain).ctx, NONE, Call(paras_inherent.enter, {"data": data}))
    before = messaging_state(chain)
    chain.block_with(candidates=[c.backed])
    assert inclusion.PendingAvailability.get(chain.state(), c.backed.candidate.descriptor.para_id) is None
    assert messaging_state(chain) == before
    return e.value.name, e.value.__cause__


@pytest.fixture
def chain():
    return ParasChain()


def force_open(chain, capacity=1, size=8) -> int:
    """Root opens 2000 -> 2001; returns the block of the request (the notifications' sent_at)."""
    _, _, _, (r,) = chain.block_with(xts=[sudo_xt(chain, 0, hrmp.force_open_hrmp_channel, sender=PARA_A,
                                                  recipient=PARA_B, max_capacity=capacity, max_message_size=size)])
    assert r.success and events(chain, "Sudo")[0][1]["sudo_result"] == ("Ok", None)
    return chain.head.number


# -- opening channels ------------------------------------------------------------------------------------------

def test_force_open_takes_effect_at_the_session_change_and_notifies_both_paras(chain):
    at = force_open(chain)
    assert ("HrmpChannelForceOpened", {"sender": PARA_A, "recipient": PARA_B, "proposed_max_capacity": 1,
                                       "proposed_max_message_size": 8}) in events(chain, "Hrmp")
    st = chain.state()
    request = hrmp.HrmpOpenChannelRequests.get(st, A_TO_B)
    assert request.confirmed and (request.max_capacity, request.max_message_size) == (1, 8)
    assert request.max_total_size == chain.config().hrmp_channel_max_total_size
    assert hrmp.HrmpChannels.get(st, A_TO_B) is None  # not before the session change
    # the recipient is told of the request, the sender of the acceptance, through their downward queues
    assert dmp.DownwardMessageQueues.get(st, PARA_B) == [InboundDownwardMessage(at, OPEN_REQUEST_2000_SIZE_8_CAP_1)]
    assert dmp.DownwardMessageQueues.get(st, PARA_A) == [InboundDownwardMessage(at, ACCEPTED_BY_2001)]
    assert dmp.DownwardMessageQueueHeads.get(st, PARA_B) == reference_head([(at, OPEN_REQUEST_2000_SIZE_8_CAP_1)])
    assert dmp.DownwardMessageQueueHeads.get(st, PARA_A) == reference_head([(at, ACCEPTED_BY_2001)])

    next_session(chain)
    st = chain.state()
    assert hrmp.HrmpChannels.get(st, A_TO_B) == HrmpChannel(1, chain.config().hrmp_channel_max_total_size, 8)
    assert hrmp.HrmpIngressChannelsIndex.get(st, PARA_B) == [PARA_A]
    assert hrmp.HrmpEgressChannelsIndex.get(st, PARA_A) == [PARA_B]
    assert hrmp.HrmpOpenChannelRequests.get(st, A_TO_B) is None and hrmp.HrmpOpenChannelRequestsList.get(st) == []
    assert hrmp.HrmpOpenChannelRequestCount.get(st, PARA_A) == 0
    assert hrmp.HrmpAcceptedChannelRequestCount.get(st, PARA_B) == 0


def test_init_accept_close_and_cancel_by_the_paras(chain):
    assert call_error(chain, Origin.signed(ALICE.public), hrmp.hrmp_init_open_channel, recipient=PARA_B,
                      proposed_max_capacity=4, proposed_max_message_size=64) == "BadOrigin"
    for args, error in [((PARA_A, 4, 64), "OpenHrmpChannelToSelf"), ((3000, 4, 64), "OpenHrmpChannelInvalidRecipient"),
                        ((PARA_B, 0, 64), "OpenHrmpChannelZeroCapacity"),
                        ((PARA_B, 9, 64), "OpenHrmpChannelCapacityExceedsLimit"),
                        ((PARA_B, 4, 0), "OpenHrmpChannelZeroMessageSize")]:
        assert call_error(chain, Origin.parachain(PARA_A), hrmp.hrmp_init_open_channel, recipient=args[0],
                          proposed_max_capacity=args[1], proposed_max_message_size=args[2]) == error
    para_call(chain, PARA_A, hrmp.hrmp_init_open_channel, recipient=PARA_B, proposed_max_capacity=4,
              proposed_max_message_size=64)
    assert events(chain, "Hrmp")[-1] == ("OpenChannelRequested", {
        "sender": PARA_A, "recipient": PARA_B, "proposed_max_capacity": 4, "proposed_max_message_size": 64})
    assert call_error(chain, Origin.parachain(PARA_A), hrmp.hrmp_init_open_channel, recipient=PARA_B,
                      proposed_max_capacity=4, proposed_max_message_size=64) == "OpenHrmpChannelAlreadyRequested"
    assert hrmp.HrmpOpenChannelRequestCount.get(chain.state(), PARA_A) == 1

    next_session(chain)  # unconfirmed: still a request
    assert hrmp.HrmpChannels.get(chain.state(), A_TO_B) is None
    assert hrmp.HrmpOpenChannelRequestsList.get(chain.state()) == [A_TO_B]

    para_call(chain, PARA_B, hrmp.hrmp_accept_open_channel, sender=PARA_A)
    assert events(chain, "Hrmp")[-1] == ("OpenChannelAccepted", {"sender": PARA_A, "recipient": PARA_B})
    assert call_error(chain, Origin.parachain(PARA_B), hrmp.hrmp_accept_open_channel,
                      sender=PARA_A) == "AcceptHrmpChannelAlreadyConfirmed"
    assert call_error(chain, Origin.parachain(PARA_A), hrmp.hrmp_cancel_open_request, channel_id=A_TO_B,
                      open_requests=1) == "OpenHrmpChannelAlreadyConfirmed"
    next_session(chain)
    st = chain.state()
    assert hrmp.HrmpChannels.get(st, A_TO_B) == HrmpChannel(4, chain.config().hrmp_channel_max_total_size, 64)
    assert hrmp.HrmpIngressChannelsIndex.get(st, PARA_B) == [PARA_A]

    # the reverse direction requested and cancelled by the other side, with the witness checked
    para_call(chain, PARA_B, hrmp.hrmp_init_open_channel, recipient=PARA_A, proposed_max_capacity=2,
              proposed_max_message_size=8)
    b_to_a = HrmpChannelId(PARA_B, PARA_A)
    assert call_error(chain, Origin.parachain(PARA_A), hrmp.hrmp_cancel_open_request, channel_id=b_to_a,
                      open_requests=0) == "WrongWitness"
    assert call_error(chain, Origin.parachain(2002), hrmp.hrmp_cancel_open_request, channel_id=b_to_a,
                      open_requests=1) == "CancelHrmpOpenChannelUnauthorized"
    para_call(chain, PARA_A, hrmp.hrmp_cancel_open_request, channel_id=b_to_a, open_requests=1)
    assert events(chain, "Hrmp")[-1] == ("OpenChannelCanceled", {"by_parachain": PARA_A, "channel_id": b_to_a})
    assert hrmp.HrmpOpenChannelRequests.get(chain.state(), b_to_a) is None
    assert hrmp.HrmpOpenChannelRequestCount.get(chain.state(), PARA_B) == 0

    # closing: recorded now, the channel and its contents go at the session change
    para_call(chain, PARA_B, hrmp.hrmp_close_channel, channel_id=A_TO_B)
    assert events(chain, "Hrmp")[-1] == ("ChannelClosed", {"by_parachain": PARA_B, "channel_id": A_TO_B})
    assert call_error(chain, Origin.parachain(PARA_A), hrmp.hrmp_close_channel,
                      channel_id=A_TO_B) == "CloseHrmpChannelAlreadyUnderway"
    assert hrmp.HrmpChannels.get(chain.state(), A_TO_B) is not None
    next_session(chain)
    st = chain.state()
    assert hrmp.HrmpChannels.get(st, A_TO_B) is None and hrmp.HrmpIngressChannelsIndex.get(st, PARA_B) == []
    assert hrmp.HrmpCloseChannelRequestsList.get(st) == []
    # each step told the other side through its downward queue: B the open request (7); A the acceptance (8),
    # B's own open request (7) and the closing notice (9)
    assert [m.msg[2] for m in dmp.DownwardMessageQueues.get(st, PARA_B)] == [7]
    assert [m.msg[2] for m in dmp.DownwardMessageQueues.get(st, PARA_A)] == [8, 7, 9]


# -- messages through a channel ----------------------------------------------------------------------------------

def test_a_message_is_queued_with_its_mqc_head_and_pruned_by_the_recipients_watermark(chain):
    at = force_open(chain, capacity=3, size=64)
    next_session(chain)
    chain.block_with()
    sent_at = include(chain, PARA_A, HEAD_A0, b"A1", processed_downward=1,
                      horizontal=[OutboundHrmpMessage(PARA_B, b"hello 2001")])
    st = chain.state()
    assert dmp.DownwardMessageQueues.get(st, PARA_A) == []  # the acceptance notice was processed
    assert dmp.DownwardMessageQueueHeads.get(st, PARA_A) == reference_head([(at, ACCEPTED_BY_2001)])  # unchanged
    assert hrmp.HrmpChannelContents.get(st, A_TO_B) == [InboundHrmpMessage(sent_at, b"hello 2001")]
    channel = hrmp.HrmpChannels.get(st, A_TO_B)
    assert (channel.msg_count, channel.total_size) == (1, 10)
    assert channel.mqc_head == reference_head([(sent_at, b"hello 2001")])
    assert hrmp.HrmpChannelDigests.get(st, PARA_B) == [(sent_at, [PARA_A])]
    assert hrmp.hrmp_mqc_heads(st, PARA_B) == [(PARA_A, reference_head([(sent_at, b"hello 2001")]))]
    assert hrmp.hrmp_mqc_heads(st, PARA_A) == []
    # the relay's runtime API shows the recipient its channels and its downward queue, as Polkadot encodes them
    table = call_table()
    para = PARA_B.to_bytes(4, "little")
    inbound = table["ParachainHost_inbound_hrmp_channels_contents"](st, Reader(para))
    assert inbound == bytes([4]) + PARA_A.to_bytes(4, "little") + bytes([4]) + sent_at.to_bytes(4, "little") + \
        bytes([40]) + b"hello 2001"
    notice = bytes([4, 4, 7, 0x41, 0x1F, 0x01, 0x01, 0x0C])  # sender 2000, size 64 (compact 0x0101), capacity 3
    dmq = table["ParachainHost_dmq_contents"](st, Reader(para))
    assert dmq == bytes([4]) + at.to_bytes(4, "little") + bytes([len(notice) * 4]) + notice

    # 2001 processes its notice and the message: watermark on the block that carried it
    include(chain, PARA_B, HEAD_B0, b"B1", processed_downward=1, hrmp_watermark=sent_at)
    st = chain.state()
    assert hrmp.HrmpChannelContents.get(st, A_TO_B) == [] and hrmp.HrmpChannelDigests.get(st, PARA_B) == []
    channel = hrmp.HrmpChannels.get(st, A_TO_B)
    assert (channel.msg_count, channel.total_size) == (0, 0)
    assert channel.mqc_head == reference_head([(sent_at, b"hello 2001")])  # the chain keeps its history
    assert hrmp.HrmpWatermarks.get(st, PARA_B) == sent_at and dmp.DownwardMessageQueues.get(st, PARA_B) == []


def test_the_adder_paras_keep_working_with_empty_queues(chain):
    include(chain, PARA_A, HEAD_A0, b"A1")
    st = chain.state()
    assert dmp.DownwardMessageQueues.get(st, PARA_A) == [] and hrmp.HrmpChannels.get(st, A_TO_B) is None
    assert hrmp.HrmpWatermarks.get(st, PARA_A) == chain.head.number - 2  # its relay parent


# -- adversarial candidates: refused with the reason, nothing lost --------------------------------------------------

@pytest.fixture
def open_chain():
    """2000 -> 2001 open with capacity 1 and 8-byte messages; both paras have one notice queued."""
    chain = ParasChain()
    force_open(chain, capacity=1, size=8)
    next_session(chain)
    chain.block_with()
    return chain


def test_oversize_message(open_chain):
    c = candidate(open_chain, PARA_A, HEAD_A0, b"A1", processed_downward=1,
                  horizontal=[OutboundHrmpMessage(PARA_B, b"123456789")])
    name, why = rejected(open_chain, c)
    assert name == "InvalidOutboundHrmp" and isinstance(why, E.MaxMessageSizeExceeded)
    assert (why.msg_size, why.max_size) == (9, 8)


def test_over_capacity_until_the_recipient_drains_the_channel(open_chain):
    chain = open_chain
    first = include(chain, PARA_A, HEAD_A0, b"A1", processed_downward=1,
                    horizontal=[OutboundHrmpMessage(PARA_B, b"one")])
    c = candidate(chain, PARA_A, b"A1", b"A2", horizontal=[OutboundHrmpMessage(PARA_B, b"two")])
    name, why = rejected(chain, c)
    assert name == "InvalidOutboundHrmp" and isinstance(why, E.CapacityExceeded) and (why.count, why.limit) == (2, 1)
    assert hrmp.HrmpChannelContents.get(chain.state(), A_TO_B) == [InboundHrmpMessage(first, b"one")]
    # the recipient processes it; the same send is then accepted
    include(chain, PARA_B, HEAD_B0, b"B1", processed_downward=1, hrmp_watermark=first)
    second = include(chain, PARA_A, b"A1", b"A2", horizontal=[OutboundHrmpMessage(PARA_B, b"two")])
    st = chain.state()
    assert hrmp.HrmpChannelContents.get(st, A_TO_B) == [InboundHrmpMessage(second, b"two")]
    assert hrmp.HrmpChannels.get(st, A_TO_B).mqc_head == reference_head([(first, b"one"), (second, b"two")])


def test_non_existent_channel(open_chain):
    c = candidate(open_chain, PARA_B, HEAD_B0, b"B1", processed_downward=1,
                  horizontal=[OutboundHrmpMessage(PARA_A, b"back")])  # 2001 -> 2000 was never opened
    name, why = rejected(open_chain, c)
    assert name == "InvalidOutboundHrmp" and isinstance(why, E.NoSuchChannel)
    assert why.channel_id == HrmpChannelId(PARA_B, PARA_A)


def test_recipients_out_of_order(open_chain):
    c = candidate(open_chain, PARA_A, HEAD_A0, b"A1", processed_downward=1,
                  horizontal=[OutboundHrmpMessage(PARA_B, b"a"), OutboundHrmpMessage(PARA_B, b"b")])
    name, why = rejected(open_chain, c)
    assert name == "InvalidOutboundHrmp" and isinstance(why, E.NotSorted) and why.idx == 1


def test_watermark_above_the_relay_parent(open_chain):
    rp = open_chain.head.number
    c = candidate(open_chain, PARA_B, HEAD_B0, b"B1", processed_downward=1, hrmp_watermark=rp + 1)
    name, why = rejected(open_chain, c)
    assert name == "HrmpWatermarkMishandling" and isinstance(why, E.AheadRelayParent)


def test_watermark_below_the_last_and_on_a_block_without_messages(open_chain):
    chain = open_chain
    include(chain, PARA_B, HEAD_B0, b"B1", processed_downward=1)  # watermark = its relay parent
    last = hrmp.HrmpWatermarks.get(chain.state(), PARA_B)
    c = candidate(chain, PARA_B, b"B1", b"B2", hrmp_watermark=last - 1)
    name, why = rejected(chain, c)
    assert name == "HrmpWatermarkMishandling" and isinstance(why, E.AdvancementRule)
    assert (why.new_watermark, why.last_watermark) == (last - 1, last)
    c = candidate(chain, PARA_B, b"B1", b"B2", hrmp_watermark=last + 1)  # nothing was received there
    name, why = rejected(chain, c)
    assert name == "HrmpWatermarkMishandling" and isinstance(why, E.LandsOnBlockWithNoMessages)


def test_skipped_downward_message_and_wrong_processed_count(open_chain):
    c = candidate(open_chain, PARA_B, HEAD_B0, b"B1", processed_downward=0)
    name, why = rejected(open_chain, c)
    assert name == "IncorrectDownwardMessageHandling" and isinstance(why, E.DmpAdvancementRule)
    c = candidate(open_chain, PARA_B, HEAD_B0, b"B1", processed_downward=2)
    name, why = rejected(open_chain, c)
    assert name == "IncorrectDownwardMessageHandling" and isinstance(why, E.Underflow)
    assert (why.processed_downward_messages, why.dmq_length) == (2, 1)
    assert len(dmp.DownwardMessageQueues.get(open_chain.state(), PARA_B)) == 1  # still there to be processed


def test_upward_messages_over_the_per_candidate_limit_are_refused(open_chain):
    too_many = [b"u"] * (open_chain.config().max_upward_message_num_per_candidate + 1)
    c = candidate(open_chain, PARA_B, HEAD_B0, b"B1", processed_downward=1, upward=too_many)
    name, why = rejected(open_chain, c)
    assert name == "InvalidUpwardMessages" and isinstance(why, E.UmpMoreMessagesThanPermitted)


# -- deposits ------------------------------------------------------------------------------------------------------

UNIT = 10**12
SENDER_DEPOSIT, RECIPIENT_DEPOSIT = 5 * UNIT, 3 * UNIT


def reserved(chain, para_id) -> tuple[int, int]:
    data = system.account(chain.state(), sovereign_account(para_id)).data
    return data.free, data.reserved


def test_deposits_are_reserved_on_the_sovereign_accounts_and_returned_at_close():
    chain = ParasChain(host_configuration=replace(configuration.dev_config(2), hrmp_sender_deposit=SENDER_DEPOSIT,
                                                  hrmp_recipient_deposit=RECIPIENT_DEPOSIT))
    # the sender cannot pay yet: refused, nothing recorded
    assert call_error(chain, Origin.parachain(PARA_A), hrmp.hrmp_init_open_channel, recipient=PARA_B,
                      proposed_max_capacity=4, proposed_max_message_size=64) == "InsufficientBalance"
    fund = [sudo_xt(chain, n, balances.force_set_balance, who=("Id", sovereign_account(p)), new_free=100 * UNIT)
            for n, p in enumerate((PARA_A, PARA_B))]
    _, _, _, results = chain.block_with(xts=fund)
    assert all(r.success for r in results)
    para_call(chain, PARA_A, hrmp.hrmp_init_open_channel, recipient=PARA_B, proposed_max_capacity=4,
              proposed_max_message_size=64)
    assert reserved(chain, PARA_A) == (95 * UNIT, SENDER_DEPOSIT)
    assert hrmp.HrmpOpenChannelRequests.get(chain.state(), A_TO_B).sender_deposit == SENDER_DEPOSIT
    para_call(chain, PARA_B, hrmp.hrmp_accept_open_channel, sender=PARA_A)
    assert reserved(chain, PARA_B) == (97 * UNIT, RECIPIENT_DEPOSIT)
    next_session(chain)
    channel = hrmp.HrmpChannels.get(chain.state(), A_TO_B)
    assert (channel.sender_deposit, channel.recipient_deposit) == (SENDER_DEPOSIT, RECIPIENT_DEPOSIT)
    para_call(chain, PARA_A, hrmp.hrmp_close_channel, channel_id=A_TO_B)
    assert reserved(chain, PARA_A) == (95 * UNIT, SENDER_DEPOSIT)  # held until the channel is gone
    next_session(chain)
    assert hrmp.HrmpChannels.get(chain.state(), A_TO_B) is None
    assert reserved(chain, PARA_A) == (100 * UNIT, 0) and reserved(chain, PARA_B) == (100 * UNIT, 0)

    # a cancelled request returns the sender's deposit at once
    para_call(chain, PARA_B, hrmp.hrmp_init_open_channel, recipient=PARA_A, proposed_max_capacity=2,
              proposed_max_message_size=8)
    assert reserved(chain, PARA_B) == (95 * UNIT, SENDER_DEPOSIT)
    para_call(chain, PARA_B, hrmp.hrmp_cancel_open_request, channel_id=HrmpChannelId(PARA_B, PARA_A),
              open_requests=1)
    assert reserved(chain, PARA_B) == (100 * UNIT, 0)


# -- genesis channels ------------------------------------------------------------------------------------------------

def test_channels_preopened_in_genesis_carry_messages_from_the_first_block():
    chain = ParasChain(hrmp_channels=((PARA_A, PARA_B, 2, 16), (PARA_B, PARA_A, 2, 16)))
    st = chain.state()
    assert hrmp.HrmpChannels.get(st, A_TO_B) == HrmpChannel(2, chain.config().hrmp_channel_max_total_size, 16)
    assert hrmp.HrmpIngressChannelsIndex.get(st, PARA_A) == [PARA_B] and hrmp.HrmpOpenChannelRequestsList.get(st) == []
    # as Polkadot's genesis: each side got the request and the acceptance notices, sent at block 0
    assert [(m.sent_at, m.msg[2]) for m in dmp.DownwardMessageQueues.get(st, PARA_B)] == [(0, 7), (0, 8)]
    sent_at = include(chain, PARA_A, HEAD_A0, b"A1", processed_downward=2,
                      horizontal=[OutboundHrmpMessage(PARA_B, b"hi")])
    assert hrmp.HrmpChannelContents.get(chain.state(), A_TO_B) == [InboundHrmpMessage(sent_at, b"hi")]


def test_a_genesis_channel_the_rules_refuse_is_an_invalid_spec():
    with pytest.raises(ValueError, match="2000->2000"):
        ParasChain(hrmp_channels=((PARA_A, PARA_A, 2, 16),))


def test_outputs_built_on_a_pending_parent_do_not_count_its_processed_downward_messages(open_chain):
    """Asynchronous backing: B's candidate pending availability processed the one queued notice; a child built
    on it processes none. Backers validating the child at this relay parent must not refuse it (the notice is
    pruned when the parent is enacted, before the child can be backed), while a child claiming one more message
    than is left still is refused."""
    st = open_chain.state()
    assert len(dmp.DownwardMessageQueues.get(st, PARA_B)) == 1
    parent = candidate(open_chain, PARA_B, HEAD_B0, b"B1", processed_downward=1)
    open_chain.block_with(candidates=[parent.backed])
    st = open_chain.state()
    assert inclusion.PendingAvailability.get(st, PARA_B).hash == parent.hash
    assert len(dmp.DownwardMessageQueues.get(st, PARA_B)) == 1  # not pruned until the parent is enacted
    number = open_chain.head.number
    child = candidate(open_chain, PARA_B, b"B1", b"B2", processed_downward=0).backed.candidate.commitments
    assert inclusion.check_validation_outputs_for_runtime_api(st, PARA_B, number, child)
    greedy = candidate(open_chain, PARA_B, b"B1", b"B2", processed_downward=1).backed.candidate.commitments
    assert not inclusion.check_validation_outputs_for_runtime_api(st, PARA_B, number, greedy)
    # counted against the whole queue (no pending parent), the waiting notice must be processed: the rule stands
    with pytest.raises(ModuleError) as e:
        inclusion.check_validation_outputs(st, configuration.active(st), PARA_B, number, child)
    assert e.value.name == "IncorrectDownwardMessageHandling" and isinstance(e.value.__cause__, E.DmpAdvancementRule)
