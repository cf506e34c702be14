"""pallet_transaction_payment (index 32): the inclusion fee and the fee-paid event.

Substrate: `substrate/frame/transaction-payment/src/lib.rs` (`compute_fee_details`, `get_priority`).
fee = base_fee + len_fee + adjusted_weight_fee (+ tip), all integers:
- base_fee = weight_to_fee(ExtrinsicBaseWeight), len_fee = encoded length × TransactionByteFee,
- adjusted_weight_fee = NextFeeMultiplier × weight_to_fee(call weight) (FixedU128, 10^18 = 1),
- weight_to_fee(w) = w.ref_time × WEIGHT_FEE_NUMERATOR / WEIGHT_FEE_DENOMINATOR (linear, rounded down).
Calls that declare `pays_fee = False` pay only their tip.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaychain.primitives.records import fast_init
from relaychain.runtime import constants as C
from relaychain.runtime.framework import Pallet, account_field
from relaychain.runtime.frame_types import FIXED_U128, Weight
from relaychain.runtime.pallets import system
from relaychain.primitives.scale_types import U8, U128, Enum, Field, Variant

pallet = Pallet("TransactionPayment", 32, "pallet_transaction_payment")

RELEASES = Enum("pallet_transaction_payment::Releases", [Variant("V1Ancient", 0), Variant("V2", 1)])
NextFeeMultiplier = pallet.storage_value("NextFeeMultiplier", FIXED_U128, default=C.FIXED_U128_ONE)
StorageVersion = pallet.storage_value("StorageVersion", RELEASES, default="V1Ancient")

TransactionFeePaid = pallet.event("TransactionFeePaid", [
    account_field("who"), Field("actual_fee", U128, "BalanceOf<T>"), Field("tip", U128, "BalanceOf<T>")],
    ("A transaction fee `actual_fee`, of which `tip` was added to the minimum inclusion fee,",
     "has been paid by `who`."))

pallet.constant("OperationalFeeMultiplier", U8, C.OPERATIONAL_FEE_MULTIPLIER, (
    "A fee multiplier for `Operational` extrinsics to compute \"virtual tip\" to boost their `priority`",))


@fast_init
@dataclass(frozen=True, slots=True)
class FeeDetails:
    """`pallet_transaction_payment::FeeDetails`: inclusion fee parts (None if the call pays no fee) and tip."""

    base_fee: int
    len_fee: int
    adjusted_weight_fee: int
    tip: int
    pays: bool = True

    @property
    def inclusion_fee(self) -> int:
        return self.base_fee + self.len_fee + self.adjusted_weight_fee if self.pays else 0

    @property
    def final_fee(self) -> int:
        return self.inclusion_fee + self.tip


def weight_to_fee(w: Weight) -> int:
    return w.ref_time * C.WEIGHT_FEE_NUMERATOR // C.WEIGHT_FEE_DENOMINATOR


BASE_FEE = weight_to_fee(Weight(C.EXTRINSIC_BASE_WEIGHT))


def compute_fee_details(state, length: int, weight: Weight, tip: int, pays_fee: bool) -> FeeDetails:
    multiplier = NextFeeMultiplier.get(state)
    adjusted = multiplier * weight_to_fee(weight) // C.FIXED_U128_ONE
    return FeeDetails(BASE_FEE, length * C.TRANSACTION_BYTE_FEE, adjusted, tip, pays_fee)


def priority(length: int, weight: Weight, dispatch_class: str, tip: int, final_fee: int) -> int:
    """`ChargeTransactionPayment::get_priority`: the tip scaled by how many such transactions fit a block."""
    max_block = system.MAX_BLOCK
    max_length = system.BLOCK_LENGTH_VALUE["max"][dispatch_class.lower()]
    ref = min(max(weight.ref_time, 1), max_block.ref_time)
    proof = min(max(weight.proof_size, 1), max_block.proof_size)
    by_weight = min(max_block.ref_time // ref, max_block.proof_size // proof)
    by_length = max_length // min(max(length, 1), max_length)
    max_tx = min(by_weight, by_length)
    scaled_tip = (tip + 1) * max_tx
    if dispatch_class == "Operational":
        scaled_tip += final_fee * C.OPERATIONAL_FEE_MULTIPLIER * max_tx
    return min(scaled_tip, (1 << 64) - 1)
