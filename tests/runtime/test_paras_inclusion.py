"""Parachain candidates through the runtime (parachains.md §1, §6, §7): backed with real sr25519 statements, made
available by bitfields from a supermajority, included, timed out; every acceptance check refusing with its typed
error in `enter` and dropped by `create_inherent`. A 6-validator dev chain with paras 2000 (core 0) and 2001
(core 1); receipts, PVDs and heads are built here from the declared types."""

from __future__ import annotations

from dataclasses import replace

import pytest

from relaychain.primitives import parachain_types as P
from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.inherents import PARACHAINS_INHERENT, TIMESTAMP_INHERENT, InherentData
from relaychain.primitives.scale import encode_u64
from relaychain.primitives.scale_types import Vec
from relaychain.primitives.types import Block
from relaychain.runtime import executive
from relaychain.runtime.errors import InvalidBlock
from relaychain.runtime.frame_types import event_record
from relaychain.runtime.framework import NONE, Call, ModuleError
from relaychain.runtime.pallets import system
from relaychain.runtime.pallets.parachains import inclusion, paras, paras_inherent, scheduler
from relaychain.runtime.runtime import RUNTIME
from tests.runtime.paras_fixture import (
    CODE_A, CODE_B, HEAD_A0, HEAD_B0, KEYS, PARA_A, PARA_B, ParasChain, make_bitfield, make_candidate, supermajority,
)

RECORDS = Vec(event_record(RUNTIME.event_type))


@pytest.fixture
def chain():
    return ParasChain()


def events(chain, pallet=None) -> list:
    raw = chain.state().get(system.Events.key())
    out = []
    for rec in RECORDS.decode(raw) if raw else []:
        p, ev = rec["event"]
        if pallet is None or p == pallet:
            out.append(ev)
    return out


def groups(chain):
    return scheduler.ValidatorGroups.get(chain.state())


def cand_a(chain, parent_head=HEAD_A0, head=b"A1", relay_parent_number=0, **kw):
    return make_candidate(chain, PARA_A, parent_head, head, relay_parent_number, CODE_A, group=groups(chain)[0], **kw)


def enter_error(chain, data_or_kw) -> tuple[str, str]:
    """Dispatch `enter` with exactly this data on the next block's initialized state; the typed error."""
    data = data_or_kw if isinstance(data_or_kw, P.ParachainsInherentData) else \
        P.ParachainsInherentData(data_or_kw.get("bitfields", ()), data_or_kw.get("candidates", ()), (), chain.head)
    b = executive.BlockBuilder(chain.state(), chain.head, chain.pre_digest(chain.slot + 1),
                               storage_root=chain.storage_root(chain.state()))
    with pytest.raises(ModuleError) as e:
        RUNTIME.dispatch(b.ctx, NONE, Call(paras_inherent.enter, {"data": data}))
    return e.value.pallet_name, e.value.name


def sanitized(chain, data: P.ParachainsInherentData) -> P.ParachainsInherentData:
    """What create_inherent makes of the author's data."""
    b = executive.BlockBuilder(chain.state(), chain.head, chain.pre_digest(chain.slot + 1),
                               storage_root=chain.storage_root(chain.state()))
    calls = executive.create_inherents(b.ctx, InherentData({
        TIMESTAMP_INHERENT: encode_u64((chain.slot + 1) * chain.slot_ms), PARACHAINS_INHERENT: data.encode()}))
    call = RUNTIME.decode_call_bytes(calls[1])
    assert call.definition is paras_inherent.enter
    return call.args["data"]


def rejected(chain, error, **data):
    """The data fails `enter` with `error` and create_inherent drops the offending items."""
    assert enter_error(chain, data) == error
    d = P.ParachainsInherentData(tuple(data.get("bitfields", ())), tuple(data.get("candidates", ())), (), chain.head)
    kept = sanitized(chain, d)
    return kept


# -- the happy path ------------------------------------------------------------------------------------------

def test_backed_then_included_and_the_core_reoccupied_in_the_same_block(chain):
    g = groups(chain)
    a1 = cand_a(chain)
    b1 = make_candidate(chain, PARA_B, HEAD_B0, b"B1", 0, CODE_B, group=g[1])
    chain.block_with(candidates=[a1.backed, b1.backed])
    backed = [ev for ev in events(chain, "ParaInclusion")]
    receipt_of = {PARA_A: a1, PARA_B: b1}
    assert [e[0] for e in backed] == ["CandidateBacked", "CandidateBacked"]
    for name, (receipt, head, core, group) in backed:
        c = receipt_of[receipt.descriptor.para_id]
        assert blake2_256(receipt.encode()) == c.hash and head == c.head
        assert (core, group) == ((0, 0) if c is a1 else (1, 1))
    st = chain.state()
    pending = inclusion.PendingAvailability.get(st, PARA_A)
    assert pending.hash == a1.hash and pending.core == 0 and pending.backed_in_number == 1
    assert pending.backers == (True, True, True, False, False, False) and pending.relay_parent_number == 0
    assert [c if c == "Free" else c[0] for c in scheduler.AvailabilityCores.get(st)] == ["Paras", "Paras"]
    assert paras.Heads.get(st, PARA_A) == HEAD_A0

    # one bitfield short of the supermajority (5 of 6): not included
    n = len(chain.active_keys())
    assert supermajority(n) == 5
    short = [make_bitfield(chain, i, (True, False)) for i in range(supermajority(n) - 1)]
    chain.block_with(bitfields=short)
    assert [e[0] for e in events(chain, "ParaInclusion")] == []
    assert inclusion.PendingAvailability.get(chain.state(), PARA_A).availability_votes == (True,) * 4 + (False,) * 2

    # the fifth vote includes A1; A2, built on A1 at relay parent #2, is backed in the same block on the freed core
    a2 = cand_a(chain, parent_head=b"A1", head=b"A2", relay_parent_number=2)
    fifth = [make_bitfield(chain, 4, (True, False))]
    header, body, _, _ = chain.block_with(bitfields=fifth, candidates=[a2.backed])
    evs = events(chain, "ParaInclusion")
    assert [e[0] for e in evs] == ["CandidateIncluded", "CandidateBacked"]
    assert blake2_256(evs[0][1][0].encode()) == a1.hash and evs[0][1][1:] == (b"A1", 0, 0)
    assert blake2_256(evs[1][1][0].encode()) == a2.hash
    st = chain.state()
    assert paras.Heads.get(st, PARA_A) == b"A1" and paras.MostRecentContext.get(st, PARA_A) == 0
    assert inclusion.PendingAvailability.get(st, PARA_A).hash == a2.hash
    assert inclusion.PendingAvailability.get(st, PARA_B).hash == b1.hash  # B1 had no bits set
    # the importer re-executes the block strictly and agrees
    parent = chain.state(header.number - 1)
    executive.execute_block(parent, Block(header, tuple(body)), storage_root=chain.storage_root(parent))

    # consecutive blocks: A2 included, A3 backed
    a3 = cand_a(chain, parent_head=b"A2", head=b"A3", relay_parent_number=3)
    chain.block_with(bitfields=[make_bitfield(chain, i, (True, True)) for i in range(6)], candidates=[a3.backed])
    assert [e[0] for e in events(chain, "ParaInclusion")] == ["CandidateIncluded", "CandidateIncluded",
                                                            "CandidateBacked"]
    st = chain.state()
    assert paras.Heads.get(st, PARA_A) == b"A2" and paras.Heads.get(st, PARA_B) == b"B1"
    assert inclusion.PendingAvailability.get(st, PARA_B) is None


def expected_timeout_block(backed_in: int, session_start: int, frequency: int, period: int) -> int:
    """Polkadot 1002005: timeouts are evaluated at block N only when N + 1 lies within `period` blocks after a
    rotation; a candidate backed at b times out at the first such N with b + period <= N."""
    n = backed_in + 1
    while not ((n + 1 - session_start) % frequency < period and backed_in + period <= n):
        n += 1
    return n


def test_timeout_after_the_availability_period(chain):
    cfg = chain.config()
    chain.block_with(candidates=[cand_a(chain).backed])  # backed in block 1
    expected = expected_timeout_block(1, 1, cfg.group_rotation_frequency, cfg.paras_availability_period)
    assert expected == 10  # within session 0 (its change comes at block 11)
    while chain.head.number < expected - 1:
        chain.block_with()
        assert inclusion.PendingAvailability.get(chain.state(), PARA_A) is not None
    chain.block_with()
    (name, (receipt, head, core)), = events(chain, "ParaInclusion")
    assert name == "CandidateTimedOut" and (head, core) == (b"A1", 0)
    st = chain.state()
    assert inclusion.PendingAvailability.get(st, PARA_A) is None and scheduler.AvailabilityCores.get(st)[0] == "Free"
    assert paras.Heads.get(st, PARA_A) == HEAD_A0
    # the freed core is claimed again by para A (bulk assignment), three claims deep
    assert [e.para_id for e in scheduler.claim_queue(st)[0]] == [PARA_A] * cfg.scheduling_lookahead


# -- acceptance checks (§7), strict in enter, dropped by create_inherent ---------------------------------------

def test_bad_backing_signature(chain):
    good = cand_a(chain)
    votes = list(good.backed.validity_votes)
    votes[1] = (votes[1][0], bytes(64))
    bad = replace(good.backed, validity_votes=tuple(votes))
    assert rejected(chain, ("ParaInclusion", "InvalidBacking"), candidates=[bad]).backed_candidates == ()


def test_backed_by_the_wrong_group(chain):
    g = groups(chain)
    other_group_keys = KEYS[chain.active_keys()[g[1][0]]]
    bad = cand_a(chain, signers=[0, 1], sign_with=other_group_keys)
    assert rejected(chain, ("ParaInclusion", "InvalidBacking"), candidates=[bad.backed]).backed_candidates == ()
    # the para B group signing for para A's core
    bad2 = make_candidate(chain, PARA_A, HEAD_A0, b"A1", 0, CODE_A, group=g[1])
    wrong_bits = replace(bad2.backed, validator_indices=(True, True, True))
    assert enter_error(chain, {"candidates": [wrong_bits]}) == ("ParaInclusion", "InvalidBacking")


def test_relay_parent_not_allowed(chain):
    for _ in range(4):  # allowed ancestry 2: the buffer keeps the last 3 relay parents
        chain.block_with()
    old = cand_a(chain, relay_parent_number=0)
    assert rejected(chain, ("ParaInclusion", "DisallowedRelayParent"), candidates=[old.backed]).backed_candidates == ()
    recent = cand_a(chain, relay_parent_number=chain.head.number - 2)
    assert sanitized(chain, P.ParachainsInherentData((), (recent.backed,), (), chain.head)).backed_candidates == \
        (recent.backed,)


def test_persisted_validation_data_mismatch(chain):
    bad = cand_a(chain, parent_head=b"not the head")
    assert rejected(chain, ("ParaInclusion", "ValidationDataHashMismatch"),
                    candidates=[bad.backed]).backed_candidates == ()
    wrong_pov = cand_a(chain, max_pov_size=chain.config().max_pov_size - 1)
    assert enter_error(chain, {"candidates": [wrong_pov.backed]}) == ("ParaInclusion", "ValidationDataHashMismatch")


def test_code_hash_mismatch(chain):
    bad = cand_a(chain, code_hash_override=blake2_256(CODE_B))
    assert rejected(chain, ("ParaInclusion", "InvalidValidationCodeHash"),
                    candidates=[bad.backed]).backed_candidates == ()


def test_insufficient_votes(chain):
    one = cand_a(chain, signers=[2])
    assert rejected(chain, ("ParaInclusion", "InsufficientBacking"), candidates=[one.backed]).backed_candidates == ()
    mismatched = replace(cand_a(chain).backed, validator_indices=(True, True, False))  # 3 votes, 2 bits
    assert enter_error(chain, {"candidates": [mismatched]}) == ("ParaInclusion", "InvalidBacking")


def test_collator_signature_and_para_head(chain):
    good = cand_a(chain)
    d = good.backed.candidate.descriptor
    forged = replace(good.backed, candidate=replace(good.backed.candidate, descriptor=replace(
        d, collator=Sr25519Keypair.from_uri("//Mallory").public)))
    assert enter_error(chain, {"candidates": [forged]}) == ("ParaInclusion", "NotCollatorSigned")
    wrong_head = replace(good.backed, candidate=replace(good.backed.candidate, commitments=replace(
        good.backed.candidate.commitments, head_data=b"A1'")))
    assert enter_error(chain, {"candidates": [wrong_head]}) == ("ParaInclusion", "ParaHeadMismatch")


def test_output_checks(chain):
    cfg = chain.config()
    cases = [
        (dict(head=b"x" * (cfg.max_head_data_size + 1)), "HeadDataTooLarge"),
        (dict(processed_downward=1), "IncorrectDownwardMessageHandling"),
        (dict(upward=(b"u" * (cfg.max_upward_message_size + 1),)), "InvalidUpwardMessages"),
        (dict(hrmp_watermark=7), "HrmpWatermarkMishandling"),
        (dict(new_code=b"\x00asm" + b"n" * (cfg.max_code_size + 1)), "NewCodeTooLarge"),
    ]
    for kw, error in cases:
        c = cand_a(chain, **kw)
        assert enter_error(chain, {"candidates": [c.backed]}) == ("ParaInclusion", error), error


def test_scheduling_checks(chain):
    g = groups(chain)
    unknown = make_candidate(chain, 2002, b"h", b"h1", 0, CODE_A, group=g[0])
    assert rejected(chain, ("ParaInclusion", "UnscheduledCandidate"), candidates=[unknown.backed]).backed_candidates == ()
    b1 = make_candidate(chain, PARA_B, HEAD_B0, b"B1", 0, CODE_B, group=g[1])
    a1 = cand_a(chain)
    assert enter_error(chain, {"candidates": [b1.backed, a1.backed]}) == \
        ("ParaInclusion", "UnsortedOrDuplicateBackedCandidates")
    assert sanitized(chain, P.ParachainsInherentData((), (b1.backed, a1.backed), (), chain.head)).backed_candidates \
        == (a1.backed, b1.backed)  # the author's order does not matter: sorted by core
    chain.block_with(candidates=[a1.backed])
    # A1 pending availability, its core occupied: another A candidate cannot be backed
    a1b = cand_a(chain, head=b"A1b", relay_parent_number=1)
    assert enter_error(chain, {"candidates": [a1b.backed]}) == ("ParaInclusion", "CandidateScheduledBeforeParaFree")


def test_bitfield_checks(chain):
    chain.block_with(candidates=[cand_a(chain).backed])
    b0, b1, b2 = (make_bitfield(chain, i, (True, False)) for i in range(3))
    rejected(chain, ("ParaInclusion", "BitfieldDuplicateOrUnordered"), bitfields=[b1, b0])
    assert sanitized(chain, P.ParachainsInherentData((b1, b0, b2), (), (), chain.head)).bitfields == (b1, b2)
    rejected(chain, ("ParaInclusion", "BitfieldDuplicateOrUnordered"), bitfields=[b0, b0])
    wrong_size = make_bitfield(chain, 0, (True, False, False))
    assert rejected(chain, ("ParaInclusion", "WrongBitfieldSize"), bitfields=[wrong_size]).bitfields == ()
    bad_sig = replace(b0, signature=make_bitfield(chain, 0, (True, True)).signature)
    assert rejected(chain, ("ParaInclusion", "InvalidBitfieldSignature"), bitfields=[bad_sig]).bitfields == ()
    old_context = make_bitfield(chain, 0, (True, False), parent_hash=chain.headers[0].hash())
    assert enter_error(chain, {"bitfields": [old_context]}) == ("ParaInclusion", "InvalidBitfieldSignature")
    outside = make_bitfield(chain, 6, (True, False), signer=KEYS[chain.active_keys()[0]])
    assert enter_error(chain, {"bitfields": [outside]}) == ("ParaInclusion", "ValidatorIndexOutOfBounds")


def test_enter_rules(chain):
    wrong_parent = P.ParachainsInherentData((), (), (), chain.headers[0] if chain.head.number else chain.head)
    chain.block_with()
    assert enter_error(chain, wrong_parent) == ("ParaInherent", "InvalidParentHeader")
    dispute = P.DisputeStatementSet(bytes(32), 0, ())  # no votes on an unknown candidate: one-sided (none)
    assert enter_error(chain, P.ParachainsInherentData((), (), (dispute,), chain.head)) == \
        ("ParasDisputes", "SingleSidedDispute")
    huge = cand_a(chain, relay_parent_number=1, parent_head=HEAD_A0, head=b"h" * (6 * 1024 * 1024))
    assert enter_error(chain, {"candidates": [huge.backed]}) == ("ParaInherent", "InherentOverweight")
    assert sanitized(chain, P.ParachainsInherentData((), (huge.backed,), (), chain.head)).backed_candidates == ()
    # twice in one block
    b = executive.BlockBuilder(chain.state(), chain.head, chain.pre_digest(chain.slot + 1),
                               storage_root=chain.storage_root(chain.state()))
    empty = P.ParachainsInherentData((), (), (), chain.head)
    RUNTIME.dispatch(b.ctx, NONE, Call(paras_inherent.enter, {"data": empty}))
    with pytest.raises(ModuleError) as e:
        RUNTIME.dispatch(b.ctx, NONE, Call(paras_inherent.enter, {"data": empty}))
    assert (e.value.pallet_name, e.value.name) == ("ParaInherent", "TooManyInclusionInherents")


def test_a_block_without_enter_or_with_a_failing_enter_is_invalid(chain):
    good = cand_a(chain)
    header, body, _, _ = chain.block_with(candidates=[good.backed])
    parent = chain.state(0)
    assert len(body) == 2
    with pytest.raises(InvalidBlock):  # enter left out
        executive.execute_block(parent, Block(header, (body[0],)), storage_root=chain.storage_root(parent))
    votes = list(good.backed.validity_votes)
    votes[0] = (votes[0][0], bytes(64))
    bad = replace(good.backed, validity_votes=tuple(votes))
    bad_enter = executive.inherent_extrinsic(paras_inherent.enter.encode(
        data=P.ParachainsInherentData((), (bad,), (), chain.headers[0])))
    with pytest.raises(InvalidBlock):
        executive.execute_block(parent, Block(header, (body[0], bad_enter)), storage_root=chain.storage_root(parent))
    # the author's builder never includes it: create_inherent dropped the bad candidate
    assert sanitized(ParasChain(), P.ParachainsInherentData((), (bad,), (), ParasChain().head)).backed_candidates == ()
