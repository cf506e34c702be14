"""Teleports out of the token para (SPEC.md §4, §5 block end): the exact V4 program bytes (written out here),
UMP at most 8 per block, HRMP only through an open egress channel with room, flooding keeps order and never
drops, the refusals with their pallet-xcm error bytes, and the issuance falling by exactly what left."""

from __future__ import annotations

import pytest

from parachain.token import xcm_pallet
from relaychain.primitives.scale import Reader
from relaychain.runtime.framework import DISPATCH_ERROR
from xcmp.types import OutboundHrmpMessage
from xcmp.xcm import Asset, Location, account_id32, fungible, junctions, parachain
from tests.parachain.token.fixture import (
    ALICE, BOB, ED, PARA_A, PARA_B, UNIT, Para, RelayState, b2, compact, plain_key, twox64,
)

PARENT = Location(1, "Here")


def program_body(parents: int, amount: int, beneficiary: bytes) -> bytes:
    """The four instructions, written out: ReceiveTeleportedAsset(2) [{parents, Here}, Fungible], ClearOrigin(10),
    BuyExecution(19){fees, Unlimited(0)}, DepositAsset(13){Wild(1) AllCounted(2) 1, {0, X1 AccountId32{None, id}}}."""
    asset = bytes([parents, 0x00, 0x00]) + compact(amount)
    return (bytes([0x02]) + compact(1) + asset + bytes([0x0A]) + bytes([0x13]) + asset + bytes([0x00])
            + bytes([0x0D, 0x01, 0x02]) + compact(1) + bytes([0x00, 0x01, 0x01, 0x00]) + beneficiary)


def expected_message(parents: int, amount: int, beneficiary: bytes) -> bytes:
    body = program_body(parents, amount, beneficiary)
    topic = b2(compact(4) + body)
    return bytes([0x04]) + compact(5) + body + bytes([0x2C]) + topic


def teleport(para, nonce, amount, dest=parachain(PARA_B, parents=1), beneficiary=BOB.public, assets=None,
             fee_asset_item=0, signer=ALICE):
    call = xcm_pallet.limited_teleport_assets.encode(
        dest=("V4", dest), beneficiary=("V4", account_id32(beneficiary)),
        assets=("V4", assets if assets is not None else [fungible(PARENT, amount)]),
        fee_asset_item=fee_asset_item, weight_limit="Unlimited")
    return para.sign(signer, call, nonce)


def outbound_key(para_id: int) -> bytes:
    raw = para_id.to_bytes(4, "little")
    return plain_key("XcmpQueue", "OutboundXcmpMessages") + twox64(raw) + raw


def queued(para, para_id: int) -> list[bytes]:
    raw = para.state.get(outbound_key(para_id))
    if raw is None:
        return []
    r = Reader(raw)
    return [r.bytes() for _ in range(r.compact())]


def relay_with_channel(**limits) -> RelayState:
    relay = RelayState(10)
    relay.open_channel(PARA_A, PARA_B, **limits)
    return relay


def test_teleport_to_a_sibling_sends_exactly_the_program_and_burns_exactly_the_amount():
    para = Para()
    amount = 3 * UNIT + 7
    alice0, issuance0 = para.free(ALICE.public), para.issuance()
    built = para.build([teleport(para, 0, amount)], view=relay_with_channel().view())
    msg = expected_message(1, amount, BOB.public)
    assert built.result.horizontal_messages == (OutboundHrmpMessage(PARA_B, b"\x00" + msg),)
    assert built.result.upward_messages == ()
    assert outbound_key(PARA_B) not in para.state
    assert para.free(ALICE.public) == alice0 - amount and para.issuance() == issuance0 - amount
    events = [(p, n) for p, n, _ in para.events()]
    assert events[1:] == [("Balances", "Burned"), ("PolkadotXcm", "Sent"), ("PolkadotXcm", "Attempted"),
                          ("System", "ExtrinsicSuccess")]
    sent = [f for p, n, f in para.events() if n == "Sent"][0]
    assert sent["message_id"] == msg[-32:] and sent["origin"] == account_id32(ALICE.public)
    assert sent["destination"] == parachain(PARA_B, parents=1)


def test_without_an_egress_channel_messages_wait_in_order_until_one_opens():
    para = Para()
    para.build([teleport(para, 0, UNIT), teleport(para, 1, 2 * UNIT)])
    assert para.last.result.horizontal_messages == ()
    assert queued(para, PARA_B) == [expected_message(1, UNIT, BOB.public), expected_message(1, 2 * UNIT, BOB.public)]
    para.build([])  # still no channel: nothing sent, nothing lost
    assert len(queued(para, PARA_B)) == 2
    built = para.build([], view=relay_with_channel().view())
    assert built.result.horizontal_messages == (OutboundHrmpMessage(
        PARA_B, b"\x00" + expected_message(1, UNIT, BOB.public) + expected_message(1, 2 * UNIT, BOB.public)),)
    assert queued(para, PARA_B) == []


def test_a_full_channel_sends_nothing():
    para = Para()
    built = para.build([teleport(para, 0, UNIT)], view=relay_with_channel(max_capacity=2, msg_count=2).view())
    assert built.result.horizontal_messages == () and len(queued(para, PARA_B)) == 1


def test_flood_is_sent_in_order_within_the_size_limits_and_never_dropped():
    para = Para()
    amounts = [UNIT + i for i in range(5)]
    msgs = [expected_message(1, a, BOB.public) for a in amounts]
    size = len(msgs[0])
    assert all(len(m) == size for m in msgs)
    view = relay_with_channel(max_message_size=1 + 2 * size).view()  # two programs per HRMP message
    sent = []
    built = para.build([teleport(para, n, a) for n, a in enumerate(amounts)], view=view)
    for expected_left in (3, 1, 0):
        (out,) = built.result.horizontal_messages
        sent.append(out.data)
        assert len(queued(para, PARA_B)) == expected_left
        if expected_left:
            built = para.build([], view=view)
    assert sent == [b"\x00" + msgs[0] + msgs[1], b"\x00" + msgs[2] + msgs[3], b"\x00" + msgs[4]]
    # the channel's total size binds too: room for exactly one more program
    para2 = Para()
    view = relay_with_channel(max_total_size=100 + 1 + size, total_size=100).view()
    built = para2.build([teleport(para2, 0, amounts[0]), teleport(para2, 1, amounts[1])], view=view)
    assert built.result.horizontal_messages == (OutboundHrmpMessage(PARA_B, b"\x00" + msgs[0]),)
    assert queued(para2, PARA_B) == [msgs[1]]


def test_a_program_larger_than_the_channel_allows_waits():
    para = Para()
    built = para.build([teleport(para, 0, UNIT)], view=relay_with_channel(max_message_size=20).view())
    assert built.result.horizontal_messages == () and len(queued(para, PARA_B)) == 1


def test_teleports_to_the_relay_go_up_at_most_eight_per_block():
    para = Para()
    amounts = [UNIT + i for i in range(10)]
    built = para.build([teleport(para, n, a, dest=PARENT) for n, a in enumerate(amounts)])
    assert built.result.upward_messages == tuple(expected_message(0, a, BOB.public) for a in amounts[:8])
    built = para.build([])
    assert built.result.upward_messages == tuple(expected_message(0, a, BOB.public) for a in amounts[8:])
    assert plain_key("ParachainSystem", "PendingUpwardMessages") not in para.state
    assert para.build([]).result.upward_messages == ()


def module_error(index: int) -> bytes:
    return bytes([3, 31, index, 0, 0, 0])  # DispatchError::Module{31, [index, 0, 0, 0]}


@pytest.mark.parametrize("kwargs, index", [
    ({"assets": [fungible(PARENT, UNIT), fungible(PARENT, UNIT)]}, 7),  # TooManyAssets
    ({"assets": []}, 5),  # Empty
    ({"fee_asset_item": 1}, 5),  # Empty
    ({"assets": [fungible(Location(0, "Here"), UNIT)]}, 2),  # Filtered: not {1, Here}
    ({"assets": [Asset(PARENT, ("NonFungible", "Undefined"))]}, 2),  # Filtered
    ({"dest": parachain(PARA_A, parents=1)}, 10),  # BadLocation: ourselves
    ({"dest": parachain(PARA_B, parents=0)}, 10),  # BadLocation: a child of ours
    ({"dest": Location(1, junctions(("Parachain", PARA_B), ("PalletInstance", 3)))}, 10),
    ({"amount": 10**30}, 24),  # LocalExecutionIncomplete: more than Alice has
])
def test_refusals_are_pallet_xcm_errors_and_change_nothing_but_the_nonce(kwargs, index):
    para = Para()
    before = {k: v for k, v in para.state.items()}
    kwargs.setdefault("amount", UNIT)
    para.build([teleport(para, 0, **kwargs)])
    failed = [f for p, n, f in para.events() if n == "ExtrinsicFailed"]
    assert DISPATCH_ERROR.encode(failed[0]["dispatch_error"]) == module_error(index)
    assert para.issuance() == int.from_bytes(before[plain_key("Balances", "TotalIssuance")], "little")
    assert queued(para, PARA_B) == [] and para.nonce(ALICE.public) == 1


def test_bad_beneficiary_and_keep_alive_burn():
    para = Para(endowed=[(ALICE.public, UNIT), (BOB.public, UNIT)])
    call = xcm_pallet.limited_teleport_assets.encode(
        dest=("V4", PARENT), beneficiary=("V4", parachain(5)), assets=("V4", [fungible(PARENT, ED)]),
        fee_asset_item=0, weight_limit="Unlimited")
    para.build([para.sign(ALICE, call, 0), teleport(para, 1, UNIT - ED + 1, dest=PARENT)])
    errors = [DISPATCH_ERROR.encode(f["dispatch_error"]) for p, n, f in para.events() if n == "ExtrinsicFailed"]
    assert errors == [module_error(10), module_error(24)]  # BadLocation; the burn would kill Alice
    assert para.free(ALICE.public) == UNIT
