"""pallet_staking (index 7): bonding, validator/nominator intentions, payouts, and the genesis stakers.

Substrate: `substrate/frame/staking/src/pallet/mod.rs` (calls and GenesisConfig). Declarations are in
`staking_storage.py`; ledgers and locks in `staking_ledger.py`; elections, eras, the Session manager and
rewards in `staking_era.py`; slashing in `staking_slashing.py`. What the runtime wires:
- `pallet` into the runtime's pallets (its on_initialize rewards the block author, on_finalize stamps the
  active era's start);
- `SESSION_MANAGER`, the runtime's `session.Config.session_manager` (validator sets from the era elections);
- `genesis(state, config)` after balances' genesis and before session's.
Offence reporters (parachain disputes) call `on_offence(ctx, stashes, fraction, session_index, disable_strategy)`
(or `slash(ctx, stash, fraction, era)` with the era known), and `reward_by_ids(ctx, points)` (e.g. backing
points) rewards.

Calls check their inputs before writing (the executive also rolls a failed call back); the one call that
writes before a later check is `unbond` with a full chunk queue, which first withdraws what has unlocked,
as Polkadot's does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.runtime import constants as C
from relaychain.runtime.frame_types import COMPACT_U32, COMPACT_U128, MULTI_ADDRESS, Weight
from relaychain.runtime.framework import Origin, ensure_root, ensure_signed
from relaychain.runtime.pallets import balances
from relaychain.runtime.pallets import staking_era as E
from relaychain.runtime.pallets import staking_ledger as L
from relaychain.runtime.pallets import staking_slashing as SL
from relaychain.runtime.pallets import staking_storage as S
from relaychain.runtime.pallets.staking_era import note_author, reward_by_ids  # noqa: F401 - the pallet's public API
from relaychain.runtime.pallets.staking_slashing import (  # noqa: F401
    InvalidSlash, on_offence, slash, slash_in_session,
)
from relaychain.runtime.pallets.staking_storage import (  # noqa: F401
    Nominations, StakingLedger, UnlockChunk, ValidatorPrefs, pallet,
)
from relaychain.primitives.scale_types import ACCOUNT_ID, U32, Field, Vec

pallet.on_initialize = E.on_initialize
pallet.on_finalize = E.on_finalize


class StakingSessionManager:
    """pallet_session::SessionManager implemented by staking (the runtime declares it as
    `session.Config.session_manager`): eras follow sessions; an era's start applies the slashes deferred to it,
    and every session start keeps the era's disabled offenders disabled."""

    def new_session(self, ctx, new_index: int):
        return E.new_session(ctx, new_index)

    def start_session(self, ctx, index: int) -> None:
        started = E.start_session(ctx, index)
        if started is not None:
            SL.apply_unapplied_slashes(ctx, started)
        SL.disable_offenders(ctx)

    def end_session(self, ctx, index: int) -> None:
        E.end_session(ctx, index)


SESSION_MANAGER = StakingSessionManager()

fail = pallet.fail


def _ledger_of_controller(state, who: bytes) -> StakingLedger:
    ledger = L.ledger_of_controller(state, who)
    if ledger is None:
        raise fail("NotController")
    return ledger


def _min_active_bond(state, stash: bytes) -> int:
    if L.is_nominator(state, stash):
        return S.MinNominatorBond.get(state)
    if L.is_validator(state, stash):
        return S.MinValidatorBond.get(state)
    return 0


_payee = Field("payee", S.REWARD_DESTINATION, "RewardDestination<T::AccountId>")
_value = Field("value", COMPACT_U128, "BalanceOf<T>")


def _w(ref_ms_tenths: int, proof: int) -> Weight:
    return Weight(ref_ms_tenths * 100_000_000, proof)


@pallet.call(0, [_value, _payee], weight=_w(1, 4764), docs=(
    "Take the origin account as a stash and lock up `value` of its balance.",))
def bond(ctx, origin: Origin, value: int, payee) -> None:
    stash = ensure_signed(origin)
    state = ctx.state
    if L.is_bonded(state, stash):
        raise fail("AlreadyBonded")
    if S.Ledger.exists(state, stash):
        raise fail("AlreadyPaired")
    if value < L.existential_deposit():
        raise fail("InsufficientBond")
    value = min(value, L.free_balance(state, stash))
    ctx.deposit_event(S.BondedEvent, stash=stash, amount=value)
    S.Bonded.set(state, stash, stash)
    S.Payee.set(state, payee, stash)
    L.update_ledger(state, StakingLedger(stash, value, value))


@pallet.call(1, [Field("max_additional", COMPACT_U128, "BalanceOf<T>")], weight=_w(1, 8877), docs=(
    "Add some extra amount that have appeared in the stash `free_balance` into the balance up for staking.",))
def bond_extra(ctx, origin: Origin, max_additional: int) -> None:
    stash = ensure_signed(origin)
    state = ctx.state
    ledger = L.ledger_of_stash(state, stash)
    if ledger is None:
        raise fail("NotStash")
    extra = min(max_additional, max(0, L.free_balance(state, stash) - ledger.total))
    ledger = replace(ledger, total=ledger.total + extra, active=ledger.active + extra)
    if ledger.active < L.existential_deposit():
        raise fail("InsufficientBond")
    L.update_ledger(state, ledger)
    ctx.deposit_event(S.BondedEvent, stash=stash, amount=extra)


@pallet.call(2, [_value], weight=_w(1, 8877), docs=(
    "Schedule a portion of the stash to be unlocked ready for transfer out after the bond period ends.",))
def unbond(ctx, origin: Origin, value: int) -> None:
    state = ctx.state
    ledger = _ledger_of_controller(state, ensure_signed(origin))
    if len(ledger.unlocking) >= S.MAX_UNLOCKING_CHUNKS:  # withdraw what has unlocked to make room
        current = S.CurrentEra.get(state)
        if current is None or len(L.consolidate_unlocked(ledger, current).unlocking) >= S.MAX_UNLOCKING_CHUNKS:
            raise fail("NoMoreChunks")
        _withdraw_unbonded(ctx, ledger, SL.span_count(state, ledger.stash))
        ledger = L.ledger_of_controller(state, ledger.stash)
        if ledger is None:  # everything was withdrawn and the stash forgotten: nothing left to unbond
            return
    value = min(value, ledger.active)
    if value == 0:
        return
    active = ledger.active - value
    if active < L.existential_deposit():  # no dust left in the staking system
        value += active
        active = 0
    if active < _min_active_bond(state, ledger.stash):
        raise fail("InsufficientBond")
    era = (S.CurrentEra.get(state) or 0) + S.BONDING_DURATION
    chunks = list(ledger.unlocking)
    if chunks and chunks[-1].era == era:  # one chunk per era
        chunks[-1] = UnlockChunk(chunks[-1].value + value, era)
    else:
        chunks.append(UnlockChunk(value, era))
    L.update_ledger(state, replace(ledger, active=active, unlocking=tuple(chunks)))
    ctx.deposit_event(S.Unbonded, stash=ledger.stash, amount=value)


def _withdraw_unbonded(ctx, ledger: StakingLedger, num_slashing_spans: int) -> None:
    """Release the chunks whose era has come; forget the stash (and its slashing spans, which the caller must
    count at least: `IncorrectSlashingSpans`) once nothing is left at stake."""
    state = ctx.state
    current = S.CurrentEra.get(state)
    new = L.consolidate_unlocked(ledger, current) if current is not None else ledger
    if not new.unlocking and new.active < L.existential_deposit():
        if not SL.clear_stash_metadata(state, ledger.stash, num_slashing_spans):
            raise fail("IncorrectSlashingSpans")
        L.kill_stash(ctx, ledger.stash)
        new_total = 0
    else:
        L.update_ledger(state, new)
        new_total = new.total
    if new_total < ledger.total:
        ctx.deposit_event(S.Withdrawn, stash=ledger.stash, amount=ledger.total - new_total)


@pallet.call(3, [Field("num_slashing_spans", U32, "u32")], weight=_w(1, 8877), docs=(
    "Remove any unlocked chunks from the `unlocking` queue from our management.",))
def withdraw_unbonded(ctx, origin: Origin, num_slashing_spans: int) -> None:
    _withdraw_unbonded(ctx, _ledger_of_controller(ctx.state, ensure_signed(origin)), num_slashing_spans)


@pallet.call(4, [Field("prefs", S.VALIDATOR_PREFS, "ValidatorPrefs")], weight=_w(1, 4694), docs=(
    "Declare the desire to validate for the origin controller.",))
def validate(ctx, origin: Origin, prefs: ValidatorPrefs) -> None:
    state = ctx.state
    ledger = _ledger_of_controller(state, ensure_signed(origin))
    if ledger.active < S.MinValidatorBond.get(state):
        raise fail("InsufficientBond")
    if prefs.commission < S.MinCommission.get(state):
        raise fail("CommissionTooLow")
    stash = ledger.stash
    if not L.is_validator(state, stash):
        limit = S.MaxValidatorsCount.get(state)
        if limit is not None and S.CounterForValidators.get(state) >= limit:
            raise fail("TooManyValidators")
    L.do_remove_nominator(state, stash)
    L.do_add_validator(state, stash, prefs)
    ctx.deposit_event(S.ValidatorPrefsSet, stash=stash, prefs=prefs)


@pallet.call(5, [Field("targets", Vec(MULTI_ADDRESS), "Vec<AccountIdLookupOf<T>>")], weight=_w(2, 4556), docs=(
    "Declare the desire to nominate `targets` for the origin controller.",))
def nominate(ctx, origin: Origin, targets: list) -> None:
    state = ctx.state
    ledger = _ledger_of_controller(state, ensure_signed(origin))
    if ledger.active < S.MinNominatorBond.get(state):
        raise fail("InsufficientBond")
    stash = ledger.stash
    if not L.is_nominator(state, stash):
        limit = S.MaxNominatorsCount.get(state)
        if limit is not None and S.CounterForNominators.get(state) >= limit:
            raise fail("TooManyNominators")
    accounts = sorted(set(balances.lookup(t) for t in targets))
    if not accounts:
        raise fail("EmptyTargets")
    if len(accounts) > S.MAX_NOMINATIONS:
        raise fail("TooManyTargets")
    old = S.Nominators.get(state, stash)
    old_targets = old.targets if old is not None else ()
    for t in accounts:
        # staking-async's rule: a target must be a validator that does not block new nominations
        if t not in old_targets and (not L.is_validator(state, t) or S.Validators.get(state, t).blocked):
            raise fail("BadTarget")
    L.do_remove_validator(state, stash)
    L.do_add_nominator(state, stash, Nominations(tuple(accounts), S.CurrentEra.get(state) or 0, False))


@pallet.call(6, [], weight=_w(1, 6248), docs=("Declare no desire to either validate or nominate.",))
def chill(ctx, origin: Origin) -> None:
    ledger = _ledger_of_controller(ctx.state, ensure_signed(origin))
    L.chill_stash(ctx, ledger.stash)


@pallet.call(7, [_payee], weight=_w(1, 4556), docs=("(Re-)set the payment target for a controller.",))
def set_payee(ctx, origin: Origin, payee) -> None:
    ledger = _ledger_of_controller(ctx.state, ensure_signed(origin))
    if payee == "Controller":
        raise fail("ControllerDeprecated")
    S.Payee.set(ctx.state, payee, ledger.stash)


@pallet.call(9, [Field("new", COMPACT_U32, "u32")], weight=_w(1, 0), docs=(
    "Sets the ideal number of validators (root).",))
def set_validator_count(ctx, origin: Origin, new: int) -> None:
    ensure_root(origin)
    S.ValidatorCount.set(ctx.state, new)


@pallet.call(13, [], weight=_w(1, 0), docs=("Force there to be a new era at the end of the next session (root).",))
def force_new_era(ctx, origin: Origin) -> None:
    ensure_root(origin)
    S.ForceEra.set(ctx.state, "ForceNew")
    ctx.deposit_event(S.ForceEraEvent, mode="ForceNew")


_validator_stash = Field("validator_stash", ACCOUNT_ID, "T::AccountId")
_era_arg = Field("era", U32, "EraIndex")


@pallet.call(18, [_validator_stash, _era_arg], weight=_w(20, 20000), docs=(
    "Pay out next page of the stakers behind a validator for the given era.",))
def payout_stakers(ctx, origin: Origin, validator_stash: bytes, era: int) -> None:
    ensure_signed(origin)
    E.do_payout_stakers(ctx, validator_stash, era)


@pallet.call(19, [_value], weight=_w(1, 8877), docs=("Rebond a portion of the stash scheduled to be unlocked.",))
def rebond(ctx, origin: Origin, value: int) -> None:
    state = ctx.state
    ledger = _ledger_of_controller(state, ensure_signed(origin))
    if not ledger.unlocking:
        raise fail("NoUnlockChunk")
    ledger, moved = L.rebond(ledger, value)
    if ledger.active < L.existential_deposit():
        raise fail("InsufficientBond")
    L.update_ledger(state, ledger)
    ctx.deposit_event(S.BondedEvent, stash=ledger.stash, amount=moved)


@pallet.call(26, [_validator_stash, _era_arg, Field("page", U32, "Page")], weight=_w(20, 20000), docs=(
    "Pay out a page of the stakers behind a validator for the given era and page.",))
def payout_stakers_by_page(ctx, origin: Origin, validator_stash: bytes, era: int, page: int) -> None:
    ensure_signed(origin)
    E.do_payout_stakers_by_page(ctx, validator_stash, era, page)


# -- genesis (pallet_staking::GenesisConfig, then pallet_session's genesis calls to the manager) ----

@dataclass(frozen=True)
class Staker:
    """A genesis staker: `role` is "validator", "nominator" (with `targets`) or "idle"."""

    stash: bytes
    bond: int
    role: str
    targets: tuple = ()


@dataclass(frozen=True)
class StakingGenesisConfig:
    stakers: tuple
    validator_count: int
    minimum_validator_count: int = 1
    invulnerables: tuple = ()
    min_nominator_bond: int = 0
    min_validator_bond: int = 0


class GenesisError(ValueError):
    """The genesis stakers cannot be set up (e.g. a stash cannot afford its bond)."""


class _GenesisContext:
    """Runs calls at genesis: no block, and events are not kept (as in Substrate's genesis build)."""

    number = 0

    def __init__(self, state):
        self.state = state

    def deposit_event(self, ev, **fields) -> None:
        pass


def genesis(state, config: StakingGenesisConfig) -> tuple[list[bytes], list[bytes] | None]:
    """Bond the stakers, elect era 0 and activate it; returns the validators for sessions 0 and 1
    (None for session 1 = the same set), which Session's genesis must use."""
    ctx = _GenesisContext(state)
    S.ValidatorCount.set(state, config.validator_count)
    S.MinimumValidatorCount.set(state, config.minimum_validator_count)
    S.Invulnerables.set(state, list(config.invulnerables))
    S.MinNominatorBond.set(state, config.min_nominator_bond)
    S.MinValidatorBond.set(state, config.min_validator_bond)
    for st in config.stakers:
        if L.free_balance(state, st.stash) < st.bond:
            raise GenesisError(f"stash 0x{st.stash.hex()} does not have {st.bond} to bond")
        origin = Origin.signed(st.stash)
        bond.fn(ctx, origin, st.bond, "Staked")
        if st.role == "validator":
            validate.fn(ctx, origin, ValidatorPrefs())
        elif st.role == "nominator":
            nominate.fn(ctx, origin, [("Id", t) for t in st.targets])
        elif st.role != "idle":
            raise GenesisError(f"unknown staker role {st.role!r}")
    validators_0 = E.new_session(ctx, 0)
    if validators_0 is None:
        raise GenesisError("the genesis election elected nobody; add validator stakers")
    validators_1 = E.new_session(ctx, 1)
    E.start_session(ctx, 0)
    return validators_0, validators_1


DEV_VALIDATOR_BOND = 10_000 * C.UNITS
DEV_NOMINATOR_BOND = 5_000 * C.UNITS


def dev_genesis_config(validator_stashes: list[bytes], endowed=None) -> StakingGenesisConfig:
    """Dev stakers: each validator stash bonds DEV_VALIDATOR_BOND and validates; //Eve//stash and
    //Ferdie//stash (if `endowed` is None or holds them) nominate the first and second half of the
    validators with DEV_NOMINATOR_BOND, unless they validate themselves (a six-validator dev chain has no
    nominators). No invulnerables, so disputes can slash on the dev chain."""
    stakers = [Staker(v, DEV_VALIDATOR_BOND, "validator") for v in validator_stashes]
    half = (len(validator_stashes) + 1) // 2
    for name, targets in (("Eve", validator_stashes[:half]), ("Ferdie", validator_stashes[half:])):
        stash = Sr25519Keypair.from_uri(f"//{name}//stash").public
        if targets and stash not in validator_stashes and (endowed is None or stash in endowed):
            stakers.append(Staker(stash, DEV_NOMINATOR_BOND, "nominator", tuple(targets)))
    return StakingGenesisConfig(stakers=tuple(stakers), validator_count=len(validator_stashes),
                                minimum_validator_count=1)


__all__ = ["GenesisError", "InvalidSlash", "SESSION_MANAGER", "Staker", "StakingGenesisConfig", "dev_genesis_config",
           "genesis", "note_author", "on_offence", "pallet", "reward_by_ids", "slash", "slash_in_session"]
