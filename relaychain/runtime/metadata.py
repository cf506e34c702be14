"""RuntimeMetadata V14, generated from the pallet declarations (rpc.md §7).

Layout (frame-metadata v14): `"meta" ‖ 0x0e ‖ RuntimeMetadataV14{types: PortableRegistry,
pallets: Vec<PalletMetadata>, extrinsic: ExtrinsicMetadata, ty: runtime type}` where
`PalletMetadata{name, storage: Option<{prefix, entries}>, calls: Option<{ty}>, event: Option<{ty}>,
constants: Vec<{name, ty, value, docs}>, error: Option<{ty}>, index: u8}` and
`ExtrinsicMetadata{ty, version: u8, signed_extensions: Vec<{identifier, ty, additional_signed}>}`.

Clients key off type paths: scalecodec maps `sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic`
(its `Address`/`Signature` params), `*::RuntimeCall`, `*::RuntimeEvent`, `*::EventRecord`,
`sp_core::crypto::AccountId32`, `sp_runtime::multiaddress::MultiAddress` and `sp_runtime::generic::era::Era`
to its own classes, so those paths are spelled exactly as Substrate's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from relaychain.primitives.scale import encode_compact, encode_str
from relaychain.runtime.framework import Pallet, Runtime
from relaychain.runtime.frame_types import COMPACT_U32, COMPACT_U128, ERA, MULTI_ADDRESS, MULTI_SIGNATURE
from relaychain.primitives.scale_types import (
    BYTES, H256, U32, UNIT, Enum, Field, PortableRegistry, Struct, Tuple, Variant,
)

METADATA_MAGIC = b"meta"
V14 = 14
EXTRINSIC_VERSION = 4


def _ext(path: str, fields=()) -> Struct:
    return Struct(path, fields, params=[("T", None)])


# Signed extensions in Polkadot's order (contracts C1, rpc.md §8): (identifier, type, additional signed).
SIGNED_EXTENSIONS = (
    ("CheckNonZeroSender", _ext("frame_system::extensions::check_non_zero_sender::CheckNonZeroSender"), UNIT),
    ("CheckSpecVersion", _ext("frame_system::extensions::check_spec_version::CheckSpecVersion"), U32),
    ("CheckTxVersion", _ext("frame_system::extensions::check_tx_version::CheckTxVersion"), U32),
    ("CheckGenesis", _ext("frame_system::extensions::check_genesis::CheckGenesis"), H256),
    ("CheckMortality", _ext("frame_system::extensions::check_mortality::CheckMortality",
                            [(None, ERA, "Era")]), H256),
    ("CheckNonce", _ext("frame_system::extensions::check_nonce::CheckNonce",
                        [(None, COMPACT_U32, "T::Nonce")]), UNIT),
    ("CheckWeight", _ext("frame_system::extensions::check_weight::CheckWeight"), UNIT),
    ("ChargeTransactionPayment", _ext("pallet_transaction_payment::ChargeTransactionPayment",
                                      [(None, COMPACT_U128, "BalanceOf<T>")]), UNIT),
)


def unchecked_extrinsic_type(runtime: Runtime) -> Struct:
    """`UncheckedExtrinsic<Address, Call, Signature, Extra>`: opaque bytes, described by its params."""
    extra = Tuple(*(t for _, t, _ in SIGNED_EXTENSIONS))
    return Struct("sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic", [(None, BYTES, None)],
                  params=[("Address", MULTI_ADDRESS), ("Call", runtime.call_type),
                          ("Signature", MULTI_SIGNATURE), ("Extra", extra)])


def _option_ty(reg: PortableRegistry, t) -> bytes:
    return b"\x00" if t is None else b"\x01" + encode_compact(reg.id_of(t))


def _docs(docs) -> bytes:
    return encode_compact(len(docs)) + b"".join(encode_str(d) for d in docs)


def encode_pallet(p: Pallet, reg: PortableRegistry) -> bytes:
    out = encode_str(p.name)
    if p.storage:
        out += b"\x01" + encode_str(p.name) + encode_compact(len(p.storage))
        out += b"".join(item.metadata_entry(reg) for item in p.storage)
    else:
        out += b"\x00"
    out += _option_ty(reg, p.call_type)
    out += _option_ty(reg, p.event_type)
    out += encode_compact(len(p.constants))
    for c in p.constants:
        value = c.type.encode(c.value)
        out += encode_str(c.name) + encode_compact(reg.id_of(c.type)) + encode_compact(len(value)) + value
        out += _docs(c.docs)
    out += _option_ty(reg, p.error_type)
    return out + bytes((p.index,))


def runtime_metadata_v14(runtime: Runtime) -> bytes:
    """The body of RuntimeMetadataV14 (without the "meta" magic and version byte)."""
    reg = PortableRegistry()
    # Register the outer types first so that their ids are small and stable.
    reg.id_of(runtime.call_type)
    reg.id_of(runtime.event_type)
    pallets = encode_compact(len(runtime.pallets)) + b"".join(encode_pallet(p, reg) for p in runtime.pallets)
    xt_ty = reg.id_of(unchecked_extrinsic_type(runtime))
    extrinsic = encode_compact(xt_ty) + bytes((EXTRINSIC_VERSION,)) + encode_compact(len(SIGNED_EXTENSIONS))
    for ident, ty, add in SIGNED_EXTENSIONS:
        extrinsic += encode_str(ident) + encode_compact(reg.id_of(ty)) + encode_compact(reg.id_of(add))
    runtime_ty = encode_compact(reg.id_of(runtime.runtime_type))
    return reg.encode() + pallets + extrinsic + runtime_ty


def prefixed_metadata(runtime: Runtime) -> bytes:
    """`state_getMetadata` bytes: "meta" ‖ 0x0e ‖ V14."""
    return METADATA_MAGIC + bytes((V14,)) + runtime_metadata_v14(runtime)


# -- V15 (served through Metadata_metadata_at_version(15)) ---------------------------------------------
#
# RuntimeMetadataV15 {types, pallets: Vec<PalletMetadata + docs>, extrinsic: {version, address_ty, call_ty,
# signature_ty, extra_ty, signed_extensions}, ty, apis: Vec<{name, methods: Vec<{name, inputs: Vec<{name, ty}>,
# output, docs}>, docs}>, outer_enums: {call_enum_ty, event_enum_ty, error_enum_ty}, custom: {map}}.

V15 = 15


@dataclass(frozen=True)
class RuntimeApiMethod:
    name: str
    inputs: tuple  # ((name, ScaleType), ...)
    output: object  # ScaleType
    docs: tuple = ()


@dataclass(frozen=True)
class RuntimeApi:
    name: str
    methods: tuple
    docs: tuple = ()


def runtime_error_type(runtime: Runtime) -> Enum:
    """`RuntimeError`: DispatchError::Module's 5 bytes read as (pallet variant, pallet Error)."""
    return Enum(f"{runtime.crate}::RuntimeError", [
        Variant(p.name, p.index, (Field(None, p.error_type, f"{p.crate}::Error<Runtime>"),))
        for p in runtime.pallets if p.error_type is not None])


def runtime_metadata_v15(runtime: Runtime, apis: Sequence[RuntimeApi]) -> bytes:
    reg = PortableRegistry()
    reg.id_of(runtime.call_type)
    reg.id_of(runtime.event_type)
    pallets = encode_compact(len(runtime.pallets)) + b"".join(
        encode_pallet(p, reg) + _docs(()) for p in runtime.pallets)
    xt = unchecked_extrinsic_type(runtime)
    params = dict(xt.params)
    extrinsic = bytes((EXTRINSIC_VERSION,)) + b"".join(
        encode_compact(reg.id_of(params[n])) for n in ("Address", "Call", "Signature", "Extra"))
    extrinsic += encode_compact(len(SIGNED_EXTENSIONS))
    for ident, ty, add in SIGNED_EXTENSIONS:
        extrinsic += encode_str(ident) + encode_compact(reg.id_of(ty)) + encode_compact(reg.id_of(add))
    runtime_ty = encode_compact(reg.id_of(runtime.runtime_type))
    out_apis = encode_compact(len(apis))
    for api in apis:
        out_apis += encode_str(api.name) + encode_compact(len(api.methods))
        for m in api.methods:
            out_apis += encode_str(m.name) + encode_compact(len(m.inputs))
            out_apis += b"".join(encode_str(n) + encode_compact(reg.id_of(t)) for n, t in m.inputs)
            out_apis += encode_compact(reg.id_of(m.output)) + _docs(m.docs)
        out_apis += _docs(api.docs)
    outer = b"".join(encode_compact(reg.id_of(t)) for t in (runtime.call_type, runtime.event_type,
                                                             runtime_error_type(runtime)))
    custom = encode_compact(0)
    return reg.encode() + pallets + extrinsic + runtime_ty + out_apis + outer + custom


def prefixed_metadata_v15(runtime: Runtime, apis: Sequence[RuntimeApi]) -> bytes:
    return METADATA_MAGIC + bytes((V15,)) + runtime_metadata_v15(runtime, apis)
