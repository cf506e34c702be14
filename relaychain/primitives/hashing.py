"""Hash functions and storage-key hashers as Substrate defines them.

Spec: ../shared/specs/rpc.md §9 (storage keys). `twox_*` are xxHash64 with seeds 0, 1, 2, …
concatenated little-endian; `blake2_*` are unkeyed BLAKE2b with the given digest size; `keccak_256` is
the original Keccak (sp-io `hashing::keccak_256`), not NIST SHA3-256.
"""

from __future__ import annotations

import hashlib

import xxhash
from Crypto.Hash import keccak as _keccak


def blake2_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def blake2_128(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def blake2_64(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=8).digest()


def keccak_256(data: bytes) -> bytes:
    """Keccak-256 with the original 0x01 padding (Ethereum's hash); hashlib's sha3_256 pads with 0x06."""
    return _keccak.new(digest_bits=256, data=data).digest()


def twox_64(data: bytes) -> bytes:
    return xxhash.xxh64_digest(data, seed=0)[::-1]


def twox_128(data: bytes) -> bytes:
    return twox_64(data) + xxhash.xxh64_digest(data, seed=1)[::-1]


def twox_256(data: bytes) -> bytes:
    return b"".join(xxhash.xxh64_digest(data, seed=s)[::-1] for s in range(4))


# Storage hashers (frame_support::StorageHasher), by their metadata names.

def blake2_128_concat(key: bytes) -> bytes:
    return blake2_128(key) + key


def twox64_concat(key: bytes) -> bytes:
    return twox_64(key) + key


def identity(key: bytes) -> bytes:
    return key


STORAGE_HASHERS = {
    "Blake2_128": blake2_128,
    "Blake2_256": blake2_256,
    "Blake2_128Concat": blake2_128_concat,
    "Twox128": twox_128,
    "Twox256": twox_256,
    "Twox64Concat": twox64_concat,
    "Identity": identity,
}


def storage_prefix(pallet: str, item: str) -> bytes:
    """`twox128(pallet) ‖ twox128(item)`: the key of a plain storage value and the prefix of a map."""
    return twox_128(pallet.encode()) + twox_128(item.encode())
