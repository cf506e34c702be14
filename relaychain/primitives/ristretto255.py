"""The ristretto255 group (RFC 9496) as schnorrkel uses it: 32-byte encodings, scalars mod the group order.

All arithmetic runs in libsodium's `crypto_core_ristretto255_*` / `crypto_scalarmult_ristretto255*` (constant
time), reached through `rbcl`, which bundles a libsodium build and wraps exactly these functions (PyNaCl binds
only the Edwards25519 ones). Points and scalars are bytes; callers decode anything received from outside
with `is_point` / `is_canonical_scalar` first, as schnorrkel's `from_bytes` does.

- `from_uniform_bytes(64 bytes)` is RFC 9496 §4.3.4 element derivation (dalek's
  `RistrettoPoint::from_uniform_bytes`): map each 32-byte half with Elligator and add.
- Scalar multiplications here accept the zero scalar and an identity result (the identity encodes as 32
  zero bytes): verification equations must be computed, not refused, whatever the proof says.
"""

from __future__ import annotations

import contextlib
import os
import sys

import rbcl

# rbcl writes its libsodium to a temporary file at import and leaves it behind; the library stays mapped
# once loaded, so remove the file rather than leave ~2.7 MB in the temp directory per process.
with contextlib.suppress(AttributeError, OSError, TypeError):
    os.unlink(sys.modules["rbcl._sodium"].lib_path)

L = 2**252 + 27742317777372353535851937790883648493  # order of the prime-order group
IDENTITY = bytes(32)
BASEPOINT = bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76")


def is_point(encoding: bytes) -> bool:
    """`encoding` is the canonical encoding of a group element (the identity included)."""
    return len(encoding) == 32 and bool(rbcl.crypto_core_ristretto255_is_valid_point(bytes(encoding)))


def is_canonical_scalar(encoding: bytes) -> bool:
    """`encoding` is a 32-byte little-endian integer below the group order (dalek `from_canonical_bytes`)."""
    return len(encoding) == 32 and int.from_bytes(encoding, "little") < L


def from_uniform_bytes(data: bytes) -> bytes:
    """The group element of 64 uniform bytes (hash-to-group)."""
    if len(data) != 64:
        raise ValueError(f"ristretto255 element derivation takes 64 bytes, got {len(data)}")
    return rbcl.crypto_core_ristretto255_from_hash(bytes(data))


def mul(scalar: bytes, point: bytes) -> bytes:
    """scalar · point (scalar below 2^255; a valid point)."""
    return rbcl.crypto_scalarmult_ristretto255_allow_scalar_zero(scalar, point)


def mul_base(scalar: bytes) -> bytes:
    """scalar · B, B the ristretto255 generator."""
    return rbcl.crypto_scalarmult_ristretto255_base_allow_scalar_zero(scalar)


def add(p: bytes, q: bytes) -> bytes:
    return rbcl.crypto_core_ristretto255_add(p, q)


def scalar_from_wide(data: bytes) -> bytes:
    """A 64-byte little-endian integer reduced mod L (dalek `Scalar::from_bytes_mod_order_wide`)."""
    if len(data) != 64:
        raise ValueError(f"wide scalar reduction takes 64 bytes, got {len(data)}")
    return rbcl.crypto_core_ristretto255_scalar_reduce(bytes(data))


def scalar_mul(a: bytes, b: bytes) -> bytes:
    return rbcl.crypto_core_ristretto255_scalar_mul(a, b)


def scalar_sub(a: bytes, b: bytes) -> bytes:
    return rbcl.crypto_core_ristretto255_scalar_sub(a, b)
