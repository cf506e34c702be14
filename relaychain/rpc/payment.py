"""`payment_*` (legacy; clients prefer `state_call`): fee estimates via TransactionPaymentApi (rpc.md §5)."""

from __future__ import annotations

from relaychain.primitives.scale import Reader, encode_u32

from . import params as P
from .common import resolve_at
from .errors import state_client_error
from .registry import MethodRegistry
from .state import runtime_call

DISPATCH_CLASSES = ("normal", "operational", "mandatory")


def decode_query_info(data: bytes) -> dict:
    """RuntimeDispatchInfo: weight (Compact ref_time, Compact proof_size), class u8, partial_fee u128.

    JSON as pallet-transaction-payment-rpc: weight fields snake_case, class lower-case, partialFee a decimal string.
    """
    r = Reader(data)
    ref_time = r.compact()
    proof_size = r.compact()
    dispatch_class = r.u8()
    partial_fee = r.u128()
    r.finish()
    if dispatch_class >= len(DISPATCH_CLASSES):
        raise ValueError(f"unknown dispatch class {dispatch_class}")
    return {
        "weight": {"ref_time": ref_time, "proof_size": proof_size},
        "class": DISPATCH_CLASSES[dispatch_class],
        "partialFee": str(partial_fee),
    }


def decode_fee_details(data: bytes) -> dict:
    """FeeDetails: Option<InclusionFee{base_fee, len_fee, adjusted_weight_fee}> ‖ tip u128 (tip is not serialized)."""
    r = Reader(data)
    inclusion = r.option(lambda r: {"baseFee": hex(r.u128()), "lenFee": hex(r.u128()),
                                    "adjustedWeightFee": hex(r.u128())})
    r.u128()
    r.finish()
    return {"inclusionFee": inclusion}


def _query(ctx, p, method: str, decode):
    xt = p.required(0, P.hex_bytes)
    at = resolve_at(ctx.backend, p.optional(1, P.hash256))
    out = runtime_call(ctx.backend, at, method, xt + encode_u32(len(xt)))
    try:
        return decode(out)
    except Exception as exc:
        raise state_client_error(f"{method} returned undecodable bytes: {exc}") from None


def register(rpc: MethodRegistry) -> None:
    @rpc.method("payment_queryInfo", params=("extrinsic", "at"))
    async def query_info(ctx, p):
        return _query(ctx, p, "TransactionPaymentApi_query_info", decode_query_info)

    @rpc.method("payment_queryFeeDetails", params=("extrinsic", "at"))
    async def query_fee_details(ctx, p):
        return _query(ctx, p, "TransactionPaymentApi_query_fee_details", decode_fee_details)
