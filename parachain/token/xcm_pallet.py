"""PolkadotXcm (index 31, pallet_xcm) on the token parachain: teleporting the relay's token out (SPEC.md §4).

`limited_teleport_assets(dest, beneficiary, assets, fee_asset_item, weight_limit)`, signed by `who`; errors are
pallet-xcm's with the relay XcmPallet's indices, checked in this order: more than one asset `TooManyAssets`; none
or `fee_asset_item != 0` `Empty`; not `Fungible` `{1, Here}` `Filtered`; dest neither the relay `{1, Here}` nor a
sibling `{1, X1(Parachain(id != own))}` `BadLocation`; beneficiary not `{0, X1(AccountId32)}` `BadLocation`;
the keep-alive burn failing `LocalExecutionIncomplete`. Then the program

    [ReceiveTeleportedAsset([a']), ClearOrigin, BuyExecution{fees: a', weight_limit},
     DepositAsset{Wild(AllCounted(1)), beneficiary}, SetTopic(id)]

(a' = the asset reanchored: `{0, Here}` at the relay, `{1, Here}` at a sibling; id = blake2_256 of the program
without SetTopic) is queued as `VersionedXcm::V4` for UMP or for the sibling's HRMP queue, and `Sent` then
`Attempted{Complete{used: 3_000_000}}` are emitted.

Only V4 is declared for the versioned arguments (as `xcmp/xcm.py`): a call with another version does not decode,
so it is an invalid (undecodable) transaction rather than a `BadVersion` dispatch error — decision D13. A zero
amount is teleported like any other (`Burned{amount: 0}`) — D14.
"""

from __future__ import annotations

from relaychain.primitives.scale_types import U8, U32, Array
from relaychain.runtime.framework import DispatchError, Pallet, ensure_signed
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.pallets.xcm_pallet import pallet as _relay_xcm_pallet
from xcmp.xcm import (
    HERE_LOCATION, LOCATION, OUTCOME, PARENT_LOCATION, VERSIONED_ASSETS, VERSIONED_LOCATION, WEIGHT_LIMIT,
    XCM_PROGRAM, Asset, Location, account_id32, encode_versioned_xcm, with_unique_topic,
)

from . import balances, parachain_system

pallet = Pallet("PolkadotXcm", 31, "pallet_xcm")
for _name, _docs in _relay_xcm_pallet.errors:  # the same list, in the same order (§4)
    pallet.error(_name, _docs)

Attempted = pallet.event("Attempted", [("outcome", OUTCOME, "xcm::latest::Outcome")],
                         ("Execution of an XCM message was attempted.",))
Sent = pallet.event("Sent", [("origin", LOCATION, "Location"), ("destination", LOCATION, "Location"),
                             ("message", XCM_PROGRAM, "Xcm<()>"), ("message_id", Array(U8, 32), "XcmHash")],
                    ("A XCM message was sent.",))

LOCAL_EXECUTION_WEIGHT = {"ref_time": 3_000_000, "proof_size": 0}
TELEPORT_WEIGHT = Weight(2_000_000_000, 0)
RELAY = "relay"


def _v4(value):
    if not (isinstance(value, tuple) and len(value) == 2 and value[0] == "V4"):
        raise pallet.fail("BadVersion")
    return value[1]


def teleport_destination(dest: Location, own_id: int):
    """`RELAY` for `{1, Here}`, the sibling's id for `{1, X1(Parachain(id))}` (id != own), else BadLocation."""
    if dest == PARENT_LOCATION:
        return RELAY
    j = dest.junctions()
    if (dest.parents == 1 and len(j) == 1 and isinstance(j[0], tuple) and j[0][0] == "Parachain"
            and j[0][1] != own_id):
        return j[0][1]
    raise pallet.fail("BadLocation")


def _check_beneficiary(beneficiary: Location) -> None:
    j = beneficiary.junctions()
    if beneficiary.parents != 0 or len(j) != 1 or not isinstance(j[0], tuple) or j[0][0] != "AccountId32":
        raise pallet.fail("BadLocation")


def teleport_program(asset_there: Asset, weight_limit, beneficiary: Location) -> tuple:
    """The program sent (without its SetTopic): what pallet-xcm's InitiateTeleport makes the destination run."""
    return (("ReceiveTeleportedAsset", [asset_there]), "ClearOrigin",
            ("BuyExecution", {"fees": asset_there, "weight_limit": weight_limit}),
            ("DepositAsset", {"assets": ("Wild", ("AllCounted", 1)), "beneficiary": beneficiary}))


@pallet.call(9, [("dest", VERSIONED_LOCATION, "Box<VersionedLocation>"),
                 ("beneficiary", VERSIONED_LOCATION, "Box<VersionedLocation>"),
                 ("assets", VERSIONED_ASSETS, "Box<VersionedAssets>"), ("fee_asset_item", U32, "u32"),
                 ("weight_limit", WEIGHT_LIMIT, "WeightLimit")],
             weight=TELEPORT_WEIGHT, docs=("Teleport some assets from the local chain to some destination chain.",))
def limited_teleport_assets(ctx, origin, dest, beneficiary, assets, fee_asset_item: int, weight_limit) -> None:
    who = ensure_signed(origin)
    dest, beneficiary, assets = _v4(dest), _v4(beneficiary), list(_v4(assets))
    if len(assets) > 1:
        raise pallet.fail("TooManyAssets")
    if not assets or fee_asset_item != 0:
        raise pallet.fail("Empty")
    asset = assets[0]
    if asset.id != PARENT_LOCATION or not (isinstance(asset.fun, tuple) and asset.fun[0] == "Fungible"):
        raise pallet.fail("Filtered")
    where = teleport_destination(dest, parachain_system.own_para_id(ctx.state))
    _check_beneficiary(beneficiary)
    try:
        balances.burn_keep_alive(ctx, who, asset.fun[1])
    except DispatchError:
        raise pallet.fail("LocalExecutionIncomplete") from None
    there = Asset(HERE_LOCATION if where == RELAY else PARENT_LOCATION, asset.fun)
    program, message_id = with_unique_topic(teleport_program(there, weight_limit, beneficiary))
    message = encode_versioned_xcm(program)
    if where == RELAY:
        parachain_system.queue_upward(ctx.state, message)
    else:
        parachain_system.queue_to_sibling(ctx.state, where, message)
    ctx.deposit_event(Sent, origin=account_id32(who), destination=dest, message=list(program),
                      message_id=message_id)
    ctx.deposit_event(Attempted, outcome=("Complete", {"used": LOCAL_EXECUTION_WEIGHT}))
