"""XcmPallet (index 99, pallet_xcm): a relay user sends value and messages down to a para (xcmp.md §7, §9).

Polkadot: `polkadot/xcm/pallet-xcm/src/lib.rs` (`send` = call 0, `limited_teleport_assets` = call 9), the relay's
`xcm_config.rs` (`ChildParachainRouter` wrapped in `WithUniqueTopic`, `FixedWeightBounds`, the native token
`TokenLocation = Here`).
- `send(dest, message)` (Root only here): `dest` must be a live para `{parents: 0, X1(Parachain(id))}`; the
  message goes into its downward queue (`Dmp.queue_downward_message`) as `VersionedXcm::V4` with a trailing
  `SetTopic(id)` (`WithUniqueTopic`: id = blake2_256 of the program unless it already ends with a topic);
  event `Sent{origin: Here, destination, message, message_id}`.
- `limited_teleport_assets(dest, beneficiary, assets, fee_asset_item, weight_limit)` (Signed): at most
  `MAX_ASSETS_FOR_TRANSFER` assets, all fungible amounts of the native token (anything else is `Filtered`: this
  chain teleports only its token), `fee_asset_item` must index one of them (`Empty`). The amounts are burnt
  from the sender (`Balances.Burned`), then the para receives the program Polkadot's `InitiateTeleport` sends:
  `ReceiveTeleportedAsset(assets reanchored to the para: {parents: 1, Here})`, `ClearOrigin`,
  `BuyExecution{fees, weight_limit}`, `DepositAsset{Wild(AllCounted(n)), beneficiary}`, `SetTopic(id)`. Events
  `Sent{origin: AccountId32 sender, ...}` then `Attempted{Complete{used}}` (the local program's weight).

Teleported value is burnt here, not parked in a checking account (Polkadot's `MintLocation::NonLocal`): the
para mints it, and a teleport back mints it here again (`MessageQueue`), so the issuance summed over the relay
and its paras is what is conserved. The paras that may teleport in are the registered ones (the dev network's
token paras are one trust domain); a checking account limiting what each para may bring back is left for later.
Delivery fees (Polkadot's `ExponentialPrice` on DMP) are not charged.
"""

from __future__ import annotations

from relaychain.primitives.scale_types import U8, U32, Array
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.framework import DispatchError, Pallet, ensure_root, ensure_signed
from relaychain.runtime.pallets import balances
from relaychain.runtime.pallets.parachains import dmp, paras
from xcmp import errors as xcmp_errors
from xcmp.xcm import (
    HERE_LOCATION, LOCATION, OUTCOME, PARENT_LOCATION, VERSIONED_ASSETS, VERSIONED_LOCATION, VERSIONED_XCM,
    WEIGHT_LIMIT, XCM_PROGRAM, Asset, Location, account_id32, encode_versioned_xcm,
    with_unique_topic,
)

pallet = Pallet("XcmPallet", 99, "pallet_xcm")

MAX_ASSETS_FOR_TRANSFER = 2  # pallet_xcm `MAX_ASSETS_FOR_TRANSFER`
BASE_XCM_WEIGHT = Weight(1_000_000_000, 1024)  # the relay's `BaseXcmWeight` (FixedWeightBounds, per instruction)
THIS_NETWORK = None  # a signed origin is `AccountId32{network: None, id}` (no global consensus name for this chain)
NATIVE = HERE_LOCATION

for _name, _doc in [
    ("Unreachable", "The desired destination was unreachable, generally because there is a no way of routing\n"
                    "to it."),
    ("SendFailure", "There was some other issue (i.e. not to do with routing) in sending the message.\n"
                    "Perhaps a lack of space for buffering the message."),
    ("Filtered", "The message execution fails the filter."),
    ("UnweighableMessage", "The message's weight could not be determined."),
    ("DestinationNotInvertible", "The destination `Location` provided cannot be inverted."),
    ("Empty", "The assets to be sent are empty."),
    ("CannotReanchor", "Could not re-anchor the assets to declare the fees for the destination chain."),
    ("TooManyAssets", "Too many assets have been attempted for transfer."),
    ("InvalidOrigin", "Origin is invalid for sending."),
    ("BadVersion", "The version of the `Versioned` value used is not able to be interpreted."),
    ("BadLocation", "The given location could not be used (e.g. because it cannot be expressed in the\n"
                    "desired version of XCM)."),
    ("NoSubscription", "The referenced subscription could not be found."),
    ("AlreadySubscribed", "The location is invalid since it already has a subscription from us."),
    ("CannotCheckOutTeleport", "Could not check-out the assets for teleportation to the destination chain."),
    ("LowBalance", "The owner does not own (all) of the asset that they wish to do the operation on."),
    ("TooManyLocks", "The asset owner has too many locks on the asset."),
    ("AccountNotSovereign", "The given account is not an identifiable sovereign account for any location."),
    ("FeesNotMet", "The operation required fees to be paid which the initiator could not meet."),
    ("LockNotFound", "A remote lock with the corresponding data could not be found."),
    ("InUse", "The unlock operation cannot succeed because there are still consumers of the lock."),
    ("InvalidAssetNotConcrete", "Invalid non-concrete asset."),
    ("InvalidAssetUnknownReserve", "Invalid asset, reserve chain could not be determined for it."),
    ("InvalidAssetUnsupportedReserve", "Invalid asset, do not support remote asset reserves with different fees\n"
                                       "reserves."),
    ("TooManyReserves", "Too many assets with different reserve locations have been attempted for transfer."),
    ("LocalExecutionIncomplete", "Local XCM execution incomplete."),
]:
    pallet.error(_name, tuple(_doc.split("\n")))

Attempted = pallet.event("Attempted", [("outcome", OUTCOME, "xcm::latest::Outcome")],
                         ("Execution of an XCM message was attempted.",))
Sent = pallet.event("Sent", [("origin", LOCATION, "Location"), ("destination", LOCATION, "Location"),
                             ("message", XCM_PROGRAM, "Xcm<()>"), ("message_id", Array(U8, 32), "XcmHash")],
                    ("A XCM message was sent.",))

_DEST = ("dest", VERSIONED_LOCATION, "Box<VersionedLocation>")


def _weight(n_instructions: int) -> dict:
    return {"ref_time": BASE_XCM_WEIGHT.ref_time * n_instructions,
            "proof_size": BASE_XCM_WEIGHT.proof_size * n_instructions}


def _v4(value):
    """The V4 payload of a decoded versioned argument (`BadVersion` for any other). Only V4 is declared, so V3 or
    V5 bytes already fail to decode as the call (xcmp.xcm); this guards calls built in Python."""
    if not (isinstance(value, tuple) and len(value) == 2 and value[0] == "V4"):
        raise pallet.fail("BadVersion")
    return value[1]


def child_para(state, dest: Location) -> int:
    """The live para a destination names: `{parents: 0, X1(Parachain(id))}` (ChildParachainRouter), else
    `Unreachable`."""
    j = dest.junctions()
    if dest.parents != 0 or len(j) != 1 or not isinstance(j[0], tuple) or j[0][0] != "Parachain":
        raise pallet.fail("Unreachable")
    para_id = j[0][1]
    if not paras.is_valid_para(state, para_id):
        raise pallet.fail("Unreachable")
    return para_id


def send_downward(ctx, origin: Location, dest: Location, program) -> bytes:
    """Route `program` to the para `dest` (`WithUniqueTopic<ChildParachainRouter>`); event `Sent`; returns the
    message id."""
    para_id = child_para(ctx.state, dest)
    with_topic, message_id = with_unique_topic(program)
    try:
        dmp.queue_downward_message(ctx, para_id, encode_versioned_xcm(with_topic))
    except xcmp_errors.Unroutable:
        raise pallet.fail("Unreachable") from None
    except xcmp_errors.QueueDownwardMessageError:
        raise pallet.fail("SendFailure") from None
    ctx.deposit_event(Sent, origin=origin, destination=dest, message=list(program), message_id=message_id)
    return message_id


@pallet.call(0, [_DEST, ("message", VERSIONED_XCM, "Box<VersionedXcm<()>>")], weight=Weight(100_000_000, 3_500),
             docs=("Send an XCM message to a destination (Root only on this relay chain).",))
def send(ctx, origin, dest, message) -> None:
    ensure_root(origin)
    dest, program = _v4(dest), _v4(message)
    send_downward(ctx, HERE_LOCATION, dest, tuple(program))


def native_amount(asset: Asset) -> int:
    """The amount of the relay's token an asset is (`Filtered` for any other asset: only it is teleportable)."""
    if asset.id != NATIVE or not (isinstance(asset.fun, tuple) and asset.fun[0] == "Fungible"):
        raise pallet.fail("Filtered")
    return asset.fun[1]


def reanchored_to_child(asset: Asset) -> Asset:
    """The native token as the para sees it (`{parents: 1, Here}`)."""
    return Asset(PARENT_LOCATION, asset.fun)


@pallet.call(9, [_DEST, ("beneficiary", VERSIONED_LOCATION, "Box<VersionedLocation>"),
                 ("assets", VERSIONED_ASSETS, "Box<VersionedAssets>"), ("fee_asset_item", U32, "u32"),
                 ("weight_limit", WEIGHT_LIMIT, "WeightLimit")],
             weight=Weight(600_000_000, 3_600), docs=(
    "Teleport some assets from the local chain to some destination chain.", "",
    "Fee payment on the destination side is made from the asset in the `assets` vector of",
    "index `fee_asset_item`, up to enough to pay for `weight_limit` of weight."))
def limited_teleport_assets(ctx, origin, dest, beneficiary, assets, fee_asset_item: int, weight_limit) -> None:
    who = ensure_signed(origin)
    dest, beneficiary, assets = _v4(dest), _v4(beneficiary), list(_v4(assets))
    if len(assets) > MAX_ASSETS_FOR_TRANSFER:
        raise pallet.fail("TooManyAssets")
    if not assets or fee_asset_item >= len(assets):
        raise pallet.fail("Empty")
    amounts = [native_amount(a) for a in assets]
    child_para(ctx.state, dest)
    for amount in amounts:  # the local program's WithdrawAsset: burnt (module docstring)
        try:
            balances.burn_from(ctx, who, amount)
        except DispatchError:
            raise pallet.fail("LocalExecutionIncomplete") from None
    there = [reanchored_to_child(a) for a in assets]
    program = (("ReceiveTeleportedAsset", there), "ClearOrigin",
               ("BuyExecution", {"fees": there[fee_asset_item], "weight_limit": weight_limit}),
               ("DepositAsset", {"assets": ("Wild", ("AllCounted", len(there))), "beneficiary": beneficiary}))
    send_downward(ctx, account_id32(who, network=THIS_NETWORK), dest, program)
    # WithdrawAsset, SetFeesMode, InitiateTeleport: the local program's three instructions
    ctx.deposit_event(Attempted, outcome=("Complete", {"used": _weight(3)}))
