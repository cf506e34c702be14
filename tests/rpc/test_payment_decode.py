"""`payment_queryFeeDetails` decoding of the runtime's FeeDetails bytes (rpc.md §5)."""

import pytest

from relaychain.primitives.scale import ScaleDecodeError
from relaychain.rpc.payment import decode_fee_details


def u128(n: int) -> bytes:
    return n.to_bytes(16, "little")


def test_fee_details_with_and_without_inclusion_fee():
    raw = b"\x01" + u128(10) + u128(2) + u128(255) + u128(7)
    assert decode_fee_details(raw) == {"inclusionFee": {"baseFee": "0xa", "lenFee": "0x2", "adjustedWeightFee": "0xff"}}
    assert decode_fee_details(b"\x00" + u128(7)) == {"inclusionFee": None}


@pytest.mark.parametrize("raw", [b"\x02" + u128(7), b"\x00" + u128(7) + b"\x00", b"\x01" + u128(1)])
def test_fee_details_rejects_bad_option_tags_truncation_and_trailing_bytes(raw):
    with pytest.raises(ScaleDecodeError):
        decode_fee_details(raw)
