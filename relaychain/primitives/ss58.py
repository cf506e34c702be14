"""SS58 addresses: base58(prefix ‖ public key ‖ checksum).

Spec: Substrate `sp_core::crypto::Ss58Codec` / the SS58 registry format.
- Prefix 0..63: one byte. Prefix 64..16383: two bytes
  `((ident & 0xFC) >> 2) | 0x40`, `(ident >> 8) | ((ident & 0x03) << 6)`.
- Checksum: the first 2 bytes of blake2b-512(b"SS58PRE" ‖ prefix bytes ‖ public key) (for 32-byte keys).
"""

from __future__ import annotations

import hashlib

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_SS58_PRE = b"SS58PRE"
# Prefixes 46 and 47 are reserved by the SS58 registry and must not be used for addresses.
_RESERVED = frozenset({46, 47})


class SS58Error(ValueError):
    """A string that is not a valid SS58 address (or a prefix that cannot be encoded)."""


def _b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(_ALPHABET[r])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(out))


def _b58decode(text: str) -> bytes:
    n = 0
    for c in text:
        try:
            n = n * 58 + _INDEX[c]
        except KeyError:
            raise SS58Error(f"invalid base58 character {c!r} in address") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * zeros + body


def _checksum(payload: bytes) -> bytes:
    return hashlib.blake2b(_SS58_PRE + payload, digest_size=64).digest()[:2]


def _prefix_bytes(prefix: int) -> bytes:
    if not 0 <= prefix < 16384:
        raise SS58Error(f"SS58 prefix must be in 0..16383, got {prefix}")
    if prefix in _RESERVED:
        raise SS58Error(f"SS58 prefix {prefix} is reserved")
    if prefix < 64:
        return bytes((prefix,))
    return bytes((((prefix & 0b1111_1100) >> 2) | 0b0100_0000, (prefix >> 8) | ((prefix & 0b11) << 6)))


def ss58_encode(public: bytes, prefix: int = 42) -> str:
    """The SS58 address of a 32-byte account id / public key under network `prefix` (42 = generic Substrate)."""
    if len(public) != 32:
        raise SS58Error(f"SS58 addresses encode 32-byte account ids, got {len(public)} bytes")
    payload = _prefix_bytes(prefix) + bytes(public)
    return _b58encode(payload + _checksum(payload))


def ss58_decode(address: str) -> tuple[bytes, int]:
    """Decode an SS58 address into (32-byte public key, network prefix); raises SS58Error."""
    if not isinstance(address, str) or not address:
        raise SS58Error("empty SS58 address")
    raw = _b58decode(address)
    if not raw:
        raise SS58Error("empty SS58 address")
    first = raw[0]
    if first < 64:
        prefix, plen = first, 1
    elif first < 128:
        if len(raw) < 2:
            raise SS58Error("SS58 address too short")
        lower = ((first << 2) | (raw[1] >> 6)) & 0xFF
        upper = raw[1] & 0b0011_1111
        prefix, plen = lower | (upper << 8), 2
    else:
        raise SS58Error(f"invalid SS58 prefix byte 0x{first:02x}")
    if prefix in _RESERVED:
        raise SS58Error(f"SS58 prefix {prefix} is reserved")
    if len(raw) != plen + 32 + 2:
        raise SS58Error(f"SS58 address has {len(raw) - plen - 2} key bytes; expected 32")
    payload, check = raw[:-2], raw[-2:]
    if _checksum(payload) != check:
        raise SS58Error("SS58 checksum mismatch (mistyped address?)")
    return payload[plen:], prefix
