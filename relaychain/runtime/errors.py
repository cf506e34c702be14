"""Typed runtime errors (rpc.md §4): why a transaction or block is refused.

`InvalidTransaction.message` is exactly sp-runtime's `Display` text, which the RPC layer returns as the
`data` of error 1010. A malformed extrinsic is `InvalidTransaction` of kind "BadFormat" with `code` 1001
(author RPC "Extrinsic has invalid format").
"""

from __future__ import annotations

# sp_runtime::transaction_validity::InvalidTransaction variants -> Display text.
INVALID_TRANSACTION_MESSAGES = {
    "Call": "Transaction call is not expected",
    "Payment": "Inability to pay some fees (e.g. account balance too low)",
    "Future": "Transaction will be valid in the future",
    "Stale": "Transaction is outdated",
    "BadProof": "Transaction has a bad signature",
    "AncientBirthBlock": "Transaction has an ancient birth block",
    "ExhaustsResources": "Transaction would exhaust the block limits",
    "Custom": "InvalidTransaction custom error",
    "BadMandatory": "A call was labelled as mandatory, but resulted in an Error.",
    "MandatoryValidation": "Transaction dispatch is mandatory; transactions must not be validated.",
    "BadSigner": "Invalid signing address",
}

UNKNOWN_TRANSACTION_MESSAGES = {
    "CannotLookup": "Could not lookup information required to validate the transaction",
    "NoUnsignedValidator": "Could not find an unsigned validator for the unsigned transaction",
    "Custom": "UnknownTransaction custom error",
}


class RuntimeError_(Exception):
    """Base of the runtime's typed errors."""


class TransactionValidityError(RuntimeError_):
    """A transaction that cannot be included; applying it changed nothing."""

    code = 1010
    messages: dict = {}

    def __init__(self, kind: str, detail: str = ""):
        if kind not in self.messages:
            raise ValueError(f"unknown {type(self).__name__} kind {kind!r}")
        self.kind = kind
        self.detail = detail
        self.message = self.messages[kind]
        super().__init__(f"{self.message}{': ' + detail if detail else ''}")


class InvalidTransaction(TransactionValidityError):
    """`TransactionValidityError::Invalid(InvalidTransaction::<kind>)`."""

    messages = dict(INVALID_TRANSACTION_MESSAGES, BadFormat="Extrinsic has invalid format")


class MalformedExtrinsic(InvalidTransaction):
    """Bytes that do not decode as an extrinsic of this runtime (author RPC error 1001)."""

    code = 1001

    def __init__(self, detail: str):
        super().__init__("BadFormat", detail)


class UnknownTransaction(TransactionValidityError):
    """`TransactionValidityError::Unknown(UnknownTransaction::<kind>)` (RPC code 1011)."""

    code = 1011
    messages = UNKNOWN_TRANSACTION_MESSAGES


class InvalidBlock(RuntimeError_):
    """A block that does not execute to the header it claims (roots, digest, inherents, invalid extrinsic)."""


class StateRootMismatch(InvalidBlock):
    """Executing the block gave another state root than its header's."""


class RuntimeApiError(RuntimeError_):
    """A `state_call` that names no known method or whose input does not decode."""
