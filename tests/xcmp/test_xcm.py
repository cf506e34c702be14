"""XCM V4 encodings (xcmp.xcm) against SCALE bytes written out by hand here, field by field, from the Rust
declarations in polkadot-sdk `polkadot/xcm/src/v4/{mod,junction,junctions,location,asset}.rs` and `xcm/src/lib.rs`
(variant indices are the declaration order or the `#[codec(index)]` given there; `#[codec(compact)]` fields are
compact). Compact integers: 0..63 -> one byte n<<2; 64..2^14-1 -> two bytes LE (n<<2)|1; larger up to 2^30 ->
four bytes (n<<2)|2; above -> byte ((len-4)<<2)|3 then len LE bytes."""

from __future__ import annotations

import pytest

from xcmp import notifications
from xcmp.errors import XcmDecodeError
from xcmp.xcm import (
    ASSETS, LOCATION, PARENT_LOCATION, VERSIONED_ASSETS, VERSIONED_LOCATION, Asset, Location, account_id32,
    decode_versioned, decode_versioned_xcm, encode_versioned_xcm, fungible, junctions, message_topic, parachain,
    with_unique_topic,
)

BOB = bytes(range(32))
UNIT = 10**12
# 10**12 = 0xE8_D4A5_1000: five significant bytes -> big-integer mode needs >= 4 bytes; 5 bytes: prefix (5-4)<<2|3 = 0x07
C_10_12 = bytes([0x07]) + (10**12).to_bytes(5, "little")


def test_location_parachain_2000_from_the_relay():
    # parents u8 0 | Junctions::X1 = 1 | Junction::Parachain = 0 | compact 2000 = (2000<<2)|1 = 0x1f41 LE 41 1f
    assert parachain(2000).encode() == bytes([0x00, 0x01, 0x00, 0x41, 0x1F])
    assert LOCATION.decode(bytes([0x00, 0x01, 0x00, 0x41, 0x1F])) == parachain(2000)


def test_location_parent_and_sibling():
    assert PARENT_LOCATION.encode() == bytes([0x01, 0x00])  # parents 1 | Here = 0
    assert parachain(2001, parents=1).encode() == bytes([0x01, 0x01, 0x00, 0x45, 0x1F])  # 2001<<2|1 = 0x1f45


def test_account_id32_beneficiary():
    # parents 0 | X1 | AccountId32 = 1 | network Option None = 0 | id 32 bytes
    assert account_id32(BOB).encode() == bytes([0x00, 0x01, 0x01, 0x00]) + BOB
    # network Some(Polkadot): Option Some = 1 | NetworkId::Polkadot = 2
    assert account_id32(BOB, network="Polkadot").encode() == bytes([0x00, 0x01, 0x01, 0x01, 0x02]) + BOB


def test_x2_junctions_and_general_index():
    loc = Location(1, junctions(("Parachain", 1000), ("GeneralIndex", 1984)))
    # parents 1 | X2 = 2 | Parachain(0) compact 1000 = (1000<<2)|1 = 0x0fa1 | GeneralIndex = 5 compact 1984 = 0x1f01
    assert loc.encode() == bytes([0x01, 0x02, 0x00, 0xA1, 0x0F, 0x05, 0x01, 0x1F])


def test_assets_and_versioned_wrappers():
    one = fungible(PARENT_LOCATION, UNIT)
    # Asset: AssetId(Location{1, Here}) | Fungibility::Fungible = 0 | compact u128
    asset_bytes = bytes([0x01, 0x00, 0x00]) + C_10_12
    assert one.encode() == asset_bytes
    assert ASSETS.encode([one]) == bytes([0x04]) + asset_bytes  # Vec of 1
    assert VERSIONED_ASSETS.encode(("V4", [one])) == bytes([0x04, 0x04]) + asset_bytes  # VersionedAssets::V4 = 4
    assert VERSIONED_LOCATION.encode(("V4", parachain(2000))) == bytes([0x04, 0x00, 0x01, 0x00, 0x41, 0x1F])
    assert decode_versioned(VERSIONED_ASSETS, bytes([0x04, 0x04]) + asset_bytes) == [Asset(PARENT_LOCATION,
                                                                                           ("Fungible", UNIT))]


TELEPORT_TO_PARA = (
    ("ReceiveTeleportedAsset", [fungible(PARENT_LOCATION, UNIT)]),
    "ClearOrigin",
    ("BuyExecution", {"fees": fungible(PARENT_LOCATION, UNIT), "weight_limit": "Unlimited"}),
    ("DepositAsset", {"assets": ("Wild", ("AllCounted", 1)), "beneficiary": account_id32(BOB)}),
    ("SetTopic", bytes([0xAB]) * 32),
)
TELEPORT_TO_PARA_BYTES = b"".join([
    bytes([0x04]),  # VersionedXcm::V4
    bytes([0x14]),  # compact 5 instructions
    bytes([0x02, 0x04, 0x01, 0x00, 0x00]) + C_10_12,  # ReceiveTeleportedAsset = 2 | 1 asset | {1, Here} Fungible
    bytes([0x0A]),  # ClearOrigin = 10
    bytes([0x13, 0x01, 0x00, 0x00]) + C_10_12 + bytes([0x00]),  # BuyExecution = 19 | fees asset | Unlimited = 0
    bytes([0x0D, 0x01, 0x02, 0x04]),  # DepositAsset = 13 | AssetFilter::Wild = 1 | AllCounted = 2 | compact 1
    bytes([0x00, 0x01, 0x01, 0x00]) + BOB,  # beneficiary {0, X1(AccountId32{None, id})}
    bytes([0x2C]) + bytes([0xAB]) * 32,  # SetTopic = 44 | [u8; 32]
])


def test_teleport_program_bytes_and_round_trip():
    assert encode_versioned_xcm(TELEPORT_TO_PARA) == TELEPORT_TO_PARA_BYTES
    assert decode_versioned_xcm(TELEPORT_TO_PARA_BYTES) == TELEPORT_TO_PARA
    assert message_topic(TELEPORT_TO_PARA) == bytes([0xAB]) * 32


def test_nested_program_initiate_teleport():
    inner = ["ClearOrigin"]
    prog = [("InitiateTeleport", {"assets": ("Wild", "All"), "dest": parachain(2000), "xcm": inner})]
    # V4 | 1 instr | InitiateTeleport = 17 | Wild = 1, All = 0 | dest | Xcm: compact 1 | ClearOrigin = 10
    expected = bytes([0x04, 0x04, 0x11, 0x01, 0x00, 0x00, 0x01, 0x00, 0x41, 0x1F, 0x04, 0x0A])
    assert encode_versioned_xcm(prog) == expected
    assert decode_versioned_xcm(expected) == tuple(prog)


def test_hrmp_notices_are_the_same_bytes_as_written_out():
    # the vectors of tests/runtime/test_hrmp_dmp.py: V4 | 1 instr | index | compact u32 fields
    assert notifications.hrmp_new_channel_open_request(2000, 8, 1) == bytes([4, 4, 7, 0x41, 0x1F, 0x20, 0x04])
    assert notifications.hrmp_channel_accepted(2001) == bytes([4, 4, 8, 0x45, 0x1F])
    assert notifications.hrmp_channel_closing(2000, 2000, 2001) == bytes([4, 4, 9, 0x41, 0x1F, 0x41, 0x1F, 0x45, 0x1F])


def test_unique_topic_is_blake2_of_the_program_without_it():
    from hashlib import blake2b
    prog = list(TELEPORT_TO_PARA[:-1])
    with_topic, topic = with_unique_topic(prog)
    # Xcm<()> bytes = the VersionedXcm bytes without the version byte, with the count 4 instead of 5
    body = bytes([0x10]) + TELEPORT_TO_PARA_BYTES[2:-33]
    assert topic == blake2b(body, digest_size=32).digest()
    assert with_topic[-1] == ("SetTopic", topic)
    assert with_unique_topic(with_topic) == (with_topic, topic)  # an existing topic is kept


@pytest.mark.parametrize("data, unsupported", [
    (b"", False),
    (bytes([0x03, 0x04, 0x0A]), True),  # V3
    (bytes([0x05, 0x04, 0x0A]), True),  # V5
    (bytes([0x02, 0x04, 0x0A]), False),  # no such version
    (bytes([0x04, 0x04, 0x06]), False),  # Transact: not an instruction this chain reads
    (bytes([0x04, 0x08, 0x0A]), False),  # 2 instructions announced, 1 present
    (bytes([0x04, 0x04, 0x0A, 0x00]), False),  # a trailing byte
    (bytes([0x04, 0x04, 0x02, 0x54]), False),  # compact 21 assets announced: over MAX_ITEMS_IN_ASSETS before reading
])
def test_undecodable_programs_raise_the_typed_error(data, unsupported):
    with pytest.raises(XcmDecodeError) as e:
        decode_versioned_xcm(data)
    assert e.value.unsupported_version is unsupported


def _nested_reserve_transfers(levels: int) -> bytes:
    """VersionedXcm V4 whose program is TransferReserveAsset{assets: [], dest: {0, Here}, xcm: <next level>},
    `levels` deep, ending in an empty program: one instruction per level, written out byte by byte."""
    inner = bytes([0x00])  # compact 0: the empty innermost program
    for _ in range(levels):
        inner = bytes([0x04, 0x05, 0x00, 0x00, 0x00]) + inner  # 1 instruction, TransferReserveAsset, [], {0, Here}
    return bytes([0x04]) + inner


def test_the_instruction_limit_counts_nested_programs_too():
    """Polkadot's `instructions_count`: at most 100 instructions in an outermost program and everything nested in
    it; deeper hostile nesting is a typed decode error, never a recursion crash."""
    assert len(decode_versioned_xcm(_nested_reserve_transfers(100))) == 1
    for levels in (101, 5000):
        with pytest.raises(XcmDecodeError):
            decode_versioned_xcm(_nested_reserve_transfers(levels))
    assert len(decode_versioned_xcm(bytes([0x04, 0x04, 0x0A]))) == 1  # the count starts afresh after a failure
