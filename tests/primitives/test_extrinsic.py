"""Extrinsic v4 against rpc.md §8 written out plainly, scalecodec (Era/MultiAddress/MultiSignature) and
py-substrate-interface's keypair (signature verification over an independently built payload)."""

import pytest
from hypothesis import given, strategies as st
from scalecodec.base import RuntimeConfiguration, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset
from substrateinterface import Keypair as SIKeypair

from relaychain.primitives.crypto import Ed25519Keypair, Sr25519Keypair
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import ScaleDecodeError, decode_all
from relaychain.primitives.extrinsic import (
    IMMORTAL, SIGNED_EXTENSIONS, Era, ExtrinsicError, MultiAddress, MultiSignature, SignedPayloadParts,
    UncheckedExtrinsic, sign_extrinsic, signing_payload,
)

GENESIS = bytes.fromhex("91b171bb158e2d3848fa23a9f1c25182fb8e20313b2c1eb49219da7a70ce90c3")
BIRTH = b"\x42" * 32
ALICE = bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
BOB = bytes.fromhex("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48")


def _compact(n):  # the SCALE rule written plainly (single/two/four-byte modes are enough here)
    if n < 64:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    return ((n << 2) | 2).to_bytes(4, "little")


# Balances.transfer_keep_alive(dest: MultiAddress::Id(Bob), value: Compact(12345)): pallet 5, call 3
CALL = b"\x05\x03\x00" + BOB + _compact(12345)


@pytest.fixture(scope="module")
def oracle():
    return _RC


def test_declared_extension_order():
    assert SIGNED_EXTENSIONS == ("CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion", "CheckGenesis",
                                 "CheckMortality", "CheckNonce", "CheckWeight", "ChargeTransactionPayment")


# ---- Era


def test_era_known_encodings():
    # sp_runtime era tests: Era::mortal(64, 42) encodes as [5 + 42 % 16 * 16, 42 / 16]
    assert Era.mortal(64, 42) == Era(64, 42)
    assert Era(64, 42).encode() == bytes([5 + 42 % 16 * 16, 42 // 16])
    # ... Era::mortal(32768, 20000) encodes as [14 + 2500 % 16 * 16, 2500 / 16] (phase quantized by 8)
    assert Era.mortal(32768, 20000).encode() == bytes([14 + 2500 % 16 * 16, 2500 // 16])
    # ... clamp 1000000 to 65536, quantize 1000001 % 65536 to a multiple of 16
    assert Era.mortal(1000000, 1000001) == Era(65536, 1000001 % 65536 // 16 * 16)
    assert IMMORTAL.encode() == b"\x00" and Era.decode(b"\x00") == IMMORTAL


@given(st.integers(0, 70000), st.integers(0, 2**32))
def test_era_matches_scalecodec_and_round_trips(period, current):
    era = Era.mortal(period, current)
    assert era.encode() == _scalecodec_era(period, current)
    assert Era.decode(era.encode()) == era


_RC = RuntimeConfiguration()
_RC.update_type_registry(load_type_registry_preset("legacy"))


def _scalecodec_era(period, current):
    o = _RC.create_scale_object("Era")
    return o.encode({"period": period, "current": current}).data


@given(st.integers(2, 16), st.integers(0, 2**32))
def test_era_birth_death_rules(log_period, current):
    period = 1 << log_period
    era = Era.mortal(period, current)
    birth, death = era.birth(current), era.death(current)
    assert birth <= current < death == birth + period
    assert birth % period == era.phase
    # every block in [birth, death) agrees on the same birth
    for n in (birth, death - 1, (birth + death) // 2):
        assert era.birth(n) == birth


def test_era_birth_before_phase_and_immortal():
    era = Era(64, 40)
    assert era.birth(10) == 40  # current below phase: the era starts at its phase
    assert IMMORTAL.birth(123) == 0 and IMMORTAL.death(123) == 2**64 - 1


@pytest.mark.parametrize("bad", [(3, 0), (6, 0), (131072, 0), (64, 64), (8192, 1), (0, 5)])
def test_invalid_eras(bad):
    with pytest.raises(ExtrinsicError):
        Era(*bad)


def test_era_decode_rejects_invalid():
    for bad in (b"\x01", b"\x00\x01", bytes([0x10, 0x00]), bytes([0xF4, 0xFF])):
        with pytest.raises(ScaleDecodeError):
            Era.decode(bad)


def test_era_oracle_decode(oracle):
    for era in (Era(4, 0), Era(64, 42), Era(65536, 65520), Era(4096, 4095)):
        assert tuple(oracle.create_scale_object("Era", ScaleBytes(era.encode())).decode()) == (era.period, era.phase)


# ---- MultiAddress / MultiSignature


def test_multi_address_matches_scalecodec(oracle):
    cases = [(MultiAddress.id(ALICE), {"Id": "0x" + ALICE.hex()}), (MultiAddress("Index", 5), {"Index": 5}),
             (MultiAddress("Raw", b"\x01\x02"), {"Raw": "0x0102"}),
             (MultiAddress("Address32", BOB), {"Address32": "0x" + BOB.hex()}),
             (MultiAddress("Address20", b"\x07" * 20), {"Address20": "0x" + "07" * 20})]
    for ours, theirs in cases:
        assert ours.encode() == oracle.create_scale_object("MultiAddress").encode(theirs).data
        assert decode_all(ours.encode(), MultiAddress.decode_from) == ours


def test_multi_signature_matches_scalecodec(oracle):
    for scheme, name, size in (("ed25519", "Ed25519", 64), ("sr25519", "Sr25519", 64), ("ecdsa", "Ecdsa", 65)):
        sig = MultiSignature(scheme, bytes(range(size)))
        assert sig.encode() == oracle.create_scale_object("MultiSignature").encode({name: "0x" + bytes(range(size)).hex()}).data


# ---- signed extrinsics


def _payload_plain(call, era_bytes, nonce, tip, spec, txv, genesis, birth):
    """rpc.md §8 signing payload, written out byte by byte."""
    p = call + era_bytes + _compact(nonce) + _compact(tip) + spec.to_bytes(4, "little") + txv.to_bytes(4, "little") + genesis + birth
    return blake2_256(p) if len(p) > 256 else p


@pytest.mark.parametrize("mortal", [False, True])
def test_signed_sr25519_extrinsic_layout_and_independent_verification(mortal):
    alice = Sr25519Keypair.from_uri("//Alice")
    era = Era.mortal(64, 100) if mortal else IMMORTAL
    birth = BIRTH if mortal else None
    xt = sign_extrinsic(alice, CALL, nonce=7, genesis_hash=GENESIS, spec_version=1002005, transaction_version=26,
                        era=era, birth_hash=birth, tip=1000)
    era_bytes = era.encode()
    body = xt[2:]  # the body is longer than 63 bytes: two-byte compact length prefix
    assert xt[:2] == _compact(len(body))
    assert body[0] == 0x84 and body[1:34] == b"\x00" + ALICE  # signed v4, MultiAddress::Id(Alice)
    assert body[34] == 0x01  # MultiSignature::Sr25519
    sig = body[35:99]
    assert body[99:] == era_bytes + _compact(7) + _compact(1000) + CALL
    payload = _payload_plain(CALL, era_bytes, 7, 1000, 1002005, 26, GENESIS, BIRTH if mortal else GENESIS)
    assert SIKeypair(public_key=ALICE, ss58_format=42).verify(payload, sig)  # independent sr25519 verifier
    x = UncheckedExtrinsic.decode(xt)
    assert x.signature == SignedPayloadParts(MultiAddress.id(ALICE), MultiSignature("sr25519", sig), era, 7, 1000)
    assert x.call == CALL
    assert x.encode() == xt and x.hash() == blake2_256(xt)
    assert x.verify_signature(spec_version=1002005, transaction_version=26, genesis_hash=GENESIS, birth_hash=birth)
    assert not x.verify_signature(spec_version=1002006, transaction_version=26, genesis_hash=GENESIS, birth_hash=birth)
    assert not x.verify_signature(spec_version=1002005, transaction_version=26, genesis_hash=BIRTH, birth_hash=GENESIS)


def test_ed25519_signed_and_long_payload_is_hashed():
    pair = Ed25519Keypair.from_uri("//Bob")
    call = b"\x00\x01" + _compact(300) + b"\x61" * 300  # System.remark(300 bytes): payload > 256 → hashed
    xt = sign_extrinsic(pair, call, nonce=0, genesis_hash=GENESIS, spec_version=1, transaction_version=1)
    x = UncheckedExtrinsic.decode(xt)
    assert x.signature.signature.scheme == "ed25519" and x.signature.address == MultiAddress.id(pair.public)
    payload = _payload_plain(call, b"\x00", 0, 0, 1, 1, GENESIS, GENESIS)
    assert len(payload) == 32 and pair.verify(x.signature.signature.signature, payload)
    assert x.verify_signature(spec_version=1, transaction_version=1, genesis_hash=GENESIS)


def test_signing_payload_threshold():
    assert signing_payload(b"\x00" * 200, b"\x01" * 20, b"\x02" * 36) == b"\x00" * 200 + b"\x01" * 20 + b"\x02" * 36
    assert signing_payload(b"\x00" * 201, b"\x01" * 20, b"\x02" * 36) == blake2_256(b"\x00" * 201 + b"\x01" * 20 + b"\x02" * 36)


def test_unsigned_extrinsic():
    call = b"\x03\x00" + b"\x0b" + (1_700_000_000_000).to_bytes(6, "little")  # Timestamp.set(Compact<u64>)
    xt = UncheckedExtrinsic(call).encode()
    assert xt == _compact(1 + len(call)) + b"\x04" + call
    assert UncheckedExtrinsic.decode(xt) == UncheckedExtrinsic(call)
    assert not UncheckedExtrinsic(call).verify_signature(spec_version=1, transaction_version=1, genesis_hash=GENESIS)


def test_construction_errors():
    alice = Sr25519Keypair.from_uri("//Alice")
    with pytest.raises(ExtrinsicError, match="birth"):
        sign_extrinsic(alice, CALL, nonce=0, genesis_hash=GENESIS, spec_version=1, transaction_version=1, era=Era(64, 0))
    with pytest.raises(ExtrinsicError):
        sign_extrinsic(alice, CALL, nonce=2**32, genesis_hash=GENESIS, spec_version=1, transaction_version=1)
    with pytest.raises(ExtrinsicError):
        MultiSignature("sr25519", b"\x00" * 65)


def _valid_xt():
    """A signed immortal extrinsic: prefix(2) ‖ 0x84 ‖ 0x00 ‖ account(32) ‖ 0x01 ‖ sig(64) ‖ era(1) ‖ nonce ‖ tip ‖ call."""
    return sign_extrinsic(Sr25519Keypair.from_seed(b"\x01" * 32), CALL, nonce=1, genesis_hash=GENESIS,
                          spec_version=1, transaction_version=1)


@pytest.mark.parametrize("mutate", [
    lambda x: x[:-1],                      # truncated
    lambda x: x + b"\x00",                 # trailing byte
    lambda x: x[:2] + b"\x85" + x[3:],     # version 5 (x[:2] is the 2-byte length prefix)
    lambda x: x[:3] + b"\x05" + x[4:],     # MultiAddress variant 5
    lambda x: x[:36] + b"\x03" + x[37:],   # MultiSignature variant 3
    lambda x: x[:101] + b"\x10" + x[102:],  # era byte 0x10 + nonce byte 0x04 read as a mortal era of period 2
    lambda x: b"\x08\x04\x05",             # unsigned with a 1-byte call
])
def test_malformed_extrinsics(mutate):
    with pytest.raises(ScaleDecodeError):
        UncheckedExtrinsic.decode(mutate(_valid_xt()))


@given(st.binary(max_size=200))
def test_decode_fuzz_raises_only_scale_decode_error(data):
    try:
        x = UncheckedExtrinsic.decode(data)
    except ScaleDecodeError:
        return
    assert x.encode() == data  # anything accepted re-encodes to exactly the same bytes


@given(st.data())
def test_decode_fuzz_mutated_valid(data):
    xt = bytearray(_VALID)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(xt) - 1))
        xt[i] = data.draw(st.integers(0, 255))
    try:
        x = UncheckedExtrinsic.decode(bytes(xt))
    except ScaleDecodeError:
        return
    assert x.encode() == bytes(xt)


_VALID = _valid_xt()


def test_verified_signatures_memo_answers_as_verification_does():
    """The memo of verified signatures never changes an answer: a valid signature is valid again (from the memo),
    a tampered signature, message or key is checked afresh and refused, nothing invalid is remembered, and the
    memo keeps at most its capacity (the least recently used go first)."""
    from relaychain.primitives import extrinsic as X

    memo = X.VerifiedSignatures(capacity=3)
    original, X.VERIFIED_SIGNATURES = X.VERIFIED_SIGNATURES, memo
    try:
        kp = Sr25519Keypair.from_uri("//MemoTest")
        msgs = [b"message %d" % i for i in range(5)]
        sigs = [X.MultiSignature("sr25519", kp.sign(m)) for m in msgs]
        assert sigs[0].verify(msgs[0], kp.public) and len(memo) == 1
        assert sigs[0].verify(msgs[0], kp.public)  # answered by the memo
        forged = bytearray(sigs[0].signature)
        forged[5] ^= 1
        assert not X.MultiSignature("sr25519", bytes(forged)).verify(msgs[0], kp.public)
        assert not sigs[0].verify(msgs[1], kp.public)
        assert not sigs[0].verify(msgs[0], Sr25519Keypair.from_uri("//Other").public)
        assert len(memo) == 1  # refusals are not remembered
        for s, m in zip(sigs, msgs):
            assert s.verify(m, kp.public)
        assert len(memo) == 3
        assert not memo.holds(("sr25519", sigs[0].signature, msgs[0], kp.public))  # evicted first
        assert memo.holds(("sr25519", sigs[4].signature, msgs[4], kp.public))
    finally:
        X.VERIFIED_SIGNATURES = original
