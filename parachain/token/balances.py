"""pallet_balances (index 10) and pallet_transaction_payment (index 11) on the token parachain (SPEC.md §2, §3).

The balances live in `System.Account` (as on the relay). No fees are charged: TransactionPayment is declared
for metadata and the `TransactionPaymentApi` only (zero fees).

Transfer rules (§3, pallet-balances' `fungible::Mutate::transfer`), checked in this order:
1. value 0: success, nothing changes, `Transfer{from, to, 0}` is emitted (even to a new account or oneself);
2. sender's free < value -> Token(FundsUnavailable);
3. keep-alive and free - value < ED -> Token(NotExpendable);
4. sender == recipient: success, no balance change, `Transfer` emitted — decision D1 (FRAME debits then credits
   the same account; when that debit would reap it, FRAME reaps and re-creates it — here it simply stays);
5. recipient new (no providers) and value < ED -> Token(BelowMinimum);
6. debit: if free - value < ED (allow-death) the sender is reaped — the account is deleted (System
   `KilledAccount`), then the dust is burnt (`TotalIssuance -= dust`, `Balances.DustLost` when dust > 0): the
   order of pallet-balances' `try_mutate_account` (frame_system's reaping inside it, the dust event after) —
   decision D2;
7. credit: a new recipient is created with providers 1 (`System.NewAccount`, then `Balances.Endowed`);
8. `Balances.Transfer{from, to, amount}`.
"""

from __future__ import annotations

from dataclasses import replace

from relaychain.primitives.scale_types import U8, U128, Field
from relaychain.runtime import constants as RC
from relaychain.runtime.framework import DispatchError, Pallet, account_field, ensure_signed
from relaychain.runtime.frame_types import COMPACT_U128, MULTI_ADDRESS, Weight
from relaychain.runtime.pallets.system import AccountData, AccountInfo

from . import system

EXISTENTIAL_DEPOSIT = RC.EXISTENTIAL_DEPOSIT
U128_MAX = (1 << 128) - 1

pallet = Pallet("Balances", 10, "pallet_balances")

TotalIssuance = pallet.storage_value("TotalIssuance", U128, default=0,
                                     docs=("The total units issued in the system.",))

_acct, _bal = account_field, (lambda n: Field(n, U128, "T::Balance"))
Endowed = pallet.event("Endowed", [_acct("account"), _bal("free_balance")],
                       ("An account was created with some free balance.",))
DustLost = pallet.event("DustLost", [_acct("account"), _bal("amount")],
                        ("An account was removed whose balance was non-zero but below ExistentialDeposit,",
                         "resulting in an outright loss."))
Transfer = pallet.event("Transfer", [_acct("from"), _acct("to"), _bal("amount")], ("Transfer succeeded.",))
Minted = pallet.event("Minted", [_acct("who"), _bal("amount")], ("Some amount was minted into an account.",))
Burned = pallet.event("Burned", [_acct("who"), _bal("amount")], ("Some amount was burned from an account.",))

for _name, _doc in [
    ("VestingBalance", "Vesting balance too high to send value."),
    ("LiquidityRestrictions", "Account liquidity restrictions prevent withdrawal."),
    ("InsufficientBalance", "Balance too low to send value."),
    ("ExistentialDeposit", "Value too low to create account due to existential deposit."),
    ("Expendability", "Transfer/payment would kill account."),
]:
    pallet.error(_name, (_doc,))

pallet.constant("ExistentialDeposit", U128, EXISTENTIAL_DEPOSIT,
                ("The minimum amount required to keep an account open. MUST BE GREATER THAN ZERO!",))

FUNDS_UNAVAILABLE = ("Token", "FundsUnavailable")
NOT_EXPENDABLE = ("Token", "NotExpendable")
BELOW_MINIMUM = ("Token", "BelowMinimum")

# TransactionPayment: declared for metadata (no storage, no fees: §3 "No fees").
payment_pallet = Pallet("TransactionPayment", 11, "pallet_transaction_payment")
TransactionFeePaid = payment_pallet.event("TransactionFeePaid", [
    account_field("who"), Field("actual_fee", U128, "BalanceOf<T>"), Field("tip", U128, "BalanceOf<T>")], (
    "A transaction fee `actual_fee`, of which `tip` was added to the minimum inclusion fee,",
    "has been paid by `who`."))
payment_pallet.constant("OperationalFeeMultiplier", U8, 5, ("A fee multiplier for `Operational` extrinsics to "
                                                            "compute \"virtual tip\" to boost their `priority`",))


# -- the fungible rules --------------------------------------------------------------------------

def lookup(address) -> bytes:
    """`MultiAddress::Id` names an account; any other variant is `CannotLookup` (§3)."""
    if isinstance(address, tuple) and address[0] == "Id":
        return bytes(address[1])
    raise DispatchError("CannotLookup")


def is_new(info: AccountInfo) -> bool:
    return info.providers == 0 and info.sufficients == 0


def _reduce_issuance(state, amount: int) -> None:
    TotalIssuance.set(state, TotalIssuance.get(state) - amount)


def _debit(ctx, who: bytes, info: AccountInfo, amount: int) -> None:
    """Take `amount` from `who` (checked beforehand); reap the account if it falls below the deposit (D2)."""
    new_free = info.data.free - amount
    if new_free < EXISTENTIAL_DEPOSIT:
        ctx.state.set(system.Account.key(who), None)
        ctx.deposit_event(system.KilledAccount, account=who)
        if new_free:
            _reduce_issuance(ctx.state, new_free)
            ctx.deposit_event(DustLost, account=who, amount=new_free)
        return
    system.put_account(ctx.state, who, info.with_free(new_free))


def credit(ctx, who: bytes, amount: int) -> None:
    """Add `amount` to `who`'s free balance, creating the account (providers 1, `System.NewAccount`,
    `Balances.Endowed`) if it is new; Token(BelowMinimum) if that would make an account below the deposit."""
    info = system.account(ctx.state, who)
    if is_new(info):
        if amount < EXISTENTIAL_DEPOSIT:
            raise DispatchError(BELOW_MINIMUM)
        system.put_account(ctx.state, who, replace(info, providers=1, data=replace(info.data, free=amount)))
        ctx.deposit_event(system.NewAccount, account=who)
        ctx.deposit_event(Endowed, account=who, free_balance=amount)
        return
    system.put_account(ctx.state, who, info.with_free(info.data.free + amount))


def do_transfer(ctx, source: bytes, dest: bytes, value: int, keep_alive: bool) -> None:
    """The module docstring's rules 1-8."""
    state = ctx.state
    event = {"from": source, "to": dest, "amount": value}
    if value == 0:
        ctx.deposit_event(Transfer, **event)
        return
    info = system.account(state, source)
    if info.data.free < value:
        raise DispatchError(FUNDS_UNAVAILABLE)
    if keep_alive and info.data.free - value < EXISTENTIAL_DEPOSIT:
        raise DispatchError(NOT_EXPENDABLE)
    if source == dest:
        ctx.deposit_event(Transfer, **event)
        return
    if is_new(system.account(state, dest)) and value < EXISTENTIAL_DEPOSIT:
        raise DispatchError(BELOW_MINIMUM)
    _debit(ctx, source, info, value)
    credit(ctx, dest, value)
    ctx.deposit_event(Transfer, **event)


def burn_keep_alive(ctx, who: bytes, amount: int) -> None:
    """`fungible::Mutate::burn_from(Preserve)`: `amount` leaves existence (`TotalIssuance -= amount`, event
    `Burned`); FundsUnavailable if short, NotExpendable if the account would fall below the deposit."""
    info = system.account(ctx.state, who)
    if info.data.free < amount:
        raise DispatchError(FUNDS_UNAVAILABLE)
    if info.data.free - amount < EXISTENTIAL_DEPOSIT:
        raise DispatchError(NOT_EXPENDABLE)
    system.put_account(ctx.state, who, info.with_free(info.data.free - amount))
    _reduce_issuance(ctx.state, amount)
    ctx.deposit_event(Burned, who=who, amount=amount)


def mint_into(ctx, who: bytes, amount: int) -> None:
    """`fungible::Mutate::mint_into`: create `amount` in `who` (account created if new: BelowMinimum under the
    deposit), `TotalIssuance += amount`, event `Minted` after the account's creation events (decision D5);
    Arithmetic(Overflow) if the issuance would pass u128::MAX."""
    issuance = TotalIssuance.get(ctx.state) + amount
    if issuance > U128_MAX:  # free <= issuance, so no account can overflow either
        raise DispatchError(("Arithmetic", "Overflow"))
    credit(ctx, who, amount)
    TotalIssuance.set(ctx.state, issuance)
    ctx.deposit_event(Minted, who=who, amount=amount)


def free_balance(state, who: bytes) -> int:
    return system.account(state, who).data.free


# -- calls ---------------------------------------------------------------------------------------

TRANSFER_WEIGHT = Weight(1_000_000_000, 0)
_dest = Field("dest", MULTI_ADDRESS, "AccountIdLookupOf<T>")
_value = Field("value", COMPACT_U128, "T::Balance")


@pallet.call(0, [_dest, _value], weight=TRANSFER_WEIGHT, docs=(
    "Transfer some liquid free balance to another account; the sender may be reaped.",))
def transfer_allow_death(ctx, origin, dest, value: int) -> None:
    do_transfer(ctx, ensure_signed(origin), lookup(dest), value, keep_alive=False)


@pallet.call(3, [_dest, _value], weight=TRANSFER_WEIGHT, docs=(
    "Same as the `transfer_allow_death` call, but with a check that the transfer will not kill the origin account.",))
def transfer_keep_alive(ctx, origin, dest, value: int) -> None:
    do_transfer(ctx, ensure_signed(origin), lookup(dest), value, keep_alive=True)


# -- genesis -------------------------------------------------------------------------------------

def genesis(state, endowed) -> None:
    """Each account endowed with providers 1, nonce 0; TotalIssuance = the sum (§7)."""
    total = 0
    for who, amount in endowed:
        if amount < EXISTENTIAL_DEPOSIT:
            raise ValueError("a genesis balance must be at least the existential deposit")
        system.put_account(state, who, AccountInfo(providers=1, data=AccountData(free=amount)))
        total += amount
    TotalIssuance.set(state, total)
