"""Incremental root updates: apply a batch of sets/deletes to a stored trie (trie.md §1, §4).

The changed keys are sorted and pushed down the trie together; only nodes on their paths are decoded
and re-encoded, untouched subtrees keep their child references (hashes), so nothing below them is
re-hashed. The result is the canonical trie of the new key set (no extension nodes; a branch left with
one child and no value folds into that child; an emptied branch disappears), with these value forms
(trie-db `TrieDBMut` behaviour):
- a value written in this batch takes the form of the backend's state version (V1: hashed if ≥ 33 bytes);
- a value not written keeps the form it was stored with, even when its node is re-encoded.

The stored nodes an update replaces (`superseded`: on the changed paths, the root included) are dropped from
the backend's node cache: only states older than the new one still read them, so a cache that kept them
would fill with every block's dead paths (issue #13). A later read of an old state re-reads them from the
store. The nodes and value nodes it creates go into the cache: the new state's reads (the next block, the
pool at the new best) find them. Nothing but the cache is touched, so `apply_changes` stays pure in effect.
"""

from __future__ import annotations

from typing import Mapping, Optional, Union

from relaychain.primitives.hashing import blake2_256

from .codec import EMPTY_NODE, EMPTY_ROOT, HASH_LENGTH, NIBBLES, Node, Value, encode_node, value_for
from .errors import TrieError

# A child slot while a branch is being rebuilt: an existing reference, or a node not encoded yet.
Slot = Union[None, bytes, Node]


class _Update:
    __slots__ = ("backend", "keys", "values", "state_version", "new_nodes", "superseded", "created",
                 "created_values")

    def __init__(self, backend, keys: list[str], values: list[Optional[bytes]]):
        self.backend = backend
        self.keys = keys
        self.values = values
        self.state_version = backend.state_version
        self.new_nodes: dict[bytes, bytes] = {}
        self.superseded: list[bytes] = []  # hashes of stored nodes this update replaces
        self.created: list[tuple[bytes, Node]] = []  # (hash, node) of the hashed nodes this update makes
        self.created_values: list[tuple[bytes, bytes]] = []  # (hash, bytes) of its value nodes

    def written(self, data: bytes) -> Value:
        """The form of a value written now; a V1 value node is recorded for persisting."""
        value = value_for(data, self.state_version)
        if value.hashed:
            self.new_nodes[value.data] = data
            self.created_values.append((value.data, data))
        return value

    def reference(self, slot: Slot) -> Optional[bytes]:
        """The child reference for a slot, encoding (and, if ≥ 32 bytes, hashing and recording) new nodes."""
        if slot is None or isinstance(slot, bytes):
            return slot
        encoded = encode_node(slot)
        if len(encoded) < HASH_LENGTH:
            return encoded
        digest = blake2_256(encoded)
        self.new_nodes[digest] = encoded
        self.created.append((digest, slot))
        return digest

    def node_of(self, slot: Slot) -> Optional[Node]:
        if slot is None or isinstance(slot, Node):
            return slot
        return self.backend.resolve(slot)

    def update(self, node: Optional[Node], lo: int, hi: int, depth: int) -> tuple[Optional[Node], bool]:
        """Apply changes keys[lo:hi] (sharing their first `depth` nibbles) to the subtrie `node`
        starting at nibble `depth`; return (new subtrie, changed?)."""
        if node is None:
            return self.fresh(lo, hi, depth)
        keys, values = self.keys, self.values
        partial = node.partial
        # An insert diverging inside the partial key splits the node at the divergence point. Deletes
        # of keys that diverge are of absent keys: nothing to do.
        split = len(partial)
        for i in range(lo, hi) if split else ():  # an empty partial key cannot be split
            key = keys[i]
            if values[i] is not None and not key.startswith(partial, depth):
                common = 0
                limit = min(split, len(key) - depth)
                while common < limit and key[depth + common] == partial[common]:
                    common += 1
                split = common
        if split < len(partial):
            moved = Node(partial[split + 1:], node.value, node.children)
            slots: list[Slot] = [None] * 16
            slots[int(partial[split], 16)] = moved
            return self.branch(partial[:split], None, slots, lo, hi, depth, True, None)
        slots = list(node.children) if node.children is not None else [None] * 16
        return self.branch(partial, node.value, slots, lo, hi, depth, False, node)

    def fresh(self, lo: int, hi: int, depth: int) -> tuple[Optional[Node], bool]:
        """A new subtrie holding the inserts among keys[lo:hi] (deletes there are of absent keys)."""
        inserts = [i for i in range(lo, hi) if self.values[i] is not None]
        if not inserts:
            return None, False
        first = self.keys[inserts[0]]
        if len(inserts) == 1:
            return Node(first[depth:], self.written(self.values[inserts[0]])), True
        last = self.keys[inserts[-1]]
        end = depth
        limit = min(len(first), len(last))
        while end < limit and first[end] == last[end]:
            end += 1
        return self.branch(first[depth:end], None, [None] * 16, lo, hi, depth, True, None)

    def branch(self, partial: str, value: Optional[Value], slots: list[Slot], lo: int, hi: int, depth: int,
               changed: bool, original: Optional[Node]) -> tuple[Optional[Node], bool]:
        """Apply keys[lo:hi] to a node with this partial key, value and child slots, then normalise."""
        keys, values = self.keys, self.values
        end = depth + len(partial)
        i = lo
        while i < hi:
            key = keys[i]
            if not key.startswith(partial, depth):  # a delete of an absent key
                i += 1
                continue
            if len(key) == end:  # this node's own key
                data = values[i]
                if data is None:
                    if value is not None:
                        value, changed = None, True
                else:
                    new_value = self.written(data)
                    if new_value != value:
                        value, changed = new_value, True
                i += 1
                continue
            nibble = key[end]
            j = i + 1
            while j < hi and len(keys[j]) > end and keys[j][end] == nibble and keys[j].startswith(partial, depth):
                j += 1
            index = int(nibble, 16)
            old = slots[index]
            child, child_changed = self.update(self.node_of(old), i, j, end + 1)
            if child_changed:
                if isinstance(old, bytes) and len(old) == HASH_LENGTH:
                    self.superseded.append(old)
                slots[index] = child
                changed = True
            i = j
        if not changed:
            return original, False
        return self.normalise(partial, value, slots), True

    def normalise(self, partial: str, value: Optional[Value], slots: list[Slot]) -> Optional[Node]:
        """Canonical form: no node without content, a leaf when no children, and a value-less branch
        with a single child folded into that child (trie.md §8: no one-child branches without a value)."""
        used, index = 0, -1
        for i, slot in enumerate(slots):
            if slot is not None:
                used += 1
                index = i
        if not used:
            return None if value is None else Node(partial, value, None)
        if value is None and used == 1:
            only = slots[index]
            if isinstance(only, bytes) and len(only) == HASH_LENGTH:
                self.superseded.append(only)  # folded into its parent
            child = self.node_of(only)
            return Node(partial + NIBBLES[index] + child.partial, child.value, child.children)
        # the child references: kept ones as they are, new nodes encoded (`reference`)
        return Node(partial, value, tuple([s if s is None or s.__class__ is bytes else self.reference(s)
                                           for s in slots]))


def apply_changes(backend, changes: Mapping[bytes, Optional[bytes]]) -> tuple[bytes, dict[bytes, bytes]]:
    """(new_root, new_nodes) for `backend` after `changes` (see module docstring)."""
    pairs = []
    for key, value in changes.items():
        if not isinstance(key, (bytes, bytearray, memoryview)):
            raise TrieError(f"trie keys are bytes, got {type(key).__name__}: {key!r:.60}")
        if value is not None and not isinstance(value, (bytes, bytearray, memoryview)):
            raise TrieError(f"value for key 0x{bytes(key).hex()} must be bytes or None, got {type(value).__name__}")
        pairs.append((bytes(key).hex(), None if value is None else bytes(value)))
    if not pairs:
        return backend.root, {}
    pairs.sort(key=lambda kv: kv[0])
    work = _Update(backend, [k for k, _ in pairs], [v for _, v in pairs])
    root_node, changed = work.update(backend.root_node(), 0, len(pairs), 0)
    if not changed:
        return backend.root, work.new_nodes
    work.superseded.append(backend.root)
    backend.cache.discard(work.superseded)
    if root_node is None:
        work.new_nodes[EMPTY_ROOT] = EMPTY_NODE
        return EMPTY_ROOT, work.new_nodes
    encoded = encode_node(root_node)  # the root node is always hashed, even when short (§3)
    root = blake2_256(encoded)
    work.new_nodes[root] = encoded
    work.created.append((root, root_node))
    backend.cache.put_created(work.created, work.created_values)
    return root, work.new_nodes
