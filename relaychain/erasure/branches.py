"""The erasure root and each chunk's Merkle branch, and checking a received chunk against the root.

Spec: ../shared/specs/erasure.md "Erasure root and branches", trie.md §7; polkadot-sdk
`polkadot/erasure-coding` (`branches`, `branch_hash`). The tree is the Substrate trie of the
trie module (`LayoutV0<Blake2Hasher>`): key = SCALE u32 chunk index (4 bytes little-endian),
value = blake2-256(chunk); a branch is the encoded nodes on the key's lookup path, root first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale import Reader, ScaleDecodeError, encode_bytes, encode_compact, encode_u32
from relaychain.trie import MemoryNodeStore, TrieError, build_trie, lookup_path, trie_root, verify_read_proof

from relaychain.primitives.parachain_types import AvailableData
from .codec import obtain_chunks, obtain_chunks_v1, reconstruct
from .errors import BranchOutOfBounds, ChunkIndexOutOfBounds, ErasureError, ErasureRootMismatch, InvalidBranchProof

ERASURE_STATE_VERSION = 0  # LayoutV0: 32-byte values are always inline
MERKLE_PROOF_MAX_DEPTH = 8  # polkadot-node-primitives `Proof` bounds
MERKLE_NODE_MAX_SIZE = 65535


def chunk_key(index: int) -> bytes:
    """The trie key of chunk `index`: SCALE u32, not compact."""
    if not 0 <= index < 1 << 32:
        raise ChunkIndexOutOfBounds(index, 1 << 32)
    return encode_u32(index)


def _entries(chunks: Sequence[bytes]) -> dict[bytes, bytes]:
    return {chunk_key(i): blake2_256(chunk) for i, chunk in enumerate(chunks)}


def erasure_root(chunks: Sequence[bytes]) -> bytes:
    """The root committed in a candidate's `erasure_root`."""
    return trie_root(_entries(chunks), state_version=ERASURE_STATE_VERSION)


@dataclass(frozen=True)
class ErasureChunk:
    """A chunk as sent to its validator (`polkadot_node_primitives::ErasureChunk`)."""

    chunk: bytes
    index: int
    proof: tuple[bytes, ...]

    def encode(self) -> bytes:
        """SCALE: chunk Vec<u8> ‖ index u32 ‖ proof Vec<Vec<u8>>."""
        return (encode_bytes(self.chunk) + encode_u32(self.index) + encode_compact(len(self.proof))
                + b"".join(encode_bytes(node) for node in self.proof))

    @classmethod
    def decode(cls, data: bytes) -> "ErasureChunk":
        """Decode exactly `data`; raises ErasureError on bad SCALE or a proof outside `Proof`'s bounds."""
        try:
            r = Reader(data)
            chunk, index = r.bytes(), r.u32()
            proof = tuple(r.vec(Reader.bytes))
            r.finish()
        except ScaleDecodeError as e:
            raise ErasureError(f"not a SCALE ErasureChunk: {e}") from e
        if not 1 <= len(proof) <= MERKLE_PROOF_MAX_DEPTH:
            raise InvalidBranchProof(f"a branch has 1..{MERKLE_PROOF_MAX_DEPTH} nodes, this one {len(proof)}")
        if any(not 1 <= len(node) <= MERKLE_NODE_MAX_SIZE for node in proof):
            raise InvalidBranchProof(f"a branch node has 1..{MERKLE_NODE_MAX_SIZE} bytes")
        return cls(chunk, index, proof)


@dataclass(frozen=True)
class Branches:
    """The root of the chunk trie and, per chunk index, its branch."""

    root: bytes
    proofs: tuple[tuple[bytes, ...], ...]
    chunks: tuple[bytes, ...]

    def __len__(self) -> int:
        return len(self.chunks)

    def __iter__(self) -> Iterator[ErasureChunk]:
        return (self.chunk(i) for i in range(len(self.chunks)))

    def chunk(self, index: int) -> ErasureChunk:
        return ErasureChunk(self.chunks[index], index, self.proofs[index])


def branches(chunks: Sequence[bytes]) -> Branches:
    """Build the chunk trie once and read every chunk's branch from it."""
    root, nodes = build_trie(_entries(chunks), ERASURE_STATE_VERSION)
    store = MemoryNodeStore(nodes)
    proofs = tuple(tuple(lookup_path(store, root, chunk_key(i))) for i in range(len(chunks)))
    return Branches(root, proofs, tuple(bytes(c) for c in chunks))


def branch_hash(root: bytes, proof: Sequence[bytes], index: int) -> bytes:
    """The chunk hash the branch proves at `index` under `root`.

    Raises InvalidBranchProof if the proof is incomplete or malformed, BranchOutOfBounds if it proves
    that no chunk has this index."""
    key = chunk_key(index)
    try:
        value = verify_read_proof(root, proof, [key])[key]
    except TrieError as e:
        raise InvalidBranchProof(f"branch for chunk {index} does not check against the root: {e}") from e
    if value is None:
        raise BranchOutOfBounds(f"the branch proves there is no chunk {index} under this root")
    if len(value) != 32:
        raise InvalidBranchProof(f"the branch proves a {len(value)}-byte value, not a 32-byte chunk hash")
    return value


def verify_chunk(root: bytes, chunk: ErasureChunk) -> None:
    """Accept a received chunk only if its branch proves blake2-256(chunk) at its index; else raise."""
    proven = branch_hash(root, chunk.proof, chunk.index)
    if proven != blake2_256(chunk.chunk):
        raise InvalidBranchProof(f"chunk {chunk.index} does not hash to the value its branch proves")


def data_matches_root(n_validators: int, expected_root: bytes, data: AvailableData | bytes) -> bool:
    """Whether re-encoding `data` gives chunks with `expected_root` (availability-recovery's
    `reconstructed_data_matches_root`). Reconstructed padding is harmless: the encoder pads with
    the same zeros, so payload and payload‖zeros have the same chunks."""
    if isinstance(data, AvailableData):
        chunks = obtain_chunks_v1(n_validators, data)
    else:
        chunks = obtain_chunks(n_validators, data)
    return erasure_root(chunks) == expected_root


def reconstruct_verified(n_validators: int, chunks: Mapping[int, bytes], expected_root: bytes) -> bytes:
    """`reconstruct`, then refuse the result (ErasureRootMismatch) unless it re-encodes to `expected_root`."""
    data = reconstruct(n_validators, chunks)
    if not data_matches_root(n_validators, expected_root, data):
        raise ErasureRootMismatch(
            f"data recovered from chunks {sorted(chunks)[:8]}… does not re-encode to root 0x{expected_root.hex()}")
    return data
