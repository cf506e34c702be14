"""`TrieBackend`: the state at one root, read from a NodeStore (contract C2).

Reads walk the trie from the root (trie.md §6.2 walk); `apply` computes the root after a set of
changes incrementally (update.py). Decoded nodes are memoised by hash in a shared bounded cache: a
hash names its content, so one cache serves every store and every root.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from sys import getsizeof
from time import monotonic
from typing import Callable, Iterator, Mapping, Optional

from relaychain.primitives.memory_bounds import (
    TRIE_CACHE_BYTES, TRIE_CACHE_GENERATION_SECONDS, TRIE_CACHE_STALE_BYTES, TRIE_VALUE_CACHE_ENTRIES,
    TRIE_VALUE_CACHE_MAX_VALUE)

from .codec import EMPTY_ROOT, HASH_LENGTH, Node, Value, decode_node
from .errors import MissingNodeError, TrieError
from .proof import read_proof
from .store import NodeStore
from .update import apply_changes


# a dict entry (hash, key and value pointers) with its index slot and resize headroom (~96), plus the
# (node, footprint) pair the entry holds (tuple 56, int 28) and the OrderedDict's link (~56)
_ENTRY_BYTES = 96 + 56 + 28 + 56


# Value nodes (a V1 value of 33 bytes or more, stored under its hash) share the node cache, as in Substrate's
# (`NodeOwned::Value`), under this prefix: 33-byte keys never meet a node's 32-byte hash, so a value whose
# bytes happen to encode a node is never returned as one.
_VALUE_NODE = b"v"


def node_footprint(node_hash: bytes, node: Node) -> int:
    """The bytes a cache entry holds: the key, the decoded node with its partial key, value and child
    references (Python object sizes, not the encoded length: a decoded branch takes ~2-3x its encoding),
    plus the cache entry itself. Shared singletons (None, the empty partial) are counted too: an over-estimate."""
    if isinstance(node, bytes):  # a value node
        return _ENTRY_BYTES + getsizeof(node_hash) + getsizeof(node)
    size = _ENTRY_BYTES + getsizeof(node_hash) + getsizeof(node) + getsizeof(node.partial)
    value = node.value
    if value is not None:
        size += getsizeof(value) + getsizeof(value.data)
    children = node.children
    if children is not None:
        size += getsizeof(children) + sum(getsizeof(c) for c in children if c is not None)
    return size


class NodeCache:
    """Hash → decoded Node memo bounded by bytes (`node_footprint`), as Substrate bounds its shared trie
    cache by size (`--trie-cache-size`, 64 MiB by default). Least recently used entries are evicted first
    (an OrderedDict: O(1) to refresh on a hit and to evict), so the hot upper levels of the trie stay.

    Two rules keep an idle node's cache at its working set instead of filling the budget over hours (issue #13):
    - nodes an update replaces (`discard`) belong to older states only: they move to a small segment of their
      own, `stale_budget` bytes, LRU too, where a read of a recent older state (a subsystem asking about the
      parent block, another node importing the same block) still finds them without reloading them;
    - the main segment ages in generations of `generation_seconds`: a node not read during a whole generation
      leaves when the next one begins (the nodes of abandoned forks, of states read once), so what a minute's
      reads no longer touch is gone within two generations. A node read again is young again.
    Thread-safe: blocks are executed off the event loop while the loop reads state (node/execution.py)."""

    __slots__ = ("budget", "used", "nodes", "older", "stale_budget", "stale_used", "stale",
                 "generation_seconds", "clock", "generation_started", "_lock")

    def __init__(self, budget_bytes: int = TRIE_CACHE_BYTES, stale_budget_bytes: Optional[int] = None,
                 generation_seconds: float = TRIE_CACHE_GENERATION_SECONDS, clock: Callable[[], float] = monotonic):
        if budget_bytes < 0:
            raise ValueError(f"a trie cache budget is a number of bytes >= 0, got {budget_bytes}")
        if stale_budget_bytes is None:
            stale_budget_bytes = min(TRIE_CACHE_STALE_BYTES, budget_bytes)
        if stale_budget_bytes < 0:
            raise ValueError(f"a stale-node budget is a number of bytes >= 0, got {stale_budget_bytes}")
        if not generation_seconds > 0:
            raise ValueError(f"a cache generation lasts a positive number of seconds, got {generation_seconds}")
        self.budget = budget_bytes
        self.used = 0  # bytes of `nodes` and `older`
        self.nodes: OrderedDict[bytes, tuple[Node, int]] = OrderedDict()  # hash -> (node, its footprint)
        self.older: OrderedDict[bytes, tuple[Node, int]] = OrderedDict()  # the previous generation, unread since
        self.stale_budget = stale_budget_bytes
        self.stale_used = 0
        self.stale: OrderedDict[bytes, tuple[Node, int]] = OrderedDict()  # replaced nodes, same shape
        self.generation_seconds = generation_seconds
        self.clock = clock
        self.generation_started = clock()
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.nodes) + len(self.older) + len(self.stale)

    def get(self, node_hash: bytes) -> Optional[Node]:
        # A hit in the current generation (the common case: every read walks the hot upper levels) takes no lock:
        # a lookup and a refresh are each one atomic step of the dict, and a hash names its content, so a
        # generation swapped meanwhile only means the refresh missed.
        nodes = self.nodes
        entry = nodes.get(node_hash)
        if entry is not None:
            try:
                nodes.move_to_end(node_hash)
            except KeyError:  # evicted meanwhile: the node is still the one named by the hash
                pass
            return entry[0]
        with self._lock:
            return self._get(node_hash)

    def _get(self, node_hash: bytes) -> Optional[Node]:
        entry = self.nodes.get(node_hash)
        if entry is not None:
            self.nodes.move_to_end(node_hash)
            return entry[0]
        entry = self.older.pop(node_hash, None)
        if entry is not None:  # read again: young again
            self.nodes[node_hash] = entry
            return entry[0]
        entry = self.stale.get(node_hash)
        if entry is not None:  # an older state's node stays in the stale segment however often it is read
            self.stale.move_to_end(node_hash)
            return entry[0]
        return None

    def put(self, node_hash: bytes, node: Node) -> None:
        with self._lock:
            self._put(node_hash, node)

    def _put(self, key: bytes, entry) -> None:
        if self._get(key) is not None:
            return  # a hash names its content: the held entry is the same
        self._age()
        size = node_footprint(key, entry)
        if size > self.budget:
            return
        self.used += size
        while self.used > self.budget:
            self.used -= (self.older or self.nodes).popitem(last=False)[1][1]
        self.nodes[key] = (entry, size)

    def get_value_node(self, value_hash: bytes) -> Optional[bytes]:
        """The bytes of the value node stored under `value_hash`, if held."""
        with self._lock:
            return self._get(_VALUE_NODE + value_hash)

    def put_value_node(self, value_hash: bytes, data: bytes) -> None:
        with self._lock:
            self._put(_VALUE_NODE + value_hash, data)

    def put_created(self, nodes, value_nodes) -> None:
        """Nodes (hash, Node) and value nodes (hash, bytes) an update has just created: the new state's, read
        by the next block and by the pool at the new best block, which would otherwise load each one back
        from the database it was written to (Substrate's trie cache likewise keeps what a block wrote)."""
        with self._lock:
            for node_hash, node in nodes:
                self._put(node_hash, node)
            for value_hash, data in value_nodes:
                self._put(_VALUE_NODE + value_hash, data)

    def _age(self) -> None:
        """Begin a new generation if the current one has lasted `generation_seconds`: the previous generation's
        nodes, not read since it ended, leave. Called by `put`, on every miss (a miss costs a database read
        anyway)."""
        now = self.clock()
        if now - self.generation_started < self.generation_seconds:
            return
        self.used -= sum(size for _, size in self.older.values())
        self.older = self.nodes
        self.nodes = OrderedDict()
        self.generation_started = now

    def discard(self, hashes) -> None:
        """The nodes named by `hashes` were replaced by an update: those held leave the main segment for the
        stale one (the least recently used stale nodes go to make room)."""
        with self._lock:
            self._discard(hashes)

    def _discard(self, hashes) -> None:
        nodes, older, stale = self.nodes, self.older, self.stale
        for node_hash in hashes:
            entry = nodes.pop(node_hash, None) or older.pop(node_hash, None)
            if entry is None:
                if node_hash in stale:
                    stale.move_to_end(node_hash)
                continue
            self.used -= entry[1]
            if entry[1] > self.stale_budget:
                continue
            stale[node_hash] = entry
            self.stale_used += entry[1]
            while self.stale_used > self.stale_budget:
                self.stale_used -= stale.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self.nodes.clear()
            self.older.clear()
            self.used = 0
            self.stale.clear()
            self.stale_used = 0


SHARED_NODE_CACHE = NodeCache()

_MISS = object()


class ValueCache:
    """(state root, key) → value memo, least recently used evicted first, as Substrate's shared value cache:
    a root names a whole state, so an entry is never stale. Absent keys (None) are remembered too; values longer
    than `max_value` bytes are not (a block's events, the runtime code: large and read rarely). Thread-safe."""

    __slots__ = ("capacity", "max_value", "_entries", "_lock")
    MISS = _MISS  # what `get` returns for a (root, key) not remembered (None is a remembered absence)

    def __init__(self, capacity: int = TRIE_VALUE_CACHE_ENTRIES, max_value: int = TRIE_VALUE_CACHE_MAX_VALUE):
        if capacity < 0 or max_value < 0:
            raise ValueError("a value cache's capacity and largest value are numbers >= 0")
        self.capacity = capacity
        self.max_value = max_value
        self._entries: OrderedDict[tuple[bytes, bytes], Optional[bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, root: bytes, key: bytes):
        """The value remembered for `key` in the state `root`, or `ValueCache.MISS`."""
        with self._lock:
            value = self._entries.get((root, key), _MISS)
            if value is not _MISS:
                self._entries.move_to_end((root, key))
            return value

    def put(self, root: bytes, key: bytes, value: Optional[bytes]) -> None:
        if value is not None and len(value) > self.max_value:
            return
        with self._lock:
            self._entries[(root, key)] = value
            self._entries.move_to_end((root, key))
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


SHARED_VALUE_CACHE = ValueCache()


class TrieBackend:
    """Read access to the trie under `root`, plus pure incremental root updates."""

    __slots__ = ("store", "root", "state_version", "cache", "values")

    def __init__(self, store: NodeStore, root: bytes, state_version: int = 1, cache: Optional[NodeCache] = None,
                 values: Optional[ValueCache] = None):
        if len(root) != HASH_LENGTH:
            raise TrieError(f"a state root is 32 bytes, got {len(root)}")
        if state_version not in (0, 1):
            raise TrieError(f"unknown state version {state_version!r}; expected 0 or 1")
        self.store = store
        self.root = bytes(root)
        self.state_version = state_version
        self.cache = SHARED_NODE_CACHE if cache is None else cache
        self.values = SHARED_VALUE_CACHE if values is None else values

    # -- node access -------------------------------------------------------------------------------

    def load(self, node_hash: bytes, context: str = "") -> Optional[Node]:
        """The node stored under `node_hash` (None for the empty trie); MissingNodeError if absent."""
        node = self.cache.get(node_hash)
        if node is not None:
            return node
        encoded = self.store.get_node(node_hash)
        if encoded is None:
            if node_hash == EMPTY_ROOT:
                return None
            raise MissingNodeError(node_hash, context)
        node = decode_node(encoded)
        if node is not None:
            self.cache.put(node_hash, node)
        return node

    def resolve(self, ref: bytes) -> Node:
        """Follow a child reference: a 32-byte hash is looked up, a shorter one is the inline node itself."""
        if len(ref) == HASH_LENGTH:
            node = self.load(ref, "following a child reference")
        else:
            node = decode_node(ref)
        if node is None:
            raise TrieError("a child reference points at the empty node")
        return node

    def root_node(self) -> Optional[Node]:
        if self.root == EMPTY_ROOT:
            return None
        return self.load(self.root, "loading the root")

    def value_of(self, value: Optional[Value]) -> Optional[bytes]:
        """The bytes of a node value: inline, or fetched from its V1 value node."""
        if value is None:
            return None
        if not value.hashed:
            return value.data
        data = self.cache.get_value_node(value.data)
        if data is not None:
            return data
        data = self.store.get_node(value.data)
        if data is None:
            raise MissingNodeError(value.data, "reading a hashed value")
        self.cache.put_value_node(value.data, data)
        return data

    # -- reads -------------------------------------------------------------------------------------

    def get(self, key: bytes) -> Optional[bytes]:
        """The value at `key`, or None when the key is absent."""
        key = bytes(key)
        value = self.values.get(self.root, key)
        if value is _MISS:
            value = self._walk_to(key)
            self.values.put(self.root, key, value)
        return value

    def _walk_to(self, key: bytes) -> Optional[bytes]:
        """The value at `key` read from the nodes (trie.md §6.2), past the value cache."""
        path = key.hex()
        node = self.root_node()
        pos = 0
        while node is not None:
            partial = node.partial
            if not path.startswith(partial, pos):
                return None
            pos += len(partial)
            if pos == len(path):
                return self.value_of(node.value)
            if node.children is None:
                return None
            ref = node.children[int(path[pos], 16)]
            if ref is None:
                return None
            pos += 1
            node = self.resolve(ref)
        return None

    def contains(self, key: bytes) -> bool:
        return self.get(key) is not None

    def _walk(self, node: Node, path: str, lower: Optional[str], inclusive: bool) -> Iterator[tuple[str, Value]]:
        """(nibble path, value) of every key under `node` that is ≥ lower (> lower if not inclusive),
        in ascending order. `path` is the nibble path leading to `node`'s partial key."""
        full = path + node.partial
        n = len(full)
        if lower is not None:
            bound = lower[:n]
            if full < bound:
                return
            if full > bound:
                lower = None
        if node.value is not None and (lower is None or (len(lower) == n and inclusive)):
            yield full, node.value
        if node.children is None:
            return
        first = 0
        if lower is not None:
            if len(lower) == n:
                lower = None
            else:
                first = int(lower[n], 16)
        children = node.children
        for i in range(first, 16):
            ref = children[i]
            if ref is not None:
                yield from self._walk(self.resolve(ref), full + "0123456789abcdef"[i],
                                      lower if i == first else None, inclusive)

    def iter_from(self, start: bytes = b"", inclusive: bool = True) -> Iterator[tuple[bytes, bytes]]:
        """(key, value) pairs in key order, starting at `start` (or just after it)."""
        root = self.root_node()
        if root is None:
            return
        for path, value in self._walk(root, "", bytes(start).hex(), inclusive):
            yield bytes.fromhex(path), self.value_of(value)

    def next_key(self, key: bytes) -> Optional[bytes]:
        """The smallest key strictly greater than `key` (ext_storage_next_key), or None."""
        root = self.root_node()
        if root is None:
            return None
        for path, _ in self._walk(root, "", bytes(key).hex(), False):
            return bytes.fromhex(path)
        return None

    def keys(self, prefix: bytes = b"", start_after: Optional[bytes] = None,
             limit: Optional[int] = None) -> list[bytes]:
        """Sorted keys starting with `prefix`, strictly after `start_after` if given, at most `limit`."""
        root = self.root_node()
        if root is None or (limit is not None and limit <= 0):
            return []
        prefix_path = bytes(prefix).hex()
        lower, inclusive = prefix_path, True
        if start_after is not None and bytes(start_after) >= bytes(prefix):
            lower, inclusive = bytes(start_after).hex(), False
        out = []
        for path, _ in self._walk(root, "", lower, inclusive):
            if not path.startswith(prefix_path):
                break
            out.append(bytes.fromhex(path))
            if limit is not None and len(out) >= limit:
                break
        return out

    def items(self, prefix: bytes = b"") -> Iterator[tuple[bytes, bytes]]:
        """(key, value) for every key starting with `prefix`, in key order."""
        for key, value in self.iter_from(prefix):
            if not key.startswith(prefix):
                return
            yield key, value

    def closest_descendant_merkle_value(self, key: bytes) -> Optional[bytes]:
        """The Merkle value of the node at `key`, or else of the closest node below it (branch nodes
        included), or None when no key starts with `key`. A node's Merkle value is how its parent refers to
        it: its hash, or its encoding when that is under 32 bytes; the root's is the state root (Polkadot
        spec, "Merkle value"; chainHead_v1_storage `closestDescendantMerkleValue`)."""
        path = bytes(key).hex()
        node = self.root_node()
        if node is None:
            return None
        merkle_value, pos = self.root, 0
        while True:
            partial = node.partial
            # the node's full path is path[:pos] + partial: it lies under `key` once it covers the rest of it
            if partial.startswith(path[pos:]):
                return merkle_value
            if not path.startswith(partial, pos):
                return None
            pos += len(partial)
            if node.children is None:
                return None
            ref = node.children[int(path[pos], 16)]
            if ref is None:
                return None
            pos += 1
            merkle_value, node = ref, self.resolve(ref)

    # -- updates and proofs ------------------------------------------------------------------------

    def apply(self, changes: Mapping[bytes, Optional[bytes]]) -> tuple[bytes, dict[bytes, bytes]]:
        """(new_root, new_nodes) after setting (bytes) or deleting (None) each key in `changes`.

        Pure: the backend is not modified. Only the paths of changed keys are re-encoded; untouched
        nodes keep their encoding, so values not written here keep their V0/V1 form (trie.md §4)."""
        return apply_changes(self, changes)

    def read_proof(self, keys) -> list[bytes]:
        """The proof nodes for looking up `keys` (trie.md §6.1)."""
        return read_proof(self.store, self.root, keys)

    def with_root(self, root: bytes) -> "TrieBackend":
        return TrieBackend(self.store, root, self.state_version, self.cache)
