"""The runtime API calls a token-parachain RPC serves through `state_call` (SPEC.md §3: no fees).

`call(state, method, data)` answers `Core_version`, `Metadata_metadata` (V14), `Metadata_metadata_at_version`
(14, 15), `Metadata_metadata_versions`, `AccountNonceApi_account_nonce`,
`TransactionPaymentApi_query_info` (partial fee 0), `TransactionPaymentApi_query_fee_details` (no inclusion fee)
and `TaggedTransactionQueue_validate_transaction`, with the relay runtime's encodings; an unknown method or
undecodable input is `RuntimeApiError`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

from relaychain.primitives.extrinsic import UncheckedExtrinsic
from relaychain.primitives.scale import Reader, ScaleDecodeError, encode_bytes, encode_u32, encode_u128
from relaychain.runtime.apis import encode_validity_error
from relaychain.runtime.errors import RuntimeApiError, TransactionValidityError
from relaychain.runtime.api_metadata import (
    FEE_DETAILS, OPAQUE_METADATA, RUNTIME_DISPATCH_INFO, TRANSACTION_SOURCE, TRANSACTION_VALIDITY,
)
from relaychain.runtime.frame_types import RUNTIME_VERSION, WEIGHT
from relaychain.runtime.metadata import RuntimeApi, RuntimeApiMethod, prefixed_metadata_v15, unchecked_extrinsic_type
from relaychain.primitives.scale_types import ACCOUNT_ID, H256, U32, Option, Vec

from . import system
from .executive import StateHost, decode_extrinsic, validate_transaction
from .runtime import RUNTIME, metadata_bytes, runtime_version_bytes

_XT = unchecked_extrinsic_type(RUNTIME)
_XT_LEN = (("uxt", _XT), ("len", U32))
RUNTIME_APIS = (
    RuntimeApi("Core", (RuntimeApiMethod("version", (), RUNTIME_VERSION, ("Returns the version of the runtime.",)),)),
    RuntimeApi("Metadata", (
        RuntimeApiMethod("metadata", (), OPAQUE_METADATA, ("Returns the metadata of a runtime.",)),
        RuntimeApiMethod("metadata_at_version", (("version", U32),), Option(OPAQUE_METADATA)),
        RuntimeApiMethod("metadata_versions", (), Vec(U32)))),
    RuntimeApi("TaggedTransactionQueue", (RuntimeApiMethod(
        "validate_transaction", (("source", TRANSACTION_SOURCE), ("tx", _XT), ("block_hash", H256)),
        TRANSACTION_VALIDITY),)),
    RuntimeApi("AccountNonceApi", (RuntimeApiMethod("account_nonce", (("account", ACCOUNT_ID),), U32),)),
    RuntimeApi("TransactionPaymentApi", (RuntimeApiMethod("query_info", _XT_LEN, RUNTIME_DISPATCH_INFO),
                                         RuntimeApiMethod("query_fee_details", _XT_LEN, FEE_DETAILS))),
)
"""The APIs `call` serves, as metadata V15 describes them."""


@lru_cache(maxsize=1)
def metadata_v15_bytes() -> bytes:
    """"meta" ‖ 0x0f ‖ RuntimeMetadataV15 of the token para (with its runtime APIs)."""
    return prefixed_metadata_v15(RUNTIME, RUNTIME_APIS)


def metadata_at_version(version: int):
    return {14: metadata_bytes, 15: metadata_v15_bytes}.get(version, lambda: None)()

_CLASS_INDEX = {"Normal": 0, "Operational": 1, "Mandatory": 2}


def account_nonce(state: Mapping[bytes, bytes], who: bytes) -> int:
    """`AccountNonceApi_account_nonce`: the account's next nonce (0 for an account that does not exist)."""
    return system.account(StateHost(state), bytes(who)).nonce


def _read_extrinsic(r: Reader) -> bytes:
    start = r.pos
    UncheckedExtrinsic.decode_from(r)
    return r.data[start:r.pos]


def query_info(xt: bytes) -> bytes:
    """`RuntimeDispatchInfo{weight, class, partial_fee: 0}` of an extrinsic."""
    _, call = decode_extrinsic(xt)
    return WEIGHT.encode(call.weight) + bytes((_CLASS_INDEX[call.definition.dispatch_class],)) + encode_u128(0)


def call(state: Mapping[bytes, bytes], method: str, data: bytes) -> bytes:
    r = Reader(bytes(data))
    try:
        if method == "Core_version":
            out = runtime_version_bytes()
        elif method == "Metadata_metadata":
            out = encode_bytes(metadata_bytes())
        elif method == "Metadata_metadata_at_version":
            found = metadata_at_version(r.u32())
            out = b"\x00" if found is None else b"\x01" + encode_bytes(found)
        elif method == "Metadata_metadata_versions":
            out = Vec(U32).encode([14, 15])
        elif method == "AccountNonceApi_account_nonce":
            out = encode_u32(account_nonce(state, r.read(32)))
        elif method == "TransactionPaymentApi_query_info":
            xt = _read_extrinsic(r)
            r.u32()
            out = query_info(xt)
        elif method == "TransactionPaymentApi_query_fee_details":
            _read_extrinsic(r)
            r.u32()
            out = b"\x00" + encode_u128(0)
        elif method == "TaggedTransactionQueue_validate_transaction":
            r.u8()  # TransactionSource: all sources alike
            xt = _read_extrinsic(r)
            block_hash = r.read(32)
            number = system.Number.get(StateHost(state))
            try:
                valid = validate_transaction(state, xt, block_number=number, block_hash=block_hash)
            except TransactionValidityError as e:
                out = b"\x01" + encode_validity_error(e)
            else:
                out = b"\x00" + valid.encode()
        else:
            raise RuntimeApiError(f"the token parachain runtime has no API method {method!r}")
        r.finish()
    except ScaleDecodeError as e:
        raise RuntimeApiError(f"{method}: undecodable input: {e}") from None
    except TransactionValidityError as e:  # query_info on bytes that are no call of this runtime
        raise RuntimeApiError(f"{method}: {e}") from None
    return out
