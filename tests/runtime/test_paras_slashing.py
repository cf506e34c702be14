"""Dispute slashing through the runtime (parachains.md §9): the losers of a dispute are slashed through Staking and
disabled for the rest of the era, on the dev chain with paras (disputes signed with real keys, as in
test_paras_disputes.py).

Expected amounts are computed here from the era's exposures in storage with plain integer arithmetic
(Perbill parts: 100 % = 10^9, 2 % = 2 * 10^7; `x * p // 10^9` is exact for these bonds). The expected slashing
spans follow Substrate's span rules stated in the tests: a first slash in era 0 of a stash whose window starts at
era 0 ends span 0 and opens span 1 at era 1, so `SlashingSpans = {span_index 1, last_start 1,
last_nonzero_slash 0, prior [1]}`; @polkadot/types decodes these values with our metadata and yields the
`prior.length + 1` spans @substrate/api-sidecar's staking-info reports as `numSlashingSpans`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.runtime import apis
from relaychain.runtime.framework import Call
from relaychain.runtime.genesis import DEV_NAMES, DEV_VALIDATORS
from relaychain.runtime.pallets import balances, session, staking, sudo, system
from relaychain.runtime.pallets import staking_storage as S
from relaychain.runtime.pallets.parachains import (
    configuration, disputes, disputes_slashing, inclusion, session_info, shared,
)
from relaychain.runtime.pallets.staking_storage import SlashingSpansRecord, SpanRecord, UnappliedSlash
from tests.runtime.paras_fixture import (
    PARA_A, ParasChain, dispute_set, dispute_vote, make_bitfield, supermajority,
)
from tests.runtime.test_paras_disputes import backing_votes, data, include_a1, others
from tests.runtime.test_paras_inclusion import cand_a, enter_error, events, groups, sanitized
from tests.runtime.test_polkadot_js import decode  # noqa: F401 - the fixture

PERBILL = 10 ** 9
STASH_KEYS = {Sr25519Keypair.from_uri(f"//{n}//stash").public: Sr25519Keypair.from_uri(f"//{n}//stash")
              for n in DEV_NAMES}
ALICE = Sr25519Keypair.from_uri("//Alice")
FIRST_SPAN_ENDED = SlashingSpansRecord(span_index=1, last_start=1, last_nonzero_slash=0, prior=(1,))


@pytest.fixture
def chain():
    return ParasChain()


def stash_of(chain, active_index: int, session: int = 0) -> bytes:
    return session_info.AccountKeys.get(chain.state(), session)[active_index]


def exposure(chain, stash: bytes, era: int = 0):
    """(own, [(nominator, value)]) of `stash` in `era`, read from ErasStakersOverview/ErasStakersPaged."""
    st = chain.state()
    overview = S.ErasStakersOverview.get(st, era, stash)
    others_ = []
    for page in range(overview.page_count):
        others_ += [(x.who, x.value) for x in S.ErasStakersPaged.get(st, era, stash, page).others]
    assert overview.own + sum(v for _, v in others_) == overview.total
    return overview.own, others_


def staking_events(chain) -> list:
    return [e for e in events(chain, "Staking") if e[0] in ("SlashReported", "Slashed")]


def session_index_of(chain, stash: bytes) -> int:
    return session.Validators.get(chain.state()).index(stash)


def conclude_pending_invalid(chain):
    """A1 backed by g0[0], g0[1] and pending; a dispute in the next block concludes it invalid (remote: no
    revert) with the backing votes and five invalid votes (g0[1] on both sides)."""
    g0 = groups(chain)[0]
    a1 = cand_a(chain, signers=[0, 1])
    chain.block_with(candidates=[a1.backed])
    against = [g0[2]] + others(g0) + [g0[1]]
    assert len(against) == supermajority(len(chain.active_keys()))
    votes = backing_votes(chain, a1, g0) + [dispute_vote(chain, v, "invalid", a1.hash) for v in against]
    chain.block_with(disputes=[dispute_set(a1.hash, votes)])
    assert ("DisputeConcluded", (a1.hash, "Invalid")) in events(chain, "ParasDisputes")
    return a1, g0


# -- concluded invalid -------------------------------------------------------------------------------------

def test_backers_lose_all_their_stake_and_approvers_two_percent_and_all_are_disabled(chain):
    a1, g0 = include_a1(chain)
    o = others(g0)
    st0 = chain.state()
    stashes = {i: stash_of(chain, i) for i in range(6)}
    before = {i: (system.account(st0, s).data.free, S.Ledger.get(st0, s)) for i, s in stashes.items()}
    issuance = balances.TotalIssuance.get(st0)
    # backers g0[0], g0[1]; g0[2] approves; then five invalid votes (g0[1] and g0[2] on both sides)
    opening = dispute_set(a1.hash, backing_votes(chain, a1, g0) + [dispute_vote(chain, g0[2], "approval", a1.hash),
                                                                    dispute_vote(chain, o[0], "invalid", a1.hash)])
    chain.block_with(disputes=[opening])
    assert staking_events(chain) == []  # nothing concluded yet
    closing = dispute_set(a1.hash, [dispute_vote(chain, v, "invalid", a1.hash) for v in [g0[1], g0[2]] + o[1:]])
    header, _, _, _ = chain.block_with(disputes=[closing])
    st = chain.state()

    # plain computation from the era-0 exposures (no nominators on the six-validator dev chain)
    fractions = {g0[0]: PERBILL, g0[1]: PERBILL, g0[2]: 2 * PERBILL // 100}
    expected = {}
    for i, fraction in fractions.items():
        own, nominated = exposure(chain, stashes[i])
        assert nominated == [] and own == staking.DEV_VALIDATOR_BOND
        expected[i] = own * fraction // PERBILL
    assert expected[g0[2]] == 200 * 10 ** 12  # 2 % of 10,000 UNITS
    assert staking_events(chain) == [
        ev for i in (g0[0], g0[1], g0[2])  # backers (ForInvalidBacked) first, then approvers (ForInvalidApproved)
        for ev in (("SlashReported", {"validator": stashes[i], "fraction": fractions[i], "slash_era": 0}),
                   ("Slashed", {"staker": stashes[i], "amount": expected[i]}))]
    for i, s in stashes.items():
        free, ledger = before[i]
        amount = expected.get(i, 0)
        assert system.account(st, s).data.free == free - amount
        after = S.Ledger.get(st, s)
        assert (after.active, after.total) == (ledger.active - amount, ledger.total - amount)
        if i in expected:
            assert S.ValidatorSlashInEra.get(st, 0, s) == (fractions[i], amount)
            assert S.SlashingSpans.get(st, s) == FIRST_SPAN_ENDED
            assert S.SpanSlash.get(st, (s, 0)) == SpanRecord(slashed=amount, paid_out=0)
        else:
            assert S.SlashingSpans.get(st, s) is None and S.ValidatorSlashInEra.get(st, 0, s) is None
    assert balances.TotalIssuance.get(st) == issuance - sum(expected.values())
    assert [S.UnappliedSlashes.get(st, era) for era in range(3)] == [[], [], []]  # SlashDeferDuration 0
    assert disputes_slashing.unapplied_slashes(st) == []

    # disabled for the era: OffendingValidators and Session.DisabledValidators by session index, the
    # parachain view by active index
    session_indices = sorted(session_index_of(chain, stashes[i]) for i in fractions)
    assert S.OffendingValidators.get(st) == [(i, True) for i in session_indices]
    assert session.DisabledValidators.get(st) == session_indices
    assert sorted(shared.disabled_validators(st)) == sorted(fractions)

    # once unfrozen (Root, through Sudo), the disabled backers' votes are refused; the author drops them
    chain.block_with(xts=[chain.sign(ALICE, sudo.sudo.encode(call=Call(disputes.force_unfreeze, {})), 0)])
    assert disputes.Frozen.get(chain.state()) is None
    a2 = cand_a(chain, parent_head=b"A1", head=b"A2", relay_parent_number=chain.head.number, signers=[0, 1])
    assert enter_error(chain, data(chain, candidates=[a2.backed])) == ("ParaInherent", "BackedByDisabled")
    assert sanitized(chain, data(chain, candidates=[a2.backed])).backed_candidates == ()


def test_a_disabled_backers_vote_is_removed_and_the_candidate_kept_if_enough_remain():
    chain = ParasChain(host_configuration=replace(configuration.dev_config(2), minimum_backing_votes=1))
    a1, g0 = conclude_pending_invalid(chain)
    st = chain.state()
    assert sorted(shared.disabled_validators(st)) == sorted(g0[:2])  # the two backers
    a1b = cand_a(chain, head=b"A1b", relay_parent_number=chain.head.number, signers=[0, 2])
    assert enter_error(chain, data(chain, candidates=[a1b.backed])) == ("ParaInherent", "BackedByDisabled")
    kept = sanitized(chain, data(chain, candidates=[a1b.backed])).backed_candidates
    assert len(kept) == 1
    assert kept[0].validator_indices == (False, False, True)
    assert kept[0].validity_votes == (a1b.backed.validity_votes[1],)
    chain.block_with(candidates=[a1b.backed])
    pending = inclusion.PendingAvailability.get(chain.state(), PARA_A)
    assert pending.hash == a1b.hash and pending.backers == tuple(i == g0[2] for i in range(6))


def test_nominators_pay_their_share_of_a_slashed_validators_exposure():
    """Four validators, //Eve//stash and //Ferdie//stash nominating (the dev genesis): a backer slashed 100 %
    takes each nominator's individual exposure to it; a nominator of both backers pays both."""
    chain = ParasChain(validators=DEV_VALIDATORS)
    assert len(chain.active_keys()) == 4
    a1, g0 = include_a1_four(chain)
    st0 = chain.state()
    backers = [stash_of(chain, i) for i in g0]
    exposures = {b: exposure(chain, b) for b in backers}
    assert any(nominated for _, nominated in exposures.values())
    owed = {}
    for b, (own, nominated) in exposures.items():
        owed[b] = owed.get(b, 0) + own
        for who, value in nominated:
            owed[who] = owed.get(who, 0) + value
    before = {w: (system.account(st0, w).data.free, S.Ledger.get(st0, w).active) for w in owed}
    o = others(g0, 4)
    votes = backing_votes(chain, a1, g0) + [dispute_vote(chain, v, "invalid", a1.hash) for v in o + [g0[1]]]
    chain.block_with(disputes=[dispute_set(a1.hash, votes)])
    st = chain.state()
    slashed = {}
    for name, fields in staking_events(chain):
        if name == "Slashed":
            slashed[fields["staker"]] = slashed.get(fields["staker"], 0) + fields["amount"]
    assert slashed == owed
    for who, amount in owed.items():
        assert system.account(st, who).data.free == before[who][0] - amount
        assert S.Ledger.get(st, who).active == before[who][1] - amount
        assert S.SlashingSpans.get(st, who) == FIRST_SPAN_ENDED
        assert S.SpanSlash.get(st, (who, 0)).slashed == amount
    for who in owed:
        if who not in backers:
            assert S.NominatorSlashInEra.get(st, 0, who) == owed[who]


def include_a1_four(chain):
    """include_a1 on the four-validator chain: groups of two, both back; three bitfields include."""
    g0 = groups(chain)[0]
    a1 = cand_a(chain, signers=[0, 1])
    chain.block_with(candidates=[a1.backed])
    chain.block_with(bitfields=[make_bitfield(chain, i, (True, False)) for i in range(supermajority(4))])
    return a1, g0


# -- concluded valid ---------------------------------------------------------------------------------------

def test_a_validator_voting_against_a_valid_candidate_is_disabled_not_slashed_until_the_era_ends(chain):
    a1, g0 = include_a1(chain)
    o = others(g0)
    loser = stash_of(chain, o[0])
    st0 = chain.state()
    free, ledger = system.account(st0, loser).data.free, S.Ledger.get(st0, loser)
    votes = backing_votes(chain, a1, g0) + [dispute_vote(chain, o[0], "invalid", a1.hash)]
    votes += [dispute_vote(chain, v, "valid", a1.hash) for v in (g0[2], o[1], o[2])]
    chain.block_with(disputes=[dispute_set(a1.hash, votes)])
    st = chain.state()
    assert ("DisputeConcluded", (a1.hash, "Valid")) in events(chain, "ParasDisputes")
    assert staking_events(chain) == [("SlashReported", {"validator": loser, "fraction": 0, "slash_era": 0})]
    assert system.account(st, loser).data.free == free and S.Ledger.get(st, loser) == ledger
    # nothing slashed, but the ongoing span ends (kick out if recent) and no span record is written
    assert S.SlashingSpans.get(st, loser) == FIRST_SPAN_ENDED
    assert st.get(S.SpanSlash.key((loser, 0))) is None
    index = session_index_of(chain, loser)
    assert S.OffendingValidators.get(st) == [(index, True)] and session.DisabledValidators.get(st) == [index]
    assert shared.disabled_validators(st) == [o[0]]
    chain.block_with(slot=chain.slot + 10)  # session 1, still era 0
    assert session.DisabledValidators.get(chain.state()) == [index]
    assert S.ActiveEra.get(chain.state()).index == 0
    chain.block_with(slot=chain.slot + 10)  # session 2: era 1 begins
    st = chain.state()
    assert S.ActiveEra.get(st).index == 1
    assert session.DisabledValidators.get(st) == [] and S.OffendingValidators.get(st) == []


# -- deferred slashes, dead stashes ---------------------------------------------------------------------

def test_a_deferred_slash_waits_in_unapplied_slashes_until_its_era(chain, monkeypatch):
    monkeypatch.setattr(S, "SLASH_DEFER_DURATION", 1)
    a1, g0 = conclude_pending_invalid(chain)
    st = chain.state()
    backers = [stash_of(chain, i) for i in sorted(g0[:2])]
    assert [e for e in staking_events(chain) if e[0] == "Slashed"] == []
    owed = {b: exposure(chain, b)[0] for b in backers}
    assert S.UnappliedSlashes.get(st, 1) == [UnappliedSlash(b, owed[b], (), (), 0) for b in backers]
    before = {b: S.Ledger.get(st, b).active for b in backers}
    chain.block_with(slot=chain.slot + 10)  # session 1
    assert S.UnappliedSlashes.get(chain.state(), 1) != []
    chain.block_with(slot=chain.slot + 10)  # session 2: era 1 starts and takes its slashes
    st = chain.state()
    assert S.ActiveEra.get(st).index == 1 and S.UnappliedSlashes.get(st, 1) == []
    assert [e for e in staking_events(chain) if e[0] == "Slashed"] == [
        ("Slashed", {"staker": b, "amount": owed[b]}) for b in backers]
    assert {b: S.Ledger.get(st, b).active for b in backers} == {b: before[b] - owed[b] for b in backers}


def test_a_fully_slashed_stash_is_reaped_only_with_its_slashing_span_count(chain):
    a1, g0 = conclude_pending_invalid(chain)
    stash = stash_of(chain, g0[0])
    assert S.Ledger.get(chain.state(), stash).total == 0
    key = STASH_KEYS[stash]
    _, _, _, results = chain.block_with(xts=[
        chain.sign(key, staking.withdraw_unbonded.encode(num_slashing_spans=1), 0),
        chain.sign(key, staking.withdraw_unbonded.encode(num_slashing_spans=2), 1)])
    assert results[0].dispatch_error.value == ("Module", {"index": 7, "error": bytes(
        (S.pallet.error_index("IncorrectSlashingSpans"), 0, 0, 0))})
    assert results[1].success
    st = chain.state()
    assert S.Ledger.get(st, stash) is None and S.Bonded.get(st, stash) is None
    assert S.SlashingSpans.get(st, stash) is None and st.get(S.SpanSlash.key((stash, 0))) is None


def test_polkadot_js_decodes_the_slashing_storage(chain, decode):
    a1, g0 = conclude_pending_invalid(chain)
    st = chain.state()
    stash = stash_of(chain, g0[0])
    out = decode(metadata="0x" + apis.metadata().hex(), values=[
        ["PalletStakingSlashingSlashingSpans", "0x" + st.get(S.SlashingSpans.key(stash)).hex()],
        ["PalletStakingSlashingSpanRecord", "0x" + st.get(S.SpanSlash.key((stash, 0))).hex()],
        ["PolkadotPrimitivesV6DisputeState", "0x" + st.get(disputes.Disputes.key(0, a1.hash)).hex()]])
    spans, record, dispute = out["values"]
    assert spans == {"spanIndex": 1, "lastStart": 1, "lastNonzeroSlash": 0, "prior": [1]}
    assert len(spans["prior"]) + 1 == 2  # sidecar's numSlashingSpans
    assert js_int(record["slashed"]) == exposure(chain, stash)[0] and js_int(record["paidOut"]) == 0
    assert dispute["concludedAt"] == 2 and dispute["start"] == 2


def js_int(x) -> int:
    """A u128 as @polkadot/types' toJSON gives it: a number when small, else a hex string."""
    return int(x, 0) if isinstance(x, str) else int(x)
