"""pallet_utility (Polkadot index 26): batches of calls and derivative accounts.

Substrate: `substrate/frame/utility/src/lib.rs`. Each inner call is the outer `RuntimeCall` (late-bound) and runs
with the batch's origin in its own storage layer:
- `batch` stops at the first failing call (`BatchInterrupted{index, error}`), keeping what ran before it, and
  succeeds; `batch_all` is all-or-nothing (the first error is the extrinsic's); `force_batch` runs every call,
  reporting failures with `ItemFailed{error}` and ending with `BatchCompletedWithErrors`.
- `as_derivative(index, call)` dispatches as the account `blake2_256("modlpy/utilisuba" ‖ who ‖ index u16)`.
- `with_weight(call, weight)` is Root's.
Departure: `dispatch_as` (which takes Polkadot's full `OriginCaller`) is not provided.
"""

from __future__ import annotations

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale_types import U16, U32, UNIT, Enum, Variant, Vec
from relaychain.runtime.frame_types import WEIGHT, Weight
from relaychain.runtime.framework import (
    DISPATCH_ERROR, RUNTIME_CALL, DispatchError, Origin, Pallet, ensure_root, ensure_signed,
)

pallet = Pallet("Utility", 26, "pallet_utility")

BATCHED_CALLS_LIMIT = 10922  # Polkadot's: 65536 / (size_of RuntimeCall * 3)

DISPATCH_RESULT = Enum("Result", [Variant("Ok", 0, ((None, UNIT),)), Variant("Err", 1, ((None, DISPATCH_ERROR),))],
                       params=[("T", UNIT), ("E", DISPATCH_ERROR)])

BatchInterrupted = pallet.event("BatchInterrupted", [("index", U32, "u32"), ("error", DISPATCH_ERROR, "DispatchError")],
                                ("Batch of dispatches did not complete fully. Index of first failing dispatch given, "
                                 "as", "well as the error."))
BatchCompleted = pallet.event("BatchCompleted", [], ("Batch of dispatches completed fully with no error.",))
BatchCompletedWithErrors = pallet.event("BatchCompletedWithErrors", [],
                                        ("Batch of dispatches completed but has errors.",))
ItemCompleted = pallet.event("ItemCompleted", [], ("A single item within a Batch of dispatches has completed with no "
                                                   "error.",))
ItemFailed = pallet.event("ItemFailed", [("error", DISPATCH_ERROR, "DispatchError")],
                          ("A single item within a Batch of dispatches has completed with error.",))
DispatchedAs = pallet.event("DispatchedAs", [("result", DISPATCH_RESULT, "DispatchResult")],
                            ("A call was dispatched.",))

pallet.error("TooManyCalls", ("Too many calls batched.",))
pallet.constant("batched_calls_limit", U32, BATCHED_CALLS_LIMIT, ("The limit on the number of batched calls.",))

BASE = Weight(5_000_000, 0)
_CALLS = ("calls", Vec(RUNTIME_CALL), "Vec<<T as Config>::RuntimeCall>")
_CALL = ("call", RUNTIME_CALL, "Box<<T as Config>::RuntimeCall>")


def dispatch_in_layer(ctx, origin: Origin, call):
    """Dispatch `call` as `origin` in its own storage layer: ("Ok", None), or ("Err", error) with the call's
    changes rolled back (a DispatchResult value)."""
    state = ctx.state
    state.start_transaction()
    try:
        ctx.runtime.dispatch(ctx, origin, call)
    except DispatchError as e:
        state.rollback_transaction()
        return ("Err", e.value)
    state.commit_transaction()
    return ("Ok", None)


def _batch_weight(args) -> Weight:
    total = BASE
    for c in args["calls"]:
        total = total + c.weight
    return total


def _check_origin_and_size(origin: Origin, calls) -> None:
    if origin.kind == "none":
        raise DispatchError("BadOrigin")
    if len(calls) > BATCHED_CALLS_LIMIT:
        raise pallet.fail("TooManyCalls")


@pallet.call(0, [_CALLS], weight=_batch_weight, docs=("Send a batch of dispatch calls.",))
def batch(ctx, origin, calls) -> None:
    _check_origin_and_size(origin, calls)
    for index, call in enumerate(calls):
        result = dispatch_in_layer(ctx, origin, call)
        if result[0] == "Err":
            ctx.deposit_event(BatchInterrupted, index=index, error=result[1])
            return
        ctx.deposit_event(ItemCompleted)
    ctx.deposit_event(BatchCompleted)


def derivative_account_id(who: bytes, index: int) -> bytes:
    """`Pallet::derivative_account_id`: blake2_256(b"modlpy/utilisuba" ‖ who ‖ index as u16 LE)."""
    return blake2_256(b"modlpy/utilisuba" + who + U16.encode(index))


@pallet.call(1, [("index", U16, "u16"), _CALL], weight=lambda a: BASE + a["call"].weight,
             docs=("Send a call through an indexed pseudonym of the sender.",))
def as_derivative(ctx, origin, index, call) -> None:
    who = ensure_signed(origin)
    ctx.runtime.dispatch(ctx, Origin.signed(derivative_account_id(who, index)), call)


@pallet.call(2, [_CALLS], weight=_batch_weight,
             docs=("Send a batch of dispatch calls and atomically execute them.",
                   "The whole transaction will rollback and fail if any of the calls failed."))
def batch_all(ctx, origin, calls) -> None:
    _check_origin_and_size(origin, calls)
    for call in calls:
        # the extrinsic's own layer rolls every earlier call back when one fails
        ctx.runtime.dispatch(ctx, origin, call)
        ctx.deposit_event(ItemCompleted)
    ctx.deposit_event(BatchCompleted)


@pallet.call(4, [_CALLS], weight=_batch_weight,
             docs=("Send a batch of dispatch calls.",
                   "Unlike `batch`, it allows errors and won't interrupt."))
def force_batch(ctx, origin, calls) -> None:
    _check_origin_and_size(origin, calls)
    failed = False
    for call in calls:
        result = dispatch_in_layer(ctx, origin, call)
        if result[0] == "Err":
            failed = True
            ctx.deposit_event(ItemFailed, error=result[1])
        else:
            ctx.deposit_event(ItemCompleted)
    ctx.deposit_event(BatchCompletedWithErrors if failed else BatchCompleted)


@pallet.call(5, [_CALL, ("weight", WEIGHT, "Weight")], weight=lambda a: a["weight"],
             docs=("Dispatch a function call with a specified weight.",
                   "The dispatch origin for this call must be _Root_."))
def with_weight(ctx, origin, call, weight) -> None:
    ensure_root(origin)
    ctx.runtime.dispatch(ctx, origin, call)
