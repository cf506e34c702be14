"""pallet_balances (index 5): free balances kept in `System.Account.data`, transfers, fee withdrawal.

Substrate: `substrate/frame/balances/src/{lib.rs, impl_fungible.rs}` and `frame_support::traits::tokens::
fungible`. Rules:
- an account exists while `providers > 0`; it is created by a deposit of at least the existential deposit
  (System.NewAccount, Balances.Endowed) and reaped when its balance would fall below it (Balances.DustLost for the
  remainder, System.KilledAccount) unless the operation must keep it alive;
- what may leave an account is its reducible balance: free minus `frozen` (locks, e.g. staking's) and minus
  the existential deposit when it must stay alive (kept alive, or a consumer such as a lock needs it);
- failures use the modern fungible errors: `Token(FundsUnavailable)` (not enough free), `Token(Frozen)` (the
  amount is locked), `Token(OnlyProvider)` (a consumer keeps the account alive), `Token(NotExpendable)`
  (would kill a kept-alive account), `Token(BelowMinimum)` (would create an account below the deposit), and
  `Arithmetic(Underflow)` for a transfer of more than the total issuance (`can_withdraw`'s first check);
- `force_*` calls need the root origin; this chain has no sudo, so they fail with `BadOrigin`.
"""

from __future__ import annotations

from dataclasses import replace

from relaychain.runtime import constants as C
from relaychain.runtime.framework import (
    DispatchError, Origin, Pallet, ensure_root, ensure_signed, account_field,
)
from relaychain.runtime.frame_types import COMPACT_U128, MULTI_ADDRESS, Weight, bounded_vec, weak_bounded_vec
from relaychain.runtime.pallets import system
from relaychain.runtime.pallets.system import AccountInfo
from relaychain.primitives.scale_types import ACCOUNT_ID, BOOL, U8, U32, U128, Array, Enum, Field, Struct, Variant

pallet = Pallet("Balances", 5, "pallet_balances")

REASONS = Enum("pallet_balances::types::Reasons", [Variant("Fee", 0), Variant("Misc", 1), Variant("All", 2)])
BALANCE_LOCK = Struct("pallet_balances::types::BalanceLock", [
    ("id", Array(U8, 8), "LockIdentifier"), ("amount", U128, "Balance"), ("reasons", REASONS, "Reasons")],
    params=[("Balance", U128)])
RESERVE_DATA = Struct("pallet_balances::types::ReserveData", [
    ("id", Array(U8, 8), "ReserveIdentifier"), ("amount", U128, "Balance")],
    params=[("ReserveIdentifier", Array(U8, 8)), ("Balance", U128)])
ID_AMOUNT = Struct("frame_support::traits::tokens::misc::IdAmount", [
    ("id", Array(U8, 8), "Id"), ("amount", U128, "Balance")], params=[("Id", Array(U8, 8)), ("Balance", U128)])

TotalIssuance = pallet.storage_value("TotalIssuance", U128, default=0, docs=("The total units issued in the system.",))
InactiveIssuance = pallet.storage_value("InactiveIssuance", U128, default=0,
                                        docs=("The total units of outstanding deactivated balance in the system.",))
Account = pallet.storage_map("Account", [("Blake2_128Concat", ACCOUNT_ID)], system.ACCOUNT_DATA,
                             default=system.AccountData(),
                             docs=("The Balances pallet example of storing the balance of an account.",
                                   "Unused here: this runtime keeps balances in `System.Account`, as Polkadot does."))
Locks = pallet.storage_map("Locks", [("Blake2_128Concat", ACCOUNT_ID)], weak_bounded_vec(BALANCE_LOCK), default=[],
                           docs=("Any liquidity locks on some account balances.",))
Reserves = pallet.storage_map("Reserves", [("Blake2_128Concat", ACCOUNT_ID)], bounded_vec(RESERVE_DATA), default=[],
                              docs=("Named reserves on some account balances.",))
Holds = pallet.storage_map("Holds", [("Blake2_128Concat", ACCOUNT_ID)], bounded_vec(ID_AMOUNT), default=[],
                           docs=("Holds on account balances.",))
Freezes = pallet.storage_map("Freezes", [("Blake2_128Concat", ACCOUNT_ID)], bounded_vec(ID_AMOUNT), default=[],
                             docs=("Freeze locks on account balances.",))

_acct, _bal = account_field, (lambda n: Field(n, U128, "T::Balance"))
Endowed = pallet.event("Endowed", [_acct("account"), _bal("free_balance")],
                       ("An account was created with some free balance.",))
DustLost = pallet.event("DustLost", [_acct("account"), _bal("amount")],
                        ("An account was removed whose balance was non-zero but below ExistentialDeposit,",
                         "resulting in an outright loss."))
Transfer = pallet.event("Transfer", [_acct("from"), _acct("to"), _bal("amount")], ("Transfer succeeded.",))
BalanceSet = pallet.event("BalanceSet", [_acct("who"), _bal("free")], ("A balance was set by root.",))
Reserved = pallet.event("Reserved", [_acct("who"), _bal("amount")],
                        ("Some balance was reserved (moved from free to reserved).",))
Unreserved = pallet.event("Unreserved", [_acct("who"), _bal("amount")],
                          ("Some balance was unreserved (moved from reserved to free).",))
STATUS = Enum("frame_support::traits::tokens::misc::BalanceStatus", [Variant("Free", 0), Variant("Reserved", 1)])
ReserveRepatriated = pallet.event("ReserveRepatriated", [_acct("from"), _acct("to"), _bal("amount"),
                                                         Field("destination_status", STATUS, "Status")],
                                  ("Some balance was moved from the reserve of the first account to the second "
                                   "account.",))
Deposit = pallet.event("Deposit", [_acct("who"), _bal("amount")],
                       ("Some amount was deposited (e.g. for transaction fees).",))
Withdraw = pallet.event("Withdraw", [_acct("who"), _bal("amount")],
                        ("Some amount was withdrawn from the account (e.g. for transaction fees).",))
Slashed = pallet.event("Slashed", [_acct("who"), _bal("amount")],
                       ("Some amount was removed from the account (e.g. for misbehavior).",))
Minted = pallet.event("Minted", [_acct("who"), _bal("amount")], ("Some amount was minted into an account.",))
Burned = pallet.event("Burned", [_acct("who"), _bal("amount")], ("Some amount was burned from an account.",))

for _name, _doc in [
    ("VestingBalance", "Vesting balance too high to send value."),
    ("LiquidityRestrictions", "Account liquidity restrictions prevent withdrawal."),
    ("InsufficientBalance", "Balance too low to send value."),
    ("ExistentialDeposit", "Value too low to create account due to existential deposit."),
    ("Expendability", "Transfer/payment would kill account."),
    ("ExistingVestingSchedule", "A vesting schedule already exists for this account."),
    ("DeadAccount", "Beneficiary account must pre-exist."),
    ("TooManyReserves", "Number of named reserves exceed `MaxReserves`."),
    ("TooManyHolds", "Number of holds exceed `VariantCountOf<T::RuntimeHoldReason>`."),
    ("TooManyFreezes", "Number of freezes exceed `MaxFreezes`."),
    ("IssuanceDeactivated", "The issuance cannot be modified since it is already deactivated."),
    ("DeltaZero", "The delta cannot be zero."),
]:
    pallet.error(_name, (_doc,))

EXISTENTIAL_DEPOSIT = pallet.constant("ExistentialDeposit", U128, C.EXISTENTIAL_DEPOSIT, (
    "The minimum amount required to keep an account open. MUST BE GREATER THAN ZERO!",))
pallet.constant("MaxLocks", U32, 50, ("The maximum number of locks that should exist on an account.",))
pallet.constant("MaxReserves", U32, 50, ("The maximum number of named reserves that can exist on an account.",))
pallet.constant("MaxFreezes", U32, 8, ("The maximum number of individual freeze locks that can exist on an account "
                                       "at any time.",))

FUNDS_UNAVAILABLE = ("Token", "FundsUnavailable")
NOT_EXPENDABLE = ("Token", "NotExpendable")
BELOW_MINIMUM = ("Token", "BelowMinimum")
FROZEN = ("Token", "Frozen")
ONLY_PROVIDER = ("Token", "OnlyProvider")
ARITHMETIC_UNDERFLOW = ("Arithmetic", "Underflow")


# -- the fungible rules --------------------------------------------------------------------------

def lookup(address) -> bytes:
    """StaticLookup for MultiAddress: only `Id(AccountId32)` names an account here (no indices pallet)."""
    if isinstance(address, tuple) and address[0] == "Id":
        return address[1]
    raise DispatchError("CannotLookup")


def can_die(info: AccountInfo) -> bool:
    """frame_system::can_dec_provider: no consumer needs this account's only provider reference."""
    return info.consumers == 0 or info.providers > 1


def reducible_balance(info: AccountInfo, keep_alive: bool) -> int:
    """What may leave the account (fungible::Inspect::reducible_balance, Polite): free minus what is
    frozen (locks, beyond reserves) and minus the existential deposit when the account must survive."""
    d = info.data
    untouchable = max(0, d.frozen - d.reserved)
    if keep_alive or (d.free and not can_die(info)):
        untouchable = max(untouchable, EXISTENTIAL_DEPOSIT)
    return max(0, d.free - untouchable)


def _debit(ctx, who: bytes, info: AccountInfo, amount: int, keep_alive: bool) -> None:
    """Take `amount` of free balance (fungible::can_withdraw rules); reap the account if it falls below the
    deposit and may die."""
    free = info.data.free
    if amount > free:
        raise DispatchError(FUNDS_UNAVAILABLE)
    if amount > reducible_balance(info, keep_alive=False):
        raise DispatchError(FROZEN)
    new_free = free - amount
    if new_free + info.data.reserved < EXISTENTIAL_DEPOSIT:
        if not can_die(info):
            raise DispatchError(ONLY_PROVIDER)
        if keep_alive:
            raise DispatchError(NOT_EXPENDABLE)
        if new_free:
            ctx.deposit_event(DustLost, account=who, amount=new_free)
            _reduce_issuance(ctx.state, new_free)
        _reap(ctx, who, info)
        return
    system.put_account(ctx.state, who, info.with_free(new_free))


def _reap(ctx, who: bytes, info: AccountInfo) -> None:
    """dec_providers to zero: the account and its nonce are removed (frame_system::kill_account)."""
    if info.providers <= 1 and info.sufficients == 0:
        system.remove_account(ctx.state, who)
        system.on_killed_account(ctx, who)
    else:
        system.put_account(ctx.state, who, replace(info, providers=info.providers - 1,
                                                   data=replace(info.data, free=0)))


def _credit(ctx, who: bytes, amount: int) -> None:
    """Add `amount` to free balance, creating the account if it reaches the deposit."""
    state = ctx.state
    info = system.account(state, who)
    if info.providers == 0 and info.sufficients == 0:
        if amount < EXISTENTIAL_DEPOSIT:
            raise DispatchError(BELOW_MINIMUM)
        info = replace(info, providers=1, data=replace(info.data, free=amount))
        system.put_account(state, who, info)
        system.on_created_account(ctx, who)
        ctx.deposit_event(Endowed, account=who, free_balance=amount)
        return
    system.put_account(state, who, info.with_free(info.data.free + amount))


def do_transfer(ctx, source: bytes, dest: bytes, value: int, keep_alive: bool) -> None:
    """fungible::Mutate::transfer: `can_withdraw` first refuses more than the total issuance (Arithmetic
    (Underflow)), then more than the free balance (Token(FundsUnavailable))."""
    state = ctx.state
    info = system.account(state, source)
    if value > TotalIssuance.get(state):
        raise DispatchError(ARITHMETIC_UNDERFLOW)
    if value > info.data.free:
        raise DispatchError(FUNDS_UNAVAILABLE)
    if source != dest:
        _debit(ctx, source, info, value, keep_alive)
        _credit(ctx, dest, value)
    ctx.deposit_event(Transfer, **{"from": source, "to": dest, "amount": value})


def reserve(ctx, who: bytes, amount: int) -> None:
    """ReservableCurrency::reserve: move `amount` from free to reserved (InsufficientBalance if the free
    balance is short, LiquidityRestrictions if what remains free would be below what is frozen)."""
    if amount == 0:
        return
    info = system.account(ctx.state, who)
    d = info.data
    if amount > d.free:
        raise pallet.fail("InsufficientBalance")
    if d.free - amount < max(0, d.frozen - d.reserved - amount):
        raise pallet.fail("LiquidityRestrictions")
    system.put_account(ctx.state, who, replace(info, data=replace(d, free=d.free - amount, reserved=d.reserved + amount)))
    ctx.deposit_event(Reserved, who=who, amount=amount)


def unreserve(ctx, who: bytes, amount: int) -> int:
    """ReservableCurrency::unreserve: move up to `amount` back to free; returns what could not be moved."""
    info = system.account(ctx.state, who)
    d = info.data
    moved = min(amount, d.reserved)
    if moved:
        system.put_account(ctx.state, who, replace(info, data=replace(d, free=d.free + moved,
                                                                      reserved=d.reserved - moved)))
        ctx.deposit_event(Unreserved, who=who, amount=moved)
    return amount - moved


def _reduce_issuance(state, amount: int) -> None:
    TotalIssuance.set(state, max(0, TotalIssuance.get(state) - amount))


def burn_from(ctx, who: bytes, amount: int) -> None:
    """fungible::Mutate::burn_from(Expendable, Exact, Polite): take `amount` of free balance out of existence
    (the account may be reaped); event `Burned`. Raises Token(FundsUnavailable) and changes nothing if short."""
    info = system.account(ctx.state, who)
    _debit(ctx, who, info, amount, keep_alive=False)
    _reduce_issuance(ctx.state, amount)
    ctx.deposit_event(Burned, who=who, amount=amount)


def mint_into(ctx, who: bytes, amount: int) -> None:
    """fungible::Mutate::mint_into: create `amount` in `who`'s free balance (Token(BelowMinimum) if it would
    make an account below the existential deposit); event `Minted`."""
    _credit(ctx, who, amount)
    TotalIssuance.set(ctx.state, TotalIssuance.get(ctx.state) + amount)
    ctx.deposit_event(Minted, who=who, amount=amount)


def can_pay_fee(info: AccountInfo, amount: int) -> bool:
    """A fee is withdrawn with Preservation::Preserve: from the reducible balance of a kept-alive account."""
    return amount == 0 or amount <= reducible_balance(info, keep_alive=True)


def withdraw_fee(ctx, who: bytes, amount: int) -> bool:
    """Withdraw a fee keeping the account alive; False if it can't be paid.

    The fee is burnt (total issuance falls): this runtime has no treasury or author reward.
    """
    state = ctx.state
    info = system.account(state, who)
    free = info.data.free
    if not can_pay_fee(info, amount):
        return False
    if amount:
        system.put_account(state, who, info.with_free(free - amount))
        _reduce_issuance(state, amount)
        ctx.deposit_event(Withdraw, who=who, amount=amount)
    return True


def free_balance(state, who: bytes) -> int:
    return system.account(state, who).data.free


# -- calls ---------------------------------------------------------------------------------------

_dest = Field("dest", MULTI_ADDRESS, "AccountIdLookupOf<T>")
_value = Field("value", COMPACT_U128, "T::Balance")
TRANSFER_WEIGHT = Weight(51_000_000, 3593)


@pallet.call(0, [_dest, _value], weight=TRANSFER_WEIGHT, docs=(
    "Transfer some liquid free balance to another account; the sender may be reaped.",))
def transfer_allow_death(ctx, origin: Origin, dest, value: int) -> None:
    do_transfer(ctx, ensure_signed(origin), lookup(dest), value, keep_alive=False)


@pallet.call(2, [Field("source", MULTI_ADDRESS, "AccountIdLookupOf<T>"), _dest, _value], weight=TRANSFER_WEIGHT,
             docs=("Exactly as `transfer_allow_death`, except the origin must be root and the source account may be "
                   "specified.",))
def force_transfer(ctx, origin: Origin, source, dest, value: int) -> None:
    ensure_root(origin)
    do_transfer(ctx, lookup(source), lookup(dest), value, keep_alive=False)


@pallet.call(3, [_dest, _value], weight=Weight(40_000_000, 3593), docs=(
    "Same as the `transfer_allow_death` call, but with a check that the transfer will not kill the origin account.",))
def transfer_keep_alive(ctx, origin: Origin, dest, value: int) -> None:
    do_transfer(ctx, ensure_signed(origin), lookup(dest), value, keep_alive=True)


@pallet.call(4, [_dest, Field("keep_alive", BOOL, "bool")], weight=Weight(48_000_000, 3593), docs=(
    "Transfer the entire transferable balance from the caller account.",))
def transfer_all(ctx, origin: Origin, dest, keep_alive: bool) -> None:
    who = ensure_signed(origin)
    reducible = reducible_balance(system.account(ctx.state, who), keep_alive)
    if reducible > 0:
        do_transfer(ctx, who, lookup(dest), reducible, keep_alive=keep_alive)


@pallet.call(8, [Field("who", MULTI_ADDRESS, "AccountIdLookupOf<T>"), Field("new_free", COMPACT_U128, "T::Balance")],
             weight=Weight(20_000_000, 3593), docs=("Set the regular balance of a given account (root only).",))
def force_set_balance(ctx, origin: Origin, who, new_free: int) -> None:
    ensure_root(origin)
    account = lookup(who)
    info = system.account(ctx.state, account)
    old = info.data.free
    if new_free >= old:
        _credit(ctx, account, new_free - old)
        TotalIssuance.set(ctx.state, TotalIssuance.get(ctx.state) + new_free - old)
    else:
        _debit(ctx, account, info, old - new_free, keep_alive=False)
        _reduce_issuance(ctx.state, old - new_free)
    ctx.deposit_event(BalanceSet, who=account, free=new_free)


# -- genesis -------------------------------------------------------------------------------------

def genesis(state, balances: list[tuple[bytes, int]]) -> None:
    """Endow accounts (each gets one provider, as pallet_balances' genesis does) and set total issuance."""
    total = 0
    for who, amount in balances:
        if amount < EXISTENTIAL_DEPOSIT:
            raise ValueError("genesis balance below the existential deposit")
        system.put_account(state, who, AccountInfo(providers=1, data=system.AccountData(free=amount)))
        total += amount
    TotalIssuance.set(state, total)
