"""ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381): a standard VRF over Edwards25519, kept as a tested primitive.

Spec: RFC 9381 §5 (prove, proof_to_hash, verify), §5.4.1.1 (try-and-increment encode_to_curve),
§5.4.2.2 (RFC 8032-style nonce), §5.4.3 (challenge), §5.4.5 (key validation); suite string 0x03.
BABE slot claims and approval assignments use schnorrkel's sr25519 VRF, as Polkadot does
(`relaychain.primitives.sr25519_vrf`); nothing in the node uses this one any more.

Curve arithmetic runs in libsodium (PyNaCl bindings). Points received from outside are first decoded
as RFC 8032 §5.1.3 requires (canonical y < p, x recoverable, no "negative zero"), because libsodium's
arithmetic primitives do not check canonicity. libsodium's scalar multiplication refuses points outside
the prime-order subgroup; honest keys and proofs always lie in it, so such inputs are rejected (VrfError).
"""

from __future__ import annotations

import hashlib

from nacl import bindings as _na

SUITE = b"\x03"
_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493  # prime order of the base point
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_C_LEN = 16  # challenge length in bytes


class VrfError(ValueError):
    """An invalid VRF key or proof, or a proof that does not verify for this key and input."""


def _is_valid_point(s: bytes) -> bool:
    """RFC 8032 §5.1.3 decoding succeeds for these 32 bytes (the RFC's string_to_point)."""
    if len(s) != 32:
        return False
    y = int.from_bytes(s, "little") & ((1 << 255) - 1)
    sign = s[31] >> 7
    if y >= _P:
        return False
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    vx2 = (v * x * x) % _P
    if vx2 == (-u) % _P:
        x = (x * _SQRT_M1) % _P
    elif vx2 != u:
        return False
    return not (x == 0 and sign == 1)


def _cofactor_mul(point: bytes) -> bytes:
    """8·P by three doublings (libsodium's scalar multiplication refuses points outside the subgroup)."""
    for _ in range(3):
        point = _na.crypto_core_ed25519_add(point, point)
    return point


def _scalar_bytes(n: int) -> bytes:
    return (n % _Q).to_bytes(32, "little")


def _mul(scalar: int, point: bytes) -> bytes:
    return _na.crypto_scalarmult_ed25519_noclamp(_scalar_bytes(scalar), point)


def _mul_base(scalar: int) -> bytes:
    return _na.crypto_scalarmult_ed25519_base_noclamp(_scalar_bytes(scalar))


def _expand_secret(seed: bytes) -> tuple[int, bytes]:
    """RFC 8032 key expansion: (secret scalar x, nonce prefix) from the 32-byte secret key."""
    if len(seed) != 32:
        raise VrfError(f"VRF secret key must be a 32-byte seed, got {len(seed)} bytes")
    h = hashlib.sha512(seed).digest()
    a = bytearray(h[:32])
    a[0] &= 248
    a[31] &= 127
    a[31] |= 64
    return int.from_bytes(a, "little"), h[32:]


def vrf_public_key(secret_key_seed32: bytes) -> bytes:
    """Y = x·B: the VRF public key (the same as the ed25519 public key of the seed)."""
    x, _ = _expand_secret(secret_key_seed32)
    return _mul_base(x)


def _encode_to_curve(public: bytes, alpha: bytes) -> bytes:
    """§5.4.1.1 try-and-increment: first valid point of SHA512(suite ‖ 01 ‖ Y ‖ alpha ‖ ctr ‖ 00), times 8."""
    for ctr in range(256):
        h = hashlib.sha512(SUITE + b"\x01" + public + alpha + bytes((ctr,)) + b"\x00").digest()[:32]
        if _is_valid_point(h):
            point = _cofactor_mul(h)
            if _na.crypto_core_ed25519_is_valid_point(point):  # not the identity / small order
                return point
    raise VrfError("encode_to_curve found no point in 256 attempts")  # probability ~2^-256


def _challenge(*points: bytes) -> int:
    """§5.4.3: c = first 16 bytes of SHA512(suite ‖ 02 ‖ P1 ‖ … ‖ P5 ‖ 00), little-endian."""
    digest = hashlib.sha512(SUITE + b"\x02" + b"".join(points) + b"\x00").digest()
    return int.from_bytes(digest[:_C_LEN], "little")


def vrf_prove(secret_key_seed32: bytes, alpha: bytes) -> bytes:
    """The 80-byte proof pi = Gamma ‖ c (16 bytes) ‖ s (32 bytes) for input `alpha`."""
    x, prefix = _expand_secret(secret_key_seed32)
    public = _mul_base(x)
    h = _encode_to_curve(public, bytes(alpha))
    gamma = _mul(x, h)
    k = int.from_bytes(hashlib.sha512(prefix + h).digest(), "little") % _Q  # §5.4.2.2 nonce
    c = _challenge(public, h, gamma, _mul_base(k), _mul(k, h))
    s = (k + c * x) % _Q
    return gamma + c.to_bytes(_C_LEN, "little") + s.to_bytes(32, "little")


def _decode_proof(pi: bytes) -> tuple[bytes, int, int]:
    if len(pi) != 80:
        raise VrfError(f"VRF proof must be 80 bytes, got {len(pi)}")
    gamma, c, s = pi[:32], int.from_bytes(pi[32:48], "little"), int.from_bytes(pi[48:], "little")
    if not _is_valid_point(gamma):
        raise VrfError("VRF proof point Gamma is not a valid curve point")
    if s >= _Q:
        raise VrfError("VRF proof scalar s is not reduced modulo the group order")
    return gamma, c, s


def vrf_proof_to_hash(pi: bytes) -> bytes:
    """beta = SHA512(suite ‖ 03 ‖ 8·Gamma ‖ 00): the 64-byte VRF output of a (verified) proof."""
    gamma, _, _ = _decode_proof(bytes(pi))
    try:
        return hashlib.sha512(SUITE + b"\x03" + _cofactor_mul(gamma) + b"\x00").digest()
    except Exception as e:  # libsodium refuses the point
        raise VrfError(f"VRF proof point Gamma is unusable: {e}") from None


def vrf_verify(public32: bytes, pi: bytes, alpha: bytes) -> bytes:
    """Check `pi` proves `alpha` under `public32`; return beta, or raise VrfError."""
    public, pi, alpha = bytes(public32), bytes(pi), bytes(alpha)
    if len(public) != 32 or not _is_valid_point(public):
        raise VrfError("VRF public key is not a valid curve point")
    if not _na.crypto_core_ed25519_is_valid_point(public):  # §5.4.5: low-order (and non-subgroup) keys
        raise VrfError("VRF public key has small order or lies outside the prime-order subgroup")
    gamma, c, s = _decode_proof(pi)
    h = _encode_to_curve(public, alpha)
    try:
        u = _na.crypto_core_ed25519_sub(_mul_base(s), _mul(c, public))
        v = _na.crypto_core_ed25519_sub(_mul(s, h), _mul(c, gamma))
    except Exception:  # a zero scalar or a Gamma outside the subgroup: libsodium refuses, and so do we
        raise VrfError("VRF proof does not verify") from None
    if _challenge(public, h, gamma, u, v) != c:
        raise VrfError("VRF proof does not verify for this public key and input")
    return vrf_proof_to_hash(pi)
