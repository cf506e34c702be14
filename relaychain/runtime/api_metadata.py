"""The runtime APIs described for metadata V15: each served method's inputs and output as SCALE types.

Names and type paths follow Substrate's `sp_api` declarations (sp_api::Core, sp_api::Metadata,
sp_transaction_pool::runtime_api::TaggedTransactionQueue, sp_consensus_babe::BabeApi,
sp_consensus_grandpa::GrandpaApi, frame_system_rpc_runtime_api::AccountNonceApi,
pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi, polkadot_primitives' ParachainHost in
`parachain_host.py`). Only methods `apis.call` serves are listed;
`test_apis` decodes every served output with the type declared here.
"""

from __future__ import annotations

from relaychain.runtime.frame_types import (
    BABE_ID, DISPATCH_CLASS, GRANDPA_ID, RUNTIME_VERSION, SLOT, WEIGHT,
)
from relaychain.runtime.metadata import RuntimeApi, RuntimeApiMethod, unchecked_extrinsic_type
from relaychain.runtime.pallets.babe import ALLOWED_SLOTS, EPOCH_CONFIGURATION
from relaychain.runtime.parachain_host import RUNTIME_API as PARACHAIN_HOST
from relaychain.runtime.runtime import RUNTIME
from relaychain.primitives.scale_types import (
    ACCOUNT_ID, BOOL, BYTES, BYTES32, H256, U8, U32, U64, U128, Enum, Option, Struct, Tuple, Variant, Vec,
)


def _result(ok, err) -> Enum:
    return Enum("Result", [Variant("Ok", 0, ((None, ok),)), Variant("Err", 1, ((None, err),))],
                params=[("T", ok), ("E", err)])


UNCHECKED_EXTRINSIC = unchecked_extrinsic_type(RUNTIME)
OPAQUE_METADATA = Struct("sp_core::OpaqueMetadata", [(None, BYTES, "Vec<u8>")])
RUNTIME_DISPATCH_INFO = Struct("pallet_transaction_payment::types::RuntimeDispatchInfo", [
    ("weight", WEIGHT, "Weight"), ("class", DISPATCH_CLASS, "DispatchClass"), ("partial_fee", U128, "Balance")],
    params=[("Balance", U128), ("Weight", WEIGHT)])
INCLUSION_FEE = Struct("pallet_transaction_payment::types::InclusionFee", [
    ("base_fee", U128, "Balance"), ("len_fee", U128, "Balance"), ("adjusted_weight_fee", U128, "Balance")],
    params=[("Balance", U128)])
FEE_DETAILS = Struct("pallet_transaction_payment::types::FeeDetails", [
    ("inclusion_fee", Option(INCLUSION_FEE), "Option<InclusionFee<Balance>>"), ("tip", U128, "Balance")],
    params=[("Balance", U128)])
TRANSACTION_SOURCE = Enum("sp_runtime::transaction_validity::TransactionSource",
                          [Variant("InBlock", 0), Variant("Local", 1), Variant("External", 2)])
VALID_TRANSACTION = Struct("sp_runtime::transaction_validity::ValidTransaction", [
    ("priority", U64, "TransactionPriority"), ("requires", Vec(BYTES), "Vec<TransactionTag>"),
    ("provides", Vec(BYTES), "Vec<TransactionTag>"), ("longevity", U64, "TransactionLongevity"),
    ("propagate", BOOL, "bool")])
INVALID_TRANSACTION = Enum("sp_runtime::transaction_validity::InvalidTransaction", [
    Variant("Call", 0), Variant("Payment", 1), Variant("Future", 2), Variant("Stale", 3), Variant("BadProof", 4),
    Variant("AncientBirthBlock", 5), Variant("ExhaustsResources", 6), Variant("Custom", 7, ((None, U8, "u8"),)),
    Variant("BadMandatory", 8), Variant("MandatoryValidation", 9), Variant("BadSigner", 10)])
UNKNOWN_TRANSACTION = Enum("sp_runtime::transaction_validity::UnknownTransaction", [
    Variant("CannotLookup", 0), Variant("NoUnsignedValidator", 1), Variant("Custom", 2, ((None, U8, "u8"),))])
TRANSACTION_VALIDITY_ERROR = Enum("sp_runtime::transaction_validity::TransactionValidityError", [
    Variant("Invalid", 0, ((None, INVALID_TRANSACTION, "InvalidTransaction"),)),
    Variant("Unknown", 1, ((None, UNKNOWN_TRANSACTION, "UnknownTransaction"),))])
TRANSACTION_VALIDITY = _result(VALID_TRANSACTION, TRANSACTION_VALIDITY_ERROR)
BABE_AUTHORITIES = Vec(Tuple(BABE_ID, U64))
BABE_CONFIGURATION = Struct("sp_consensus_babe::BabeConfiguration", [
    ("slot_duration", U64, "u64"), ("epoch_length", U64, "u64"), ("c", Tuple(U64, U64), "(u64, u64)"),
    ("authorities", BABE_AUTHORITIES, "Vec<(AuthorityId, BabeAuthorityWeight)>"),
    ("randomness", BYTES32, "Randomness"), ("allowed_slots", ALLOWED_SLOTS, "AllowedSlots")])
EPOCH = Struct("sp_consensus_babe::Epoch", [
    ("epoch_index", U64, "u64"), ("start_slot", SLOT, "Slot"), ("duration", U64, "u64"),
    ("authorities", BABE_AUTHORITIES, "Vec<(AuthorityId, BabeAuthorityWeight)>"),
    ("randomness", BYTES32, "Randomness"), ("config", EPOCH_CONFIGURATION, "BabeEpochConfiguration")])
GRANDPA_AUTHORITIES = Vec(Tuple(GRANDPA_ID, U64))

_XT_LEN = (("uxt", UNCHECKED_EXTRINSIC), ("len", U32))

RUNTIME_APIS = (
    RuntimeApi("Core", (RuntimeApiMethod("version", (), RUNTIME_VERSION, ("Returns the version of the runtime.",)),),
               ("The `Core` runtime api that every Substrate runtime needs to implement.",)),
    RuntimeApi("Metadata", (
        RuntimeApiMethod("metadata", (), OPAQUE_METADATA, ("Returns the metadata of a runtime.",)),
        RuntimeApiMethod("metadata_at_version", (("version", U32),), Option(OPAQUE_METADATA),
                         ("Returns the metadata at a given version.",)),
        RuntimeApiMethod("metadata_versions", (), Vec(U32), ("Returns the supported metadata versions.",)),
    ), ("The `Metadata` api trait that returns metadata for the runtime.",)),
    RuntimeApi("TaggedTransactionQueue", (
        RuntimeApiMethod("validate_transaction", (("source", TRANSACTION_SOURCE), ("tx", UNCHECKED_EXTRINSIC),
                                                  ("block_hash", H256)), TRANSACTION_VALIDITY,
                         ("Validate the transaction.",)),
    ), ("The `TaggedTransactionQueue` api trait for interfering with the transaction queue.",)),
    RuntimeApi("BabeApi", (
        RuntimeApiMethod("configuration", (), BABE_CONFIGURATION, ("Return the configuration for BABE.",)),
        RuntimeApiMethod("current_epoch_start", (), SLOT, ("Returns the slot that started the current epoch.",)),
        RuntimeApiMethod("current_epoch", (), EPOCH, ("Returns information regarding the current epoch.",)),
        RuntimeApiMethod("next_epoch", (), EPOCH, ("Returns information regarding the next epoch.",)),
    ), ("API necessary for block authorship with BABE.",)),
    RuntimeApi("GrandpaApi", (
        RuntimeApiMethod("grandpa_authorities", (), GRANDPA_AUTHORITIES,
                         ("Get the current GRANDPA authorities and weights.",)),
        RuntimeApiMethod("current_set_id", (), U64, ("Get current GRANDPA authority set id.",)),
    ), ("APIs for integrating the GRANDPA finality gadget into runtimes.",)),
    RuntimeApi("AccountNonceApi", (
        RuntimeApiMethod("account_nonce", (("account", ACCOUNT_ID),), U32, ("Get current account nonce of given "
                                                                            "`AccountId`.",)),
    ), ("The API to query account nonce.",)),
    RuntimeApi("TransactionPaymentApi", (
        RuntimeApiMethod("query_info", _XT_LEN, RUNTIME_DISPATCH_INFO),
        RuntimeApiMethod("query_fee_details", _XT_LEN, FEE_DETAILS),
    )),
    PARACHAIN_HOST,
)
