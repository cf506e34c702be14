"""Staking ledgers, the balance lock behind them, validator/nominator roles and the money staking moves.

Substrate: `substrate/frame/staking/src/{ledger.rs, lib.rs (StakingLedger), pallet/impls.rs}` with the
lock-based currency of pallet_balances (`LockableCurrency::set_lock`, `Currency::slash`, `deposit_*`).
Rules:
- a bonded stash carries one balance lock `"staking "` of exactly `ledger.total` (reasons All), mirrored in
  `AccountData.frozen`; the first lock adds a consumer reference (so the account cannot be reaped);
- `unlocking` chunks leave `active` at once but stay locked until era `chunk.era` is current;
- rewards are minted (total issuance rises), slashes are burnt (total issuance falls).
"""

from __future__ import annotations

from dataclasses import replace

from relaychain.election.arithmetic import Perquintill, Rounding, multiply_by_rational_with_rounding
from relaychain.runtime.pallets import balances, system
from relaychain.runtime.pallets import staking_storage as S
from relaychain.runtime.pallets.staking_storage import StakingLedger, UnlockChunk

# -- ledgers ------------------------------------------------------------------------------------


def ledger_of_controller(state, controller: bytes) -> StakingLedger | None:
    return S.Ledger.get(state, controller)


def ledger_of_stash(state, stash: bytes) -> StakingLedger | None:
    controller = S.Bonded.get(state, stash)
    return None if controller is None else S.Ledger.get(state, controller)


def is_bonded(state, stash: bytes) -> bool:
    return S.Bonded.exists(state, stash)


def update_ledger(state, ledger: StakingLedger) -> None:
    """`StakingLedger::update`: store the ledger under its (stash = controller) key and lock its total."""
    S.Ledger.set(state, ledger, ledger.stash)
    set_staking_lock(state, ledger.stash, ledger.total)


def consolidate_unlocked(ledger: StakingLedger, current_era: int) -> StakingLedger:
    """Drop the chunks whose era has come (`chunk.era <= current_era`); their value leaves `total`."""
    kept = tuple(c for c in ledger.unlocking if c.era > current_era)
    freed = sum(c.value for c in ledger.unlocking if c.era <= current_era)
    return replace(ledger, total=ledger.total - freed, unlocking=kept)


def rebond(ledger: StakingLedger, value: int) -> tuple[StakingLedger, int]:
    """Move up to `value` back from the newest unlocking chunks into `active`; returns (ledger, moved)."""
    chunks = list(ledger.unlocking)
    moved = 0
    while chunks and moved < value:
        last = chunks[-1]
        take = min(last.value, value - moved)
        moved += take
        if take == last.value:
            chunks.pop()
        else:
            chunks[-1] = UnlockChunk(last.value - take, last.era)
    return replace(ledger, active=ledger.active + moved, unlocking=tuple(chunks)), moved


def slash_ledger(ledger: StakingLedger, slash_amount: int, minimum_balance: int,
                 slash_era: int) -> tuple[StakingLedger, int]:
    """`StakingLedger::slash`: take `slash_amount` from active and from chunks still unlocking.

    Chunks that unlock at or after `slash_era + BondingDuration` were bonded when the offence happened:
    if there are any, active and those chunks are slashed proportionally (ratio rounded up,
    Perquintill), then older chunks newest first; otherwise active, then chunks newest first.
    A target left below the existential deposit is taken whole. Returns (new ledger, amount slashed).
    """
    if slash_amount == 0:
        return ledger, 0
    chunks = [c.value for c in ledger.unlocking]
    eras = [c.era for c in ledger.unlocking]
    start = slash_era + S.BONDING_DURATION
    first = next((i for i, e in enumerate(eras) if e >= start), None)
    if first is not None:
        affected = ledger.active + sum(chunks[first:])
        ratio = (multiply_by_rational_with_rounding(Perquintill.accuracy, slash_amount, affected, Rounding.UP)
                 if affected and slash_amount <= affected else Perquintill.accuracy)
        order = list(range(first, len(chunks))) + list(range(first - 1, -1, -1))
    else:
        ratio = None
        order = list(range(len(chunks) - 1, -1, -1))
    total = ledger.total
    remaining = slash_amount

    def slash_out_of(target: int) -> int:
        nonlocal total, remaining
        want = Perquintill.mul_ceil(ratio, target) if ratio is not None else remaining
        take = min(want, target, remaining)
        target -= take
        if target < minimum_balance:  # dust left behind is slashed too
            take += target
            target = 0
        total = max(0, total - take)
        remaining = max(0, remaining - take)
        return target

    active = slash_out_of(ledger.active)
    for i in order:
        if remaining == 0:
            break
        chunks[i] = slash_out_of(chunks[i])
    unlocking = tuple(UnlockChunk(v, e) for v, e in zip(chunks, eras) if v != 0)
    new = replace(ledger, active=active, total=total, unlocking=unlocking)
    return new, ledger.total - total


# -- the balance lock ---------------------------------------------------------------------------

def set_staking_lock(state, who: bytes, amount: int) -> None:
    """`set_lock(STAKING_ID, who, amount, WithdrawReasons::all())`; amount 0 removes the lock."""
    locks = [lk for lk in balances.Locks.get(state, who) if lk["id"] != S.STAKING_LOCK_ID]
    existed = balances.Locks.exists(state, who)
    if amount:
        locks.append({"id": S.STAKING_LOCK_ID, "amount": amount, "reasons": "All"})
    info = system.account(state, who)
    consumers = info.consumers
    if locks:
        balances.Locks.set(state, locks, who)
        if not existed:
            consumers += 1
    else:
        balances.Locks.remove(state, who)
        if existed:
            consumers = max(0, consumers - 1)
    frozen = max((lk["amount"] for lk in locks), default=0)
    system.put_account(state, who, replace(info, consumers=consumers, data=replace(info.data, frozen=frozen)))


# -- roles --------------------------------------------------------------------------------------

def is_validator(state, stash: bytes) -> bool:
    return S.Validators.exists(state, stash)


def is_nominator(state, stash: bytes) -> bool:
    return S.Nominators.exists(state, stash)


def do_add_validator(state, stash: bytes, prefs) -> None:
    if not is_validator(state, stash):
        S.CounterForValidators.set(state, S.CounterForValidators.get(state) + 1)
    S.Validators.set(state, prefs, stash)


def do_remove_validator(state, stash: bytes) -> bool:
    if not is_validator(state, stash):
        return False
    S.Validators.remove(state, stash)
    S.CounterForValidators.set(state, S.CounterForValidators.get(state) - 1)
    return True


def do_add_nominator(state, stash: bytes, nominations) -> None:
    if not is_nominator(state, stash):
        S.CounterForNominators.set(state, S.CounterForNominators.get(state) + 1)
    S.Nominators.set(state, nominations, stash)


def do_remove_nominator(state, stash: bytes) -> bool:
    if not is_nominator(state, stash):
        return False
    S.Nominators.remove(state, stash)
    S.CounterForNominators.set(state, S.CounterForNominators.get(state) - 1)
    return True


def chill_stash(ctx, stash: bytes) -> None:
    """Stop validating and nominating; `Chilled` only if the stash had a role."""
    removed_v = do_remove_validator(ctx.state, stash)
    removed_n = do_remove_nominator(ctx.state, stash)
    if removed_v or removed_n:
        ctx.deposit_event(S.Chilled, stash=stash)


def kill_stash(ctx, stash: bytes) -> None:
    """Forget a stash entirely: bond, ledger, payee, roles and the lock (and its consumer reference)."""
    state = ctx.state
    controller = S.Bonded.take(state, stash)
    if controller is not None:
        S.Ledger.remove(state, controller)
    S.Payee.remove(state, stash)
    do_remove_validator(state, stash)
    do_remove_nominator(state, stash)
    set_staking_lock(state, stash, 0)


# -- money --------------------------------------------------------------------------------------

def existential_deposit() -> int:
    return balances.EXISTENTIAL_DEPOSIT


def free_balance(state, who: bytes) -> int:
    return system.account(state, who).data.free


def mint_existing(ctx, who: bytes, amount: int) -> int:
    """`deposit_into_existing`: mint into a live account (0 if it does not exist)."""
    state = ctx.state
    info = system.account(state, who)
    if amount == 0 or (info.providers == 0 and info.sufficients == 0):
        return 0
    system.put_account(state, who, replace(info, data=replace(info.data, free=info.data.free + amount)))
    balances.TotalIssuance.set(state, balances.TotalIssuance.get(state) + amount)
    ctx.deposit_event(balances.Deposit, who=who, amount=amount)
    return amount


def mint_creating(ctx, who: bytes, amount: int) -> int:
    """`deposit_creating`: mint, creating the account if the amount reaches the existential deposit."""
    state = ctx.state
    info = system.account(state, who)
    if info.providers or info.sufficients:
        return mint_existing(ctx, who, amount)
    if amount < existential_deposit():
        return 0
    system.put_account(state, who, replace(info, providers=1, data=replace(info.data, free=amount)))
    system.on_created_account(ctx, who)
    ctx.deposit_event(balances.Endowed, account=who, free_balance=amount)
    balances.TotalIssuance.set(state, balances.TotalIssuance.get(state) + amount)
    return amount


def burn_slash(ctx, who: bytes, amount: int) -> int:
    """`Currency::slash`: take up to `amount` of free balance (locks do not protect against slashes) and
    burn it; returns what was taken. The account keeps its staking consumer, so it is not reaped here."""
    state = ctx.state
    info = system.account(state, who)
    taken = min(amount, info.data.free)
    if taken == 0:
        return 0
    system.put_account(state, who, replace(info, data=replace(info.data, free=info.data.free - taken)))
    balances.TotalIssuance.set(state, max(0, balances.TotalIssuance.get(state) - taken))
    ctx.deposit_event(balances.Slashed, who=who, amount=taken)
    return taken
