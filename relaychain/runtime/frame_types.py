"""Substrate/FRAME types shared by several pallets, with their exact metadata paths (rpc.md §7, §10).

Field names, type names and variant indices follow Polkadot's V14 metadata
(`vectors/metadata/polkadot-v14-metadata.hex`).
"""

from __future__ import annotations

from dataclasses import dataclass

from relaychain.primitives.records import fast_init
from relaychain.primitives.types import DIGEST, DIGEST_ITEM, ENGINE_ID  # noqa: F401 - declared with Header
from relaychain.primitives.scale import Reader, ScaleDecodeError, encode_compact
from relaychain.primitives.scale_types import (  # noqa: F401 - re-exported: the runtime's FRAME vocabulary
    BOOL, ED25519_PUBLIC, ED25519_SIGNATURE, SIG64, SR25519_PUBLIC, SR25519_SIGNATURE, bounded_vec,
    ACCOUNT_ID, BYTES, BYTES32, H256, STR, U8, U32, U64, U128, Array, Compact, Enum, Option, Struct,
    Tuple, Variant, Vec,
)

COMPACT_U32 = Compact(U32)
COMPACT_U64 = Compact(U64)
COMPACT_U128 = Compact(U128)



@fast_init
@dataclass(frozen=True, slots=True)
class Weight:
    """`sp_weights::weight_v2::Weight`: picoseconds of execution and bytes of proof."""

    ref_time: int
    proof_size: int = 0

    def __add__(self, other: "Weight") -> "Weight":
        return Weight(self.ref_time + other.ref_time, self.proof_size + other.proof_size)


WEIGHT = Struct("sp_weights::weight_v2::Weight", [("ref_time", COMPACT_U64, "u64"),
                                                  ("proof_size", COMPACT_U64, "u64")], cls=Weight)
DISPATCH_CLASS = Enum("frame_support::dispatch::DispatchClass",
                      [Variant("Normal", 0), Variant("Operational", 1), Variant("Mandatory", 2)])
PAYS = Enum("frame_support::dispatch::Pays", [Variant("Yes", 0), Variant("No", 1)])
DISPATCH_INFO = Struct("frame_support::dispatch::DispatchInfo", [
    ("weight", WEIGHT, "Weight"), ("class", DISPATCH_CLASS, "DispatchClass"), ("pays_fee", PAYS, "Pays")])


def per_dispatch_class(t) -> Struct:
    return Struct("frame_support::dispatch::PerDispatchClass",
                  [("normal", t, "T"), ("operational", t, "T"), ("mandatory", t, "T")], params=[("T", t)])


@fast_init
@dataclass(frozen=True, slots=True)
class PerDispatchClass:
    """`frame_support::dispatch::PerDispatchClass<Weight>`: what a block has used of each dispatch class."""

    normal: Weight = Weight(0)
    operational: Weight = Weight(0)
    mandatory: Weight = Weight(0)

    def of(self, dispatch_class: str) -> Weight:
        """The weight of `dispatch_class` ("Normal", "Operational" or "Mandatory")."""
        return getattr(self, DISPATCH_CLASS_FIELD[dispatch_class])

    def accrue(self, dispatch_class: str, weight: Weight) -> "PerDispatchClass":
        """`PerDispatchClass::accrue`: `weight` added to `dispatch_class`'s (saturating at u64 in Substrate;
        a block's limits stop it far below that)."""
        normal, operational, mandatory = self.normal, self.operational, self.mandatory
        if dispatch_class == "Normal":
            normal = normal + weight
        elif dispatch_class == "Operational":
            operational = operational + weight
        elif dispatch_class == "Mandatory":
            mandatory = mandatory + weight
        else:
            raise ValueError(f"unknown dispatch class {dispatch_class!r}")
        return PerDispatchClass(normal, operational, mandatory)


# a DispatchClass variant -> its field in a PerDispatchClass (these weights, and the limits' dict values)
DISPATCH_CLASS_FIELD = {"Normal": "normal", "Operational": "operational", "Mandatory": "mandatory"}


class _PerClassWeightType(Struct):
    """`PerDispatchClass<Weight>` (six compact u64s) with a direct codec: `System.BlockWeight` is read and
    written by every extrinsic, and the generic struct codec took a tenth of a transfer's execution."""

    def encode(self, v: PerDispatchClass) -> bytes:
        return b"".join(encode_compact(w.ref_time) + encode_compact(w.proof_size)
                        for w in (v.normal, v.operational, v.mandatory))

    def decode_from(self, r: Reader) -> PerDispatchClass:
        c = r.compact
        return PerDispatchClass(Weight(c(), c()), Weight(c(), c()), Weight(c(), c()))


PER_CLASS_WEIGHT = _PerClassWeightType(
    "frame_support::dispatch::PerDispatchClass",
    [("normal", WEIGHT, "T"), ("operational", WEIGHT, "T"), ("mandatory", WEIGHT, "T")], params=[("T", WEIGHT)],
    cls=PerDispatchClass)


OPTION_WEIGHT = Option(WEIGHT)
WEIGHTS_PER_CLASS = Struct("frame_system::limits::WeightsPerClass", [
    ("base_extrinsic", WEIGHT, "Weight"), ("max_extrinsic", OPTION_WEIGHT, "Option<Weight>"),
    ("max_total", OPTION_WEIGHT, "Option<Weight>"), ("reserved", OPTION_WEIGHT, "Option<Weight>")])
BLOCK_WEIGHTS = Struct("frame_system::limits::BlockWeights", [
    ("base_block", WEIGHT, "Weight"), ("max_block", WEIGHT, "Weight"),
    ("per_class", per_dispatch_class(WEIGHTS_PER_CLASS), "PerDispatchClass<WeightsPerClass>")])
BLOCK_LENGTH = Struct("frame_system::limits::BlockLength",
                      [("max", per_dispatch_class(U32), "PerDispatchClass<u32>")])
RUNTIME_DB_WEIGHT = Struct("sp_weights::RuntimeDbWeight", [("read", U64, "u64"), ("write", U64, "u64")])
PERBILL = Struct("sp_arithmetic::per_things::Perbill", [(None, U32, "u32")])
FIXED_U128 = Struct("sp_arithmetic::fixed_point::FixedU128", [(None, U128, "u128")])

API_ID = Array(U8, 8)
RUNTIME_VERSION = Struct("sp_version::RuntimeVersion", [
    ("spec_name", STR, "RuntimeString"), ("impl_name", STR, "RuntimeString"),
    ("authoring_version", U32, "u32"), ("spec_version", U32, "u32"), ("impl_version", U32, "u32"),
    ("apis", Vec(Tuple(API_ID, U32)), "ApisVec"), ("transaction_version", U32, "u32"),
    ("state_version", U8, "u8")])

ACCOUNT_INDEX = U32
MULTI_ADDRESS = Enum("sp_runtime::multiaddress::MultiAddress", [
    Variant("Id", 0, ((None, ACCOUNT_ID, "AccountId"),)),
    Variant("Index", 1, ((None, Compact(ACCOUNT_INDEX), "AccountIndex"),)),
    Variant("Raw", 2, ((None, BYTES, "Vec<u8>"),)),
    Variant("Address32", 3, ((None, BYTES32, "[u8; 32]"),)),
    Variant("Address20", 4, ((None, Array(U8, 20), "[u8; 20]"),)),
], params=[("AccountId", ACCOUNT_ID), ("AccountIndex", ACCOUNT_INDEX)])

ECDSA_SIGNATURE = Struct("sp_core::ecdsa::Signature", [(None, Array(U8, 65), "[u8; SIGNATURE_SERIALIZED_SIZE]")])
MULTI_SIGNATURE = Enum("sp_runtime::MultiSignature", [
    Variant("Ed25519", 0, ((None, ED25519_SIGNATURE, "ed25519::Signature"),)),
    Variant("Sr25519", 1, ((None, SR25519_SIGNATURE, "sr25519::Signature"),)),
    Variant("Ecdsa", 2, ((None, ECDSA_SIGNATURE, "ecdsa::Signature"),)),
])

# Era: Immortal, then Mortal1..Mortal255 each carrying the second byte (Polkadot's description).
ERA = Enum("sp_runtime::generic::era::Era", [Variant("Immortal", 0)] + [
    Variant(f"Mortal{i}", i, ((None, U8, None),)) for i in range(1, 256)])

BABE_ID = Struct("sp_consensus_babe::app::Public", [(None, SR25519_PUBLIC, "sr25519::Public")])
GRANDPA_ID = Struct("sp_consensus_grandpa::app::Public", [(None, ED25519_PUBLIC, "ed25519::Public")])
SLOT = Struct("sp_consensus_slots::Slot", [(None, U64, "u64")])


PHASE = Enum("frame_system::Phase", [Variant("ApplyExtrinsic", 0, ((None, U32, "u32"),)),
                                     Variant("Finalization", 1), Variant("Initialization", 2)])


def event_record(runtime_event) -> Struct:
    """`frame_system::EventRecord<RuntimeEvent, H256>{phase, event, topics}`."""
    return Struct("frame_system::EventRecord",
                  [("phase", PHASE, "Phase"), ("event", runtime_event, "E"), ("topics", Vec(H256), "Vec<T>")],
                  params=[("E", runtime_event), ("T", H256)])


def weak_bounded_vec(t) -> Struct:
    return Struct("bounded_collections::weak_bounded_vec::WeakBoundedVec", [(None, Vec(t), "Vec<T>")],
                  params=[("T", t), ("S", None)])




class _OptionBool(Enum):
    """`Option<bool>`: parity-scale-codec's one-byte form (0 None, 1 Some(true), 2 Some(false)); metadata
    describes it as the generic `Option<bool>` variant type."""

    _BYTES = {None: b"\x00", True: b"\x01", False: b"\x02"}

    def __init__(self):
        super().__init__("Option", [Variant("None", 0), Variant("Some", 1, ((None, BOOL),))], params=[("T", BOOL)])

    def encode(self, value) -> bytes:
        try:
            return self._BYTES[value]
        except KeyError:
            raise ValueError(f"{value!r} is not an Option<bool>") from None

    def decode_from(self, r):
        tag = r.u8()
        if tag > 2:
            raise ScaleDecodeError(f"Option<bool>: invalid byte {tag}")
        return (None, True, False)[tag]


OPTION_BOOL = _OptionBool()
