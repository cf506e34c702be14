"""Blocks over a real TrieBackend: transfers, fees, events (decoded by scalecodec), invalid transactions,
re-execution, transaction validity (rpc.md §8, §10; contracts C4)."""

import pytest
from scalecodec.base import ScaleBytes

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.extrinsic import Era
from relaychain.primitives.types import Block, Header
from relaychain.runtime import constants as C
from relaychain.runtime import executive
from relaychain.runtime.errors import InvalidBlock, InvalidTransaction, MalformedExtrinsic, UnknownTransaction
from relaychain.runtime.pallets import balances, system

UNIT = 10**12
ENDOWMENT = 1 << 60


def transfer(dest: bytes, value: int, name="transfer_allow_death") -> bytes:
    return balances.pallet.call_named(name).encode(dest=("Id", dest), value=value)


def expected_fee(xt_len: int, ref_time: int, tip: int = 0) -> int:
    """rpc/transaction_payment rule, written out: base + length + weight fee (multiplier 1)."""
    return 10**9 + xt_len * 10**8 + ref_time * 10**9 // 125_000_000 + tip


def account(state, who):
    return system.account(state, who)


def events(chain, scale_metadata, number=None):
    rc, md = scale_metadata
    raw = chain.state(number).get(system.Events.key())
    vt = md.get_metadata_pallet("System").get_storage_function("Events").get_value_type_string()
    obj = rc.create_scale_object(vt, data=ScaleBytes(raw), metadata=md)
    return obj.decode()


def names(evs, extrinsic_idx):
    return [(e["module_id"], e["event_id"]) for e in evs if e["extrinsic_idx"] == extrinsic_idx]


def test_transfer_block_balances_fee_events(chain, keys, scale_metadata):
    alice, bob = keys["Alice"].public, keys["Bob"].public
    issuance = balances.TotalIssuance.get(chain.state())
    xt = chain.sign(keys["Alice"], transfer(bob, 5 * UNIT), 0)
    header, body, _, results = chain.build([xt])
    assert header.number == 1 and len(body) == 3 and results[0].success  # Timestamp.set, ParaInherent.enter, xt
    fee = expected_fee(len(xt), 51_000_000)
    st = chain.state()
    assert results[0].fee == fee
    assert account(st, alice).nonce == 1
    assert account(st, alice).data.free == ENDOWMENT - 5 * UNIT - fee
    assert account(st, bob).data.free == ENDOWMENT + 5 * UNIT
    assert balances.TotalIssuance.get(st) == issuance - fee  # fees are burnt
    evs = events(chain, scale_metadata)
    assert names(evs, 0) == [("System", "ExtrinsicSuccess")]
    assert names(evs, 1) == [("System", "ExtrinsicSuccess")]
    assert names(evs, 2) == [("Balances", "Withdraw"), ("Balances", "Transfer"),
                             ("TransactionPayment", "TransactionFeePaid"), ("System", "ExtrinsicSuccess")]
    paid = next(e for e in evs if e["event_id"] == "TransactionFeePaid")["attributes"]
    assert paid["actual_fee"] == fee and paid["tip"] == 0
    moved = next(e for e in evs if e["event_id"] == "Transfer")["attributes"]
    assert moved["amount"] == 5 * UNIT and moved["from"] == "0x" + alice.hex()
    ok = next(e for e in evs if e["extrinsic_idx"] == 2 and e["event_id"] == "ExtrinsicSuccess")["attributes"]
    assert ok["dispatch_info"]["weight"] == {"ref_time": 51_000_000, "proof_size": 3593}
    assert ok["dispatch_info"]["class"] == "Normal" and ok["dispatch_info"]["pays_fee"] == "Yes"
    # System bookkeeping
    assert system.Number.get(st) == 1 and system.ParentHash.get(st) == chain.genesis_hash
    assert system.BlockHash.get(st, 0) == chain.genesis_hash
    assert system.EventCount.get(st) == len(evs)


def test_new_account_and_reaping(chain, keys, scale_metadata):
    fresh = Sr25519Keypair.from_uri("//Fresh")
    xt = chain.sign(keys["Alice"], transfer(fresh.public, 2 * C.EXISTENTIAL_DEPOSIT), 0)
    chain.build([xt])
    assert names(events(chain, scale_metadata), 2) == [
        ("Balances", "Withdraw"), ("System", "NewAccount"), ("Balances", "Endowed"), ("Balances", "Transfer"),
        ("TransactionPayment", "TransactionFeePaid"), ("System", "ExtrinsicSuccess")]
    assert account(chain.state(), fresh.public).providers == 1
    # below the existential deposit: refused with Token(BelowMinimum), fee and nonce still taken
    xt2 = chain.sign(keys["Alice"], transfer(Sr25519Keypair.from_uri("//Tiny").public, 1), 1)
    _, _, _, (r,) = chain.build([xt2])
    assert not r.success and r.dispatch_error.value == ("Token", "BelowMinimum")
    assert not system.account_exists(chain.state(), Sr25519Keypair.from_uri("//Tiny").public)


def test_failed_dispatch_keeps_fee_and_nonce_only(chain, keys, scale_metadata):
    alice, bob = keys["Alice"].public, keys["Bob"].public
    xt = chain.sign(keys["Alice"], transfer(bob, ENDOWMENT * 2), 0)
    _, body, _, (r,) = chain.build([xt])
    assert xt in body and not r.success
    st = chain.state()
    fee = expected_fee(len(xt), 51_000_000)
    assert account(st, alice).nonce == 1 and account(st, alice).data.free == ENDOWMENT - fee
    assert account(st, bob).data.free == ENDOWMENT
    evs = events(chain, scale_metadata)
    assert names(evs, 2) == [("Balances", "Withdraw"), ("TransactionPayment", "TransactionFeePaid"),
                             ("System", "ExtrinsicFailed")]
    failed = next(e for e in evs if e["event_id"] == "ExtrinsicFailed")["attributes"]
    assert failed["dispatch_error"] == {"Token": "FundsUnavailable"}


def test_a_transfer_above_the_total_issuance_underflows(chain, keys, scale_metadata):
    """frame_support fungible::Mutate::transfer checks `can_withdraw`, whose first test is
    `TotalIssuance - amount` (WithdrawConsequence::Underflow -> ArithmeticError::Underflow), before the
    account's balance (BalanceLow -> Token(FundsUnavailable))."""
    issuance = balances.TotalIssuance.get(chain.state())
    xt = chain.sign(keys["Alice"], transfer(keys["Bob"].public, issuance + 1, "transfer_keep_alive"), 0)
    *_, (r,) = chain.build([xt])
    assert not r.success and r.dispatch_error.value == ("Arithmetic", "Underflow")
    failed = next(e for e in events(chain, scale_metadata) if e["event_id"] == "ExtrinsicFailed")["attributes"]
    assert failed["dispatch_error"] == {"Arithmetic": "Underflow"}
    assert account(chain.state(), keys["Bob"].public).data.free == ENDOWMENT


def test_root_calls_are_bad_origin_for_signed(chain, keys, scale_metadata):
    call = balances.pallet.call_named("force_set_balance").encode(who=("Id", keys["Bob"].public), new_free=1)
    _, _, _, (r,) = chain.build([chain.sign(keys["Alice"], call, 0)])
    assert r.dispatch_error.value == "BadOrigin"
    assert account(chain.state(), keys["Bob"].public).data.free == ENDOWMENT


def test_module_error_and_remark_event(chain, keys, scale_metadata):
    remark = system.pallet.call_named("remark_with_event").encode(remark=b"hello")
    _, _, _, (r,) = chain.build([chain.sign(keys["Alice"], remark, 0)])
    assert r.success
    ev = next(e for e in events(chain, scale_metadata) if e["event_id"] == "Remarked")
    assert ev["attributes"]["sender"] == "0x" + keys["Alice"].public.hex()


def _unchanged(builder, fn):
    before_changes, before_events = dict(builder.state.changes), list(builder.state.events)
    before_index = builder.ctx.extrinsic_index
    fn()
    assert builder.state.changes == before_changes and builder.state.events == before_events
    assert builder.ctx.extrinsic_index == before_index and builder.state.depth == 0


def test_invalid_transactions_change_nothing(chain, keys):
    chain.build([chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 0)])
    b = chain.builder()
    good = chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 1)
    bad_sig = bytearray(good)
    bad_sig[40] ^= 1  # inside the signature
    pauper = Sr25519Keypair.from_uri("//Pauper")
    cases = [
        (bytes(bad_sig), "BadProof"),
        (chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 0), "Stale"),
        (chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 5), "Future"),
        (chain.sign(pauper, transfer(keys["Bob"].public, UNIT), 0), "Payment"),
        (sign_with_wrong_genesis(keys["Alice"]), "BadProof"),
        (chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 1, era=Era.mortal(64, 200),
                    birth_hash=bytes(32)), "AncientBirthBlock"),
    ]
    for xt, kind in cases:
        def apply(xt=xt, kind=kind):
            with pytest.raises(InvalidTransaction) as e:
                b.push(xt)
            assert e.value.kind == kind, (kind, e.value)
            assert e.value.message == InvalidTransaction.messages[kind]
        _unchanged(b, apply)
    for junk in (b"", b"\x00", good[:-3], good + b"\x00", b"\x10\x04\x05\x63\x00\x00", bytes(200)):
        def apply_junk(junk=junk):
            with pytest.raises(MalformedExtrinsic) as e:
                b.push(junk)
            assert e.value.code == 1001 and e.value.message == "Extrinsic has invalid format"
        _unchanged(b, apply_junk)
    assert b.push(good).success  # the builder still works after the refusals


def sign_with_wrong_genesis(kp):
    from relaychain.primitives.extrinsic import sign_extrinsic
    return sign_extrinsic(kp, transfer(kp.public, 1), nonce=1, genesis_hash=b"\x01" * 32,
                          spec_version=C.SPEC_VERSION, transaction_version=C.TRANSACTION_VERSION)


def test_unpayable_fee_for_existing_account(chain, keys):
    poor = Sr25519Keypair.from_uri("//Poor")
    chain.build([chain.sign(keys["Alice"], transfer(poor.public, C.EXISTENTIAL_DEPOSIT + 1000), 0)])
    b = chain.builder()
    with pytest.raises(InvalidTransaction) as e:
        b.push(chain.sign(poor, transfer(keys["Bob"].public, 1), 0))
    assert e.value.kind == "Payment"


def test_unsigned_non_inherent_is_refused(chain, keys):
    from relaychain.primitives.scale import encode_bytes
    b = chain.builder()
    xt = encode_bytes(b"\x04" + transfer(keys["Bob"].public, 1))
    with pytest.raises(UnknownTransaction):
        b.push(xt)


def test_execute_block_reproduces_state_root(chain, keys):
    xts = [chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), n) for n in range(3)]
    xts.append(chain.sign(keys["Bob"], transfer(keys["Charlie"].public, UNIT), 0))
    parent = chain.state()
    header, body, changes, _ = chain.build(xts)
    got = executive.execute_block(parent, Block(header, tuple(body)), storage_root=chain.storage_root(parent))
    assert got == changes
    assert parent.apply(got)[0] == header.state_root
    # a different claimed root, a reordered body, a dropped extrinsic: all refused
    bad = Header(header.parent_hash, header.number, bytes(32), header.extrinsics_root, header.digest)
    for block in (Block(bad, tuple(body)), Block(header, (body[0], body[2], body[1]) + tuple(body[3:])),
                  Block(header, tuple(body[:-1]))):
        with pytest.raises(InvalidBlock):
            executive.execute_block(parent, block, storage_root=chain.storage_root(parent))


def test_execute_block_refuses_missing_timestamp_and_invalid_tx(chain, keys):
    parent = chain.state()
    header, body, _, _ = chain.build([chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 0)])
    with pytest.raises(InvalidBlock):
        executive.execute_block(parent, Block(header, tuple(body[1:])), storage_root=chain.storage_root(parent))
    stale = chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 7)
    with pytest.raises(InvalidBlock, match="invalid"):
        executive.execute_block(parent, Block(header, (body[0], stale)), storage_root=chain.storage_root(parent))


def test_timestamp_must_match_slot(chain):
    b = executive.BlockBuilder(chain.state(), chain.head, chain.pre_digest(1005),
                               storage_root=chain.storage_root(chain.state()))
    with pytest.raises(InvalidTransaction) as e:
        b.apply_inherents(chain.inherent_data(1004))
    assert e.value.kind == "BadMandatory"


def test_missing_slot_claim_is_invalid_block(chain):
    with pytest.raises(InvalidBlock):
        executive.BlockBuilder(chain.state(), chain.head, [], storage_root=chain.storage_root(chain.state()))


def test_validate_transaction_tags_and_errors(chain, keys):
    chain.build([chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 0)])
    st, n = chain.state(), chain.head.number
    hash_of = {i: h.hash() for i, h in enumerate(chain.headers)}.get
    alice = keys["Alice"].public
    v = executive.validate_transaction(st, chain.sign(keys["Alice"], transfer(alice, 1), 1), block_number=n,
                                       block_hash_of=hash_of)
    assert v.provides == (alice + (1).to_bytes(4, "little"),) and v.requires == ()
    assert v.longevity == 2**64 - 1 and v.priority > 0
    f = executive.validate_transaction(st, chain.sign(keys["Alice"], transfer(alice, 1), 3), block_number=n,
                                       block_hash_of=hash_of)
    assert f.requires == (alice + (2).to_bytes(4, "little"),)
    tipped = executive.validate_transaction(st, chain.sign(keys["Alice"], transfer(alice, 1), 1, tip=10**9),
                                            block_number=n, block_hash_of=hash_of)
    assert tipped.priority > v.priority
    mortal = chain.sign(keys["Alice"], transfer(alice, 1), 1, era=Era.mortal(64, n), birth_hash=chain.head.hash())
    m = executive.validate_transaction(st, mortal, block_number=n, block_hash_of=hash_of)
    era = Era.mortal(64, n)
    assert m.longevity == era.death(n + 1) - (n + 1)
    with pytest.raises(InvalidTransaction, match="outdated"):
        executive.validate_transaction(st, chain.sign(keys["Alice"], transfer(alice, 1), 0), block_number=n,
                                       block_hash_of=hash_of)
    with pytest.raises(InvalidTransaction) as e:
        executive.validate_transaction(st, chain.blocks[1].extrinsics[0], block_number=n, block_hash_of=hash_of)
    assert e.value.kind == "MandatoryValidation"
    assert st.get(system.Number.key()) == (1).to_bytes(4, "little")  # validation wrote nothing


def test_mortal_transaction_applies(chain, keys):
    chain.build([])
    n = chain.head.number
    xt = chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 0, era=Era.mortal(32, n),
                    birth_hash=chain.head.hash())
    _, _, _, (r,) = chain.build([xt])
    assert r.success


def test_session_rotates_with_babe_epochs(chain, keys, scale_metadata):
    from relaychain.primitives.types import BABE_ENGINE_ID, Consensus, NextEpochDescriptor
    from relaychain.runtime import apis
    from relaychain.runtime.pallets import babe, grandpa, session
    h1, *_ = chain.build([])
    first = [i for i in h1.digest.logs if isinstance(i, Consensus)]
    assert len(first) == 1 and first[0].engine == BABE_ENGINE_ID  # epoch 1 announced in block 1
    announced = NextEpochDescriptor.decode(first[0].data)
    assert sorted(k for k, _ in announced.authorities) == sorted(keys[n].public
                                                                 for n in ("Alice", "Bob", "Charlie", "Dave"))
    chain.build([], slot=chain.slot + C.EPOCH_DURATION_IN_SLOTS)  # crosses the epoch boundary
    st = chain.state()
    assert babe.EpochIndex.get(st) == 1 and session.CurrentIndex.get(st) == 1
    assert ("Session", "NewSession") in names(events(chain, scale_metadata), None)  # phase Initialization
    assert any(isinstance(i, Consensus) for i in chain.head.digest.logs)
    assert apis.current_epoch(st).epoch_index == 1
    assert grandpa.CurrentSetId.get(st) == 0  # same validators: no GRANDPA change
    assert sorted(k for k, _ in apis.grandpa_authorities(st)) == sorted(v.grandpa for v in chain.spec.validators)


def test_block_must_extend_the_state_it_runs_on(chain):
    chain.build([])
    wrong_parent = chain.headers[0]  # the state is block 1's; a parent header numbered 5 does not match it
    with pytest.raises(InvalidBlock):
        executive.BlockBuilder(chain.state(), Header(wrong_parent.parent_hash, 5, wrong_parent.state_root,
                                                     wrong_parent.extrinsics_root, wrong_parent.digest),
                               chain.pre_digest(2000), storage_root=chain.storage_root(chain.state()))


def test_inherents_come_first(chain, keys):
    b = chain.builder()
    b.push(chain.sign(keys["Alice"], transfer(keys["Bob"].public, UNIT), 0))
    from relaychain.primitives.scale import encode_bytes
    from relaychain.runtime.pallets import timestamp
    with pytest.raises(InvalidTransaction):
        b.push(encode_bytes(b"\x04" + timestamp.inherent_call((chain.slot + 1) * chain.slot_ms)))


def test_locked_funds_cannot_leave(chain, keys):
    """Dev validator stashes bond 10 000 UNIT under a staking lock (AccountData.frozen)."""
    stash = Sr25519Keypair.from_uri("//Alice//stash")
    info = account(chain.state(), stash.public)
    assert info.data.frozen == 10_000 * UNIT and info.consumers >= 1
    spendable = info.data.free - info.data.frozen
    big = chain.sign(stash, transfer(keys["Bob"].public, spendable + 1), 0)
    _, _, _, (r,) = chain.build([big])
    assert r.dispatch_error.value == ("Token", "Frozen")
    after = account(chain.state(), stash.public)
    assert after.data.free == info.data.free - r.fee  # only the fee left
    # everything above the lock can go; the lock (and the account) stay
    allx = balances.pallet.call_named("transfer_all").encode(dest=("Id", keys["Bob"].public), keep_alive=False)
    _, _, _, (r2,) = chain.build([chain.sign(stash, allx, 1)])
    assert r2.success
    final = account(chain.state(), stash.public)
    assert final.data.free == info.data.frozen and system.account_exists(chain.state(), stash.public)
    # and with nothing reducible left, a fee can no longer be paid
    with pytest.raises(InvalidTransaction) as e:
        chain.builder().push(chain.sign(stash, transfer(keys["Bob"].public, 1), 2))
    assert e.value.kind == "Payment"


def test_a_failing_pallet_bug_leaves_no_trace(chain, keys):
    call_def = system.pallet.call_named("remark")
    original = call_def.fn

    def broken(ctx, origin, remark):
        system.Number.set(ctx.state, 999)
        raise RuntimeError("pallet bug")

    object.__setattr__(call_def, "fn", broken)  # CallDef is frozen: patch it for this test only
    try:
        b = chain.builder()
        xt = chain.sign(keys["Alice"], call_def.encode(remark=b"x"), 0)
        before = (dict(b.state.changes), list(b.state.events))
        with pytest.raises(RuntimeError):
            b.push(xt)
        assert (dict(b.state.changes), list(b.state.events)) == before and b.state.depth == 0
    finally:
        object.__setattr__(call_def, "fn", original)


def test_validator_set_change_reaches_babe_and_grandpa(keys, scale_metadata):
    """A SessionManager planning a smaller set: queued at one session end, enacted at the next, where GRANDPA
    schedules (delay 0) and applies the change: new set id, ScheduledChange log, NewAuthorities event."""
    from dataclasses import replace

    from relaychain.primitives.types import GRANDPA_ENGINE_ID, Consensus, GrandpaScheduledChange, decode_grandpa_log
    from relaychain.runtime import apis
    from relaychain.runtime.framework import Runtime
    from relaychain.runtime.pallets import grandpa, session
    from relaychain.runtime.runtime import CONFIGS, PALLETS
    from tests.runtime.conftest import DevChain

    class Planner:
        def new_session(self, ctx, index):
            return three if index == 2 else None

        def start_session(self, ctx, index):
            pass

        def end_session(self, ctx, index):
            pass

    planned = {**CONFIGS, session.pallet.name: replace(CONFIGS[session.pallet.name], session_manager=Planner())}
    chain = DevChain(runtime=Runtime("relaychain_runtime", PALLETS, planned))
    three = [v.account for v in chain.spec.validators[:3]]
    chain.build([])
    chain.build([], slot=chain.slot + C.EPOCH_DURATION_IN_SLOTS)  # session 1: the 3-set is queued
    st = chain.state()
    assert session.CurrentIndex.get(st) == 1 and len(session.Validators.get(st)) == 4
    assert [a for a, _ in session.QueuedKeys.get(st)] == three and session.QueuedChanged.get(st)
    assert grandpa.CurrentSetId.get(st) == 0
    header, *_ = chain.build([], slot=chain.slot + C.EPOCH_DURATION_IN_SLOTS)  # session 2: enacted
    st = chain.state()
    new_grandpa = [v.grandpa for v in chain.spec.validators[:3]]
    assert session.Validators.get(st) == three
    assert [k for k, _ in apis.grandpa_authorities(st)] == new_grandpa and apis.grandpa_set_id(st) == 1
    assert [k for k, _ in apis.babe_authorities(st)] == [v.babe for v in chain.spec.validators[:3]]
    logs = [i for i in header.digest.logs if isinstance(i, Consensus) and i.engine == GRANDPA_ENGINE_ID]
    assert len(logs) == 1 and logs[0].data == grandpa.scheduled_change_log([(k, 1) for k in new_grandpa], 0)
    assert decode_grandpa_log(logs[0].data) == GrandpaScheduledChange(tuple((k, 1) for k in new_grandpa), 0)
    assert ("Grandpa", "NewAuthorities") in names(events(chain, scale_metadata), None)
    assert grandpa.PendingChange.get(st) is None and grandpa.SetIdSession.get(st, 1) == 2


def test_reelecting_the_same_validators_keeps_the_grandpa_set(chain):
    from relaychain.runtime.pallets import grandpa, session
    chain.build([])
    for _ in range(3):  # sessions 1..3: staking plans era 1 at session 1, enacted at session 2
        chain.build([], slot=chain.slot + C.EPOCH_DURATION_IN_SLOTS)
    st = chain.state()
    from relaychain.runtime.pallets import staking_storage
    assert session.CurrentIndex.get(st) == 3 and staking_storage.ActiveEra.get(st).index == 1  # a new era began
    assert grandpa.CurrentSetId.get(st) == 0 and grandpa.SetIdSession.get(st, 0) == 3


def test_inherents_come_from_inherent_data(chain):
    """The runtime makes Timestamp.set from the `timstap0` entry (sp_timestamp: u64 ms); without that entry
    there is no timestamp inherent and the block fails Timestamp's on_finalize."""
    from relaychain.primitives.inherents import TIMESTAMP_INHERENT, InherentData
    from relaychain.primitives.scale import encode_u64
    from relaychain.runtime.pallets import timestamp

    b = executive.BlockBuilder(chain.state(), chain.head, chain.pre_digest(1001),
                               storage_root=chain.storage_root(chain.state()))
    results = b.apply_inherents(InherentData({TIMESTAMP_INHERENT: encode_u64(1001 * chain.slot_ms)}))
    assert [r.success for r in results] == [True]
    assert b.extrinsics[0] == executive.inherent_extrinsic(timestamp.set.encode(now=1001 * chain.slot_ms))
    assert timestamp.Now.get(b.state) == 1001 * chain.slot_ms

    b = executive.BlockBuilder(chain.state(), chain.head, chain.pre_digest(1001),
                               storage_root=chain.storage_root(chain.state()))
    assert b.apply_inherents(InherentData()) == [] and b.extrinsics == []
    with pytest.raises(InvalidBlock):
        b.finalize()


def test_decoded_extrinsics_memo_answers_as_decoding_does(chain, keys):
    """The memo of decoded extrinsics never changes an answer: a signed extrinsic decodes to what a fresh decoding
    gives (and to the same objects again), bytes that do not decode are refused every time and not remembered,
    inherents are not remembered, and the memo keeps at most its capacity (least recently used first)."""
    from relaychain.primitives.extrinsic import UncheckedExtrinsic
    from relaychain.runtime.runtime import RUNTIME

    memo = executive.DecodedExtrinsics(capacity=2)
    original, executive.DECODED_EXTRINSICS = executive.DECODED_EXTRINSICS, memo
    try:
        xts = [chain.sign(keys["Alice"], transfer(keys["Bob"].public, n + 1), n) for n in range(3)]
        first = executive.decode_extrinsic(xts[0])
        assert first[0] == UncheckedExtrinsic.decode(xts[0])
        assert first[1] == RUNTIME.decode_call_bytes(UncheckedExtrinsic.decode(xts[0]).call)
        assert executive.decode_extrinsic(bytearray(xts[0]))[0] is first[0] and len(memo) == 1
        truncated = xts[1][:-1]
        for _ in range(2):
            with pytest.raises(MalformedExtrinsic):
                executive.decode_extrinsic(truncated)
        assert len(memo) == 1
        memo.clear()
        _header, body, _changes, _results = chain.build()
        for inherent in body:  # the timestamp and parachains inherents: unsigned
            executive.decode_extrinsic(inherent)
        assert len(body) == 2 and len(memo) == 0
        for xt in xts:
            executive.decode_extrinsic(xt)
        assert len(memo) == 2 and memo.get(xts[0]) is None and memo.get(xts[1]) is not None and memo.get(xts[2]) is not None
    finally:
        executive.DECODED_EXTRINSICS = original
