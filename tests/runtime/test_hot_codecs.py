"""The hand-written codecs of values every transfer reads and writes (`System.Account`, `System.BlockWeight`)
against SCALE written out plainly here, and against the generic struct codec of the same declaration.

SCALE (spec: rpc.md §3): `Compact<u64>` is 1, 2 or 4 bytes for values below 2^6, 2^14, 2^30 (the value
shifted left by two, mode in the low bits), else a length byte `(n - 4) << 2 | 0b11` and n little-endian
bytes; integers are little-endian and fixed-width.
"""

from hypothesis import given, strategies as st

from relaychain.primitives.scale import Reader
from relaychain.primitives.scale_types import Struct
from relaychain.runtime.frame_types import PER_CLASS_WEIGHT, WEIGHT, PerDispatchClass, Weight, per_dispatch_class
from relaychain.runtime.pallets import system

U64 = st.integers(min_value=0, max_value=2**64 - 1)
U32 = st.integers(min_value=0, max_value=2**32 - 1)
U128 = st.integers(min_value=0, max_value=2**128 - 1)
WEIGHTS = st.builds(Weight, U64, U64)
PER_CLASS = st.builds(PerDispatchClass, WEIGHTS, WEIGHTS, WEIGHTS)


def plain_compact(n: int) -> bytes:
    if n < 2**6:
        return bytes([n << 2])
    if n < 2**14:
        return ((n << 2) | 0b01).to_bytes(2, "little")
    if n < 2**30:
        return ((n << 2) | 0b10).to_bytes(4, "little")
    body = n.to_bytes((n.bit_length() + 7) // 8, "little")
    return bytes([((len(body) - 4) << 2) | 0b11]) + body


@given(PER_CLASS)
def test_block_weight_encodes_as_six_compacts_and_decodes_back(v):
    plain = b"".join(plain_compact(w.ref_time) + plain_compact(w.proof_size)
                     for w in (v.normal, v.operational, v.mandatory))
    assert PER_CLASS_WEIGHT.encode(v) == plain
    assert PER_CLASS_WEIGHT.decode(plain) == v


@given(PER_CLASS)
def test_block_weight_codec_agrees_with_the_generic_struct_of_the_same_declaration(v):
    generic = per_dispatch_class(WEIGHT)
    as_dict = {"normal": {"ref_time": v.normal.ref_time, "proof_size": v.normal.proof_size},
               "operational": {"ref_time": v.operational.ref_time, "proof_size": v.operational.proof_size},
               "mandatory": {"ref_time": v.mandatory.ref_time, "proof_size": v.mandatory.proof_size}}
    assert generic.encode(as_dict) == PER_CLASS_WEIGHT.encode(v)
    assert generic.key() == PER_CLASS_WEIGHT.key()  # one type in the metadata registry


@given(PER_CLASS, st.sampled_from(["Normal", "Operational", "Mandatory"]), WEIGHTS)
def test_accrue_adds_to_one_class_only(v, cls, w):
    after = v.accrue(cls, w)
    for c in ("Normal", "Operational", "Mandatory"):
        before = v.of(c)
        expected = Weight(before.ref_time + w.ref_time, before.proof_size + w.proof_size) if c == cls else before
        assert after.of(c) == expected


@given(U32, U32, U32, U32, U128, U128, U128, U128)
def test_account_info_is_four_u32s_and_four_u128s(nonce, consumers, providers, sufficients, free, reserved,
                                                   frozen, flags):
    info = system.AccountInfo(nonce, consumers, providers, sufficients,
                              system.AccountData(free, reserved, frozen, flags))
    plain = (b"".join(x.to_bytes(4, "little") for x in (nonce, consumers, providers, sufficients))
             + b"".join(x.to_bytes(16, "little") for x in (free, reserved, frozen, flags)))
    assert system.ACCOUNT_INFO.encode(info) == plain
    assert system.ACCOUNT_INFO.decode(plain) == info
    generic = Struct.decode_from(system.ACCOUNT_INFO, Reader(plain))  # the declaration's own field list
    assert generic == info
