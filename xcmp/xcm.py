"""XCM V4 types, declared once (xcmp.md §9; polkadot-sdk `polkadot/xcm/src/v4/{mod,junction,junctions,location,
asset}.rs`, `polkadot/xcm/src/lib.rs`).

Only the part of the format that the relay chain writes or reads is declared: locations and their junctions,
fungible and non-fungible assets, asset filters, the weight limit and the instructions a teleport, a reserve
transfer and the HRMP notices use. Variant indices are Polkadot's, so every value here encodes to the bytes
Polkadot's codec gives it, but an instruction this module does not declare (Transact, QueryResponse, ...) does
not decode: the relay treats such a program as one it cannot run (`XcmDecodeError`).

`VersionedXcm` / `VersionedLocation` / `VersionedAssets` declare only their V4 variant (index 4 = `XCM_VERSION`);
Polkadot's V3 (3) and V5 (5) are recognised by their index and refused (`UnsupportedXcmVersion`) instead of being
declared: their types differ from V4's in ways this chain has no use for yet.

Python values (scale_types rules): `Location(parents, interior)`; `interior` is `"Here"` or `("X<n>", (j1..jn))`
with junctions like `("Parachain", 2000)` or `("AccountId32", {"network": None, "id": b32})`; `Asset(id, fun)`
with `id` a Location and `fun` `("Fungible", amount)`; an `Xcm` is a tuple of instructions.
"""

from __future__ import annotations

import threading

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import Reader, ScaleDecodeError
from relaychain.primitives.scale_types import (
    U8, U32, U64, U128, UNIT, Array, Compact, Enum, LateBound, Option, Struct, Variant, Vec, scale_struct, sfield,
)

from xcmp.errors import XcmDecodeError

XCM_VERSION = 4
V3_INDEX, V4_INDEX, V5_INDEX = 3, 4, 5
MAX_ITEMS_IN_ASSETS = 20  # v4 `MAX_ITEMS_IN_ASSETS`: more than this in one `Assets` does not decode
MAX_INSTRUCTIONS_TO_DECODE = 100  # `MAX_INSTRUCTIONS_TO_DECODE` (lib.rs): a longer program does not decode

_V3 = "xcm::v3"
_V4 = "staging_xcm::v4"

C_U32, C_U64, C_U128 = Compact(U32), Compact(U64), Compact(U128)
BYTES_32 = Array(U8, 32)

WEIGHT = Struct("sp_weights::weight_v2::Weight", [("ref_time", C_U64, "u64"), ("proof_size", C_U64, "u64")])
"""The same type as the runtime's `Weight` (values here are dicts `{ref_time, proof_size}`)."""

NETWORK_ID = Enum(f"{_V4}::junction::NetworkId", [
    Variant("ByGenesis", 0, [(None, BYTES_32, "[u8; 32]")]),
    Variant("ByFork", 1, [("block_number", U64, "u64"), ("block_hash", BYTES_32, "[u8; 32]")]),
    Variant("Polkadot", 2), Variant("Kusama", 3), Variant("Westend", 4), Variant("Rococo", 5), Variant("Wococo", 6),
    Variant("Ethereum", 7, [("chain_id", C_U64, "u64")]),
    Variant("BitcoinCore", 8), Variant("BitcoinCash", 9), Variant("PolkadotBulletin", 10),
])
_OPTION_NETWORK = Option(NETWORK_ID)

BODY_ID = Enum(f"{_V3}::junction::BodyId", [
    Variant("Unit", 0), Variant("Moniker", 1, [(None, Array(U8, 4), "[u8; 4]")]), Variant("Index", 2, [(None, C_U32, "u32")]),
    Variant("Executive", 3), Variant("Technical", 4), Variant("Legislative", 5), Variant("Judicial", 6),
    Variant("Defense", 7), Variant("Administration", 8), Variant("Treasury", 9),
])
_FRACTION = [("nom", C_U32, "u32"), ("denom", C_U32, "u32")]
BODY_PART = Enum(f"{_V3}::junction::BodyPart", [
    Variant("Voice", 0), Variant("Members", 1, [("count", C_U32, "u32")]), Variant("Fraction", 2, _FRACTION),
    Variant("AtLeastProportion", 3, _FRACTION), Variant("MoreThanProportion", 4, _FRACTION),
])

JUNCTION = Enum(f"{_V4}::junction::Junction", [
    Variant("Parachain", 0, [(None, C_U32, "u32")]),
    Variant("AccountId32", 1, [("network", _OPTION_NETWORK, "Option<NetworkId>"), ("id", BYTES_32, "[u8; 32]")]),
    Variant("AccountIndex64", 2, [("network", _OPTION_NETWORK, "Option<NetworkId>"), ("index", C_U64, "u64")]),
    Variant("AccountKey20", 3, [("network", _OPTION_NETWORK, "Option<NetworkId>"),
                                ("key", Array(U8, 20), "[u8; 20]")]),
    Variant("PalletInstance", 4, [(None, U8, "u8")]),
    Variant("GeneralIndex", 5, [(None, C_U128, "u128")]),
    Variant("GeneralKey", 6, [("length", U8, "u8"), ("data", BYTES_32, "[u8; 32]")]),
    Variant("OnlyChild", 7),
    Variant("Plurality", 8, [("id", BODY_ID, "BodyId"), ("part", BODY_PART, "BodyPart")]),
    Variant("GlobalConsensus", 9, [(None, NETWORK_ID, "NetworkId")]),
])

JUNCTIONS = Enum(f"{_V4}::junctions::Junctions", [Variant("Here", 0)] + [
    Variant(f"X{n}", n, [(None, Array(JUNCTION, n), f"Arc<[Junction; {n}]>")]) for n in range(1, 9)])
HERE = "Here"


def junctions(*items) -> object:
    """The `Junctions` value of the given junctions (`Here` for none)."""
    if not items:
        return HERE
    if len(items) > 8:
        raise ValueError("a location has at most 8 junctions")
    return (f"X{len(items)}", tuple(items))


@scale_struct(f"{_V4}::location::Location")
class Location:
    """`parents` steps up, then down `interior` (v4 location.rs)."""

    parents: int = sfield(U8, "u8")
    interior: object = sfield(JUNCTIONS, "Junctions")

    def junctions(self) -> tuple:
        return () if self.interior == HERE else tuple(self.interior[1])


LOCATION = Location.SCALE
ASSET_ID = Struct(f"{_V4}::asset::AssetId", [(None, LOCATION, "Location")])
ASSET_INSTANCE = Enum(f"{_V4}::asset::AssetInstance", [
    Variant("Undefined", 0), Variant("Index", 1, [(None, C_U128, "u128")]),
    Variant("Array4", 2, [(None, Array(U8, 4), "[u8; 4]")]), Variant("Array8", 3, [(None, Array(U8, 8), "[u8; 8]")]),
    Variant("Array16", 4, [(None, Array(U8, 16), "[u8; 16]")]), Variant("Array32", 5, [(None, BYTES_32, "[u8; 32]")]),
])
FUNGIBILITY = Enum(f"{_V4}::asset::Fungibility", [Variant("Fungible", 0, [(None, C_U128, "u128")]),
                                                  Variant("NonFungible", 1, [(None, ASSET_INSTANCE, "AssetInstance")])])


@scale_struct(f"{_V4}::asset::Asset")
class Asset:
    """An amount (`Fungible`) or an instance (`NonFungible`) of the asset `id` (v4 asset.rs)."""

    id: Location = sfield(ASSET_ID, "AssetId")
    fun: object = sfield(FUNGIBILITY, "Fungibility")


class _AssetsVec(Vec):
    """`Assets(Vec<Asset>)` decodes at most `MAX_ITEMS_IN_ASSETS` items (v4 asset.rs `Decode for Assets`)."""

    def decode_from(self, r):
        n = r.compact()
        if n > MAX_ITEMS_IN_ASSETS:
            raise ScaleDecodeError(f"{n} assets in one Assets (at most {MAX_ITEMS_IN_ASSETS})")
        return [self.inner.decode_from(r) for _ in range(n)]


ASSETS = Struct(f"{_V4}::asset::Assets", [(None, _AssetsVec(Asset.SCALE), "Vec<Asset>")])
WILD_FUNGIBILITY = Enum(f"{_V4}::asset::WildFungibility", [Variant("Fungible", 0), Variant("NonFungible", 1)])
WILD_ASSET = Enum(f"{_V4}::asset::WildAsset", [
    Variant("All", 0),
    Variant("AllOf", 1, [("id", ASSET_ID, "AssetId"), ("fun", WILD_FUNGIBILITY, "WildFungibility")]),
    Variant("AllCounted", 2, [(None, C_U32, "u32")]),
    Variant("AllOfCounted", 3, [("id", ASSET_ID, "AssetId"), ("fun", WILD_FUNGIBILITY, "WildFungibility"),
                                ("count", C_U32, "u32")]),
])
ASSET_FILTER = Enum(f"{_V4}::asset::AssetFilter", [Variant("Definite", 0, [(None, ASSETS, "Assets")]),
                                                   Variant("Wild", 1, [(None, WILD_ASSET, "WildAsset")])])
WEIGHT_LIMIT = Enum(f"{_V3}::WeightLimit", [Variant("Unlimited", 0), Variant("Limited", 1, [(None, WEIGHT, "Weight")])])

XCM = LateBound("staging_xcm::v4::Xcm<()>")  # an Instruction carries the program it sends on
_ASSETS, _FILTER, _LOC, _XCM = (ASSETS, "Assets"), (ASSET_FILTER, "AssetFilter"), (LOCATION, "Location"), (XCM, "Xcm<()>")

INSTRUCTION = Enum(f"{_V4}::Instruction", [
    Variant("WithdrawAsset", 0, [(None, *_ASSETS)]),
    Variant("ReserveAssetDeposited", 1, [(None, *_ASSETS)]),
    Variant("ReceiveTeleportedAsset", 2, [(None, *_ASSETS)]),
    Variant("TransferAsset", 4, [("assets", *_ASSETS), ("beneficiary", *_LOC)]),
    Variant("TransferReserveAsset", 5, [("assets", *_ASSETS), ("dest", *_LOC), ("xcm", *_XCM)]),
    Variant("HrmpNewChannelOpenRequest", 7, [("sender", C_U32, "u32"), ("max_message_size", C_U32, "u32"),
                                             ("max_capacity", C_U32, "u32")]),
    Variant("HrmpChannelAccepted", 8, [("recipient", C_U32, "u32")]),
    Variant("HrmpChannelClosing", 9, [("initiator", C_U32, "u32"), ("sender", C_U32, "u32"),
                                      ("recipient", C_U32, "u32")]),
    Variant("ClearOrigin", 10),
    Variant("DepositAsset", 13, [("assets", *_FILTER), ("beneficiary", *_LOC)]),
    Variant("DepositReserveAsset", 14, [("assets", *_FILTER), ("dest", *_LOC), ("xcm", *_XCM)]),
    Variant("InitiateReserveWithdraw", 16, [("assets", *_FILTER), ("reserve", *_LOC), ("xcm", *_XCM)]),
    Variant("InitiateTeleport", 17, [("assets", *_FILTER), ("dest", *_LOC), ("xcm", *_XCM)]),
    Variant("BuyExecution", 19, [("fees", Asset.SCALE, "Asset"), ("weight_limit", WEIGHT_LIMIT, "WeightLimit")]),
    Variant("RefundSurplus", 20),
    Variant("ClearError", 23),
    Variant("Trap", 25, [(None, C_U64, "u64")]),
    Variant("SetTopic", 44, [(None, BYTES_32, "[u8; 32]")]),
    Variant("ClearTopic", 45),
], params=[("Call", UNIT)])


class _ProgramVec(Vec):
    """`Vec<Instruction>` refusing more than `MAX_INSTRUCTIONS_TO_DECODE` instructions in one program AND in all
    the programs nested in it together (Polkadot's `instructions_count` environmental: a count kept across the
    nested decodes of one outermost `Xcm`). This also bounds the nesting, so hostile bytes cannot exhaust the
    decoder's recursion."""

    _count = threading.local()

    def decode_from(self, r):
        outermost = getattr(self._count, "n", None) is None
        if outermost:
            self._count.n = 0
        try:
            n = r.compact()
            self._count.n += n
            if n > MAX_INSTRUCTIONS_TO_DECODE or self._count.n > MAX_INSTRUCTIONS_TO_DECODE:
                raise ScaleDecodeError(f"more than {MAX_INSTRUCTIONS_TO_DECODE} instructions in one Xcm, nested "
                                       f"programs included")
            return [self.inner.decode_from(r) for _ in range(n)]
        finally:
            if outermost:
                self._count.n = None


XCM_PROGRAM = Struct(f"{_V4}::Xcm", [(None, _ProgramVec(INSTRUCTION), "Vec<Instruction<Call>>")], params=[("Call", UNIT)])
XCM.bind(XCM_PROGRAM)

VERSIONED_XCM = Enum("xcm::VersionedXcm", [Variant("V4", V4_INDEX, [(None, XCM_PROGRAM, "v4::Xcm<RuntimeCall>")])],
                     params=[("RuntimeCall", UNIT)])
VERSIONED_LOCATION = Enum("xcm::VersionedLocation", [Variant("V4", V4_INDEX, [(None, LOCATION, "v4::Location")])])
VERSIONED_ASSETS = Enum("xcm::VersionedAssets", [Variant("V4", V4_INDEX, [(None, ASSETS, "v4::Assets")])])

XCM_ERROR = Enum(f"{_V3}::traits::Error", [Variant(name, i) for i, name in enumerate((
    "Overflow", "Unimplemented", "UntrustedReserveLocation", "UntrustedTeleportLocation", "LocationFull",
    "LocationNotInvertible", "BadOrigin", "InvalidLocation", "AssetNotFound", "FailedToTransactAsset",
    "NotWithdrawable", "LocationCannotHold", "ExceedsMaxMessageSize", "DestinationUnsupported", "Transport",
    "Unroutable", "UnknownClaim", "FailedToDecode", "MaxWeightInvalid", "NotHoldingFees", "TooExpensive"))] + [
    Variant("Trap", 21, [(None, U64, "u64")])] + [Variant(name, i) for i, name in enumerate((
        "ExpectationFalse", "PalletNotFound", "NameMismatch", "VersionIncompatible", "HoldingWouldOverflow",
        "ExportError", "ReanchorFailed", "NoDeal", "FeesNotMet", "LockError", "NoPermission", "Unanchored",
        "NotDepositable"), start=22)] + [
    Variant("UnhandledXcmVersion", 35), Variant("WeightLimitReached", 36, [(None, WEIGHT, "Weight")]),
    Variant("Barrier", 37), Variant("WeightNotComputable", 38), Variant("ExceedsStackLimit", 39)])
OUTCOME = Enum(f"{_V4}::traits::Outcome", [
    Variant("Complete", 0, [("used", WEIGHT, "Weight")]),
    Variant("Incomplete", 1, [("used", WEIGHT, "Weight"), ("error", XCM_ERROR, "Error")]),
    Variant("Error", 2, [("error", XCM_ERROR, "Error")]),
])


# -- versioned envelopes -------------------------------------------------------------------------------------

def encode_versioned_xcm(program) -> bytes:
    """`VersionedXcm::V4(program)`."""
    return VERSIONED_XCM.encode(("V4", list(program)))


def decode_versioned(kind: Enum, data: bytes):
    """The V4 payload of a versioned value (all bytes consumed); a typed error for any other version or bad bytes."""
    if not data:
        raise XcmDecodeError("empty versioned XCM value")
    if data[0] in (V3_INDEX, V5_INDEX):
        raise XcmDecodeError(f"XCM version {data[0]} is not supported (only {XCM_VERSION})", unsupported_version=True)
    r = Reader(data)
    try:
        _, payload = kind.decode_from(r)
    except (ScaleDecodeError, ValueError, IndexError) as e:
        raise XcmDecodeError(f"undecodable {kind.type_name()}: {e}") from e
    if r.remaining:
        raise XcmDecodeError(f"{r.remaining} bytes after a {kind.type_name()}")
    return payload


def decode_versioned_xcm(data: bytes) -> tuple:
    return tuple(decode_versioned(VERSIONED_XCM, data))


def message_topic(program) -> bytes | None:
    """The id a program names itself by: its trailing `SetTopic`, if any (`WithUniqueTopic`, `ProcessXcmMessage`)."""
    if program and isinstance(program[-1], tuple) and program[-1][0] == "SetTopic":
        return bytes(program[-1][1])
    return None


def with_unique_topic(program) -> tuple:
    """`WithUniqueTopic` router rule: a program without a trailing `SetTopic` gets
    `SetTopic(blake2_256(SCALE(program)))` appended; returns (program, topic)."""
    program = tuple(program)
    topic = message_topic(program)
    if topic is None:
        topic = blake2_256(XCM_PROGRAM.encode(list(program)))
        program = program + (("SetTopic", topic),)
    return program, topic


# -- the relay's native token ----------------------------------------------------------------------------------

def parachain(para_id: int, parents: int = 0) -> Location:
    return Location(parents, junctions(("Parachain", para_id)))


def account_id32(account: bytes, parents: int = 0, network=None) -> Location:
    return Location(parents, junctions(("AccountId32", {"network": network, "id": bytes(account)})))


HERE_LOCATION = Location(0, HERE)
"""The relay's native token seen from the relay (`TokenLocation`)."""
PARENT_LOCATION = Location(1, HERE)
"""The relay's native token seen from a parachain."""


def fungible(location: Location, amount: int) -> Asset:
    return Asset(location, ("Fungible", amount))


__all__ = [name for name in dir() if name.isupper() or name in (
    "Location", "Asset", "junctions", "encode_versioned_xcm", "decode_versioned", "decode_versioned_xcm",
    "message_topic", "with_unique_topic", "parachain", "account_id32", "fungible")]
