"""Runtime APIs for the node and `state_call` (rpc.md §5, contracts C4).

Every advertised API (`constants.RUNTIME_APIS`) is served by `call(host, method, data)`; its SCALE input
and output follow Substrate's `sp_api` declarations so clients decode results with their built-in types.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from relaychain.primitives.extrinsic import UncheckedExtrinsic
from relaychain.primitives.hashing import blake2_64
from relaychain.primitives.scale import (
    Reader, ScaleDecodeError, encode_bytes, encode_compact, encode_u32, encode_u64, encode_u128,
)
from relaychain.runtime import constants as C
from relaychain.runtime.errors import InvalidTransaction, RuntimeApiError, TransactionValidityError
from relaychain.runtime.executive import decode_extrinsic, validate_transaction
from relaychain.runtime import parachain_host
from relaychain.runtime.frame_types import RUNTIME_VERSION, WEIGHT
from relaychain.runtime.pallets import babe, grandpa, system
from relaychain.runtime.pallets import transaction_payment as tp
from relaychain.runtime.runtime import metadata_bytes

SUPPORTED_METADATA_VERSIONS = (14, 15)


@dataclass(frozen=True)
class RuntimeVersion:
    spec_name: str
    impl_name: str
    authoring_version: int
    spec_version: int
    impl_version: int
    apis: tuple  # ((8-byte id, version), ...)
    transaction_version: int
    state_version: int

    def encode(self) -> bytes:
        return RUNTIME_VERSION.encode(self.__dict__ | {"apis": list(self.apis)})

    def to_json(self) -> dict:
        return {"specName": self.spec_name, "implName": self.impl_name, "authoringVersion": self.authoring_version,
                "specVersion": self.spec_version, "implVersion": self.impl_version,
                "apis": [["0x" + i.hex(), v] for i, v in self.apis],
                "transactionVersion": self.transaction_version, "stateVersion": self.state_version}


def runtime_version() -> RuntimeVersion:
    return RuntimeVersion(C.SPEC_NAME, C.IMPL_NAME, C.AUTHORING_VERSION, C.SPEC_VERSION, C.IMPL_VERSION,
                          tuple((blake2_64(n.encode()), v) for n, v in C.RUNTIME_APIS),
                          C.TRANSACTION_VERSION, C.STATE_VERSION)


def metadata() -> bytes:
    """`state_getMetadata` bytes: "meta" ‖ 0x0e ‖ V14."""
    return metadata_bytes()


@lru_cache(maxsize=1)
def metadata_v15() -> bytes:
    """"meta" ‖ 0x0f ‖ V15: the same types plus the runtime APIs and outer enums."""
    from relaychain.runtime.api_metadata import RUNTIME_APIS
    from relaychain.runtime.metadata import prefixed_metadata_v15
    from relaychain.runtime.runtime import RUNTIME
    return prefixed_metadata_v15(RUNTIME, RUNTIME_APIS)


def metadata_at_version(version: int):
    """The prefixed metadata of `version`, or None if not served."""
    return {14: metadata, 15: metadata_v15}.get(version, lambda: None)()


# -- typed helpers for the node -------------------------------------------------------------------

def babe_authorities(host) -> list[tuple[bytes, int]]:
    return [(k, w) for k, w in babe.Authorities.get(host)]


def babe_next_authorities(host) -> list[tuple[bytes, int]]:
    return [(k, w) for k, w in babe.NextAuthorities.get(host)]


def babe_randomness(host) -> bytes:
    return babe.Randomness.get(host)


def babe_next_randomness(host) -> bytes:
    return babe.NextRandomness.get(host)


def grandpa_authorities(host) -> list[tuple[bytes, int]]:
    return [(k, w) for k, w in grandpa.Authorities.get(host)]


def grandpa_set_id(host) -> int:
    return grandpa.CurrentSetId.get(host)


def account_nonce(host, account_id: bytes) -> int:
    return system.account(host, account_id).nonce


def free_balance(host, account_id: bytes) -> int:
    return system.account(host, account_id).data.free


@dataclass(frozen=True)
class EpochInfo:
    """`sp_consensus_babe::Epoch` as seen from a block's state (slot numbers, not times)."""

    epoch_index: int
    start_slot: int
    duration: int
    authorities: tuple
    randomness: bytes
    c: tuple
    allowed_slots: str

    def encode(self) -> bytes:
        return (encode_u64(self.epoch_index) + encode_u64(self.start_slot)
                + encode_u64(self.duration) + _encode_authorities(self.authorities) + self.randomness
                + encode_u64(self.c[0]) + encode_u64(self.c[1])
                + bytes((babe.ALLOWED_SLOTS.by_name[self.allowed_slots][0],)))


def _encode_authorities(auths) -> bytes:
    return encode_compact(len(auths)) + b"".join(k + encode_u64(w) for k, w in auths)


def _epoch_config(host) -> dict:
    return babe.EpochConfig.get(host) or babe.GENESIS_EPOCH_CONFIG


def current_epoch(host) -> EpochInfo:
    cfg = _epoch_config(host)
    return EpochInfo(babe.EpochIndex.get(host), babe.epoch_start_slot(host), babe.EPOCH_DURATION,
                     tuple(babe_authorities(host)), babe.Randomness.get(host), tuple(cfg["c"]), cfg["allowed_slots"])


def next_epoch(host) -> EpochInfo:
    cfg = babe.NextEpochConfig.get(host) or _epoch_config(host)
    cur = current_epoch(host)
    return EpochInfo(cur.epoch_index + 1, cur.start_slot + cur.duration, cur.duration,
                     tuple(babe_next_authorities(host)), babe.NextRandomness.get(host), tuple(cfg["c"]),
                     cfg["allowed_slots"])


def slot_duration_ms(host=None) -> int:
    """The slot duration (ms): the chain spec's, stored at genesis, else the runtime default."""
    return C.SLOT_DURATION_MS if host is None else babe.slot_duration_ms(host)


def babe_epoch_index(host) -> int:
    return babe.EpochIndex.get(host)


def epoch_duration_slots() -> int:
    return C.EPOCH_DURATION_IN_SLOTS


def current_slot(host) -> int:
    return babe.CurrentSlot.get(host)


def genesis_slot(host) -> int:
    return babe.GenesisSlot.get(host)


# -- state_call ------------------------------------------------------------------------------------

def _core_version(host, r: Reader) -> bytes:
    return runtime_version().encode()


def _metadata(host, r: Reader) -> bytes:
    return encode_bytes(metadata())


def _metadata_versions(host, r: Reader) -> bytes:
    return encode_compact(len(SUPPORTED_METADATA_VERSIONS)) + b"".join(
        encode_u32(v) for v in SUPPORTED_METADATA_VERSIONS)


def _metadata_at_version(host, r: Reader) -> bytes:
    m = metadata_at_version(r.u32())
    return b"\x00" if m is None else b"\x01" + encode_bytes(m)


def _account_nonce(host, r: Reader) -> bytes:
    return encode_u32(account_nonce(host, r.read(32)))


def _read_extrinsic(r: Reader) -> bytes:
    """An encoded extrinsic (with its length prefix) at the reader's position."""
    start = r.pos
    UncheckedExtrinsic.decode_from(r)
    return r.data[start:r.pos]


def _fee_inputs(host, r: Reader):
    xt = _read_extrinsic(r)
    length = r.u32()
    try:
        uxt, call = decode_extrinsic(xt)
    except InvalidTransaction as e:
        raise RuntimeApiError(f"extrinsic does not decode: {e}") from None
    return uxt, call, length


def _query_info(host, r: Reader) -> bytes:
    uxt, call, length = _fee_inputs(host, r)
    d = call.definition
    fee = 0 if uxt.signature is None else tp.compute_fee_details(host, length, call.weight, 0, d.pays_fee).final_fee
    cls = {"Normal": 0, "Operational": 1, "Mandatory": 2}[d.dispatch_class]
    return WEIGHT.encode(call.weight) + bytes((cls,)) + encode_u128(fee)


def _query_fee_details(host, r: Reader) -> bytes:
    uxt, call, length = _fee_inputs(host, r)
    if uxt.signature is None:
        return b"\x00" + bytes(16)
    d = tp.compute_fee_details(host, length, call.weight, uxt.signature.tip, call.definition.pays_fee)
    if not d.pays:
        return b"\x00" + encode_u128(d.tip)
    return (b"\x01" + encode_u128(d.base_fee) + encode_u128(d.len_fee)
            + encode_u128(d.adjusted_weight_fee) + encode_u128(d.tip))


_INVALID_INDEX = {"Call": 0, "Payment": 1, "Future": 2, "Stale": 3, "BadProof": 4, "AncientBirthBlock": 5,
                  "ExhaustsResources": 6, "Custom": 7, "BadMandatory": 8, "MandatoryValidation": 9, "BadSigner": 10}
_UNKNOWN_INDEX = {"CannotLookup": 0, "NoUnsignedValidator": 1, "Custom": 2}


def encode_validity_error(e: TransactionValidityError) -> bytes:
    """`TransactionValidityError`: 0 Invalid(InvalidTransaction) | 1 Unknown(UnknownTransaction)."""
    if isinstance(e, InvalidTransaction):
        if e.kind == "BadFormat":  # no such variant: a transaction that does not decode is not a valid Call
            return b"\x00" + bytes((_INVALID_INDEX["Call"],))
        out = b"\x00" + bytes((_INVALID_INDEX[e.kind],))
    else:
        out = b"\x01" + bytes((_UNKNOWN_INDEX[e.kind],))
    return out + (b"\x00" if e.kind == "Custom" else b"")


def _validate_transaction(host, r: Reader) -> bytes:
    r.u8()  # TransactionSource: the runtime treats all sources alike
    xt = _read_extrinsic(r)
    block_hash = r.read(32)
    number = system.Number.get(host)
    try:
        valid = validate_transaction(host, xt, block_number=number,
                                     block_hash_of=lambda n: block_hash if n == number else None)
    except TransactionValidityError as e:
        return b"\x01" + encode_validity_error(e)
    return b"\x00" + valid.encode()


def _babe_configuration(host, r: Reader) -> bytes:
    cfg = _epoch_config(host)
    return (encode_u64(babe.slot_duration_ms(host)) + encode_u64(C.EPOCH_DURATION_IN_SLOTS)
            + encode_u64(cfg["c"][0]) + encode_u64(cfg["c"][1])
            + _encode_authorities(babe_authorities(host)) + babe.Randomness.get(host)
            + bytes((babe.ALLOWED_SLOTS.by_name[cfg["allowed_slots"]][0],)))


_CALLS = {
    "Core_version": _core_version,
    "Metadata_metadata": _metadata,
    "Metadata_metadata_versions": _metadata_versions,
    "Metadata_metadata_at_version": _metadata_at_version,
    "AccountNonceApi_account_nonce": _account_nonce,
    "TransactionPaymentApi_query_info": _query_info,
    "TransactionPaymentApi_query_fee_details": _query_fee_details,
    "TaggedTransactionQueue_validate_transaction": _validate_transaction,
    "BabeApi_configuration": _babe_configuration,
    "BabeApi_current_epoch_start": lambda host, r: encode_u64(babe.epoch_start_slot(host)),
    "BabeApi_current_epoch": lambda host, r: current_epoch(host).encode(),
    "BabeApi_next_epoch": lambda host, r: next_epoch(host).encode(),
    "GrandpaApi_grandpa_authorities": lambda host, r: _encode_authorities(grandpa_authorities(host)),
    "GrandpaApi_current_set_id": lambda host, r: encode_u64(grandpa_set_id(host)),
    **parachain_host.call_table(),
}


def methods() -> list[str]:
    return sorted(_CALLS)


def call(host, method: str, data: bytes) -> bytes:
    """`state_call`: run runtime API `method` with SCALE input `data` over `host`; SCALE output."""
    fn = _CALLS.get(method)
    if fn is None:
        raise RuntimeApiError(f"unknown runtime API method {method!r}")
    r = Reader(bytes(data))
    try:
        out = fn(host, r)
        r.finish()
    except (ScaleDecodeError, ValueError) as e:  # ValueError: well-formed SCALE of an invalid value
        raise RuntimeApiError(f"{method}: input does not decode: {e}") from None
    return out
