"""Erasure root and branches (spec: erasure.md "Erasure root and branches", trie.md §7).

The root is checked against a plain, independent LayoutV0 trie-root written below (for tries whose
keys all have the same length, as chunk indices do), not against the trie module it is built on."""

import hashlib
import random

import pytest

from relaychain.erasure import (
    BranchOutOfBounds, ErasureChunk, ErasureError, InvalidBranchProof, branch_hash, branches, chunk_key,
    erasure_root, obtain_chunks, verify_chunk,
)
from relaychain.trie import MemoryNodeStore, build_trie, read_proof


def blake2_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def compact(n: int) -> bytes:
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    return ((n << 2) | 2).to_bytes(4, "little")


def header(kind: int, nibbles: int) -> bytes:
    """kind 0b01 leaf, 0b10 branch without value; 6 bits of nibble count, then 255-continuation bytes."""
    first = min(nibbles, 63)
    out = bytes([(kind << 6) | first])
    if nibbles >= 63:
        rest = nibbles - 63
        while rest >= 255:
            out += b"\xff"
            rest -= 255
        out += bytes([rest])
    return out


def partial(nibbles: str) -> bytes:
    prefix = bytes([int(nibbles[0], 16)]) if len(nibbles) % 2 else b""
    return prefix + bytes.fromhex(nibbles[len(nibbles) % 2:])


def encode(items: list[tuple[str, bytes]]) -> bytes:
    """The node for sorted (nibble path, value) items that share no more than their common prefix."""
    if len(items) == 1:
        path, value = items[0]
        return header(0b01, len(path)) + partial(path) + compact(len(value)) + value
    common = items[0][0]
    for path, _ in items[1:]:
        while not path.startswith(common):
            common = common[:-1]
    bitmap, children = 0, b""
    for nibble in "0123456789abcdef":
        group = [(p[len(common) + 1:], v) for p, v in items if p[len(common)] == nibble]
        if group:
            bitmap |= 1 << int(nibble, 16)
            child = encode(group)
            ref = child if len(child) < 32 else blake2_256(child)
            children += compact(len(ref)) + ref
    return header(0b10, len(common)) + partial(common) + bitmap.to_bytes(2, "little") + children


def plain_erasure_root(chunks: list[bytes]) -> bytes:
    items = sorted((i.to_bytes(4, "little").hex(), blake2_256(c)) for i, c in enumerate(chunks))
    return blake2_256(encode(items))


@pytest.mark.parametrize("n", [2, 3, 10, 17, 100, 300, 1000])
def test_erasure_root_equals_a_plain_trie_root(n):
    chunks = obtain_chunks(n, random.Random(n).randbytes(997))
    tree = branches(chunks)
    assert tree.root == erasure_root(chunks) == plain_erasure_root(chunks)


@pytest.mark.parametrize("n", [2, 10, 300])
def test_every_branch_proves_its_chunk(n):
    chunks = obtain_chunks(n, b"availability" * 50)
    tree = branches(chunks)
    assert len(tree) == n
    for item in tree:
        assert item.chunk == chunks[item.index]
        assert item.proof[0] and blake2_256(item.proof[0]) == tree.root  # root node first
        assert branch_hash(tree.root, item.proof, item.index) == blake2_256(item.chunk)
        verify_chunk(tree.root, item)
        assert ErasureChunk.decode(item.encode()) == item


def test_a_corrupted_chunk_fails_its_branch_check():
    chunks = obtain_chunks(10, random.Random(7).randbytes(1000))
    tree = branches(chunks)
    item = tree.chunk(3)
    bad = bytearray(item.chunk)
    bad[7] ^= 0x01
    with pytest.raises(InvalidBranchProof):
        verify_chunk(tree.root, ErasureChunk(bytes(bad), 3, item.proof))
    with pytest.raises(InvalidBranchProof):  # right chunk, claimed at another index
        verify_chunk(tree.root, ErasureChunk(item.chunk, 4, tree.chunk(4).proof))
    with pytest.raises(InvalidBranchProof):  # another candidate's root
        verify_chunk(erasure_root(obtain_chunks(10, b"y" * 1000)), item)


def test_bad_branches_are_refused():
    chunks = obtain_chunks(100, b"z" * 4000)
    tree = branches(chunks)
    item = tree.chunk(42)
    assert len(item.proof) >= 2
    with pytest.raises(InvalidBranchProof):  # incomplete: the leaf's parent is missing
        branch_hash(tree.root, item.proof[:-1], 42)
    with pytest.raises(InvalidBranchProof):
        branch_hash(tree.root, [], 42)
    tampered = bytearray(item.proof[-1])
    tampered[-1] ^= 0xFF
    with pytest.raises(InvalidBranchProof):
        branch_hash(tree.root, list(item.proof[:-1]) + [bytes(tampered)], 42)


def test_a_proof_of_absence_is_out_of_bounds():
    chunks = obtain_chunks(10, b"w" * 100)
    root, nodes = build_trie({chunk_key(i): blake2_256(c) for i, c in enumerate(chunks)}, 0)
    absent = read_proof(MemoryNodeStore(nodes), root, [chunk_key(10)])
    with pytest.raises(BranchOutOfBounds):
        branch_hash(root, absent, 10)


def test_erasure_chunk_decoding_is_strict():
    item = branches(obtain_chunks(4, b"abc")).chunk(1)
    encoded = item.encode()
    with pytest.raises(ErasureError):
        ErasureChunk.decode(encoded + b"\x00")
    with pytest.raises(ErasureError):
        ErasureChunk.decode(encoded[:-1])
    with pytest.raises(InvalidBranchProof):
        ErasureChunk.decode(ErasureChunk(item.chunk, 1, ()).encode())
    with pytest.raises(InvalidBranchProof):
        ErasureChunk.decode(ErasureChunk(item.chunk, 1, (b"",)).encode())


def test_reconstruct_verified_accepts_good_chunks_and_refuses_a_bad_one():
    from relaychain.erasure import ErasureRootMismatch, data_matches_root, reconstruct_verified

    payload = random.Random(11).randbytes(3001)
    chunks = obtain_chunks(10, payload)
    root = erasure_root(chunks)
    out = reconstruct_verified(10, {i: chunks[i] for i in (0, 4, 7, 9)}, root)
    assert out[:len(payload)] == payload and data_matches_root(10, root, payload)
    bad = bytearray(chunks[7])
    bad[0] ^= 0x80
    with pytest.raises(ErasureRootMismatch):
        reconstruct_verified(10, {0: chunks[0], 4: chunks[4], 7: bytes(bad), 9: chunks[9]}, root)
