"""Eras: the NPoS election each era, exposures, the Session manager, era payouts and reward points.

Substrate: `substrate/frame/staking/src/pallet/impls.rs` (`new_session`, `start_session`, `end_session`,
`try_trigger_new_era`, `store_stakers_info`, `start_era`, `end_era`, `reward_by_ids`,
`do_payout_stakers_by_page`, `make_payout`), `sp_staking::{Exposure::into_pages, PagedExposure}` and the
on-chain election provider; the election itself is `relaychain.election` (npos.md, bit-exact with
sp-npos-elections).

Era timeline (SessionsPerEra = N): the election for era e+1 runs when Session plans session
`start(e) + N` (one session ahead), so `CurrentEra` (planned) leads `ActiveEra` (rewarded) by one
session; era e+1 becomes active when that session starts.
"""

from __future__ import annotations

from dataclasses import replace

from relaychain.election import ElectionError, Snapshot, elect
from relaychain.election.arithmetic import Perbill, Perquintill, U64_MAX
from relaychain.primitives.hashing import twox64_concat
from relaychain.primitives.scale import encode_u32
from relaychain.runtime.pallets import babe, balances, session, timestamp
from relaychain.runtime.pallets import staking_ledger as L
from relaychain.runtime.pallets import staking_storage as S
from relaychain.runtime.pallets.staking_storage import (
    ActiveEraInfo, EraRewardPoints, Exposure, ExposurePage, IndividualExposure, PagedExposureMetadata,
)

# Snapshots with fewer edges than this run on the plain exact-integer election (same result, no JIT);
# larger ones on the numba kernels.
REFERENCE_ELECTION_MAX_EDGES = 20_000


class ElectionFailed(Exception):
    """No new validator set could be elected (too few candidates or an election error)."""


# -- currency <-> vote (sp_staking::currency_to_vote::U128CurrencyToVote, npos.md §8) -------------

def _vote_factor(total_issuance: int) -> int:
    return max(total_issuance // U64_MAX, 1)


def to_vote(balance: int, total_issuance: int) -> int:
    return min(balance // _vote_factor(total_issuance), U64_MAX)


def to_currency(vote: int, total_issuance: int) -> int:
    return vote * _vote_factor(total_issuance)


# -- the election snapshot (ElectionDataProvider: electing_voters, electable_targets) -----------

def _keys_of(state, item) -> list[bytes]:
    """Accounts keyed in a Twox64Concat(AccountId) map, in storage-key order (the map's iteration order)."""
    n = len(item.prefix) + 8
    return [k[n:n + 32] for k in state.keys_with_prefix(item.prefix)]


def electable_targets(state) -> list[bytes]:
    """Validator candidates: the `Validators` map in iteration order."""
    return _keys_of(state, S.Validators)


def electing_voters(state, total_issuance: int) -> list[tuple[bytes, int, tuple]]:
    """Nominators (with their targets) then validators (each a self-vote), weighted by active bond.

    Mirrors `UseNominatorsAndValidatorsMap`: the Nominators map then the Validators map, in key order.
    """
    voters = []
    for who in _keys_of(state, S.Nominators):
        ledger = L.ledger_of_stash(state, who)
        nominations = S.Nominators.get(state, who)
        if ledger is None or not nominations.targets:
            continue
        voters.append((who, to_vote(ledger.active, total_issuance), nominations.targets))
    for who in _keys_of(state, S.Validators):
        ledger = L.ledger_of_stash(state, who)
        if ledger is None:
            continue
        voters.append((who, to_vote(ledger.active, total_issuance), (who,)))
    return voters


def _id(who: bytes) -> str:
    return "0x" + who.hex()  # lowercase hex sorts like the bytes, so supports come out in AccountId order


def election_snapshot(state) -> Snapshot:
    """The election input for the next era; raises ElectionFailed when there is nobody to elect."""
    issuance = balances.TotalIssuance.get(state)
    targets = electable_targets(state)
    to_elect = min(S.ValidatorCount.get(state), len(targets))
    if to_elect == 0:
        raise ElectionFailed(f"{len(targets)} validator candidates, ValidatorCount {S.ValidatorCount.get(state)}")
    voters = electing_voters(state, issuance)
    return Snapshot(to_elect=to_elect, candidates=tuple(_id(t) for t in targets),
                    voters=tuple((_id(w), s, tuple(_id(t) for t in ts)) for w, s, ts in voters),
                    balance_iterations=S.BALANCING_ITERATIONS, tolerance=0,
                    algorithm="seq_phragmen", accuracy="perbill")


def run_election(state) -> list[tuple[bytes, Exposure]]:
    """Elect and turn the supports into exposures, sorted by stash (`collect_exposures`)."""
    snapshot = election_snapshot(state)
    edges = sum(len(v[2]) for v in snapshot.voters)
    try:
        result = elect(snapshot, reference=edges < REFERENCE_ELECTION_MAX_EDGES)
    except ElectionError as e:
        raise ElectionFailed(str(e)) from None
    issuance = balances.TotalIssuance.get(state)
    out = []
    for target, support in result.supports:
        validator = bytes.fromhex(target[2:])
        own, total, others = 0, 0, []
        for voter, weight in support.voters:
            stake = to_currency(weight, issuance)
            who = bytes.fromhex(voter[2:])
            if who == validator:
                own += stake
            else:
                others.append(IndividualExposure(who, stake))
            total += stake
        out.append((validator, Exposure(total, own, tuple(others))))
    return out


# -- exposures (sp_staking::Exposure::into_pages, EraInfo) --------------------------------------

def into_pages(exposure: Exposure, page_size: int) -> tuple[PagedExposureMetadata, list[ExposurePage]]:
    """Split the nominators into pages of `page_size` in exposure order; own stake stays in the overview."""
    page_size = max(page_size, 1)
    pages = [ExposurePage(sum(x.value for x in exposure.others[i:i + page_size]), exposure.others[i:i + page_size])
             for i in range(0, len(exposure.others), page_size)]
    return PagedExposureMetadata(exposure.total, exposure.own, len(exposure.others), len(pages)), pages


def set_exposure(state, era: int, validator: bytes, exposure: Exposure) -> None:
    overview, pages = into_pages(exposure, S.MAX_EXPOSURE_PAGE_SIZE)
    S.ErasStakersOverview.set(state, overview, era, validator)
    for page, p in enumerate(pages):
        S.ErasStakersPaged.set(state, p, era, validator, page)


def page_count(state, era: int, validator: bytes) -> int:
    """Pages to pay out: a validator with only its own stake still has page 0."""
    o = S.ErasStakersOverview.get(state, era, validator)
    if o is None:
        return 1
    return 1 if o.page_count == 0 and o.own > 0 else o.page_count


def paged_exposure(state, era: int, validator: bytes, page: int):
    """(overview with `own` only on page 0, page) or None: `EraInfo::get_paged_exposure`."""
    o = S.ErasStakersOverview.get(state, era, validator)
    if o is None:
        return None
    p = S.ErasStakersPaged.get(state, era, validator, page) or ExposurePage(0, ())
    return replace(o, own=o.own if page == 0 else 0), p


def full_exposure(state, era: int, validator: bytes) -> Exposure | None:
    """The whole exposure (all pages joined), for slashing."""
    o = S.ErasStakersOverview.get(state, era, validator)
    if o is None:
        return None
    others = []
    for page in range(o.page_count):
        p = S.ErasStakersPaged.get(state, era, validator, page)
        if p is not None:
            others.extend(p.others)
    return Exposure(o.total, o.own, tuple(others))


def store_stakers_info(state, exposures: list[tuple[bytes, Exposure]], era: int) -> list[bytes]:
    """Write the era's exposures, total stake and the winners' prefs; return the elected stashes."""
    total = 0
    for stash, exposure in exposures:
        total += exposure.total
        set_exposure(state, era, stash, exposure)
    S.ErasTotalStake.set(state, total, era)
    for stash, _ in exposures:
        S.ErasValidatorPrefs.set(state, S.Validators.get(state, stash), era, stash)
    return [stash for stash, _ in exposures]


def _remove_prefix(state, prefix: bytes) -> None:
    for k in state.keys_with_prefix(prefix):
        state.set(k, None)


def clear_era_slashes(state, era: int) -> None:
    """`slashing::clear_era_metadata`: an era leaving the bonding window can no longer be slashed."""
    era_key = twox64_concat(encode_u32(era))
    for item in (S.ValidatorSlashInEra, S.NominatorSlashInEra):
        _remove_prefix(state, item.prefix + era_key)


def clear_era_information(state, era: int) -> None:
    """Forget an era older than HistoryDepth (exposures, prefs, rewards, points, claims)."""
    era_key = twox64_concat(encode_u32(era))
    for item in (S.ErasStakers, S.ErasStakersClipped, S.ErasStakersOverview, S.ErasStakersPaged,
                 S.ErasValidatorPrefs, S.ClaimedRewards):
        _remove_prefix(state, item.prefix + era_key)
    for item in (S.ErasValidatorReward, S.ErasRewardPoints, S.ErasTotalStake, S.ErasStartSessionIndex):
        item.remove(state, era)


# -- the Session manager -----------------------------------------------------------------------

def try_trigger_new_era(ctx, start_session: int) -> list[bytes] | None:
    """Elect; on success plan era CurrentEra+1 starting at `start_session` (event StakersElected)."""
    state = ctx.state
    try:
        exposures = run_election(state)
    except ElectionFailed:
        exposures = []
    if len(exposures) < max(S.MinimumValidatorCount.get(state), 1):
        if S.CurrentEra.get(state) is None:  # the initial era may have no exposures
            S.CurrentEra.set(state, 0)
            S.ErasStartSessionIndex.set(state, start_session, 0)
        ctx.deposit_event(S.StakingElectionFailed)
        return None
    ctx.deposit_event(S.StakersElected)
    current = S.CurrentEra.get(state)
    new_era = 0 if current is None else current + 1
    S.CurrentEra.set(state, new_era)
    S.ErasStartSessionIndex.set(state, start_session, new_era)
    if new_era > S.HISTORY_DEPTH:
        clear_era_information(state, new_era - S.HISTORY_DEPTH - 1)
    return store_stakers_info(state, exposures, new_era)


def new_session(ctx, session_index: int) -> list[bytes] | None:
    """`SessionManager::new_session`: the validators for `session_index` if it starts a new era, else None."""
    state = ctx.state
    S.CurrentPlannedSession.set(state, session_index)
    current = S.CurrentEra.get(state)
    if current is None:
        return try_trigger_new_era(ctx, session_index)
    era_start = S.ErasStartSessionIndex.get(state, current) or 0
    era_length = max(0, session_index - era_start)
    forcing = S.ForceEra.get(state)
    if forcing == "ForceNone" or (forcing == "NotForcing" and era_length < S.SESSIONS_PER_ERA):
        return None
    elected = try_trigger_new_era(ctx, session_index)
    if elected is not None and forcing == "ForceNew":
        S.ForceEra.set(state, "NotForcing")
    return elected


def start_session(ctx, start_index: int) -> int | None:
    """Activate the next era when its first session starts; returns its index if it did."""
    state = ctx.state
    active = S.ActiveEra.get(state)
    next_active = 0 if active is None else active.index + 1
    start = S.ErasStartSessionIndex.get(state, next_active)
    if start is not None and start <= start_index:
        start_era(ctx, start_index)
        return next_active
    return None


def end_session(ctx, end_index: int) -> None:
    """Close the active era (its payout) when the next era starts with the following session."""
    state = ctx.state
    active = S.ActiveEra.get(state)
    if active is None:
        return
    if S.ErasStartSessionIndex.get(state, active.index + 1) == end_index + 1:
        end_era(ctx, active)


def start_era(ctx, start_session_index: int) -> None:
    """ActiveEra += 1 (its start time is set in the next on_finalize); keep BondingDuration eras bonded."""
    state = ctx.state
    active = S.ActiveEra.get(state)
    index = 0 if active is None else active.index + 1
    S.ActiveEra.set(state, ActiveEraInfo(index, None))
    bonded = [tuple(x) for x in S.BondedEras.get(state)] + [(index, start_session_index)]
    if index > S.BONDING_DURATION:
        first_kept = index - S.BONDING_DURATION
        for era, _ in bonded:
            if era < first_kept:
                clear_era_slashes(state, era)
        bonded = [(e, s) for e, s in bonded if e >= first_kept]
    S.BondedEras.set(state, bonded)


def era_payout(total_staked: int, total_issuance: int, era_duration_ms: int) -> tuple[int, int]:
    """(validator payout, remainder) for an era of `era_duration_ms`.

    Dev-chain rule (Polkadot uses the `relay_era_payout` inflation curve and a treasury): a fixed
    ANNUAL_INFLATION of the issuance per year, pro rata of the era's length, all to the validators.
    Integer PerThing maths only: period fraction = Perquintill(duration / year).
    """
    fraction = Perquintill.from_rational(min(era_duration_ms, S.MILLISECONDS_PER_YEAR), S.MILLISECONDS_PER_YEAR)
    yearly = Perbill.mul(S.ANNUAL_INFLATION_PERBILL, total_issuance)
    return Perquintill.mul(fraction, yearly), 0


def end_era(ctx, active: ActiveEraInfo) -> None:
    """Set the era's validator payout from its duration (EraPaid); paid later by payout_stakers."""
    state = ctx.state
    if active.start is None:
        return
    now = timestamp.Now.get(state)
    staked = S.ErasTotalStake.get(state, active.index)
    issuance = balances.TotalIssuance.get(state)
    validator_payout, remainder = era_payout(staked, issuance, max(0, now - active.start))
    ctx.deposit_event(S.EraPaid, era_index=active.index, validator_payout=validator_payout, remainder=remainder)
    S.ErasValidatorReward.set(state, validator_payout, active.index)
    S.OffendingValidators.remove(state)


# -- reward points and the era's start time ----------------------------------------------------

def reward_by_ids(ctx, points: list[tuple[bytes, int]]) -> None:
    """Add era points in the active era (authoring, parachain backing/approvals)."""
    state = ctx.state
    active = S.ActiveEra.get(state)
    if active is None:
        return
    era = S.ErasRewardPoints.get(state, active.index)
    individual = dict(era.individual)
    total = era.total
    for who, p in points:
        individual[who] = min(individual.get(who, 0) + p, 0xFFFFFFFF)
        total = min(total + p, 0xFFFFFFFF)
    S.ErasRewardPoints.set(state, EraRewardPoints(total, tuple(individual.items())), active.index)


def note_author(ctx, author: bytes) -> None:
    """pallet_authorship's EventHandler: the block author earns AUTHOR_REWARD_POINTS."""
    reward_by_ids(ctx, [(author, S.AUTHOR_REWARD_POINTS)])


def on_initialize(ctx) -> None:
    """Reward the block's author: BABE pre-digest authority index into the session's validators."""
    try:
        pre = babe.pre_digest_of(ctx)
    except babe.MissingSlotClaim:
        return
    validators = session.Validators.get(ctx.state)
    if pre.authority_index < len(validators):
        note_author(ctx, validators[pre.authority_index])


def on_finalize(ctx) -> None:
    """The first block of an active era records its start time (Timestamp.Now)."""
    state = ctx.state
    active = S.ActiveEra.get(state)
    if active is not None and active.start is None:
        S.ActiveEra.set(state, ActiveEraInfo(active.index, timestamp.Now.get(state)))


# -- payouts -----------------------------------------------------------------------------------

def make_payout(ctx, stash: bytes, amount: int):
    """Pay `amount` to the stash's reward destination; returns (dest, minted) or None."""
    if amount == 0:
        return None
    state = ctx.state
    dest = S.Payee.get(state, stash)
    if dest is None or dest == "None":
        return None
    if dest == "Stash":
        minted = L.mint_existing(ctx, stash, amount)
    elif dest == "Staked":
        ledger = L.ledger_of_stash(state, stash)
        if ledger is None:
            return None
        minted = L.mint_existing(ctx, stash, amount)
        L.update_ledger(state, replace(ledger, active=ledger.active + minted, total=ledger.total + minted))
    elif dest == "Controller":
        minted = L.mint_creating(ctx, S.Bonded.get(state, stash) or stash, amount)
    else:  # ("Account", who)
        minted = L.mint_creating(ctx, dest[1], amount)
    return dest, minted


def next_claimable_page(state, era: int, stash: bytes) -> int | None:
    claimed = S.ClaimedRewards.get(state, era, stash)
    return next((p for p in range(page_count(state, era, stash)) if p not in claimed), None)


def do_payout_stakers_by_page(ctx, stash: bytes, era: int, page: int) -> None:
    """Pay one page of an era's rewards: the validator's share of points, commission, then by stake."""
    state = ctx.state
    fail = S.pallet.fail
    current = S.CurrentEra.get(state)
    if current is None or not (max(0, current - S.HISTORY_DEPTH) <= era <= current):
        raise fail("InvalidEraToReward")
    if page >= page_count(state, era, stash):
        raise fail("InvalidPage")
    era_reward = S.ErasValidatorReward.get(state, era)
    if era_reward is None:
        raise fail("InvalidEraToReward")
    if L.ledger_of_stash(state, stash) is None:
        raise fail("NotStash")
    claimed = S.ClaimedRewards.get(state, era, stash)
    if page in claimed:
        raise fail("AlreadyClaimed")
    exposure = paged_exposure(state, era, stash, page)
    if exposure is None:
        raise fail("InvalidEraToReward")
    S.ClaimedRewards.set(state, list(claimed) + [page], era, stash)
    overview, exposure_page = exposure
    points = S.ErasRewardPoints.get(state, era)
    own_points = points.points_of(stash)
    if own_points == 0:
        return
    total_payout = Perbill.mul(Perbill.from_rational(own_points, points.total), era_reward)
    commission = S.ErasValidatorPrefs.get(state, era, stash).commission
    total_commission = Perbill.mul(commission, total_payout)
    leftover = total_payout - total_commission
    staking_payout = Perbill.mul(Perbill.from_rational(overview.own, overview.total), leftover)
    page_part = Perbill.from_rational(exposure_page.page_total + overview.own, overview.total)
    commission_payout = Perbill.mul(page_part, total_commission)
    ctx.deposit_event(S.PayoutStarted, era_index=era, validator_stash=stash)
    paid = make_payout(ctx, stash, staking_payout + commission_payout)
    if paid is not None:
        ctx.deposit_event(S.Rewarded, stash=stash, dest=paid[0], amount=paid[1])
    for nominator in exposure_page.others:
        reward = Perbill.mul(Perbill.from_rational(nominator.value, overview.total), leftover)
        paid = make_payout(ctx, nominator.who, reward)
        if paid is not None:
            ctx.deposit_event(S.Rewarded, stash=nominator.who, dest=paid[0], amount=paid[1])


def do_payout_stakers(ctx, stash: bytes, era: int) -> None:
    if not S.Bonded.exists(ctx.state, stash):
        raise S.pallet.fail("NotStash")
    page = next_claimable_page(ctx.state, era, stash)
    if page is None:
        raise S.pallet.fail("AlreadyClaimed")
    do_payout_stakers_by_page(ctx, stash, era, page)


__all__ = ["ElectionFailed", "do_payout_stakers",
           "electing_voters", "electable_targets", "election_snapshot", "era_payout", "full_exposure",
           "into_pages", "new_session", "note_author", "reward_by_ids", "run_election", "start_session",
           "end_session", "to_currency", "to_vote"]
