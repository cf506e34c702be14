"""Runtime parameters (the `parameter_types!` of a Substrate runtime). Integers only (no floats).

Values follow Rococo/Westend-style dev chains: 12 decimals, existential deposit of one cent,
fees calibrated so that the base extrinsic weight costs a tenth of a cent.
"""

from __future__ import annotations

SPEC_NAME = "relaychain"
IMPL_NAME = "relaychain-node"
AUTHORING_VERSION = 0
SPEC_VERSION = 1
IMPL_VERSION = 0
TRANSACTION_VERSION = 1
STATE_VERSION = 1  # LayoutV1: values of 33 bytes or more are hashed in the trie (trie.md §4)

SS58_PREFIX = 42
TOKEN_DECIMALS = 12

UNITS = 10 ** TOKEN_DECIMALS
CENTS = UNITS // 100
MILLICENTS = CENTS // 1000

EXISTENTIAL_DEPOSIT = CENTS
DEV_ENDOWMENT = 1 << 60  # what Substrate's dev presets give each endowed account

# Weights: ref_time in picoseconds (WEIGHT_REF_TIME_PER_SECOND = 10^12).
WEIGHT_REF_TIME_PER_SECOND = 10 ** 12
WEIGHT_REF_TIME_PER_MILLIS = 10 ** 9
BLOCK_EXECUTION_WEIGHT = 5_000_000_000  # fixed cost of an empty block
EXTRINSIC_BASE_WEIGHT = 125_000_000  # fixed cost of any extrinsic (signature check, nonce, fee)
# Polkadot's relay chain (polkadot/runtime/common/src/lib.rs `MAXIMUM_BLOCK_WEIGHT`): 2 s of ref_time and an
# unbounded proof_size (u64::MAX) — a relay block is not a PoV, so its execution time binds, not its proof.
MAXIMUM_BLOCK_REF_TIME = 2 * WEIGHT_REF_TIME_PER_SECOND
MAXIMUM_BLOCK_PROOF_SIZE = (1 << 64) - 1
NORMAL_DISPATCH_RATIO_PERCENT = 75
AVERAGE_ON_INITIALIZE_RATIO_PERCENT = 1  # room kept for on_initialize in each class's max_extrinsic
MAXIMUM_BLOCK_LENGTH = 5 * 1024 * 1024
DB_READ_WEIGHT = 25_000_000
DB_WRITE_WEIGHT = 100_000_000

BLOCK_HASH_COUNT = 4096

# Fees: fee = base_fee + len_fee + multiplier * weight_fee (transaction_payment.py).
TRANSACTION_BYTE_FEE = 10 * MILLICENTS
WEIGHT_FEE_NUMERATOR = CENTS // 10  # ... for EXTRINSIC_BASE_WEIGHT of ref_time
WEIGHT_FEE_DENOMINATOR = EXTRINSIC_BASE_WEIGHT
OPERATIONAL_FEE_MULTIPLIER = 5
FIXED_U128_ONE = 10 ** 18

# Time.
MILLISECS_PER_BLOCK = 6000
SLOT_DURATION_MS = MILLISECS_PER_BLOCK
MINIMUM_PERIOD_MS = SLOT_DURATION_MS // 2
EPOCH_DURATION_IN_SLOTS = 10  # dev: short epochs (Polkadot: 2400); a session is one epoch
BABE_C = (1, 4)  # probability of a primary slot per authority
MAX_AUTHORITIES = 100_000

# Runtime APIs served through `state_call` (apis.py), advertised in RuntimeVersion.apis as
# (blake2_64(trait name), version) (rpc.md §5). Advertise only what `apis.call` implements.
RUNTIME_APIS = (
    ("Core", 4),
    ("Metadata", 2),
    ("TaggedTransactionQueue", 3),
    ("BabeApi", 2),
    ("GrandpaApi", 3),
    ("AccountNonceApi", 1),
    ("TransactionPaymentApi", 4),
    ("ParachainHost", 11),
)
