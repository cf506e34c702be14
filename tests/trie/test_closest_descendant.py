"""`closest_descendant_merkle_value` (chainHead_v1_storage / archive_v1_storage `closestDescendantMerkleValue`):
properties that pin it down without the code under test — the empty prefix names the root; a prefix no key
starts with has none; any change under the prefix changes it; a 32-byte value is a stored node's hash, a
shorter one an inline node's encoding."""

from hypothesis import given, settings
from hypothesis import strategies as st

from relaychain.primitives.hashing import blake2_256
from relaychain.trie import EMPTY_ROOT, MemoryNodeStore, TrieBackend, decode_node

from .test_backend import KEYS, VALUES

MODELS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=12)


def _build(model):
    backend = TrieBackend(MemoryNodeStore(), EMPTY_ROOT, 1)
    root, nodes = backend.apply(model)
    backend.store.put_nodes(nodes)
    return backend.with_root(root)


@settings(max_examples=120)
@given(MODELS, KEYS, KEYS, VALUES)
def test_merkle_value_tracks_the_subtree(model, prefix, other_key, new_value):
    backend = _build(model)
    assert backend.closest_descendant_merkle_value(b"") == backend.root
    under = sorted(k for k in model if k.startswith(prefix))
    mv = backend.closest_descendant_merkle_value(prefix)
    if not under:
        assert mv is None
        return
    assert mv is not None
    if len(mv) == 32:  # a hashed node: the stored node whose hash it is
        assert backend.store.get_node(mv) is not None and blake2_256(backend.store.get_node(mv)) == mv
    else:
        assert decode_node(mv) is not None  # an inline node is its own encoding
    changed = dict(model)
    changed[other_key] = new_value
    after = _build(changed).closest_descendant_merkle_value(prefix)
    if other_key.startswith(prefix) and model.get(other_key) != new_value:
        assert after != mv
