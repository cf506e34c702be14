"""Disputes through the runtime (parachains.md §2, §5, §9): dispute statement sets in `ParaInherent.enter`, signed
with real sr25519 keys over payloads written out in the fixture, on the 6-validator dev chain with paras 2000/2001.

Thresholds are stated here independently: f = (6 - 1) // 3 = 1, so a dispute is confirmed with 2 participants
and concludes with 5 votes on one side. The revert digest is checked byte for byte against the encoding of
`ConsensusLog::Revert(n)` (variant index 4, u32 LE) under engine b"POL1".
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from relaychain.primitives import parachain_types as P
from relaychain.primitives.types import Consensus
from relaychain.runtime import executive
from relaychain.runtime.framework import ROOT, Call
from relaychain.primitives.scale_types import Vec
from relaychain.runtime.pallets import system
from relaychain.runtime.pallets.parachains import configuration, disputes, inclusion, paras, paras_inherent
from relaychain.runtime.runtime import RUNTIME
from tests.runtime.paras_fixture import (
    CODE_B, HEAD_B0, KEYS, PARA_A, PARA_B, ParasChain, dispute_set, dispute_vote, make_bitfield, make_candidate,
)
from tests.runtime.test_paras_inclusion import cand_a, enter_error, events, groups, sanitized

N, SUPERMAJORITY = 6, 5


@pytest.fixture
def chain():
    return ParasChain()


def data(chain, disputes=(), bitfields=(), candidates=()) -> P.ParachainsInherentData:
    return P.ParachainsInherentData(tuple(bitfields), tuple(candidates), tuple(disputes), chain.head)


def revert_log(n: int) -> Consensus:
    return Consensus(b"POL1", bytes((4,)) + n.to_bytes(4, "little"))


def include_a1(chain):
    """A1 backed by the first two of group 0 in block 1, included by five bitfields in block 2."""
    g0 = groups(chain)[0]
    a1 = cand_a(chain, signers=[0, 1])
    chain.block_with(candidates=[a1.backed])
    chain.block_with(bitfields=[make_bitfield(chain, i, (True, False)) for i in range(SUPERMAJORITY)])
    assert paras.Heads.get(chain.state(), PARA_A) == b"A1"
    return a1, g0


def backing_votes(chain, candidate, g0):
    relay_parent = candidate.backed.candidate.descriptor.relay_parent
    return [dispute_vote(chain, g0[0], "seconded", candidate.hash, relay_parent=relay_parent),
            dispute_vote(chain, g0[1], "backing-valid", candidate.hash, relay_parent=relay_parent)]


def others(g0, n=N):
    return [v for v in range(n) if v not in g0]


def bits(indices) -> tuple:
    return tuple(i in indices for i in range(N))


# -- concluded invalid: revert and freeze --------------------------------------------------------------------

def test_local_dispute_concluded_invalid_reverts_to_the_inclusion_block_and_freezes(chain):
    a1, g0 = include_a1(chain)
    assert disputes.Included.get(chain.state(), 0, a1.hash) == 1  # included in #2: revert to #1
    o = others(g0)
    # initiated by one explicit invalid vote, with the two backing votes and one explicit valid vote of g0[2]
    opening = dispute_set(a1.hash, backing_votes(chain, a1, g0) + [dispute_vote(chain, g0[2], "valid", a1.hash),
                                                                    dispute_vote(chain, o[0], "invalid", a1.hash)])
    header, _, _, _ = chain.block_with(disputes=[opening])
    st = chain.state()
    assert [e for e in events(chain, "ParasDisputes")] == [("DisputeInitiated", (a1.hash, "Local"))]
    assert disputes.Disputes.get(st, 0, a1.hash) == P.DisputeState(bits(g0), bits([o[0]]), 3, None)
    assert disputes.BackersOnDisputes.get(st, 0, a1.hash) == sorted(g0[:2])
    assert disputes.Frozen.get(st) is None and revert_log(2) not in header.digest.logs
    assert paras_inherent.OnChainVotes.get(st).disputes == (opening,)

    # four more invalid votes conclude it: two from the others, two from validators that voted for the candidate
    # (g0[1] backed it, g0[2] voted valid) — a vote on each side is allowed, it is evidence
    closing = dispute_set(a1.hash, [dispute_vote(chain, v, "invalid", a1.hash) for v in [g0[1], g0[2]] + o[1:]])
    header, body, _, _ = chain.block_with(disputes=[closing])
    st = chain.state()
    assert events(chain, "ParasDisputes") == [("DisputeConcluded", (a1.hash, "Invalid")), ("Revert", 2)]
    assert header.digest.logs.count(revert_log(2)) == 1
    assert disputes.Frozen.get(st) == 1
    assert disputes.Disputes.get(st, 0, a1.hash) == P.DisputeState(bits(g0), bits([g0[1], g0[2]] + o), 3, 4)
    assert sum(disputes.Disputes.get(st, 0, a1.hash).validators_against) == SUPERMAJORITY
    # the block re-executes to the same header, digest included
    parent = chain.state(header.number - 1)
    executive.execute_block(parent, chain.blocks[-1], storage_root=chain.storage_root(parent))

    # frozen: enter refuses backed candidates, ignores bitfields; the author's inherent carries neither
    a2 = cand_a(chain, parent_head=b"A1", head=b"A2", relay_parent_number=4)
    assert enter_error(chain, data(chain, candidates=[a2.backed])) == ("ParaInherent", "UnscheduledCandidate")
    kept = sanitized(chain, data(chain, bitfields=[make_bitfield(chain, 0, (True, False))], candidates=[a2.backed]))
    assert (kept.bitfields, kept.backed_candidates) == ((), ())
    header, _, _, _ = chain.block_with(candidates=[a2.backed])
    assert events(chain, "ParaInclusion") == [] and revert_log(2) not in header.digest.logs
    assert inclusion.PendingAvailability.get(chain.state(), PARA_A) is None

    # governance unfreezes
    b = executive.BlockBuilder(chain.state(), chain.head, chain.pre_digest(chain.slot + 1),
                               storage_root=chain.storage_root(chain.state()))
    RUNTIME.dispatch(b.ctx, ROOT, Call(disputes.force_unfreeze, {}))
    assert disputes.Frozen.get(b.ctx.state) is None


def test_a_pending_candidate_concluded_invalid_frees_its_core_and_is_never_backed_again(chain):
    g0 = groups(chain)[0]
    a1 = cand_a(chain, signers=[0, 1])
    chain.block_with(candidates=[a1.backed])
    assert inclusion.PendingAvailability.get(chain.state(), PARA_A).hash == a1.hash
    o = others(g0)
    verdict = dispute_set(a1.hash, backing_votes(chain, a1, g0)
                          + [dispute_vote(chain, v, "invalid", a1.hash) for v in [g0[2]] + o + [g0[1]]])
    # a bitfield voting for the freed core is refused in the same block, dropped by the author
    late = make_bitfield(chain, 0, (True, False))
    assert enter_error(chain, data(chain, disputes=[verdict], bitfields=[late])) == \
        ("ParaInclusion", "BitfieldReferencesFreedCore")
    assert sanitized(chain, data(chain, disputes=[verdict], bitfields=[late])).bitfields == ()
    header, _, _, _ = chain.block_with(disputes=[verdict], bitfields=[late])
    st = chain.state()
    assert events(chain, "ParasDisputes") == [("DisputeInitiated", (a1.hash, "Remote")),
                                              ("DisputeConcluded", (a1.hash, "Invalid"))]
    assert disputes.Frozen.get(st) is None and not any(isinstance(x, Consensus) and x.engine == b"POL1"
                                                        for x in header.digest.logs)
    assert inclusion.PendingAvailability.get(st, PARA_A) is None and events(chain, "ParaInclusion") == []
    assert disputes.concluded_invalid(st, 0, a1.hash)
    # the same candidate again: refused, and the author drops it (its backers are disabled too: test_paras_slashing)
    assert enter_error(chain, data(chain, candidates=[a1.backed])) == ("ParaInherent", "CandidateConcludedInvalid")
    assert sanitized(chain, data(chain, candidates=[a1.backed])).backed_candidates == ()


def test_inclusion_after_an_invalid_conclusion_reverts_at_once(chain):
    """A candidate pending availability concluded invalid elsewhere in its session, then included here (the
    dispute is remote at first): `note_included` reverts at inclusion (Polkadot's `note_included`)."""
    g0 = groups(chain)[0]
    a1 = cand_a(chain, signers=[0, 1])
    chain.block_with(candidates=[a1.backed])
    state = chain.state()
    ctx = executive.BlockBuilder(state, chain.head, chain.pre_digest(chain.slot + 1),
                                 storage_root=chain.storage_root(state)).ctx
    invalid = P.DisputeState(bits(g0[:2]), bits([g0[1], g0[2]] + others(g0)), 1, 1)
    disputes.Disputes.set(ctx.state, invalid, 0, a1.hash)
    disputes.Disputes.set(ctx.state, invalid, 0, b"\x01" * 32)
    logs_before = len(ctx.logs)
    disputes.note_included(ctx, 0, a1.hash, 5)
    assert disputes.Frozen.get(ctx.state) == 4 and ctx.logs[logs_before:] == [revert_log(5)]
    disputes.note_included(ctx, 0, b"\x01" * 32, 7)  # frozen at #4 already: a later revert point changes nothing
    disputes.note_included(ctx, 0, b"\x02" * 32, 3)  # not disputed: only recorded
    assert disputes.Frozen.get(ctx.state) == 4 and ctx.logs[logs_before:] == [revert_log(5)]
    assert disputes.Included.get(ctx.state, 0, b"\x02" * 32) == 2


# -- concluded valid ------------------------------------------------------------------------------------

def test_dispute_concluded_valid_leaves_the_candidate_included(chain):
    a1, g0 = include_a1(chain)
    o = others(g0)
    first = dispute_set(a1.hash, backing_votes(chain, a1, g0) + [dispute_vote(chain, o[0], "invalid", a1.hash)])
    chain.block_with(disputes=[first])
    approvals = [dispute_vote(chain, g0[2], "approval", a1.hash)] + [dispute_vote(chain, v, "valid", a1.hash)
                                                                   for v in o[1:3]]
    header, _, _, _ = chain.block_with(disputes=[dispute_set(a1.hash, approvals)])
    st = chain.state()
    assert events(chain, "ParasDisputes") == [("DisputeConcluded", (a1.hash, "Valid"))]
    assert disputes.Disputes.get(st, 0, a1.hash) == P.DisputeState(bits(g0 + o[1:3]), bits([o[0]]), 3, 4)
    assert disputes.Frozen.get(st) is None and not disputes.concluded_invalid(st, 0, a1.hash)
    assert paras.Heads.get(st, PARA_A) == b"A1"


# -- what enter refuses and create_inherent drops -----------------------------------------------------------

def test_bad_statements_are_refused_by_enter_and_dropped_by_the_author(chain):
    a1, g0 = include_a1(chain)
    o = others(g0)
    backing = backing_votes(chain, a1, g0)
    good = dispute_vote(chain, o[0], "invalid", a1.hash)
    wrong_key = dispute_vote(chain, o[1], "invalid", a1.hash, signer=KEYS[chain.active_keys()[o[2]]])
    other_candidate = dispute_vote(chain, o[1], "invalid", b"\x07" * 32)  # signed about another candidate
    other_session = dispute_vote(chain, o[1], "invalid", a1.hash, session=1)  # signed for session 1
    for bad in (wrong_key, other_candidate, other_session):
        s = dispute_set(a1.hash, backing + [good, bad])
        assert enter_error(chain, data(chain, disputes=[s])) == ("ParasDisputes", "InvalidSignature")
        assert sanitized(chain, data(chain, disputes=[s])).disputes == (dispute_set(a1.hash, backing + [good]),)
    # the same validator twice on the same side, in one set
    twice = dispute_set(a1.hash, backing + [good, dispute_vote(chain, o[0], "invalid", a1.hash)])
    assert enter_error(chain, data(chain, disputes=[twice])) == ("ParasDisputes", "DuplicateStatement")
    assert sanitized(chain, data(chain, disputes=[twice])).disputes == (dispute_set(a1.hash, backing + [good]),)
    # an index outside the session's validators
    outside = dispute_vote(chain, 0, "invalid", a1.hash)
    outside = (outside[0], N, outside[2])
    s = dispute_set(a1.hash, backing + [good, outside])
    assert enter_error(chain, data(chain, disputes=[s])) == ("ParasDisputes", "ValidatorIndexOutOfBounds")
    # a backer's explicit valid vote after its backing vote
    s = dispute_set(a1.hash, backing + [good, dispute_vote(chain, g0[0], "valid", a1.hash)])
    assert enter_error(chain, data(chain, disputes=[s])) == ("ParasDisputes", "MaliciousBacker")
    # a session that is not stored (not begun yet): the whole set goes
    future = dispute_set(a1.hash, [dispute_vote(chain, v, kind, a1.hash, session=1, relay_parent=bytes(32))
                                   for v, kind in ((g0[0], "seconded"), (o[0], "invalid"))], session=1)
    assert enter_error(chain, data(chain, disputes=[future])) == ("ParasDisputes", "AncientDisputeStatement")
    assert sanitized(chain, data(chain, disputes=[future])).disputes == ()
    # one-sided, unconfirmed (a single participant), no backing vote
    cases = {"SingleSidedDispute": [good, dispute_vote(chain, o[1], "invalid", a1.hash)],
             "UnconfirmedDispute": [backing[0], dispute_vote(chain, g0[0], "invalid", a1.hash)],
             "MissingBackingVotes": [good, dispute_vote(chain, o[1], "valid", a1.hash)]}
    for error, votes in cases.items():
        s = dispute_set(a1.hash, votes)
        assert enter_error(chain, data(chain, disputes=[s])) == ("ParasDisputes", error)
        assert sanitized(chain, data(chain, disputes=[s])).disputes == ()
    # votes the chain already has are duplicates in a later block
    chain.block_with(disputes=[dispute_set(a1.hash, backing + [good])])
    new = dispute_vote(chain, o[1], "invalid", a1.hash)
    again = dispute_set(a1.hash, [good, new])
    assert enter_error(chain, data(chain, disputes=[again])) == ("ParasDisputes", "DuplicateStatement")
    assert sanitized(chain, data(chain, disputes=[again])).disputes == (dispute_set(a1.hash, [new]),)
    only_known = dispute_set(a1.hash, [good])
    assert enter_error(chain, data(chain, disputes=[only_known])) == ("ParasDisputes", "DuplicateStatement")
    assert sanitized(chain, data(chain, disputes=[only_known])).disputes == ()


def test_sets_must_be_sorted_and_unique(chain):
    a1, g0 = include_a1(chain)
    o = others(g0)
    remote = b"\xff" * 32  # a candidate of this session never seen here (remote), backed by o[0], o[1]
    local = dispute_set(a1.hash, backing_votes(chain, a1, g0) + [dispute_vote(chain, o[0], "invalid", a1.hash)])
    remote_set = dispute_set(remote, [dispute_vote(chain, o[0], "seconded", remote, relay_parent=bytes(32)),
                                      dispute_vote(chain, o[2], "invalid", remote)])
    # local disputes go before remote ones
    assert enter_error(chain, data(chain, disputes=[remote_set, local])) == \
        ("ParaInherent", "DisputeStatementsUnsortedOrDuplicates")
    assert enter_error(chain, data(chain, disputes=[local, local])) == \
        ("ParaInherent", "DisputeStatementsUnsortedOrDuplicates")
    assert sanitized(chain, data(chain, disputes=[remote_set, local, remote_set])).disputes == (local, remote_set)
    chain.block_with(disputes=[remote_set, local])
    assert [e[1] for e in events(chain, "ParasDisputes")] == [(a1.hash, "Local"), (remote, "Remote")]


# -- time: post-conclusion acceptance, pruning -------------------------------------------------------------

def short_config(**kw):
    return replace(configuration.dev_config(2), **kw)


def test_votes_are_accepted_for_the_post_conclusion_acceptance_period():
    chain = ParasChain(host_configuration=short_config(dispute_post_conclusion_acceptance_period=2))
    a1, g0 = include_a1(chain)
    o = others(g0)
    votes = backing_votes(chain, a1, g0) + [dispute_vote(chain, o[0], "invalid", a1.hash)]
    votes += [dispute_vote(chain, v, "valid", a1.hash) for v in (g0[2], o[1], o[2])]
    chain.block_with(disputes=[dispute_set(a1.hash, votes)])  # #3: 5 for, concluded valid
    assert disputes.Disputes.get(chain.state(), 0, a1.hash).concluded_at == 3
    late = dispute_set(a1.hash, [dispute_vote(chain, o[1], "invalid", a1.hash)])
    chain.block_with()  # #4
    chain.block_with()  # #5 = 3 + 2: the last block that takes votes
    assert sanitized(chain, data(chain, disputes=[late])).disputes == ()  # #6 would be past it
    assert enter_error(chain, data(chain, disputes=[late])) == ("ParasDisputes", "AncientDisputeStatement")
    chain.headers.pop(), chain.blocks.pop()  # back to #4: #5 still takes it
    header, _, _, _ = chain.block_with(disputes=[late])
    assert header.number == 5
    assert disputes.Disputes.get(chain.state(), 0, a1.hash).validators_against == bits([o[0], o[1]])


def test_disputes_are_pruned_after_dispute_period_sessions():
    chain = ParasChain(host_configuration=short_config(dispute_period=1))
    a1, g0 = include_a1(chain)
    votes = backing_votes(chain, a1, g0) + [dispute_vote(chain, others(g0)[0], "invalid", a1.hash)]
    chain.block_with(disputes=[dispute_set(a1.hash, votes)])
    st = chain.state()
    stored = [disputes.Disputes.get(st, 0, a1.hash), disputes.BackersOnDisputes.get(st, 0, a1.hash),
              disputes.Included.get(st, 0, a1.hash)]
    assert None not in stored
    chain.block_with(slot=chain.slot + 10)  # session 1 (applied at the end of this block): session 0 kept
    assert disputes.LastPrunedSession.get(chain.state()) is None
    assert disputes.Disputes.get(chain.state(), 0, a1.hash) is not None
    chain.block_with(slot=chain.slot + 10)  # session 2 = 0 + dispute_period + 1: session 0 goes
    st = chain.state()
    assert disputes.LastPrunedSession.get(st) == 0
    assert [disputes.Disputes.get(st, 0, a1.hash), disputes.BackersOnDisputes.get(st, 0, a1.hash),
            disputes.Included.get(st, 0, a1.hash)] == [None, None, None]
    late = dispute_set(a1.hash, [dispute_vote(chain, others(g0)[1], "invalid", a1.hash, keys=chain.active_keys(3))])
    assert enter_error(chain, data(chain, disputes=[late])) == ("ParasDisputes", "AncientDisputeStatement")


def test_thresholds_of_the_importer():
    """§2 with n = 6 and n = 7: confirmed above f participants, concluded at n - f on one side."""
    def state(n, votes_for, votes_against):
        return P.DisputeState(tuple(i in votes_for for i in range(n)), tuple(i in votes_against for i in range(n)),
                              0, None)
    assert disputes.dispute_flags(state(6, [0], [0])) == frozenset()  # one participant, f = 1
    assert disputes.dispute_flags(state(6, [0], [1])) == {disputes.CONFIRMED}
    assert disputes.dispute_flags(state(6, [0, 1, 2, 3, 4], [5])) == {disputes.CONFIRMED, disputes.FOR_SUPERMAJORITY}
    assert disputes.dispute_flags(state(6, [0], [1, 2, 3, 4, 5])) == {
        disputes.CONFIRMED, disputes.AGAINST_BYZANTINE, disputes.AGAINST_SUPERMAJORITY}
    assert disputes.dispute_flags(state(7, [], [0, 1, 2, 3])) == {disputes.CONFIRMED, disputes.AGAINST_BYZANTINE}
    assert disputes.AGAINST_SUPERMAJORITY in disputes.dispute_flags(state(7, [], range(5)))  # 7 - 2 = 5


def test_disputes_go_first_in_the_weight(chain, monkeypatch):
    """With statements made expensive (each a fifth of the block's ref time), two three-statement sets do not
    both fit: the author keeps the first in canonical order (the local one) and fills the rest with the
    candidate; enter refuses the whole as overweight."""
    a1, g0 = include_a1(chain)
    o = others(g0)
    monkeypatch.setattr(paras_inherent, "DISPUTE_STATEMENT_REF_TIME", system.MAX_BLOCK.ref_time // 5)
    local = dispute_set(a1.hash, backing_votes(chain, a1, g0)[:1] + [dispute_vote(chain, v, "invalid", a1.hash)
                                                                     for v in o[:2]])
    remote = b"\xfe" * 32
    remote_set = dispute_set(remote, [dispute_vote(chain, o[0], "seconded", remote, relay_parent=bytes(32)),
                                      dispute_vote(chain, o[1], "invalid", remote),
                                      dispute_vote(chain, o[2], "invalid", remote)])
    b1 = make_candidate(chain, PARA_B, HEAD_B0, b"B1", chain.head.number, CODE_B, group=groups(chain)[1])
    given = data(chain, disputes=[local, remote_set], candidates=[b1.backed])
    assert enter_error(chain, given) == ("ParaInherent", "InherentOverweight")
    kept = sanitized(chain, given)
    assert kept.disputes == (local,) and kept.backed_candidates == (b1.backed,)


def test_coalesced_approvals_must_name_the_candidate_within_the_coalesce_limit(chain):
    """`ApprovalCheckingMultipleCandidates`: signed over b"APPR" ‖ SCALE(Vec<hash>) ‖ session (a one-element list
    signs like a single approval); more candidates than `max_approval_coalesce_count` (1 on the dev chain) or a
    list without the disputed candidate is refused even with a good signature."""
    a1, g0 = include_a1(chain)
    o = others(g0)
    signer = KEYS[chain.active_keys()[o[1]]]
    other = b"\x09" * 32

    def coalesced(hashes):
        payload = (b"APPR" + Vec(P.CANDIDATE_HASH).encode(hashes) if len(hashes) > 1
                   else b"APPR" + hashes[0]) + (0).to_bytes(4, "little")
        return ("Valid", ("ApprovalCheckingMultipleCandidates", tuple(hashes))), o[1], signer.sign(payload)

    base = backing_votes(chain, a1, g0) + [dispute_vote(chain, o[0], "invalid", a1.hash)]
    for hashes in ([a1.hash, other], [other]):
        s = dispute_set(a1.hash, base + [coalesced(hashes)])
        assert enter_error(chain, data(chain, disputes=[s])) == ("ParasDisputes", "InvalidSignature")
    single = coalesced([a1.hash])
    chain.block_with(disputes=[dispute_set(a1.hash, base + [single])])
    assert disputes.Disputes.get(chain.state(), 0, a1.hash).validators_for[o[1]]
