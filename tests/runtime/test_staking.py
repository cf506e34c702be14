"""Staking calls (bond, bond_extra, unbond, withdraw_unbonded, validate, nominate, chill, set_payee, rebond).

Calls go through their real SCALE bytes (encode -> runtime decode -> dispatch); events are decoded from the
EventRecord bytes. Expected values are stated from the rules of pallet_staking (polkadot-sdk
`substrate/frame/staking/src/pallet/mod.rs`), and every failing call is checked to change nothing.
"""

from __future__ import annotations

import pytest

from relaychain.primitives.scale import ScaleDecodeError, encode_compact
from relaychain.runtime import constants as C
from relaychain.runtime.framework import BlockContext, DispatchError, Origin, Runtime
from relaychain.runtime.frame_types import event_record
from relaychain.runtime.overlay import EmptyHost, Overlay
from relaychain.runtime.pallets import balances, staking, system
from relaychain.runtime.pallets import staking_storage as S
from relaychain.runtime.runtime import PALLETS
from relaychain.primitives.scale_types import Vec

# the runtime with Staking, whether or not relaychain.runtime.runtime lists it yet
RT = Runtime("relaychain_runtime", tuple(p for p in PALLETS if p is not staking.pallet) + (staking.pallet,))
RECORDS = Vec(event_record(RT.event_type))
ED = C.EXISTENTIAL_DEPOSIT
UNIT = C.UNITS


def acct(i: int) -> bytes:
    return bytes([i]) * 32


A, B, V1, V2, V3 = acct(1), acct(2), acct(11), acct(12), acct(13)


@pytest.fixture
def ctx():
    state = Overlay(EmptyHost())
    balances.genesis(state, [(a, 1000 * UNIT) for a in (A, B, V1, V2, V3)])
    c = BlockContext(state, RT, 1, bytes(32))
    for v in (V1, V2, V3):
        dispatch(c, v, "bond", value=100 * UNIT, payee="Staked")
        dispatch(c, v, "validate", prefs=S.ValidatorPrefs(0, False))
    return c


def dispatch(ctx, who: bytes, name: str, **args) -> None:
    call = RT.decode_call_bytes(staking.pallet.call_named(name).encode(**args))
    RT.dispatch(ctx, Origin.signed(who), call)


def events(ctx) -> list:
    """(pallet, event, fields) of the events deposited so far."""
    out = []
    for rec in ctx.state.events:
        ev = RECORDS.inner.decode(rec)["event"]
        pallet_name, (name, fields) = ev[0], ev[1] if isinstance(ev[1], tuple) else (ev[1], None)
        out.append((pallet_name, name, fields))
    return out


def staking_events(ctx) -> list:
    return [(n, f) for p, n, f in events(ctx) if p == "Staking"]


def assert_fails_unchanged(ctx, who, name, error, **args):
    before = dict(ctx.state.changes), len(ctx.state.events)
    with pytest.raises(DispatchError) as e:
        dispatch(ctx, who, name, **args)
    assert getattr(e.value, "name", e.value.value) == error
    assert (dict(ctx.state.changes), len(ctx.state.events)) == before


def lock(ctx, who):
    return [(lk["id"], lk["amount"], lk["reasons"]) for lk in balances.Locks.get(ctx.state, who)]


# -- bond ----------------------------------------------------------------------------------------

def test_bond_locks_the_value_and_records_the_stash(ctx):
    consumers = system.account(ctx.state, A).consumers
    dispatch(ctx, A, "bond", value=10 * UNIT, payee="Stash")
    assert S.Bonded.get(ctx.state, A) == A
    assert S.Ledger.get(ctx.state, A) == S.StakingLedger(A, 10 * UNIT, 10 * UNIT)
    assert S.Payee.get(ctx.state, A) == "Stash"
    assert lock(ctx, A) == [(b"staking ", 10 * UNIT, "All")]
    info = system.account(ctx.state, A)
    assert info.data.frozen == 10 * UNIT and info.data.free == 1000 * UNIT  # locked, not moved
    assert info.consumers == consumers + 1
    assert staking_events(ctx)[-1] == ("Bonded", {"stash": A, "amount": 10 * UNIT})


def test_bond_is_capped_at_the_free_balance(ctx):
    dispatch(ctx, A, "bond", value=5000 * UNIT, payee=("Account", B))
    assert S.Ledger.get(ctx.state, A).total == 1000 * UNIT
    assert S.Payee.get(ctx.state, A) == ("Account", B)


def test_bond_errors_change_nothing(ctx):
    assert_fails_unchanged(ctx, V1, "bond", "AlreadyBonded", value=UNIT, payee="Staked")
    assert_fails_unchanged(ctx, A, "bond", "InsufficientBond", value=ED - 1, payee="Staked")


def test_unsigned_origin_is_rejected(ctx):
    call = RT.decode_call_bytes(staking.pallet.call_named("chill").encode())
    with pytest.raises(DispatchError) as e:
        RT.dispatch(ctx, Origin("none"), call)
    assert e.value.value == "BadOrigin"


# -- bond_extra ----------------------------------------------------------------------------------

def test_bond_extra_takes_at_most_the_unbonded_free_balance(ctx):
    dispatch(ctx, A, "bond", value=400 * UNIT, payee="Staked")
    dispatch(ctx, A, "bond_extra", max_additional=100 * UNIT)
    assert S.Ledger.get(ctx.state, A).active == 500 * UNIT
    dispatch(ctx, A, "bond_extra", max_additional=10_000 * UNIT)
    led = S.Ledger.get(ctx.state, A)
    assert (led.total, led.active) == (1000 * UNIT, 1000 * UNIT)
    assert lock(ctx, A) == [(b"staking ", 1000 * UNIT, "All")]
    assert staking_events(ctx)[-1] == ("Bonded", {"stash": A, "amount": 500 * UNIT})
    assert_fails_unchanged(ctx, B, "bond_extra", "NotStash", max_additional=UNIT)


# -- unbond / withdraw_unbonded / rebond ---------------------------------------------------------

def test_unbond_schedules_a_chunk_bonding_duration_eras_ahead(ctx):
    S.CurrentEra.set(ctx.state, 5)
    dispatch(ctx, V1, "unbond", value=30 * UNIT)
    dispatch(ctx, V1, "unbond", value=20 * UNIT)  # same era: merged into one chunk
    led = S.Ledger.get(ctx.state, V1)
    assert led.active == 50 * UNIT and led.total == 100 * UNIT
    assert led.unlocking == (S.UnlockChunk(50 * UNIT, 5 + S.BONDING_DURATION),)
    assert lock(ctx, V1) == [(b"staking ", 100 * UNIT, "All")]  # still locked until withdrawn
    assert staking_events(ctx)[-1] == ("Unbonded", {"stash": V1, "amount": 20 * UNIT})
    S.CurrentEra.set(ctx.state, 6)
    dispatch(ctx, V1, "unbond", value=10 * UNIT)
    assert S.Ledger.get(ctx.state, V1).unlocking == (S.UnlockChunk(50 * UNIT, 5 + S.BONDING_DURATION),
                                                     S.UnlockChunk(10 * UNIT, 6 + S.BONDING_DURATION))


def test_unbond_leaves_no_dust(ctx):
    dispatch(ctx, V1, "unbond", value=100 * UNIT - ED + 1)
    led = S.Ledger.get(ctx.state, V1)
    assert led.active == 0 and led.unlocking[0].value == 100 * UNIT
    assert staking_events(ctx)[-1] == ("Unbonded", {"stash": V1, "amount": 100 * UNIT})


def test_unbond_errors(ctx, monkeypatch):
    assert_fails_unchanged(ctx, A, "unbond", "NotController", value=UNIT)
    S.MinValidatorBond.set(ctx.state, 90 * UNIT)
    assert_fails_unchanged(ctx, V1, "unbond", "InsufficientBond", value=11 * UNIT)
    dispatch(ctx, V1, "unbond", value=10 * UNIT)  # down to the minimum is fine
    monkeypatch.setattr(S, "MAX_UNLOCKING_CHUNKS", 2)
    S.CurrentEra.set(ctx.state, 1)
    dispatch(ctx, V2, "unbond", value=UNIT)
    S.CurrentEra.set(ctx.state, 2)
    dispatch(ctx, V2, "unbond", value=UNIT)
    # full (the limit is checked before merging into the era's chunk); nothing has unlocked yet
    assert_fails_unchanged(ctx, V2, "unbond", "NoMoreChunks", value=UNIT)
    S.CurrentEra.set(ctx.state, 1 + S.BONDING_DURATION)  # the first chunk unlocked: withdrawn to make room
    dispatch(ctx, V2, "unbond", value=UNIT)
    assert len(S.Ledger.get(ctx.state, V2).unlocking) == 2
    assert ("Withdrawn", {"stash": V2, "amount": UNIT}) in staking_events(ctx)


def test_withdraw_unbonded_releases_only_due_chunks(ctx):
    S.CurrentEra.set(ctx.state, 0)
    dispatch(ctx, V1, "unbond", value=40 * UNIT)
    n = len(ctx.state.events)
    dispatch(ctx, V1, "withdraw_unbonded", num_slashing_spans=0)
    assert S.Ledger.get(ctx.state, V1).total == 100 * UNIT and len(ctx.state.events) == n  # not due yet
    S.CurrentEra.set(ctx.state, S.BONDING_DURATION)
    dispatch(ctx, V1, "withdraw_unbonded", num_slashing_spans=0)
    led = S.Ledger.get(ctx.state, V1)
    assert (led.total, led.active, led.unlocking) == (60 * UNIT, 60 * UNIT, ())
    assert lock(ctx, V1) == [(b"staking ", 60 * UNIT, "All")]
    assert system.account(ctx.state, V1).data.frozen == 60 * UNIT
    assert staking_events(ctx)[-1] == ("Withdrawn", {"stash": V1, "amount": 40 * UNIT})


def test_withdrawing_everything_forgets_the_stash(ctx):
    consumers = system.account(ctx.state, V1).consumers
    S.CurrentEra.set(ctx.state, 0)
    dispatch(ctx, V1, "chill")
    dispatch(ctx, V1, "unbond", value=100 * UNIT)
    S.CurrentEra.set(ctx.state, S.BONDING_DURATION)
    dispatch(ctx, V1, "withdraw_unbonded", num_slashing_spans=0)
    assert S.Bonded.get(ctx.state, V1) is None and S.Ledger.get(ctx.state, V1) is None
    assert S.Payee.get(ctx.state, V1) is None and lock(ctx, V1) == []
    info = system.account(ctx.state, V1)
    assert info.consumers == consumers - 1 and info.data.frozen == 0
    assert staking_events(ctx)[-1] == ("Withdrawn", {"stash": V1, "amount": 100 * UNIT})
    assert_fails_unchanged(ctx, V1, "withdraw_unbonded", "NotController", num_slashing_spans=0)


def test_rebond_takes_back_the_newest_chunks_first(ctx):
    S.CurrentEra.set(ctx.state, 0)
    assert_fails_unchanged(ctx, V1, "rebond", "NoUnlockChunk", value=UNIT)
    dispatch(ctx, V1, "unbond", value=30 * UNIT)
    S.CurrentEra.set(ctx.state, 1)
    dispatch(ctx, V1, "unbond", value=20 * UNIT)
    dispatch(ctx, V1, "rebond", value=25 * UNIT)
    led = S.Ledger.get(ctx.state, V1)
    assert led.active == 75 * UNIT
    assert led.unlocking == (S.UnlockChunk(25 * UNIT, S.BONDING_DURATION),)
    assert staking_events(ctx)[-1] == ("Bonded", {"stash": V1, "amount": 25 * UNIT})


# -- validate / nominate / chill / set_payee ----------------------------------------------------

def test_validate_then_nominate_switch_roles(ctx):
    assert S.CounterForValidators.get(ctx.state) == 3
    dispatch(ctx, A, "bond", value=50 * UNIT, payee="Staked")
    dispatch(ctx, A, "validate", prefs=S.ValidatorPrefs(50_000_000, False))
    assert S.Validators.get(ctx.state, A) == S.ValidatorPrefs(50_000_000, False)
    assert staking_events(ctx)[-1] == ("ValidatorPrefsSet", {"stash": A, "prefs": S.ValidatorPrefs(50_000_000, False)})
    assert S.CounterForValidators.get(ctx.state) == 4
    dispatch(ctx, A, "nominate", targets=[("Id", V2), ("Id", V1), ("Id", V2)])
    assert not S.Validators.exists(ctx.state, A)
    assert S.CounterForValidators.get(ctx.state) == 3 and S.CounterForNominators.get(ctx.state) == 1
    assert S.Nominators.get(ctx.state, A) == S.Nominations((V1, V2), 0, False)  # sorted, deduplicated


def test_validate_errors(ctx):
    assert_fails_unchanged(ctx, A, "validate", "NotController", prefs=S.ValidatorPrefs())
    dispatch(ctx, A, "bond", value=50 * UNIT, payee="Staked")
    S.MinCommission.set(ctx.state, 10)
    assert_fails_unchanged(ctx, A, "validate", "CommissionTooLow", prefs=S.ValidatorPrefs(9, False))
    S.MinValidatorBond.set(ctx.state, 51 * UNIT)
    assert_fails_unchanged(ctx, A, "validate", "InsufficientBond", prefs=S.ValidatorPrefs(10, False))
    S.MinValidatorBond.set(ctx.state, 0)
    S.MaxValidatorsCount.set(ctx.state, 3)
    assert_fails_unchanged(ctx, A, "validate", "TooManyValidators", prefs=S.ValidatorPrefs(10, False))
    dispatch(ctx, V1, "validate", prefs=S.ValidatorPrefs(10, True))  # an existing validator may update


def test_commission_above_one_is_not_a_perbill():
    call_ok = staking.pallet.call_named("validate").encode(prefs=S.ValidatorPrefs(1_000_000_000, False))
    assert call_ok == bytes((7, 4)) + encode_compact(1_000_000_000) + b"\x00"
    assert RT.decode_call_bytes(call_ok).args["prefs"].commission == 1_000_000_000
    with pytest.raises(ScaleDecodeError):
        RT.decode_call_bytes(bytes((7, 4)) + encode_compact(1_000_000_001) + b"\x00")


def test_nominate_errors(ctx, monkeypatch):
    assert_fails_unchanged(ctx, A, "nominate", "NotController", targets=[("Id", V1)])
    dispatch(ctx, A, "bond", value=50 * UNIT, payee="Staked")
    assert_fails_unchanged(ctx, A, "nominate", "EmptyTargets", targets=[])
    assert_fails_unchanged(ctx, A, "nominate", "BadTarget", targets=[("Id", V1), ("Id", B)])  # B validates not
    dispatch(ctx, V3, "validate", prefs=S.ValidatorPrefs(0, True))  # V3 blocks new nominations
    assert_fails_unchanged(ctx, A, "nominate", "BadTarget", targets=[("Id", V3)])
    many = [("Id", acct(100 + i)) for i in range(S.MAX_NOMINATIONS + 1)]
    assert_fails_unchanged(ctx, A, "nominate", "TooManyTargets", targets=many)
    S.MinNominatorBond.set(ctx.state, 51 * UNIT)
    assert_fails_unchanged(ctx, A, "nominate", "InsufficientBond", targets=[("Id", V1)])
    S.MinNominatorBond.set(ctx.state, 0)
    S.MaxNominatorsCount.set(ctx.state, 0)
    assert_fails_unchanged(ctx, A, "nominate", "TooManyNominators", targets=[("Id", V1)])
    S.MaxNominatorsCount.remove(ctx.state)
    with pytest.raises(DispatchError) as e:
        dispatch(ctx, A, "nominate", targets=[("Index", 3)])
    assert e.value.value == "CannotLookup"


def test_a_blocked_validator_keeps_its_existing_nominators(ctx):
    dispatch(ctx, A, "bond", value=50 * UNIT, payee="Staked")
    dispatch(ctx, A, "nominate", targets=[("Id", V3)])
    dispatch(ctx, V3, "validate", prefs=S.ValidatorPrefs(0, True))
    dispatch(ctx, A, "nominate", targets=[("Id", V3), ("Id", V1)])
    assert S.Nominators.get(ctx.state, A).targets == (V1, V3)


def test_chill_removes_the_role_once(ctx):
    dispatch(ctx, V1, "chill")
    assert not S.Validators.exists(ctx.state, V1) and S.CounterForValidators.get(ctx.state) == 2
    assert staking_events(ctx)[-1] == ("Chilled", {"stash": V1})
    n = len(ctx.state.events)
    dispatch(ctx, V1, "chill")  # nothing to chill: no event
    assert len(ctx.state.events) == n
    assert_fails_unchanged(ctx, A, "chill", "NotController")


def test_set_payee(ctx):
    dispatch(ctx, V1, "set_payee", payee=("Account", A))
    assert S.Payee.get(ctx.state, V1) == ("Account", A)
    assert_fails_unchanged(ctx, V1, "set_payee", "ControllerDeprecated", payee="Controller")
    assert_fails_unchanged(ctx, A, "set_payee", "NotController", payee="Stash")


def test_root_only_calls(ctx):
    with pytest.raises(DispatchError) as e:
        dispatch(ctx, A, "set_validator_count", new=10)
    assert e.value.value == "BadOrigin"
    call = RT.decode_call_bytes(staking.pallet.call_named("force_new_era").encode())
    RT.dispatch(ctx, Origin("root"), call)
    assert S.ForceEra.get(ctx.state) == "ForceNew"
