"""Inbound messages through `set_validation_data` (SPEC.md §4, §5) on a relay-like state written with the relay's
own storage declarations: DMP and HRMP teleports minted exactly, MQC heads stored, failing programs counted and
undone, and every adversarial inherent (skipped, invented or replayed message, wrong MQC head, missing proof
node, relay parent going backwards, a sender without a channel) refused — by the collator and by a validator."""

from __future__ import annotations

from dataclasses import replace

import pytest

from parachain.token import executive
from parachain.token.errors import InvalidBlock
from parachain.token.types import ParachainBlockData
from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.runtime.pallets.parachains import dmp
from tests.parachain.token.fixture import (
    BOB, CHARLIE, ED, PARA_A, PARA_B, UNIT, Para, RelayState, account_key, b2, compact, plain_key,
)
from tests.parachain.token.test_xcm_out import expected_message
from tests.xcmp.test_mqc import reference_head
from xcmp.types import InboundDownwardMessage, InboundHrmpMessage

NEW = Sr25519Keypair.from_uri("//Newcomer").public


def processed(para) -> list:
    return [(f["origin"], f["success"], f["weight_used"].ref_time, f["id"]) for p, n, f in para.events()
            if n == "Processed"]


def test_a_downward_teleport_is_minted_exactly_and_the_head_is_stored():
    para, relay = Para(), RelayState(10)
    amount = 2 * UNIT + 3
    msg = expected_message(1, amount, BOB.public)
    relay.send_downward(PARA_A, msg, sent_at=9)
    bob0, issuance0 = para.free(BOB.public), para.issuance()
    built = para.build(view=relay.view(), relay_number=10)
    assert para.free(BOB.public) == bob0 + amount and para.issuance() == issuance0 + amount
    assert processed(para) == [("Parent", True, 5_000_000, msg[-32:])]
    assert [n for _, n, _ in para.events()] == ["Minted", "Processed", "ExtrinsicSuccess"]
    assert built.result.processed_downward_messages == 1 and built.result.hrmp_watermark == 10
    assert para.state[plain_key("ParachainSystem", "LastDmqMqcHead")] == reference_head([(9, msg)])
    assert para.state[plain_key("ParachainSystem", "LastRelayChainBlockNumber")] == (10).to_bytes(4, "little")
    # the same relay state again: nothing new (sent_at <= last relay parent), nothing minted twice
    built = para.build(view=relay.view(), relay_number=10)
    assert built.result.processed_downward_messages == 0 and para.free(BOB.public) == bob0 + amount


def test_a_new_beneficiary_is_created_or_the_program_fails_below_the_deposit():
    para, relay = Para(), RelayState(10)
    relay.send_downward(PARA_A, expected_message(1, ED - 1, NEW), sent_at=9)
    relay.send_downward(PARA_A, expected_message(1, ED, NEW), sent_at=9)
    issuance0 = para.issuance()
    built = para.build(view=relay.view(), relay_number=10)
    assert [s for _, s, _, _ in processed(para)] == [False, True]
    assert para.free(NEW) == ED and para.issuance() == issuance0 + ED
    assert [n for _, n, _ in para.events()] == ["Processed", "NewAccount", "Endowed", "Minted", "Processed",
                                                "ExtrinsicSuccess"]
    assert built.result.processed_downward_messages == 2


def program(*instructions: bytes) -> bytes:
    return bytes([0x04]) + compact(len(instructions)) + b"".join(instructions)


ASSET = bytes([1, 0x00, 0x00]) + compact(UNIT)  # {1, Here}, Fungible(UNIT)
RECEIVE = bytes([0x02]) + compact(1) + ASSET
CLEAR = bytes([0x0A])
BUY = bytes([0x13]) + ASSET + bytes([0x00])
DEPOSIT_BOB = bytes([0x0D, 0x01, 0x02]) + compact(1) + bytes([0x00, 0x01, 0x01, 0x00]) + BOB.public


def definite(amount: int) -> bytes:
    """DepositAsset{Definite([{1, Here} Fungible(amount)]), Bob}."""
    return bytes([0x0D, 0x00]) + compact(1) + bytes([1, 0x00, 0x00]) + compact(amount) + DEPOSIT_BOB[4:]


def test_definite_covering_and_all_deposit_everything():
    para, relay = Para(), RelayState(10)
    relay.send_downward(PARA_A, program(RECEIVE, CLEAR, BUY, definite(UNIT)), sent_at=9)
    relay.send_downward(PARA_A, program(RECEIVE, BUY, bytes([0x0D, 0x01, 0x00]) + DEPOSIT_BOB[4:]), sent_at=9)
    bob0 = para.free(BOB.public)
    para.build(view=relay.view(), relay_number=10)
    assert [s for _, s, _, _ in processed(para)] == [True, True]
    assert para.free(BOB.public) == bob0 + 2 * UNIT


@pytest.mark.parametrize("msg, weight", [
    (program(RECEIVE, DEPOSIT_BOB), 2_000_000),  # barrier: no BuyExecution
    (program(CLEAR, RECEIVE, BUY, DEPOSIT_BOB), 4_000_000),  # barrier: does not start with the assets
    (program(RECEIVE, CLEAR, bytes([0x13]) + ASSET + bytes([0x01]) + compact(3_999_999) + compact(0), DEPOSIT_BOB),
     4_000_000),  # BuyExecution's limit below 4 instructions' weight
    (program(bytes([0x02]) + compact(1) + bytes([0, 0, 0]) + compact(UNIT), CLEAR, BUY, DEPOSIT_BOB),
     4_000_000),  # not the relay's token as seen from the para
    (program(RECEIVE, CLEAR, BUY, CLEAR, RECEIVE, DEPOSIT_BOB), 6_000_000),  # teleport after ClearOrigin
    (program(RECEIVE, CLEAR, BUY, bytes([0x0D, 0x01, 0x02]) + compact(0) + DEPOSIT_BOB[4:]), 4_000_000),
    (program(RECEIVE, CLEAR, BUY, bytes([0x0D, 0x01, 0x01, 0x01, 0x00, 0x00]) + DEPOSIT_BOB[4:]),
     4_000_000),  # AllOf
    (program(RECEIVE, CLEAR, BUY, definite(UNIT - 1)), 4_000_000),  # Definite not covering holding
    (program(RECEIVE, CLEAR, BUY, bytes([0x0D, 0x01, 0x00, 0x01, 0x01, 0x01, 0x00]) + BOB.public),
     4_000_000),  # beneficiary {1, X1(AccountId32)}: not ours
    (program(RECEIVE, CLEAR, BUY, bytes([0x0A]), bytes([0x17])), 5_000_000),  # ClearError: unsupported
])
def test_failing_programs_change_nothing_and_still_count(msg, weight):
    para, relay = Para(), RelayState(10)
    relay.send_downward(PARA_A, msg, sent_at=9)
    state0 = dict(para.state)
    built = para.build(view=relay.view(), relay_number=10)
    assert processed(para) == [("Parent", False, weight, b2(msg))]
    assert para.state[account_key(BOB.public)] == state0[account_key(BOB.public)]
    assert built.result.processed_downward_messages == 1


def test_undecodable_downward_messages_weigh_nothing():
    para, relay = Para(), RelayState(10)
    for msg in (b"", b"\x03\x04", bytes([0x04, 0x04, 0xFF]), program(RECEIVE, CLEAR, BUY, DEPOSIT_BOB) + b"\x00"):
        relay.send_downward(PARA_A, msg, sent_at=9)
    built = para.build(view=relay.view(), relay_number=10)
    assert [(s, w) for _, s, w, _ in processed(para)] == [(False, 0)] * 4
    assert built.result.processed_downward_messages == 4


def test_horizontal_teleports_are_minted_program_by_program():
    para, relay = Para(), RelayState(10)
    relay.open_channel(PARA_B, PARA_A)
    relay.open_channel(PARA_A, PARA_B)
    m1, m2 = expected_message(1, UNIT, BOB.public), expected_message(1, 2 * UNIT, CHARLIE.public)
    garbage = b"\x04\x01\xff\xff"
    relay.send_horizontal(PARA_B, PARA_A, b"\x00" + m1 + m2 + garbage, sent_at=8)
    relay.send_horizontal(PARA_B, PARA_A, b"\x01" + m1, sent_at=9)  # another XCMP format: refused whole
    bob0, charlie0, issuance0 = para.free(BOB.public), para.free(CHARLIE.public), para.issuance()
    built = para.build(view=relay.view(), relay_number=10)
    sib = ("Sibling", PARA_B)
    assert processed(para) == [(sib, True, 5_000_000, m1[-32:]), (sib, True, 5_000_000, m2[-32:]),
                               (sib, False, 0, b2(garbage)), (sib, False, 0, b2(b"\x01" + m1))]
    assert para.free(BOB.public) == bob0 + UNIT and para.free(CHARLIE.public) == charlie0 + 2 * UNIT
    assert para.issuance() == issuance0 + 3 * UNIT
    head = reference_head([(8, b"\x00" + m1 + m2 + garbage), (9, b"\x01" + m1)])
    assert para.state[plain_key("ParachainSystem", "LastHrmpMqcHeads")] == (
        compact(1) + PARA_B.to_bytes(4, "little") + head)
    assert built.result.processed_downward_messages == 0


def test_ingress_channels_without_messages_still_get_their_head_entry():
    para, relay = Para(), RelayState(10)
    relay.open_channel(PARA_B, PARA_A)
    relay.open_channel(2005, PARA_A)
    relay.send_horizontal(2005, PARA_A, b"\x00", sent_at=9)
    para.build(view=relay.view(), relay_number=10)
    assert para.state[plain_key("ParachainSystem", "LastHrmpMqcHeads")] == (
        compact(2) + PARA_B.to_bytes(4, "little") + bytes(32) + (2005).to_bytes(4, "little")
        + reference_head([(9, b"\x00")]))


# -- adversarial inherents ------------------------------------------------------------------------------

def busy_relay() -> RelayState:
    relay = RelayState(10)
    relay.send_downward(PARA_A, expected_message(1, UNIT, BOB.public), sent_at=8)
    relay.send_downward(PARA_A, expected_message(1, 2 * UNIT, BOB.public), sent_at=9)
    relay.open_channel(PARA_B, PARA_A)
    relay.send_horizontal(PARA_B, PARA_A, b"\x00" + expected_message(1, 3, BOB.public), sent_at=7)
    relay.send_horizontal(PARA_B, PARA_A, b"\x00" + expected_message(1, 4, BOB.public), sent_at=9)
    return relay


def both_refuse(para, inherent, view, relay_number=10) -> str:
    """The collator refuses to build on `inherent`, and a validator refuses a PoV carrying it; the same rule."""
    with pytest.raises(InvalidBlock) as built:
        executive.build_block(para.para_id, para.header, para.state, inherent, [])
    # the header is checked last, so a plausible one (the next number on the right parent) is enough
    header = replace(para.header, number=para.header.number + 1, parent_hash=para.header.hash())
    pov = ParachainBlockData(header, (executive.inherent_extrinsic(inherent),),
                             tuple(sorted(para.state.items()))).encode()
    with pytest.raises(InvalidBlock) as executed:
        executive.execute_block(para.header.encode(), pov, relay_number, view.root)
    assert built.value.rule == executed.value.rule
    return built.value.rule


def test_honest_busy_relay_builds():
    para, relay = Para(), busy_relay()
    built = para.build(view=relay.view(), relay_number=10)
    assert built.result.processed_downward_messages == 2
    assert [s for _, s, _, _ in processed(para)] == [True] * 4


@pytest.mark.parametrize("tamper, rule", [
    (lambda i: replace(i, downward_messages=i.downward_messages[1:]), "dmq_mqc_head"),  # skipped
    (lambda i: replace(i, downward_messages=i.downward_messages[:1]), "dmq_mqc_head"),  # withheld
    (lambda i: replace(i, downward_messages=i.downward_messages + (InboundDownwardMessage(10, b"\x04\x00"),)),
     "dmq_mqc_head"),  # invented
    (lambda i: replace(i, downward_messages=tuple(reversed(i.downward_messages))), "dmq_mqc_head"),  # reordered
    (lambda i: replace(i, horizontal_messages=((PARA_B, i.horizontal_messages[0][1][1:]),)), "hrmp_mqc_head"),
    (lambda i: replace(i, horizontal_messages=()), "hrmp_mqc_head"),
    (lambda i: replace(i, horizontal_messages=((PARA_B, i.horizontal_messages[0][1]),
                                               (3000, (InboundHrmpMessage(9, b"\x00"),)))), "hrmp_sender"),
    (lambda i: replace(i, horizontal_messages=((3000, ()),) + i.horizontal_messages), "hrmp_sender"),
    (lambda i: replace(i, horizontal_messages=i.horizontal_messages * 2), "hrmp_sender"),  # not a map
    (lambda i: replace(i, horizontal_messages=((PARA_B, tuple(reversed(i.horizontal_messages[0][1]))),)),
     "message_order"),
    (lambda i: replace(i, relay_chain_state=tuple(p for p in i.relay_chain_state
                                                  if b2(p) != i.validation_data.relay_parent_storage_root)),
     "relay_proof"),  # the root node missing
    (lambda i: replace(i, relay_chain_state=()), "relay_proof"),
])
def test_adversarial_inherents_are_invalid_blocks(tamper, rule):
    para, relay = Para(), busy_relay()
    view = relay.view()
    honest = para.inherent(view, 10)
    assert both_refuse(para, tamper(honest), view) == rule


def test_a_missing_inner_proof_node_is_refused():
    para, relay = Para(), busy_relay()
    for n in range(40):  # a big enough relay state that the proven keys sit below the root
        relay.entries[b2(bytes([n]))] = bytes([n]) * 40
    view = relay.view()
    honest = para.inherent(view, 10)
    inner = [p for p in honest.relay_chain_state if b2(p) != view.root]
    assert inner
    for node in inner:
        tampered = replace(honest, relay_chain_state=tuple(p for p in honest.relay_chain_state if p != node))
        assert both_refuse(para, tampered, view) == "relay_proof"


def test_a_wrong_proven_mqc_head_is_refused():
    para, relay = Para(), busy_relay()
    kv = relay.kv()
    kv[dmp.DownwardMessageQueueHeads.key(PARA_A)] = b"\x11" * 32  # the relay says another queue
    from parachain.token.relay import StateRelayView
    view = StateRelayView(kv)
    assert both_refuse(para, para.inherent(view, 10), view) == "dmq_mqc_head"


def test_relay_parent_going_backwards_and_replayed_messages_are_refused():
    para, relay = Para(), busy_relay()
    para.build(view=relay.view(), relay_number=10)
    earlier = relay.view()
    assert both_refuse(para, para.inherent(earlier, 9), earlier, relay_number=9) == "relay_parent_backwards"
    # the same messages offered again (already processed: sent_at <= 10)
    replay = replace(para.inherent(earlier, 10), downward_messages=tuple(busy_relay().dmq[PARA_A]))
    assert both_refuse(para, replay, earlier) == "message_order"
    # and a relay parent that stays is fine: nothing new
    assert para.build(view=earlier, relay_number=10).result.processed_downward_messages == 0


def test_messages_the_relay_queued_at_its_genesis_reach_the_first_block_only():
    """D15: before the para's first block nothing was processed, so sent_at 0 counts as new."""
    para, relay = Para(), RelayState(10)
    relay.send_downward(PARA_A, expected_message(1, UNIT, BOB.public), sent_at=0)
    relay.open_channel(PARA_B, PARA_A)
    relay.send_horizontal(PARA_B, PARA_A, b"\x00" + expected_message(1, 2 * UNIT, BOB.public), sent_at=0)
    bob0 = para.free(BOB.public)
    built = para.build(view=relay.view(), relay_number=0)
    assert built.result.processed_downward_messages == 1 and para.free(BOB.public) == bob0 + 3 * UNIT
    built = para.build(view=relay.view(), relay_number=0)  # relay parent 0 again: all of it already processed
    assert built.result.processed_downward_messages == 0 and para.free(BOB.public) == bob0 + 3 * UNIT


def test_hostile_nesting_is_an_undecodable_message_not_a_crash():
    """A program nesting more than 100 instructions in all does not decode (weight 0); 100 decode and fail the
    barrier (one outer instruction)."""
    def nested(levels):
        inner = bytes([0x00])
        for _ in range(levels):
            inner = bytes([0x04, 0x05, 0x00, 0x00, 0x00]) + inner
        return bytes([0x04]) + inner
    para, relay = Para(), RelayState(10)
    relay.send_downward(PARA_A, nested(5000), sent_at=9)
    relay.send_downward(PARA_A, nested(100), sent_at=9)
    relay.open_channel(PARA_B, PARA_A)
    relay.send_horizontal(PARA_B, PARA_A, b"\x00" + nested(3000), sent_at=9)
    built = para.build(view=relay.view(), relay_number=10)
    assert [(s, w) for _, s, w, _ in processed(para)] == [(False, 0), (False, 1_000_000), (False, 0)]
    assert built.result.processed_downward_messages == 2
