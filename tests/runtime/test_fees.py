"""Fees and priorities under a NextFeeMultiplier other than 1, against pallet-transaction-payment's rules
written out plainly here (substrate/frame/transaction-payment/src/lib.rs, `compute_fee_raw`,
`ChargeTransactionPayment::get_priority`; sp-arithmetic FixedU128::saturating_mul_int rounds down):

    inclusion_fee = base_fee + len_fee + floor(multiplier * weight_fee / 10^18)   (only the weight part adjusts)
    final_fee     = inclusion_fee + tip
    priority      = (tip + 1) * max_tx                       (Normal)
                  + final_fee * OperationalFeeMultiplier * max_tx   (Operational only)
    max_tx        = min(max_block.ref_time // ref_time, max_block.proof_size // proof_size,
                        max_length[class] // length)        (each divisor at least 1)

The runtime's fee parameters, as plain numbers: weight_to_fee(w) = floor(w.ref_time * 10^9 / 125_000_000)
(one cent / 10 per ExtrinsicBaseWeight), base_fee = weight_to_fee(ExtrinsicBaseWeight) = 10^9, 10^8 per byte;
a block is 2 s of ref_time (2 * 10^12) and u64::MAX of proof (Polkadot's relay chain); a block is 5 MiB long, 75 % of it for Normal.
"""

import pytest

from relaychain.primitives.scale import Reader
from relaychain.runtime import apis
from relaychain.runtime.executive import validate_transaction
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.pallets import balances, system
from relaychain.runtime.pallets import transaction_payment as tp

from .conftest import DevChain

ONE = 10**18  # FixedU128
MULTIPLIERS = [3 * ONE // 2, 1_234_567_890_123_456_789, ONE // 3]  # 1.5, an awkward one, 0.333…
TRANSFER_KEEP_ALIVE = (40_000_000, 3593)  # its declared weight (ref_time, proof_size)
MAX_BLOCK = (2 * 10**12, 2**64 - 1)  # Polkadot's relay chain: proof_size unbounded
MAX_LENGTH = {"Normal": 5 * 1024 * 1024 * 75 // 100, "Operational": 5 * 1024 * 1024}
OPERATIONAL_FEE_MULTIPLIER = 5
UNIT = 10**12
ENDOWMENT = 1 << 60


def weight_fee(ref_time: int) -> int:
    return ref_time * 10**9 // 125_000_000


def inclusion_fee(multiplier: int, length: int, ref_time: int) -> int:
    return 10**9 + length * 10**8 + multiplier * weight_fee(ref_time) // ONE


def max_tx(ref_time: int, proof_size: int, length: int, cls: str) -> int:
    return min(MAX_BLOCK[0] // min(max(ref_time, 1), MAX_BLOCK[0]),
               MAX_BLOCK[1] // min(max(proof_size, 1), MAX_BLOCK[1]),
               MAX_LENGTH[cls] // min(max(length, 1), MAX_LENGTH[cls]))


def expected_priority(ref_time: int, proof_size: int, length: int, cls: str, tip: int, final_fee: int) -> int:
    n = max_tx(ref_time, proof_size, length, cls)
    scaled = (tip + 1) * n
    if cls == "Operational":
        scaled += final_fee * OPERATIONAL_FEE_MULTIPLIER * n
    return min(scaled, 2**64 - 1)


def chain_with_multiplier(multiplier: int) -> DevChain:
    return DevChain(storage_overrides={tp.NextFeeMultiplier.key(): multiplier.to_bytes(16, "little")})


@pytest.mark.parametrize("multiplier", MULTIPLIERS)
def test_block_charges_the_adjusted_fee_and_the_pool_gets_its_priority(multiplier, keys):
    chain = chain_with_multiplier(multiplier)
    alice, bob = keys["Alice"], keys["Bob"]
    tip = 7 * 10**9
    xt = chain.sign(alice, balances.transfer_keep_alive.encode(dest=("Id", bob.public), value=UNIT), 0, tip=tip)
    fee = inclusion_fee(multiplier, len(xt), TRANSFER_KEEP_ALIVE[0]) + tip
    assert fee != inclusion_fee(ONE, len(xt), TRANSFER_KEEP_ALIVE[0]) + tip  # the multiplier matters here

    valid = validate_transaction(chain.state(), xt, block_number=0, block_hash_of=lambda n: chain.genesis_hash)
    assert valid.priority == expected_priority(*TRANSFER_KEEP_ALIVE, len(xt), "Normal", tip, fee)

    _, _, _, (result,) = chain.build([xt])
    assert result.success and result.fee == fee
    st = chain.state()
    assert system.account(st, alice.public).data.free == ENDOWMENT - UNIT - fee
    assert tp.NextFeeMultiplier.get(st) == multiplier  # unchanged by the block: the runtime adjusts nothing


@pytest.mark.parametrize("multiplier", MULTIPLIERS)
def test_fee_apis_report_the_adjusted_weight_fee(multiplier, keys):
    chain = chain_with_multiplier(multiplier)
    xt = chain.sign(keys["Alice"], balances.transfer_keep_alive.encode(dest=("Id", keys["Bob"].public), value=1), 0)
    arg = xt + len(xt).to_bytes(4, "little")
    st = chain.state()
    info = Reader(apis.call(st, "TransactionPaymentApi_query_info", arg))
    assert (info.compact(), info.compact(), info.u8()) == (*TRANSFER_KEEP_ALIVE, 0)
    assert info.u128() == inclusion_fee(multiplier, len(xt), TRANSFER_KEEP_ALIVE[0])  # partialFee: no tip
    details = Reader(apis.call(st, "TransactionPaymentApi_query_fee_details", arg))
    assert details.u8() == 1  # Some(InclusionFee)
    assert (details.u128(), details.u128(), details.u128()) == (
        10**9, len(xt) * 10**8, multiplier * weight_fee(TRANSFER_KEEP_ALIVE[0]) // ONE)


@pytest.mark.parametrize("multiplier", MULTIPLIERS)
def test_operational_priority_adds_the_virtual_tip_of_the_adjusted_fee(multiplier):
    """No Operational call can be signed and validated here (set_code takes the whole block), so the
    priority rule is checked directly, with the fee the runtime computes under the multiplier."""
    chain = chain_with_multiplier(multiplier)
    ref_time, proof_size, length, tip = 300_000_000, 0, 180, 11
    details = tp.compute_fee_details(chain.state(), length, Weight(ref_time, proof_size), tip, True)
    final_fee = inclusion_fee(multiplier, length, ref_time) + tip
    assert details.final_fee == final_fee
    got = tp.priority(length, Weight(ref_time, proof_size), "Operational", tip, final_fee)
    assert got == expected_priority(ref_time, proof_size, length, "Operational", tip, final_fee)
    assert tp.priority(length, Weight(ref_time, proof_size), "Normal", tip, final_fee) == \
        expected_priority(ref_time, proof_size, length, "Normal", tip, final_fee)
