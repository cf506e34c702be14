"""pallet_proxy (Polkadot index 29): accounts that dispatch on behalf of another, and pure proxies.

Substrate: `substrate/frame/proxy/src/lib.rs`; `ProxyType` and its filter as Polkadot's runtime. `Proxies[who]`
holds `(BoundedVec<ProxyDefinition{delegate, proxy_type, delay}>, deposit)`, sorted, with `ProxyDepositBase +
ProxyDepositFactor * n` reserved from `who`. `proxy(real, force_proxy_type, call)` dispatches `call` as `real`
when the sender is one of its delegates whose type allows the call (else the inner result is
`System.CallFiltered`), reported in `ProxyExecuted{result}`. `create_pure` makes a keyless account
`blake2_256("modlpy/proxy____" ‖ spawner ‖ height ‖ ext_index ‖ proxy_type ‖ index)` whose only delegate is
the spawner (who pays its deposit); `kill_pure`, called by the pure account, removes it.
Departure: announcements (`announce`, `proxy_announced`, …) are not provided, so only `delay = 0` proxies can
act; `Announcements` is declared with Polkadot's layout and stays empty.
"""

from __future__ import annotations

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale_types import (
    ACCOUNT_ID, H256, U16, U32, U128, Enum, Option, Struct, Tuple, Variant,
)
from relaychain.runtime import constants as C
from relaychain.runtime.frame_types import COMPACT_U32, MULTI_ADDRESS, Weight, bounded_vec
from relaychain.runtime.framework import (
    RUNTIME_CALL, DispatchError, Origin, Pallet, account_field, ensure_signed,
)
from relaychain.runtime.pallets import balances, system
from relaychain.runtime.pallets.utility import DISPATCH_RESULT, dispatch_in_layer

pallet = Pallet("Proxy", 29, "pallet_proxy")

PROXY_TYPE = Enum("relaychain_runtime::ProxyType", [
    Variant("Any", 0), Variant("NonTransfer", 1), Variant("Governance", 2), Variant("Staking", 3),
    Variant("IdentityJudgement", 5), Variant("CancelProxy", 6), Variant("Auction", 7), Variant("NominationPools", 8)])
PROXY_DEFINITION = Struct("pallet_proxy::ProxyDefinition", [
    ("delegate", ACCOUNT_ID, "AccountId"), ("proxy_type", PROXY_TYPE, "ProxyType"), ("delay", U32, "BlockNumber")],
    params=[("AccountId", ACCOUNT_ID), ("ProxyType", PROXY_TYPE), ("BlockNumber", U32)])
ANNOUNCEMENT = Struct("pallet_proxy::Announcement", [
    ("real", ACCOUNT_ID, "AccountId"), ("call_hash", H256, "Hash"), ("height", U32, "BlockNumber")],
    params=[("AccountId", ACCOUNT_ID), ("Hash", H256), ("BlockNumber", U32)])


def deposit(items: int, nbytes: int) -> int:
    """Polkadot's storage deposit rule, in this chain's units."""
    return items * 20 * C.UNITS + nbytes * 100 * C.MILLICENTS


MAX_PROXIES = 32
PROXY_DEPOSIT_BASE = pallet.constant("ProxyDepositBase", U128, deposit(1, 8), (
    "The base amount of currency needed to reserve for creating a proxy.",))
PROXY_DEPOSIT_FACTOR = pallet.constant("ProxyDepositFactor", U128, deposit(0, 33), (
    "The amount of currency needed per proxy added.",))
pallet.constant("MaxProxies", U32, MAX_PROXIES, ("The maximum amount of proxies allowed for a single account.",))
pallet.constant("MaxPending", U32, 32, ("The maximum amount of time-delayed announcements that are allowed to be "
                                        "pending.",))
pallet.constant("AnnouncementDepositBase", U128, deposit(1, 8), (
    "The base amount of currency needed to reserve for creating an announcement.",))
pallet.constant("AnnouncementDepositFactor", U128, deposit(0, 66), (
    "The amount of currency needed per announcement made.",))

Proxies = pallet.storage_map("Proxies", [("Twox64Concat", ACCOUNT_ID)],
                             Tuple(bounded_vec(PROXY_DEFINITION), U128), default=([], 0),
                             docs=("The set of account proxies. Maps the account which has delegated to the accounts",
                                   "which are being delegated to, together with the amount held on deposit."))
Announcements = pallet.storage_map("Announcements", [("Twox64Concat", ACCOUNT_ID)],
                                   Tuple(bounded_vec(ANNOUNCEMENT), U128), default=([], 0),
                                   docs=("The announcements made by the proxy (key).",))

ProxyExecuted = pallet.event("ProxyExecuted", [("result", DISPATCH_RESULT, "DispatchResult")],
                             ("A proxy was executed correctly, with the given.",))
PureCreated = pallet.event("PureCreated", [account_field("pure"), account_field("who"),
                                           ("proxy_type", PROXY_TYPE, "T::ProxyType"),
                                           ("disambiguation_index", U16, "u16")],
                           ("A pure account has been created by new proxy with given",
                            "disambiguation index and proxy type."))
Announced = pallet.event("Announced", [account_field("real"), account_field("proxy"),
                                       ("call_hash", H256, "CallHashOf<T>")], ("An announcement was placed to make a "
                                                                                "call in the future.",))
ProxyAdded = pallet.event("ProxyAdded", [account_field("delegator"), account_field("delegatee"),
                                         ("proxy_type", PROXY_TYPE, "T::ProxyType"),
                                         ("delay", U32, "BlockNumberFor<T>")], ("A proxy was added.",))
ProxyRemoved = pallet.event("ProxyRemoved", [account_field("delegator"), account_field("delegatee"),
                                             ("proxy_type", PROXY_TYPE, "T::ProxyType"),
                                             ("delay", U32, "BlockNumberFor<T>")], ("A proxy was removed.",))

for _name, _doc in [("TooMany", "There are too many proxies registered or too many announcements pending."),
                    ("NotFound", "Proxy registration not found."),
                    ("NotProxy", "Sender is not a proxy of the account to be proxied."),
                    ("Unproxyable", "A call which is incompatible with the proxy type's filter was attempted."),
                    ("Duplicate", "Account is already a proxy."),
                    ("NoPermission", "Call may not be made by proxy because it may escalate its privileges."),
                    ("Unannounced", "Announcement, if made at all, was made too recently."),
                    ("NoSelfProxy", "Cannot add self as proxy.")]:
    pallet.error(_name, (_doc,))

BASE = Weight(20_000_000, 4_000)
_TYPE = ("proxy_type", PROXY_TYPE, "T::ProxyType")
_DELAY = ("delay", U32, "BlockNumberFor<T>")


def _key(definition: dict) -> tuple:
    """ProxyDefinition's derived `Ord`: delegate, then proxy type (by variant index), then delay."""
    return definition["delegate"], PROXY_TYPE.by_name[definition["proxy_type"]][0], definition["delay"]


def allows(proxy_type: str, call) -> bool:
    """Polkadot's `InstanceFilter<RuntimeCall> for ProxyType`, over the pallets this runtime has: Any allows
    everything; NonTransfer everything but Balances; Staking the staking and session calls; a Utility batch is
    allowed when each call in it is (so a batch cannot smuggle a transfer past NonTransfer)."""
    pallet_name = call.definition.pallet.name
    if pallet_name == "Utility" and "calls" in call.args:
        return all(allows(proxy_type, c) for c in call.args["calls"])
    if pallet_name == "Utility" and "call" in call.args:
        return allows(proxy_type, call.args["call"])
    if proxy_type == "Any":
        return True
    if proxy_type == "NonTransfer":
        return pallet_name not in ("Balances", "Registrar")
    if proxy_type == "Staking":
        return pallet_name in ("Staking", "Session")
    if proxy_type == "CancelProxy":
        return pallet_name == "Proxy" and call.definition.name == "reject_announcement"
    return False  # Governance, IdentityJudgement, Auction, NominationPools: pallets this chain does not have


def _set_proxies(ctx, who: bytes, definitions: list) -> None:
    """Store `who`'s sorted definitions and hold exactly their deposit (none when empty)."""
    state = ctx.state
    _, held = Proxies.get(state, who)
    new = PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR * len(definitions) if definitions else 0
    if new > held:
        balances.reserve(ctx, who, new - held)
    elif new < held:
        balances.unreserve(ctx, who, held - new)
    if definitions:
        Proxies.set(state, (sorted(definitions, key=_key), new), who)
    else:
        Proxies.remove(state, who)


@pallet.call(0, [("real", MULTI_ADDRESS, "AccountIdLookupOf<T>"),
                 ("force_proxy_type", Option(PROXY_TYPE), "Option<T::ProxyType>"),
                 ("call", RUNTIME_CALL, "Box<<T as Config>::RuntimeCall>")],
             weight=lambda a: BASE + a["call"].weight,
             docs=("Dispatch the given `call` from an account that the sender is authorised for through",
                   "`add_proxy`."))
def proxy(ctx, origin, real, force_proxy_type, call) -> None:
    who = ensure_signed(origin)
    real_id = balances.lookup(real)
    definitions, _ = Proxies.get(ctx.state, real_id)
    found = next((d for d in definitions if d["delegate"] == who
                  and (force_proxy_type is None or d["proxy_type"] == force_proxy_type)), None)
    if found is None:
        raise pallet.fail("NotProxy")
    if found["delay"] != 0:
        raise pallet.fail("Unannounced")
    if allows(found["proxy_type"], call):
        result = dispatch_in_layer(ctx, Origin.signed(real_id), call)
    else:
        result = ("Err", system.pallet.fail("CallFiltered").value)
    ctx.deposit_event(ProxyExecuted, result=result)


@pallet.call(1, [("delegate", MULTI_ADDRESS, "AccountIdLookupOf<T>"), _TYPE, _DELAY], weight=BASE,
             docs=("Register a proxy account for the sender that is able to make calls on its behalf.",))
def add_proxy(ctx, origin, delegate, proxy_type, delay) -> None:
    who = ensure_signed(origin)
    delegatee = balances.lookup(delegate)
    if delegatee == who:
        raise pallet.fail("NoSelfProxy")
    definitions, _ = Proxies.get(ctx.state, who)
    new = {"delegate": delegatee, "proxy_type": proxy_type, "delay": delay}
    if any(_key(d) == _key(new) for d in definitions):
        raise pallet.fail("Duplicate")
    if len(definitions) >= MAX_PROXIES:
        raise pallet.fail("TooMany")
    _set_proxies(ctx, who, list(definitions) + [new])
    ctx.deposit_event(ProxyAdded, delegator=who, delegatee=delegatee, proxy_type=proxy_type, delay=delay)


@pallet.call(2, [("delegate", MULTI_ADDRESS, "AccountIdLookupOf<T>"), _TYPE, _DELAY], weight=BASE,
             docs=("Unregister a proxy account for the sender.",))
def remove_proxy(ctx, origin, delegate, proxy_type, delay) -> None:
    who = ensure_signed(origin)
    delegatee = balances.lookup(delegate)
    definitions, _ = Proxies.get(ctx.state, who)
    target = (delegatee, PROXY_TYPE.by_name[proxy_type][0], delay)
    kept = [d for d in definitions if _key(d) != target]
    if len(kept) == len(definitions):
        raise pallet.fail("NotFound")
    _set_proxies(ctx, who, kept)
    ctx.deposit_event(ProxyRemoved, delegator=who, delegatee=delegatee, proxy_type=proxy_type, delay=delay)


@pallet.call(3, [], weight=BASE, docs=("Unregister all proxy accounts for the sender.",))
def remove_proxies(ctx, origin) -> None:
    who = ensure_signed(origin)
    _set_proxies(ctx, who, [])


def pure_account(spawner: bytes, proxy_type: str, index: int, height: int, ext_index: int) -> bytes:
    """`Pallet::pure_account`: blake2_256(b"modlpy/proxy____" ‖ spawner ‖ height u32 ‖ ext_index u32 ‖
    proxy_type ‖ index u16)."""
    return blake2_256(b"modlpy/proxy____" + spawner + U32.encode(height) + U32.encode(ext_index)
                      + PROXY_TYPE.encode(proxy_type) + U16.encode(index))


@pallet.call(4, [_TYPE, _DELAY, ("index", U16, "u16")], weight=BASE,
             docs=("Spawn a fresh new account that is guaranteed to be otherwise inaccessible, and",
                   "initialize it with a proxy of `proxy_type` for `origin` sender."))
def create_pure(ctx, origin, proxy_type, delay, index) -> None:
    who = ensure_signed(origin)
    pure = pure_account(who, proxy_type, index, ctx.number, ctx.extrinsic_index)
    if Proxies.exists(ctx.state, pure):
        raise pallet.fail("Duplicate")
    held = PROXY_DEPOSIT_BASE + PROXY_DEPOSIT_FACTOR
    balances.reserve(ctx, who, held)
    Proxies.set(ctx.state, ([{"delegate": who, "proxy_type": proxy_type, "delay": delay}], held), pure)
    ctx.deposit_event(PureCreated, pure=pure, who=who, proxy_type=proxy_type, disambiguation_index=index)


@pallet.call(5, [("spawner", MULTI_ADDRESS, "AccountIdLookupOf<T>"), _TYPE, ("index", U16, "u16"),
                 ("height", COMPACT_U32, "BlockNumberFor<T>"), ("ext_index", COMPACT_U32, "u32")], weight=BASE,
             docs=("Removes a previously spawned pure proxy.",))
def kill_pure(ctx, origin, spawner, proxy_type, index, height, ext_index) -> None:
    who = ensure_signed(origin)
    spawner_id = balances.lookup(spawner)
    if pure_account(spawner_id, proxy_type, index, height, ext_index) != who:
        raise pallet.fail("NoPermission")
    _, held = Proxies.take(ctx.state, who)
    balances.unreserve(ctx, spawner_id, held)
