"""The memory bounds of a node's caches, in one place, with the defaults Polkadot uses (issue #13 item 4).

Every in-memory structure that grows with the chain is either pruned on finality (or by depth) in its own
module, or is a cache bounded by one of these. A leaf module: anything may import it.
"""

# Shared trie node cache, in bytes (Substrate `--trie-cache-size`, 67108864 by default). One per process:
# a node hash names its content, so the nodes of a --dev network share it.
TRIE_CACHE_BYTES = 64 * 2**20

# Of which, nodes an update replaced (they belong to older states only), in a segment of their own: reads of the
# last few dozen states find them; older ones read from the database. Small, so an idle network's block-by-block
# stream of replaced nodes fills it within its first minute instead of filling the main segment over hours.
TRIE_CACHE_STALE_BYTES = 2**20

# The trie cache's main segment ages in generations of this many seconds: a node not read during a whole
# generation leaves when the next begins. Hot nodes are read every block and stay; the nodes of an abandoned fork
# or of a state read once go within two generations, where a 64 MiB LRU kept them until it was full (hours of an
# idle network's growth, issue #13).
TRIE_CACHE_GENERATION_SECONDS = 30.0

# Values read from the trie, by (state root, key) (Substrate's shared value cache, part of its trie cache): a root
# names a whole state, so an entry never goes stale. The pool validates every transaction at the best block
# and reads the same few keys each time (the genesis hash, the fee multiplier); the validators of a --dev
# network read the same state. Only values up to TRIE_VALUE_CACHE_MAX_VALUE bytes (accounts, hashes, counters),
# so ~300 bytes an entry.
TRIE_VALUE_CACHE_ENTRIES = 2048
TRIE_VALUE_CACHE_MAX_VALUE = 256

# System.Account storage keys remembered by account id (a transfer computes its signer's seven times).
# ~250 bytes an entry.
ACCOUNT_KEY_CACHE_SIZE = 4096

# Runtime-API results kept per API method, for that many blocks (polkadot `node/core/runtime-api/src/cache.rs`
# `DEFAULT_CACHE_CAP` is 128: 13 minutes of 6 s blocks): only unfinalized blocks (and the latest finalized) are
# asked about. 32 covers a finality lag of half a minute at 1 s blocks and fills within the first minute, as an
# idle node's memory must be flat after it (issue #13).
RUNTIME_API_CACHE_PER_METHOD = 32

# Results named by a session (its SessionInfo) kept: the sessions a dispute may still concern (polkadot
# `DISPUTE_WINDOW`, 6 sessions) plus the current and next. By session, not by count of results: a dev session
# is 10 blocks, so a count bound would fill for minutes (issue #13).
RUNTIME_API_SESSIONS_CACHED = 8

# Decoded headers a client keeps in memory (sc-client-db `CACHE_HEADERS` is 8; its header-metadata cache,
# `LRU_CACHE_SIZE` 5000, holds small records). Headers are read back from the database when missed. 32: the
# unfinalized chain and a little, filled within the first minute (256 took four at 1 s blocks, issue #13).
HEADER_CACHE_SIZE = 32

# Signatures already found valid, remembered so a transaction checked by the pool is not checked again when
# its block is executed (a pure function of signature, message and key: only positive answers are kept).
# Two blocks' worth of transfers at Polkadot-like sizes; ~250 bytes an entry.
VERIFIED_SIGNATURES_CACHE_SIZE = 16384

# Signed extrinsics already decoded (bytes -> the extrinsic and its call): a transaction is decoded when it reaches
# the pool (twice on the node it was submitted to: the RPC checks its format first), then by every block that
# executes it and by the pool's revalidations. Unsigned ones (inherents) are unique to their block and are not
# kept, so an idle node keeps none. One 8,000-transfer flood's worth.
DECODED_EXTRINSICS_CACHE_SIZE = 8192

# Gossip message ids a node remembers to drop repeats: at most this many (sc-network-gossip
# `KNOWN_MESSAGES_CACHE_SIZE`), each for this long after it was last seen: a busy node keeps the count bound,
# an idle one needs far fewer. A repeat arrives while a message spreads (well under a second) or when GRANDPA
# re-gossips a stuck round's votes (after a round duration, seconds). 30 s, half of libp2p gossipsub's
# `duplicate_cache_time`: with 60 s the caches of a --dev network (~2,300 ids each, eight of them) reached their
# steady state only in the second minute, ~2 MiB after the first minute (issue #13).
GOSSIP_SEEN_CACHE_SIZE = 8192
GOSSIP_SEEN_SECONDS = 30.0

# Transaction hashes remembered per peer as known to it: it sent them to us or we sent them to it, so they are not
# sent to it again (sc-network-transactions `MAX_KNOWN_TRANSACTIONS`, an LRU per peer).
MAX_KNOWN_TRANSACTIONS = 10240
