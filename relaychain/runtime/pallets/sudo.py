"""Sudo (index 255, as Rococo): one key may dispatch any call as Root — dev chains only.

Substrate: `substrate/frame/sudo/src/lib.rs`. The chain spec decides whether a key exists (`Key`; the dev spec
sets //Alice); without one every call fails `RequireSudo`, so one runtime serves dev and production-like
chains. `sudo(call)` dispatches the outer `RuntimeCall` (a late-bound argument type) as Root in its own
storage layer: a failing inner call is rolled back and reported in `Sudid { sudo_result }`, the sudo call
itself succeeds. Departure: Substrate refunds the fee of a successful sudo (`Pays::No`); here the fee is
kept (no post-dispatch refunds in this runtime).
"""

from __future__ import annotations

from relaychain.primitives.scale_types import ACCOUNT_ID, UNIT, Enum, Option, Variant
from relaychain.runtime.frame_types import MULTI_ADDRESS, WEIGHT, Weight
from relaychain.runtime.framework import (
    DISPATCH_ERROR, ROOT, RUNTIME_CALL, Origin, Pallet, account_field, ensure_signed,
)
from relaychain.runtime.pallets import balances
from relaychain.runtime.pallets.utility import dispatch_in_layer

pallet = Pallet("Sudo", 255, "pallet_sudo")

DISPATCH_RESULT = Enum("Result", [Variant("Ok", 0, ((None, UNIT),)), Variant("Err", 1, ((None, DISPATCH_ERROR),))],
                       params=[("T", UNIT), ("E", DISPATCH_ERROR)])

Key = pallet.storage_value("Key", ACCOUNT_ID, optional=True, docs=("The `AccountId` of the sudo key.",))

Sudid = pallet.event("Sudid", [("sudo_result", DISPATCH_RESULT, "DispatchResult")], (
    "A sudo call just took place.",))
KeyChanged = pallet.event("KeyChanged", [("old", Option(ACCOUNT_ID), "Option<T::AccountId>"),
                                         account_field("new")], ("The sudo key has been updated.",))
KeyRemoved = pallet.event("KeyRemoved", [], ("The key was permanently removed.",))
SudoAsDone = pallet.event("SudoAsDone", [("sudo_result", DISPATCH_RESULT, "DispatchResult")], (
    "A [sudo_as](Pallet::sudo_as) call just took place.",))

pallet.error("RequireSudo", ("Sender must be the Sudo account.",))

BASE = Weight(10_000_000, 1_500)
_CALL = ("call", RUNTIME_CALL, "Box<<T as Config>::RuntimeCall>")
_WHO = ("who", MULTI_ADDRESS, "AccountIdLookupOf<T>")


def _ensure_sudo(ctx, origin: Origin) -> bytes:
    who = ensure_signed(origin)
    if Key.get(ctx.state) != who:
        raise pallet.fail("RequireSudo")
    return who


@pallet.call(0, [_CALL], weight=lambda a: BASE + a["call"].weight, docs=(
    "Authenticates the sudo key and dispatches a function call with `Root` origin.",))
def sudo(ctx, origin, call) -> None:
    _ensure_sudo(ctx, origin)
    ctx.deposit_event(Sudid, sudo_result=dispatch_in_layer(ctx, ROOT, call))


@pallet.call(1, [_CALL, ("weight", WEIGHT, "Weight")], weight=lambda a: a["weight"], docs=(
    "Authenticates the sudo key and dispatches a function call with `Root` origin.",
    "This function does not check the weight of the call, and instead allows the",
    "Sudo user to specify the weight of the call."))
def sudo_unchecked_weight(ctx, origin, call, weight) -> None:
    _ensure_sudo(ctx, origin)
    ctx.deposit_event(Sudid, sudo_result=dispatch_in_layer(ctx, ROOT, call))


@pallet.call(2, [("new", MULTI_ADDRESS, "AccountIdLookupOf<T>")], weight=BASE, docs=(
    "Authenticates the current sudo key and sets the given AccountId (`new`) as the new sudo",
    "key."))
def set_key(ctx, origin, new) -> None:
    _ensure_sudo(ctx, origin)
    new_key = balances.lookup(new)
    old = Key.get(ctx.state)
    Key.set(ctx.state, new_key)
    ctx.deposit_event(KeyChanged, old=old, new=new_key)


@pallet.call(3, [_WHO, _CALL], weight=lambda a: BASE + a["call"].weight, docs=(
    "Authenticates the sudo key and dispatches a function call with `Signed` origin from",
    "a given account."))
def sudo_as(ctx, origin, who, call) -> None:
    _ensure_sudo(ctx, origin)
    target = balances.lookup(who)
    ctx.deposit_event(SudoAsDone, sudo_result=dispatch_in_layer(ctx, Origin.signed(target), call))


@pallet.call(4, [], weight=BASE, docs=("Permanently removes the sudo key.", "",
                                      "**This cannot be un-done.**"))
def remove_key(ctx, origin) -> None:
    _ensure_sudo(ctx, origin)
    Key.remove(ctx.state)
    ctx.deposit_event(KeyRemoved)


def genesis(state, key) -> None:
    if key is not None:
        Key.set(state, key)
