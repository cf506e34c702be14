"""Whole tries whose nodes have partial keys at the header boundaries (trie.md §2.1, §8): nibble counts
62, 63, 64, 317, 318 (and the 4/5-bit boundaries) under each header kind, built from scratch and
incrementally, against the plain reference root."""

import pytest

from relaychain.trie import EMPTY_ROOT, MemoryNodeStore, TrieBackend, build_trie

from .reference import header, pack, reference_root_for_version

COUNTS = [14, 15, 16, 30, 31, 32, 62, 63, 64, 317, 318]
SHORT, LONG = b"\x01", b"\x02" * 40  # LONG is hashed under V1, inline under V0


def _trie_with_partial(kind: str, count: int, value: bytes) -> tuple[dict, str]:
    """Entries in which one node of `kind` has a partial key of exactly `count` nibbles.
    Odd counts sit under slot 0 of a root branch (a sibling at slot f keeps that branch)."""
    x = ("0123456789abcdef" * 30)[:count]
    pre = "0" if count % 2 else ""
    hex_keys = {"leaf": [pre + x],
                "branch": [pre + x + "15", pre + x + "25"],
                "branch_value": [pre + x, pre + x + "15", pre + x + "25"]}[kind]
    if pre:
        hex_keys.append("f0")
    return {bytes.fromhex(k): value for k in hex_keys}, x


PREFIX_BITS = {  # (kind, hashed?) → header prefix bits
    ("leaf", False): "01", ("leaf", True): "001",
    ("branch", False): "10", ("branch", True): "10",
    ("branch_value", False): "11", ("branch_value", True): "0001",
}


@pytest.mark.parametrize("count", COUNTS)
@pytest.mark.parametrize("kind", ["leaf", "branch", "branch_value"])
@pytest.mark.parametrize("version, value", [(0, SHORT), (0, LONG), (1, SHORT), (1, LONG)])
def test_partial_key_boundaries(kind, count, version, value):
    entries, partial = _trie_with_partial(kind, count, value)
    expected_root = reference_root_for_version(entries, version)
    root, nodes = build_trie(entries, version)
    assert root == expected_root
    hashed = version == 1 and len(value) >= 33
    prefix = header(PREFIX_BITS[(kind, hashed)], count) + pack([int(c, 16) for c in partial])
    assert any(prefix in enc for enc in nodes.values())  # stored, or inlined in its parent
    incremental, _ = TrieBackend(MemoryNodeStore(), EMPTY_ROOT, version).apply(entries)
    assert incremental == expected_root
