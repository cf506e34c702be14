"""pallet_multisig (Polkadot index 30): calls dispatched by a threshold of signatories.

Substrate: `substrate/frame/multisig/src/lib.rs`. The multisig account of sorted `signatories` and `threshold`
is `blake2_256("modlpy/utilisuba" ‖ Vec<AccountId>(signatories) ‖ threshold u16)`. The first approval of a
call (by hash) opens `Multisigs[(account, call_hash)] = {when: Timepoint{height, index}, deposit, depositor,
approvals}` and reserves `DepositBase + DepositFactor * threshold` from the depositor; later approvals must
name that timepoint; the approval that reaches the threshold with the call itself (`as_multi`) removes the
entry, returns the deposit and dispatches the call as the multisig account (`MultisigExecuted{result}`).
`cancel_as_multi` is the depositor's. `as_multi_threshold_1` dispatches at once with no storage.
"""

from __future__ import annotations

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import encode_compact
from relaychain.primitives.scale_types import ACCOUNT_ID, U16, U32, U128, Array, Option, Struct, U8, Vec
from relaychain.runtime.frame_types import WEIGHT, Weight, bounded_vec
from relaychain.runtime.framework import RUNTIME_CALL, Origin, Pallet, account_field, ensure_signed
from relaychain.runtime.pallets import balances
from relaychain.runtime.pallets.proxy import deposit
from relaychain.runtime.pallets.utility import DISPATCH_RESULT, dispatch_in_layer

pallet = Pallet("Multisig", 30, "pallet_multisig")

CALL_HASH = Array(U8, 32)
TIMEPOINT = Struct("pallet_multisig::Timepoint", [("height", U32, "BlockNumber"), ("index", U32, "u32")],
                   params=[("BlockNumber", U32)])
MULTISIG = Struct("pallet_multisig::Multisig", [
    ("when", TIMEPOINT, "Timepoint<BlockNumber>"), ("deposit", U128, "Balance"), ("depositor", ACCOUNT_ID, "AccountId"),
    ("approvals", bounded_vec(ACCOUNT_ID), "BoundedVec<AccountId, MaxApprovals>")],
    params=[("BlockNumber", U32), ("Balance", U128), ("AccountId", ACCOUNT_ID), ("MaxApprovals", None)])

MAX_SIGNATORIES = 100
DEPOSIT_BASE = pallet.constant("DepositBase", U128, deposit(1, 88), (
    "The base amount of currency needed to reserve for creating a multisig execution or to",
    "store a dispatch call for later."))
DEPOSIT_FACTOR = pallet.constant("DepositFactor", U128, deposit(0, 32), (
    "The amount of currency needed per unit threshold when creating a multisig execution.",))
pallet.constant("MaxSignatories", U32, MAX_SIGNATORIES, ("The maximum amount of signatories allowed in the "
                                                         "multisig.",))

Multisigs = pallet.storage_map("Multisigs", [("Twox64Concat", ACCOUNT_ID), ("Blake2_128Concat", CALL_HASH)], MULTISIG,
                               optional=True, docs=("The set of open multisig operations.",))

_TP = ("timepoint", TIMEPOINT, "Timepoint<BlockNumberFor<T>>")
_HASH = ("call_hash", CALL_HASH, "CallHash")
_HASH_ARG = ("call_hash", CALL_HASH, "[u8; 32]")
NewMultisig = pallet.event("NewMultisig", [account_field("approving"), account_field("multisig"), _HASH],
                           ("A new multisig operation has begun.",))
MultisigApproval = pallet.event("MultisigApproval", [account_field("approving"), _TP, account_field("multisig"), _HASH],
                                ("A multisig operation has been approved by someone.",))
MultisigExecuted = pallet.event("MultisigExecuted", [account_field("approving"), _TP, account_field("multisig"), _HASH,
                                                     ("result", DISPATCH_RESULT, "DispatchResult")],
                                ("A multisig operation has been executed.",))
MultisigCancelled = pallet.event("MultisigCancelled", [account_field("cancelling"), _TP, account_field("multisig"),
                                                       _HASH], ("A multisig operation has been cancelled.",))

for _name, _doc in [
    ("MinimumThreshold", "Threshold must be 2 or greater."), ("AlreadyApproved", "Call is already approved by this "
                                                                                 "signatory."),
    ("NoApprovalsNeeded", "Call doesn't need any (more) approvals."),
    ("TooFewSignatories", "There are too few signatories in the list."),
    ("TooManySignatories", "There are too many signatories in the list."),
    ("SignatoriesOutOfOrder", "The signatories were provided out of order; they should be ordered."),
    ("SenderInSignatories", "The sender was contained in the other signatories; it shouldn't be."),
    ("NotFound", "Multisig operation not found when attempting to cancel."),
    ("NotOwner", "Only the account that originally created the multisig is able to cancel it or update",),
    ("NoTimepoint", "No timepoint was given, yet the multisig operation is already underway."),
    ("WrongTimepoint", "A different timepoint was given to the multisig operation that is underway."),
    ("UnexpectedTimepoint", "A timepoint was given, yet no multisig operation is underway."),
    ("MaxWeightTooLow", "The maximum weight information provided was too low."),
    ("AlreadyStored", "The data to be stored is already stored."),
]:
    pallet.error(_name, (_doc,))

BASE = Weight(30_000_000, 6_000)
_THRESHOLD = ("threshold", U16, "u16")
_OTHERS = ("other_signatories", Vec(ACCOUNT_ID), "Vec<T::AccountId>")
_MAYBE_TP = ("maybe_timepoint", Option(TIMEPOINT), "Option<Timepoint<BlockNumberFor<T>>>")
_CALL = ("call", RUNTIME_CALL, "Box<<T as Config>::RuntimeCall>")
_MAX_WEIGHT = ("max_weight", WEIGHT, "Weight")


def multi_account_id(signatories: list[bytes], threshold: int) -> bytes:
    """`Pallet::multi_account_id`: blake2_256(b"modlpy/utilisuba" ‖ SCALE Vec<AccountId> ‖ threshold u16)."""
    return blake2_256(b"modlpy/utilisuba" + encode_compact(len(signatories)) + b"".join(signatories)
                      + U16.encode(threshold))


def _signatories(who: bytes, others) -> list[bytes]:
    """`ensure_sorted_and_insert`: the others strictly ascending, the sender not among them."""
    others = [bytes(o) for o in others]
    if len(others) < 1:
        raise pallet.fail("TooFewSignatories")
    if len(others) + 1 > MAX_SIGNATORIES:
        raise pallet.fail("TooManySignatories")
    if any(a >= b for a, b in zip(others, others[1:])):
        raise pallet.fail("SignatoriesOutOfOrder")
    if who in others:
        raise pallet.fail("SenderInSignatories")
    return sorted(others + [who])


def _operate(ctx, who: bytes, threshold: int, others, maybe_timepoint, call, call_hash: bytes, max_weight) -> None:
    if threshold < 2:
        raise pallet.fail("MinimumThreshold")
    multisig = multi_account_id(_signatories(who, others), threshold)
    state = ctx.state
    entry = Multisigs.get(state, multisig, call_hash)
    if entry is None:
        if maybe_timepoint is not None:
            raise pallet.fail("UnexpectedTimepoint")
        held = DEPOSIT_BASE + DEPOSIT_FACTOR * threshold
        balances.reserve(ctx, who, held)
        Multisigs.set(state, {"when": {"height": ctx.number, "index": ctx.extrinsic_index}, "deposit": held,
                              "depositor": who, "approvals": [who]}, multisig, call_hash)
        ctx.deposit_event(NewMultisig, approving=who, multisig=multisig, call_hash=call_hash)
        return
    when = entry["when"]
    if maybe_timepoint is None:
        raise pallet.fail("NoTimepoint")
    if dict(maybe_timepoint) != dict(when):
        raise pallet.fail("WrongTimepoint")
    approvals = [bytes(a) for a in entry["approvals"]]
    count = len(approvals) + (0 if who in approvals else 1)
    if call is not None and count >= threshold:
        weight = call.weight
        if weight.ref_time > max_weight.ref_time or weight.proof_size > max_weight.proof_size:
            raise pallet.fail("MaxWeightTooLow")
        Multisigs.remove(state, multisig, call_hash)
        balances.unreserve(ctx, bytes(entry["depositor"]), entry["deposit"])
        result = dispatch_in_layer(ctx, Origin.signed(multisig), call)
        ctx.deposit_event(MultisigExecuted, approving=who, timepoint=when, multisig=multisig, call_hash=call_hash,
                          result=result)
        return
    if who in approvals:
        raise pallet.fail("AlreadyApproved")
    Multisigs.set(state, dict(entry, approvals=sorted(approvals + [who])), multisig, call_hash)
    ctx.deposit_event(MultisigApproval, approving=who, timepoint=when, multisig=multisig, call_hash=call_hash)


@pallet.call(0, [_OTHERS, _CALL], weight=lambda a: BASE + a["call"].weight,
             docs=("Immediately dispatch a multi-signature call using a single approval from the caller.",))
def as_multi_threshold_1(ctx, origin, other_signatories, call) -> None:
    who = ensure_signed(origin)
    multisig = multi_account_id(_signatories(who, other_signatories), 1)
    ctx.runtime.dispatch(ctx, Origin.signed(multisig), call)


@pallet.call(1, [_THRESHOLD, _OTHERS, _MAYBE_TP, _CALL, _MAX_WEIGHT], weight=lambda a: BASE + a["max_weight"],
             docs=("Register approval for a dispatch to be made from a deterministic composite account if",
                   "approved by a total of `threshold - 1` of `other_signatories`."))
def as_multi(ctx, origin, threshold, other_signatories, maybe_timepoint, call, max_weight) -> None:
    who = ensure_signed(origin)
    _operate(ctx, who, threshold, other_signatories, maybe_timepoint, call, blake2_256(call.encode()), max_weight)


@pallet.call(2, [_THRESHOLD, _OTHERS, _MAYBE_TP, _HASH_ARG, _MAX_WEIGHT], weight=BASE,
             docs=("Register approval for a dispatch to be made from a deterministic composite account if",
                   "approved by a total of `threshold - 1` of `other_signatories`."))
def approve_as_multi(ctx, origin, threshold, other_signatories, maybe_timepoint, call_hash, max_weight) -> None:
    who = ensure_signed(origin)
    _operate(ctx, who, threshold, other_signatories, maybe_timepoint, None, bytes(call_hash), max_weight)


@pallet.call(3, [_THRESHOLD, _OTHERS, _TP, _HASH_ARG], weight=BASE,
             docs=("Cancel a pre-existing, on-going multisig transaction. Any deposit reserved previously",
                   "for this operation will be unreserved on success."))
def cancel_as_multi(ctx, origin, threshold, other_signatories, timepoint, call_hash) -> None:
    who = ensure_signed(origin)
    if threshold < 2:
        raise pallet.fail("MinimumThreshold")
    multisig = multi_account_id(_signatories(who, other_signatories), threshold)
    call_hash = bytes(call_hash)
    entry = Multisigs.get(ctx.state, multisig, call_hash)
    if entry is None:
        raise pallet.fail("NotFound")
    if dict(entry["when"]) != dict(timepoint):
        raise pallet.fail("WrongTimepoint")
    if bytes(entry["depositor"]) != who:
        raise pallet.fail("NotOwner")
    Multisigs.remove(ctx.state, multisig, call_hash)
    balances.unreserve(ctx, who, entry["deposit"])
    ctx.deposit_event(MultisigCancelled, cancelling=who, timepoint=entry["when"], multisig=multisig,
                      call_hash=call_hash)
