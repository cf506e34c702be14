"""Balances on the token para (SPEC.md §3): what a transfer block changes, keep-alive / existential-deposit /
new-account rules with their error bytes, reaping, signature and nonce rejections (dropped by the collator,
an invalid block for a validator), the transaction pool's tags. Every built block is re-executed."""

from __future__ import annotations

import pytest

from parachain.token import balances, executive
from parachain.token.errors import InvalidBlock
from parachain.token.types import ParachainBlockData
from relaychain.primitives.crypto import Ed25519Keypair, Sr25519Keypair
from relaychain.primitives.extrinsic import Era
from relaychain.runtime.errors import InvalidTransaction
from tests.parachain.token.fixture import (
    ALICE, BOB, ED, UNIT, Para, RelayState, account_bytes, account_key, compact, plain_key, twox64,
)

DAVE_NEW = Sr25519Keypair.from_uri("//NewAccount")


def transfer(dest: bytes, value: int, keep_alive=True) -> bytes:
    f = balances.transfer_keep_alive if keep_alive else balances.transfer_allow_death
    return f.encode(dest=("Id", dest), value=value)


def plain_transfer_call(dest: bytes, value: int, call_index: int) -> bytes:
    """Balances (10) call: MultiAddress::Id (0) ++ AccountId32 ++ Compact<u128>."""
    return bytes([10, call_index, 0]) + dest + compact(value)


def failed_error(para) -> bytes:
    """The DispatchError of the last ExtrinsicFailed, re-encoded from its decoded value."""
    from relaychain.runtime.framework import DISPATCH_ERROR
    (err,) = [f["dispatch_error"] for p, n, f in para.events() if n == "ExtrinsicFailed"]
    return DISPATCH_ERROR.encode(err)


def test_call_encoding_is_the_spec_layout():
    assert transfer(BOB.public, 5 * UNIT) == plain_transfer_call(BOB.public, 5 * UNIT, 3)
    assert transfer(BOB.public, 7, keep_alive=False) == plain_transfer_call(BOB.public, 7, 0)


def test_a_transfer_block_changes_exactly_the_two_balances_the_nonce_and_block_bookkeeping():
    para = Para()
    before = dict(para.state)
    a0, b0, issuance = para.free(ALICE.public), para.free(BOB.public), para.issuance()
    built = para.build([para.sign(ALICE, transfer(BOB.public, 5 * UNIT), 0)])
    assert not built.dropped and len(built.included) == 2
    changed = {k for k in set(before) | set(para.state) if before.get(k) != para.state.get(k)}
    bookkeeping = {plain_key("System", k) for k in ("Number", "ParentHash", "Events", "EventCount")}
    bookkeeping |= {plain_key("System", "BlockHash") + twox64(bytes(4)) + bytes(4)}
    bookkeeping |= {plain_key("ParachainSystem", k) for k in ("LastRelayChainBlockNumber", "LastDmqMqcHead")}
    assert changed == {account_key(ALICE.public), account_key(BOB.public)} | bookkeeping
    assert para.state[account_key(ALICE.public)] == account_bytes(1, 1, a0 - 5 * UNIT)
    assert para.state[account_key(BOB.public)] == account_bytes(0, 1, b0 + 5 * UNIT)
    assert para.issuance() == issuance
    assert para.state[plain_key("System", "BlockHash") + twox64(bytes(4)) + bytes(4)] == para.genesis_hash
    assert [(p, n) for p, n, _ in para.events()] == [
        ("System", "ExtrinsicSuccess"), ("Balances", "Transfer"), ("System", "ExtrinsicSuccess")]


def test_keep_alive_refuses_to_drop_below_the_deposit_but_the_nonce_moves():
    para = Para(endowed=[(ALICE.public, 2 * ED), (BOB.public, UNIT)])
    para.build([para.sign(ALICE, transfer(BOB.public, ED + 1), 0)])
    assert failed_error(para) == bytes([7, 8])  # Token(NotExpendable)
    assert para.free(ALICE.public) == 2 * ED and para.nonce(ALICE.public) == 1


def test_allow_death_reaps_the_sender_and_burns_the_dust():
    para = Para(endowed=[(ALICE.public, 2 * ED + 5), (BOB.public, UNIT)])
    issuance = para.issuance()
    para.build([para.sign(ALICE, transfer(BOB.public, ED + 10, keep_alive=False), 0)])
    dust = 2 * ED + 5 - (ED + 10)
    assert dust < ED
    assert account_key(ALICE.public) not in para.state
    assert para.free(BOB.public) == UNIT + ED + 10
    assert para.issuance() == issuance - dust
    assert [(p, n) for p, n, _ in para.events()][1:] == [
        ("System", "KilledAccount"), ("Balances", "DustLost"), ("Balances", "Transfer"), ("System", "ExtrinsicSuccess")]
    # a reaped account's transactions are invalid (no providers): the next one is dropped
    built = para.build([para.sign(ALICE, transfer(BOB.public, 1), 1)])
    assert [d.error.kind for d in built.dropped] == ["Payment"]


def test_new_account_needs_the_deposit_and_is_endowed():
    para = Para()
    para.build([para.sign(ALICE, transfer(DAVE_NEW.public, ED - 1), 0)])
    assert failed_error(para) == bytes([7, 2])  # Token(BelowMinimum)
    assert account_key(DAVE_NEW.public) not in para.state
    para.build([para.sign(ALICE, transfer(DAVE_NEW.public, ED), 1)])
    assert para.state[account_key(DAVE_NEW.public)] == account_bytes(0, 1, ED)
    assert [(p, n) for p, n, _ in para.events()][1:] == [
        ("System", "NewAccount"), ("Balances", "Endowed"), ("Balances", "Transfer"), ("System", "ExtrinsicSuccess")]


def test_more_than_free_is_funds_unavailable():
    para = Para(endowed=[(ALICE.public, UNIT), (BOB.public, UNIT)])
    para.build([para.sign(ALICE, transfer(BOB.public, UNIT + 1, keep_alive=False), 0)])
    assert failed_error(para) == bytes([7, 0])
    assert para.free(ALICE.public) == UNIT


def test_zero_transfer_is_a_success_with_its_event_and_no_change():
    para = Para()
    a0 = para.free(ALICE.public)
    para.build([para.sign(ALICE, transfer(DAVE_NEW.public, 0), 0)])
    assert para.free(ALICE.public) == a0 and account_key(DAVE_NEW.public) not in para.state
    (ev,) = [f for p, n, f in para.events() if n == "Transfer"]
    assert ev["amount"] == 0


def test_self_transfer_changes_nothing_but_emits_transfer():
    para = Para(endowed=[(ALICE.public, 2 * ED), (BOB.public, UNIT)])
    para.build([para.sign(ALICE, transfer(ALICE.public, ED + 1, keep_alive=False), 0),
                para.sign(ALICE, transfer(ALICE.public, ED + 1), 1)])
    assert para.free(ALICE.public) == 2 * ED and para.nonce(ALICE.public) == 2  # D1: never reaped by itself
    assert [n for _, n, _ in para.events()] == ["ExtrinsicSuccess", "Transfer", "ExtrinsicSuccess",
                                                "ExtrinsicFailed"]  # keep-alive still refuses: NotExpendable
    assert failed_error(para) == bytes([7, 8])


def test_only_multiaddress_id_resolves():
    para = Para()
    call = bytes([10, 3, 1]) + compact(5) + compact(UNIT)  # MultiAddress::Index(5)
    para.build([para.sign(ALICE, call, 0)])
    assert failed_error(para) == bytes([1])  # CannotLookup


def ecdsa_extrinsic(who: bytes, call: bytes) -> bytes:
    body = bytes([0x84, 0x00]) + who + bytes([0x02]) + bytes(65) + b"\x00" + compact(0) + compact(0) + call
    return compact(len(body)) + body


def test_bad_signatures_are_dropped_with_their_reason():
    para = Para()
    call = transfer(BOB.public, UNIT)
    forged = bytearray(para.sign(ALICE, call, 0))
    forged[-10] ^= 1  # inside the signed call's destination account
    other_chain = Para(2001)  # another genesis hash: the signature is over the wrong chain
    built = para.build([bytes(forged), other_chain.sign(ALICE, call, 0), ecdsa_extrinsic(ALICE.public, call),
                        b"\x08\x04\x0a", para.sign(ALICE, bytes([10, 99]), 0)])
    assert [d.error.kind for d in built.dropped] == ["BadProof", "BadProof", "BadProof", "BadFormat", "BadFormat"]
    assert len(built.included) == 1 and para.nonce(ALICE.public) == 0


def test_ed25519_signers_are_accepted():
    ed = Ed25519Keypair.from_uri("//EdAlice")
    para = Para(endowed=[(ed.public, UNIT), (BOB.public, UNIT)])
    built = para.build([para.sign(ed, transfer(BOB.public, ED), 0)])
    assert not built.dropped and para.free(BOB.public) == UNIT + ED


def test_nonces_stale_future_and_a_chain_of_them():
    para = Para()
    xts = [para.sign(ALICE, transfer(BOB.public, 1 * ED), n) for n in (0, 1, 2)]
    built = para.build([xts[0], xts[0], xts[2], xts[1], xts[2]])
    # 0 applies; its replay is stale; 2 comes too early; then 1 and 2 apply in order
    assert [d.error.kind for d in built.dropped] == ["Stale", "Future"]
    assert len(built.included) == 4 and para.nonce(ALICE.public) == 3


def test_unfunded_signer_is_payment():
    para = Para()
    built = para.build([para.sign(DAVE_NEW, transfer(BOB.public, 1), 0)])
    assert [d.error.kind for d in built.dropped] == ["Payment"]


def test_mortal_era_needs_a_recorded_birth_block():
    para = Para()
    para.build()
    para.build()  # block 2: BlockHash(1) is recorded in block 2's initialization
    birth = para.header  # block 2 is the birth; the next block (3) is the one that includes it
    era = Era.mortal(64, 2)
    good = para.sign(ALICE, transfer(BOB.public, ED), 0, era=era, birth_hash=birth.hash())
    too_new = para.sign(ALICE, transfer(BOB.public, ED), 0, era=Era.mortal(64, 3), birth_hash=birth.hash())
    built = para.build([too_new, good])
    assert [d.error.kind for d in built.dropped] == ["AncientBirthBlock"]
    assert para.nonce(ALICE.public) == 1


def _pov_with(para, extrinsics, relay_number=10):
    """A PoV whose extrinsics are `extrinsics` after the honest inherent (header of the honest block)."""
    view = RelayState(relay_number).view()
    honest = para.build([], view=view, relay_number=relay_number, commit=False)
    block = ParachainBlockData.decode(honest.block_data)
    return ParachainBlockData(block.header, (block.extrinsics[0], *extrinsics), block.parent_state).encode(), view


def test_a_block_with_an_inapplicable_extrinsic_is_invalid():
    para = Para()
    stale = para.sign(ALICE, transfer(BOB.public, ED), 5)
    pov, view = _pov_with(para, [stale])
    with pytest.raises(InvalidBlock) as e:
        executive.execute_block(para.header.encode(), pov, 10, view.root)
    assert e.value.rule == "invalid_extrinsic"


def test_validate_transaction_tags_and_rejections():
    para = Para()
    para.build([para.sign(ALICE, transfer(BOB.public, ED), 0)])
    n = para.header.number
    v = executive.validate_transaction(para.state, para.sign(ALICE, transfer(BOB.public, ED), 1),
                                       block_number=n, block_hash=para.header.hash())
    assert v.provides == (ALICE.public + (1).to_bytes(4, "little"),) and v.requires == ()
    v = executive.validate_transaction(para.state, para.sign(ALICE, transfer(BOB.public, ED), 3),
                                       block_number=n, block_hash=para.header.hash())
    assert v.provides == (ALICE.public + (3).to_bytes(4, "little"),)
    assert v.requires == (ALICE.public + (2).to_bytes(4, "little"),)
    with pytest.raises(InvalidTransaction) as e:
        executive.validate_transaction(para.state, para.sign(ALICE, transfer(BOB.public, ED), 0),
                                       block_number=n, block_hash=para.header.hash())
    assert e.value.kind == "Stale"
    inherent = para.last.included[0]
    with pytest.raises(InvalidTransaction) as e:
        executive.validate_transaction(para.state, inherent, block_number=n, block_hash=para.header.hash())
    assert e.value.kind == "MandatoryValidation"
