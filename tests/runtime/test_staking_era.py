"""Staking eras: the election at era boundaries, Session's next validator set, payouts and slashing.

Expected exposures come from an election computed here independently: the snapshot is stated from the
rules of pallet_staking's data provider (nominators then validators' self-votes, each map in storage-key
order; npos.md §8) and solved with the plain exact-integer reference (`relaychain.election.reference`);
rewards and slashes are recomputed with plain integer arithmetic (PerThing rounding of npos.md §2.4).
"""

from __future__ import annotations

import pytest

from relaychain.election import Snapshot, elect
from relaychain.primitives.hashing import twox_64
from relaychain.primitives.types import PreRuntime, SecondaryPlainPreDigest, PreDigest
from relaychain.runtime import constants as C
from relaychain.runtime.framework import BlockContext, DispatchError, Origin, Runtime
from relaychain.runtime.frame_types import event_record
from relaychain.runtime.overlay import EmptyHost, Overlay
from relaychain.runtime.pallets import balances, session, staking, system, timestamp
from relaychain.runtime.pallets import staking_era as E
from relaychain.runtime.pallets import staking_ledger as L
from relaychain.runtime.pallets import staking_storage as S
from relaychain.runtime.runtime import PALLETS

# the runtime with Staking deciding Session's validator sets, and no session handlers (BABE/GRANDPA/parachains
# are not under test here)
RT = Runtime("relaychain_runtime", tuple(p for p in PALLETS if p is not staking.pallet) + (staking.pallet,),
             {session.pallet.name: session.Config(session_manager=staking.SESSION_MANAGER)})
RECORD = event_record(RT.event_type)
UNIT = C.UNITS
PERBILL = 10 ** 9
PERQUINTILL = 10 ** 18


def acct(i: int) -> bytes:
    return bytes([i]) * 32


V1, V2, V3, V4 = (acct(i) for i in (21, 22, 23, 24))
N1, N2, N3 = (acct(i) for i in (31, 32, 33))
VALIDATOR_BONDS = {V1: 100 * UNIT, V2: 80 * UNIT, V3: 60 * UNIT, V4: 40 * UNIT}
NOMINATIONS = {N1: (200 * UNIT, (V4, V3)), N2: (150 * UNIT, (V1, V3)), N3: (50 * UNIT, (V2, V4))}


def keys_for(i: int) -> dict:
    k = bytes([i, 7]) * 16
    return {"grandpa": k, "babe": k, "para_validator": k, "para_assignment": k, "authority_discovery": k}


@pytest.fixture
def chain():
    """Genesis with four validator candidates (3 seats) and three nominators; Session driven by staking."""
    state = Overlay(EmptyHost())
    balances.genesis(state, [(a, 1000 * UNIT) for a in (*VALIDATOR_BONDS, *NOMINATIONS)])
    stakers = [staking.Staker(v, b, "validator") for v, b in VALIDATOR_BONDS.items()]
    stakers += [staking.Staker(n, b, "nominator", t) for n, (b, t) in NOMINATIONS.items()]
    v0, v1 = staking.genesis(state, staking.StakingGenesisConfig(tuple(stakers), validator_count=3))
    assert v1 is None  # session 1 keeps the era-0 set (two sessions per era)
    session.genesis(BlockContext(state, RT, 0, bytes(32)), [(v, keys_for(v[0])) for v in v0])
    for v in VALIDATOR_BONDS:
        if v not in v0:
            session.set_keys_for(BlockContext(state, RT, 0, bytes(32)), v, keys_for(v[0]))
    c = BlockContext(state, RT, 1, bytes(32))
    c.genesis_validators = v0
    return c


def events(ctx, pallet_name="Staking") -> list:
    out = []
    for rec in ctx.state.events:
        p, ev = RECORD.decode(rec)["event"]
        name, fields = (ev, None) if isinstance(ev, str) else ev
        if p == pallet_name:
            out.append((name, fields))
    return out


def dispatch(ctx, who: bytes, name: str, **args) -> None:
    RT.dispatch(ctx, Origin.signed(who), RT.decode_call_bytes(staking.pallet.call_named(name).encode(**args)))


# -- the independent election -------------------------------------------------------------------

def map_order(accounts) -> list[bytes]:
    """Iteration order of a Twox64Concat(AccountId) map: by storage key."""
    return sorted(accounts, key=lambda a: twox_64(a) + a)


def expected_exposures(validators: dict, nominations: dict, to_elect: int) -> dict:
    """{stash: (total, own, [(nominator, value)])} from the reference seq-Phragmén + 10 balancing rounds."""
    h = (lambda a: "0x" + a.hex())
    voters = [(h(n), b, tuple(h(t) for t in sorted(ts))) for n in map_order(nominations)
              for b, ts in [nominations[n]]]
    voters += [(h(v), validators[v], (h(v),)) for v in map_order(validators)]
    snap = Snapshot(to_elect=to_elect, candidates=tuple(h(v) for v in map_order(validators)), voters=tuple(voters),
                    balance_iterations=10, tolerance=0, algorithm="seq_phragmen", accuracy="perbill")
    out = {}
    for target, support in elect(snap, reference=True).supports:
        v = bytes.fromhex(target[2:])
        own = sum(w for who, w in support.voters if who == target)
        others = [(bytes.fromhex(who[2:]), w) for who, w in support.voters if who != target]
        out[v] = (support.total, own, others)
    return out


def stored_exposures(state, era: int, validators) -> dict:
    out = {}
    for v in validators:
        o = S.ErasStakersOverview.get(state, era, v)
        if o is None:
            continue
        others = []
        for page in range(o.page_count):
            others += [(x.who, x.value) for x in S.ErasStakersPaged.get(state, era, v, page).others]
        assert o.nominator_count == len(others)
        out[v] = (o.total, o.own, others)
    return out


def test_genesis_era_exposures_equal_the_independent_election(chain):
    state = chain.state
    assert balances.TotalIssuance.get(state) < 2 ** 64  # vote weight == balance
    expected = expected_exposures(VALIDATOR_BONDS, NOMINATIONS, 3)
    assert len(expected) == 3
    assert stored_exposures(state, 0, VALIDATOR_BONDS) == expected
    assert sorted(chain.genesis_validators) == sorted(expected)
    assert S.ErasTotalStake.get(state, 0) == sum(t for t, _, _ in expected.values())
    assert S.CurrentEra.get(state) == 0 and S.ActiveEra.get(state) == S.ActiveEraInfo(0, None)
    assert S.ErasStartSessionIndex.get(state, 0) == 0 and S.BondedEras.get(state) == [(0, 0)]
    for v in expected:
        assert S.ErasValidatorPrefs.get(state, 0, v) == S.Validators.get(state, v)


def test_dev_genesis_elects_the_dev_validators():
    from relaychain.runtime.genesis import dev_chain_spec
    spec = dev_chain_spec()
    state = Overlay(EmptyHost())
    balances.genesis(state, list(spec.balances))
    stashes = [v.account for v in spec.validators]
    v0, v1 = staking.genesis(state, staking.dev_genesis_config(stashes))
    assert sorted(v0) == sorted(stashes) and v1 is None
    for v in stashes:
        o = S.ErasStakersOverview.get(state, 0, v)
        assert o.own == staking.DEV_VALIDATOR_BOND and o.nominator_count == 1


def rotate(ctx, now_ms: int) -> None:
    """One session rotation in a new block at time `now_ms`, then that block's finalization."""
    ctx.number += 1
    timestamp.Now.set(ctx.state, now_ms)
    session.rotate_session(ctx)
    E.on_finalize(ctx)


def test_nomination_change_moves_the_next_era_validator_set_at_the_session_boundary(chain):
    state = chain.state
    timestamp.Now.set(state, 1_000)
    E.on_finalize(chain)  # first block: the active era's start
    assert S.ActiveEra.get(state) == S.ActiveEraInfo(0, 1_000)
    old = set(chain.genesis_validators)
    # N1 and N2 move everything to V4 and V2: the era-1 election must follow.
    new_nominations = {**NOMINATIONS, N1: (200 * UNIT, (V4,)), N2: (150 * UNIT, (V2, V4))}
    dispatch(chain, N1, "nominate", targets=[("Id", V4)])
    dispatch(chain, N2, "nominate", targets=[("Id", V2), ("Id", V4)])
    expected = expected_exposures(VALIDATOR_BONDS, new_nominations, 3)
    assert set(expected) != old

    rotate(chain, 61_000)  # session 1 starts; session 2 (era 1) is planned now
    assert session.CurrentIndex.get(state) == 1
    assert set(session.Validators.get(state)) == old
    assert S.CurrentEra.get(state) == 1 and S.ErasStartSessionIndex.get(state, 1) == 2
    assert ("StakersElected", None) in events(chain)
    assert {a for a, _ in session.QueuedKeys.get(state)} == set(expected)
    assert stored_exposures(state, 1, VALIDATOR_BONDS) == expected
    assert S.ActiveEra.get(state).index == 0

    rotate(chain, 121_000)  # session 2: era 1 becomes active, era 0 is paid
    assert set(session.Validators.get(state)) == set(expected)
    assert S.ActiveEra.get(state) == S.ActiveEraInfo(1, 121_000)
    assert S.BondedEras.get(state) == [(0, 0), (1, 2)]
    issuance = balances.TotalIssuance.get(state)
    paid = [f for n, f in events(chain) if n == "EraPaid"]
    assert paid == [{"era_index": 0, "validator_payout": era_payout(issuance, 120_000), "remainder": 0}]
    assert S.ErasValidatorReward.get(state, 0) == era_payout(issuance, 120_000)

    rotate(chain, 181_000)  # session 3: last of era 1, which plans era 2 for session 4
    assert set(session.Validators.get(state)) == set(expected) and S.ActiveEra.get(state).index == 1
    assert S.CurrentEra.get(state) == 2 and S.ErasStartSessionIndex.get(state, 2) == 4


def test_too_few_winners_keep_the_current_set(chain):
    state = chain.state
    S.MinimumValidatorCount.set(state, 5)
    rotate(chain, 61_000)
    assert ("StakingElectionFailed", None) in events(chain)
    assert S.CurrentEra.get(state) == 0
    assert {a for a, _ in session.QueuedKeys.get(state)} == set(chain.genesis_validators)


def round_half_down(x: int, parts: int, acc: int) -> int:
    q, r = divmod(x * parts, acc)
    return q + (1 if r > acc // 2 else 0)


def era_payout(issuance: int, duration_ms: int) -> int:
    year = 1000 * 3600 * 24 * 36525 // 100
    fraction = PERQUINTILL * duration_ms // year
    return round_half_down(round_half_down(issuance, 100_000_000, PERBILL), fraction, PERQUINTILL)


# -- rewards ------------------------------------------------------------------------------------

def close_era_zero(chain, points: dict) -> int:
    state = chain.state
    timestamp.Now.set(state, 1_000)
    E.on_finalize(chain)
    for who, n in points.items():
        for _ in range(n):
            staking.note_author(chain, who)
    rotate(chain, 61_000)
    rotate(chain, 121_000)
    return S.ErasValidatorReward.get(state, 0)


def test_block_author_is_rewarded_from_the_babe_pre_digest(chain):
    validators = session.Validators.get(chain.state)
    chain.pre_runtime = [PreRuntime(b"BABE", PreDigest.encode(SecondaryPlainPreDigest(2, 5)))]
    E.on_initialize(chain)
    E.on_initialize(chain)
    assert S.ErasRewardPoints.get(chain.state, 0) == S.EraRewardPoints(40, ((validators[2], 40),))


def test_payout_stakers_splits_by_points_commission_and_stake(chain):
    state = chain.state
    exposures = stored_exposures(state, 0, VALIDATOR_BONDS)
    va, vb = sorted(exposures)[:2]
    S.ErasValidatorPrefs.set(state, S.ValidatorPrefs(100_000_000, False), 0, va)
    dispatch(chain, va, "set_payee", payee="Stash")
    reward = close_era_zero(chain, {va: 3, vb: 1})
    assert reward > 0
    total, own, others = exposures[va]
    assert others and own
    before = {w: system.account(state, w).data.free for w in [va] + [n for n, _ in others]}
    bonded_before = {n: S.Ledger.get(state, n).active for n, _ in others}
    issuance = balances.TotalIssuance.get(state)
    n_events = len(state.events)
    dispatch(chain, N3, "payout_stakers", validator_stash=va, era=0)  # anyone may trigger it
    part = round_half_down(reward, PERBILL * 3 // 4, PERBILL)  # Perbill(3/4) is exact
    commission = round_half_down(part, 100_000_000, PERBILL)
    leftover = part - commission
    own_pay = round_half_down(leftover, PERBILL * own // total, PERBILL)
    # page 0 holds every nominator, so the whole commission is paid with it
    validator_pay = own_pay + round_half_down(commission, PERBILL * (own + sum(v for _, v in others)) // total,
                                              PERBILL)
    assert system.account(state, va).data.free == before[va] + validator_pay  # payee Stash: free balance
    paid = validator_pay
    for n, value in others:  # payee Staked: bonded
        pay = round_half_down(leftover, PERBILL * value // total, PERBILL)
        assert S.Ledger.get(state, n).active == bonded_before[n] + pay
        assert balances.Locks.get(state, n)[0]["amount"] == S.Ledger.get(state, n).total
        paid += pay
    assert balances.TotalIssuance.get(state) == issuance + paid
    new = [e for e in events_since(chain, n_events) if e[0] in ("PayoutStarted", "Rewarded")]
    assert new[0] == ("PayoutStarted", {"era_index": 0, "validator_stash": va})
    assert new[1] == ("Rewarded", {"stash": va, "dest": "Stash", "amount": validator_pay})
    assert len(new) == 2 + len(others)
    with pytest.raises(DispatchError, match="AlreadyClaimed"):
        dispatch(chain, N3, "payout_stakers", validator_stash=va, era=0)
    with pytest.raises(DispatchError, match="InvalidEraToReward"):
        dispatch(chain, N3, "payout_stakers", validator_stash=vb, era=1)  # era 1 not finished
    with pytest.raises(DispatchError, match="NotStash"):
        dispatch(chain, N3, "payout_stakers", validator_stash=acct(99), era=0)


def events_since(ctx, n: int) -> list:
    out = []
    for rec in ctx.state.events[n:]:
        p, ev = RECORD.decode(rec)["event"]
        if p == "Staking":
            out.append((ev, None) if isinstance(ev, str) else ev)
    return out


def test_exposures_are_paged_and_paid_page_by_page(chain, monkeypatch):
    monkeypatch.setattr(S, "MAX_EXPOSURE_PAGE_SIZE", 2)
    state = chain.state
    nominators = [acct(60 + i) for i in range(5)]
    for i, n in enumerate(nominators):  # endow (as a transfer would) and nominate V1
        system.put_account(state, n, system.AccountInfo(providers=1, data=system.AccountData(free=100 * UNIT)))
        balances.TotalIssuance.set(state, balances.TotalIssuance.get(state) + 100 * UNIT)
        dispatch(chain, n, "bond", value=(10 + i) * UNIT, payee="Stash")
        dispatch(chain, n, "nominate", targets=[("Id", V1)])
    close_era_zero(chain, {V1: 1})  # era 1 (elected with the new nominators) is now active
    o = S.ErasStakersOverview.get(state, 1, V1)
    assert o.nominator_count in (5, 6) and o.page_count == 3  # N2 may back V1 too
    pages = [S.ErasStakersPaged.get(state, 1, V1, p) for p in range(3)]
    assert [len(p.others) for p in pages] == [2, 2, o.nominator_count - 4]
    assert all(p.page_total == sum(x.value for x in p.others) for p in pages)
    assert [x.who for p in pages for x in p.others] == [w for w, _ in stored_exposures(state, 1, [V1])[V1][2]]
    # era 0's exposure predates these nominators: one page
    dispatch(chain, V1, "payout_stakers", validator_stash=V1, era=0)
    with pytest.raises(DispatchError, match="InvalidPage"):
        dispatch(chain, V1, "payout_stakers_by_page", validator_stash=V1, era=0, page=1)
    staking.note_author(chain, V1)
    rotate(chain, 181_000)
    rotate(chain, 241_000)  # era 1 paid
    assert S.ErasValidatorReward.get(state, 1) > 0
    for page in range(3):
        n = len(state.events)
        dispatch(chain, V2, "payout_stakers", validator_stash=V1, era=1)
        rewarded = [f["stash"] for e, f in events_since(chain, n) if e == "Rewarded"]
        assert rewarded == [V1] * (page == 0) + [x.who for x in pages[page].others]
    assert S.ClaimedRewards.get(state, 1, V1) == [0, 1, 2]
    with pytest.raises(DispatchError, match="AlreadyClaimed"):
        dispatch(chain, V2, "payout_stakers", validator_stash=V1, era=1)


# -- slashing -----------------------------------------------------------------------------------

def test_slash_takes_the_fraction_of_the_exposure_from_validator_and_nominators(chain):
    state = chain.state
    exposures = stored_exposures(state, 0, VALIDATOR_BONDS)
    v = max(exposures, key=lambda x: len(exposures[x][2]))
    total, own, others = exposures[v]
    assert others
    fraction = 100_000_000  # 10%
    issuance = balances.TotalIssuance.get(state)
    before = {w: (system.account(state, w).data.free, S.Ledger.get(state, w).active)
              for w in [v] + [n for n, _ in others]}
    out = staking.slash(chain, v, fraction, 0)
    expected = [(v, round_half_down(own, fraction, PERBILL))] + [(n, round_half_down(x, fraction, PERBILL))
                                                                  for n, x in others]
    assert out == expected
    for who, amount in expected:
        assert system.account(state, who).data.free == before[who][0] - amount
        assert S.Ledger.get(state, who).active == before[who][1] - amount
        assert balances.Locks.get(state, who)[0]["amount"] == S.Ledger.get(state, who).total
    assert balances.TotalIssuance.get(state) == issuance - sum(a for _, a in expected)
    assert ("SlashReported", {"validator": v, "fraction": fraction, "slash_era": 0}) in events(chain)
    assert [f for n, f in events(chain) if n == "Slashed"] == [{"staker": w, "amount": a} for w, a in expected]
    assert [f for n, f in events(chain, "Balances") if n == "Slashed"] == [{"who": w, "amount": a}
                                                                           for w, a in expected]
    # a smaller or equal report in the same era slashes nobody; a larger one only the difference
    assert staking.slash(chain, v, fraction, 0) == [] and staking.slash(chain, v, fraction // 2, 0) == []
    out2 = staking.slash(chain, v, 2 * fraction, 0)
    assert out2 == [(v, round_half_down(own, 2 * fraction, PERBILL) - expected[0][1])] + [
        (n, round_half_down(x, 2 * fraction, PERBILL) - round_half_down(x, fraction, PERBILL)) for n, x in others]


def test_slashing_spans_end_at_each_slash_and_are_pruned_out_of_the_bonding_window(chain):
    """Substrate's span rules, stated here: a slash in the ongoing span ends it (the next span starts at the era
    after the active one) and only the excess over the span's largest slash is taken; spans that ended at or
    before the window start (active era - BondingDuration) are pruned with their SpanSlash records."""
    state = chain.state
    v = chain.genesis_validators[0]
    own0 = S.ErasStakersOverview.get(state, 0, v).own
    assert staking.slash(chain, v, PERBILL // 10, 0)[0] == (v, round_half_down(own0, PERBILL // 10, PERBILL))
    assert S.SlashingSpans.get(state, v) == S.SlashingSpansRecord(1, 1, 0, (1,))
    assert S.SpanSlash.get(state, (v, 0)) == S.SpanRecord(round_half_down(own0, PERBILL // 10, PERBILL), 0)
    t = 1_000
    while S.ActiveEra.get(state).index < 1:
        t += 60_000
        rotate(chain, t)
    own1 = S.ErasStakersOverview.get(state, 1, v).own
    slash1 = round_half_down(own1, PERBILL // 5, PERBILL)
    assert staking.slash(chain, v, PERBILL // 5, 1)[0] == (v, slash1)  # span 1 had no slash: all of it
    assert S.SlashingSpans.get(state, v) == S.SlashingSpansRecord(2, 2, 1, (1, 1))
    assert S.SpanSlash.get(state, (v, 1)) == S.SpanRecord(slash1, 0)
    while S.ActiveEra.get(state).index < 3:
        t += 60_000
        rotate(chain, t)
    own3 = S.ErasStakersOverview.get(state, 3, v).own
    staking.slash(chain, v, PERBILL // 10, 3)
    # spans (index, start, length): 3 [4, ..), 2 [2, 4), 1 [1, 2), 0 [0, 1); window start 3 - 2 = 1 ends span 0
    assert S.SlashingSpans.get(state, v) == S.SlashingSpansRecord(3, 4, 3, (2, 1))
    assert state.get(S.SpanSlash.key((v, 0))) is None
    assert S.SpanSlash.get(state, (v, 1)) == S.SpanRecord(slash1, 0)
    assert S.SpanSlash.get(state, (v, 2)) == S.SpanRecord(round_half_down(own3, PERBILL // 10, PERBILL), 0)


def test_bad_slash_requests_change_nothing(chain):
    state = chain.state
    v = chain.genesis_validators[0]
    before = dict(state.changes), len(state.events)
    for fraction, era in ((PERBILL + 1, 0), (-1, 0), (1, 5)):
        with pytest.raises(staking.InvalidSlash):
            staking.slash(chain, v, fraction, era)
    assert (dict(state.changes), len(state.events)) == before
    assert staking.slash(chain, acct(99), PERBILL, 0) == []  # not exposed in era 0
    S.Invulnerables.set(state, [v])
    assert staking.slash(chain, v, PERBILL, 0) == []


def test_slashes_for_eras_out_of_the_bonding_window_are_discarded(chain):
    state = chain.state
    t = 1_000
    while S.ActiveEra.get(state).index <= S.BONDING_DURATION:
        t += 60_000
        rotate(chain, t)
    assert S.BondedEras.get(state)[0][0] == 1
    v = chain.genesis_validators[0]
    assert staking.slash(chain, v, PERBILL // 2, 0) == []
    assert events(chain)[-1][0] == "OldSlashingReportDiscarded"


def test_ledger_slash_is_proportional_over_chunks_bonded_at_the_offence():
    led = S.StakingLedger(acct(1), 150, 100, (S.UnlockChunk(10, 1), S.UnlockChunk(40, 3 + S.BONDING_DURATION)))
    new, slashed = L.slash_ledger(led, 70, 1, 3)  # chunk 2 (era 5) and active are affected: 70/140 each
    assert slashed == 70
    assert (new.active, new.total, new.unlocking) == (50, 80, (S.UnlockChunk(10, 1),
                                                                 S.UnlockChunk(20, 3 + S.BONDING_DURATION)))
    led = S.StakingLedger(acct(1), 60, 30, (S.UnlockChunk(10, 1), S.UnlockChunk(20, 2)))
    new, slashed = L.slash_ledger(led, 45, 1, 3)  # no chunk bonded at the offence: active, then newest chunk
    assert (slashed, new.active, new.unlocking) == (45, 0, (S.UnlockChunk(10, 1), S.UnlockChunk(5, 2)))
    new, slashed = L.slash_ledger(led, 45, 6, 3)  # a remainder below the existential deposit goes too
    assert (slashed, new.unlocking) == (50, (S.UnlockChunk(10, 1),))


# -- era forcing and vote weights ---------------------------------------------------------------

def test_force_new_era_elects_at_the_next_planning_and_force_none_never(chain):
    state = chain.state
    rotate(chain, 61_000)
    rotate(chain, 121_000)  # era 1 active since session 2; session 3 would normally plan nothing
    assert S.CurrentEra.get(state) == 1
    S.ForceEra.set(state, "ForceNone")
    rotate(chain, 181_000)  # plans session 4: era length 2, but forcing none
    assert S.CurrentEra.get(state) == 1
    S.ForceEra.set(state, "ForceNew")
    rotate(chain, 241_000)  # plans session 5 as the start of era 2, then forcing resets
    assert S.CurrentEra.get(state) == 2 and S.ErasStartSessionIndex.get(state, 2) == 5
    assert S.ForceEra.get(state) == "NotForcing"


def test_vote_weight_is_the_active_bond_scaled_by_issuance_over_u64_max(chain):
    state = chain.state
    u64_max = 2 ** 64 - 1
    balances.TotalIssuance.set(state, 3 * u64_max + 5)  # npos.md §8: factor = issuance // u64::MAX = 3
    weights = {who: w for who, w, _ in E.electing_voters(state, balances.TotalIssuance.get(state))}
    assert weights == {**{v: b // 3 for v, b in VALIDATOR_BONDS.items()},
                       **{n: b // 3 for n, (b, _) in NOMINATIONS.items()}}
    assert [who for who, _, _ in E.electing_voters(state, 0)] == map_order(NOMINATIONS) + map_order(VALIDATOR_BONDS)
    exposures = E.run_election(state)
    for _, exposure in exposures:  # back to currency: multiples of the factor
        assert exposure.own % 3 == 0 and all(x.value % 3 == 0 for x in exposure.others)


def test_slash_in_session_finds_the_offence_era(chain):
    state = chain.state
    t = 1_000
    while S.ActiveEra.get(state).index < 2:  # eras start at sessions 0, 2, 4
        t += 60_000
        rotate(chain, t)
    assert S.BondedEras.get(state) == [(0, 0), (1, 2), (2, 4)]
    v = chain.genesis_validators[0]
    own0 = S.ErasStakersOverview.get(state, 0, v).own
    assert staking.slash_in_session(chain, v, PERBILL // 10, 1)[0] == (v, round_half_down(own0, PERBILL // 10, PERBILL))
    assert S.ValidatorSlashInEra.get(state, 0, v)[0] == PERBILL // 10  # session 1 was in era 0
    assert S.ErasStakersOverview.get(state, 2, v) is not None  # same stakes: same set every era
    staking.slash_in_session(chain, v, PERBILL // 10, 5)  # session 5 is in the active era 2
    assert S.ValidatorSlashInEra.get(state, 2, v)[0] == PERBILL // 10
    while S.ActiveEra.get(state).index <= S.BONDING_DURATION + 1:
        t += 60_000
        rotate(chain, t)
    assert S.BondedEras.get(state)[0][0] >= 1
    assert staking.slash_in_session(chain, v, PERBILL, 0) == []
    assert events(chain)[-1] == ("OldSlashingReportDiscarded", {"session_index": 0})
