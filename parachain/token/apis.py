"""The runtime API calls a token-parachain RPC serves through `state_call` (SPEC.md §3: no fees).

`call(state, method, data)` answers `Core_version`, `Metadata_metadata`, `AccountNonceApi_account_nonce`,
`TransactionPaymentApi_query_info` (partial fee 0), `TransactionPaymentApi_query_fee_details` (no inclusion fee)
and `TaggedTransactionQueue_validate_transaction`, with the relay runtime's encodings; an unknown method or
undecodable input is `RuntimeApiError`.
"""

from __future__ import annotations

from typing import Mapping

from relaychain.primitives.extrinsic import UncheckedExtrinsic
from relaychain.primitives.scale import Reader, ScaleDecodeError, encode_bytes, encode_u32, encode_u128
from relaychain.runtime.apis import encode_validity_error
from relaychain.runtime.errors import RuntimeApiError, TransactionValidityError
from relaychain.runtime.frame_types import WEIGHT

from . import system
from .executive import StateHost, decode_extrinsic, validate_transaction
from .runtime import metadata_bytes, runtime_version_bytes

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
