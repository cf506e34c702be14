"""SCALE codec core: the byte rules every protocol structure is built from.

Spec: Polkadot spec, appendix "SCALE codec"; ../shared/specs/rpc.md §6, §8.
Fixed-width integers are little-endian; `Compact<T>` uses the two low bits as a mode
(0b00 single byte, 0b01 two bytes, 0b10 four bytes, 0b11 big-integer mode); `Vec<T>` and
byte strings are `Compact(len) ‖ items`; `Option<T>` is `0x00` or `0x01 ‖ T` (Option<bool>
is one byte: 0 None, 1 Some(true), 2 Some(false)).

This is our own codec (scalecodec is kept for metadata decoding and as a test oracle):
protocol hot paths (block import, extrinsic decoding) encode/decode millions of values and a
direct byte codec is an order of magnitude faster than scalecodec's type-registry objects.
"""

from __future__ import annotations

from typing import Callable, Iterable, TypeVar

T = TypeVar("T")


class ScaleDecodeError(ValueError):
    """Bytes that are not a valid SCALE encoding of the expected type."""


_MAX = {8: (1 << 8) - 1, 16: (1 << 16) - 1, 32: (1 << 32) - 1, 64: (1 << 64) - 1, 128: (1 << 128) - 1,
        256: (1 << 256) - 1}


def encode_uint(value: int, bits: int) -> bytes:
    if not 0 <= value <= _MAX[bits]:
        raise ValueError(f"{value} does not fit u{bits}")
    return value.to_bytes(bits // 8, "little")


def encode_u8(v: int) -> bytes:
    return encode_uint(v, 8)


def encode_u16(v: int) -> bytes:
    return encode_uint(v, 16)


def encode_u32(v: int) -> bytes:
    return encode_uint(v, 32)


def encode_u64(v: int) -> bytes:
    return encode_uint(v, 64)


def encode_u128(v: int) -> bytes:
    return encode_uint(v, 128)


def encode_int(value: int, bits: int) -> bytes:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if not lo <= value <= hi:
        raise ValueError(f"{value} does not fit i{bits}")
    return value.to_bytes(bits // 8, "little", signed=True)


def encode_bool(v: bool) -> bytes:
    return b"\x01" if v else b"\x00"


def encode_compact(n: int) -> bytes:
    """`Compact<uN>` encoding of a non-negative integer (at most 2^536 - 1)."""
    if n < 0:
        raise ValueError("compact integers are unsigned")
    if n < 1 << 6:
        return bytes((n << 2,))
    if n < 1 << 14:
        return ((n << 2) | 0b01).to_bytes(2, "little")
    if n < 1 << 30:
        return ((n << 2) | 0b10).to_bytes(4, "little")
    length = (n.bit_length() + 7) // 8
    if length > 67:
        raise ValueError("integer too large for compact encoding")
    return bytes((((length - 4) << 2) | 0b11,)) + n.to_bytes(length, "little")


def encode_bytes(data: bytes) -> bytes:
    """`Vec<u8>`: compact length then the bytes."""
    return encode_compact(len(data)) + bytes(data)


def encode_str(s: str) -> bytes:
    return encode_bytes(s.encode("utf-8"))


def encode_vec(items: Iterable[T], encode_item: Callable[[T], bytes]) -> bytes:
    parts = [encode_item(i) for i in items]
    return encode_compact(len(parts)) + b"".join(parts)


def encode_option(value: T | None, encode_item: Callable[[T], bytes]) -> bytes:
    return b"\x00" if value is None else b"\x01" + encode_item(value)


class Reader:
    """A cursor over SCALE bytes. Every read checks bounds and raises `ScaleDecodeError`."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0):
        self.data = bytes(data)
        self.pos = pos

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def read(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise ScaleDecodeError(f"need {n} bytes at offset {self.pos}, only {self.remaining} left")
        out = self.data[self.pos:end]
        self.pos = end
        return out

    def uint(self, bits: int) -> int:
        return int.from_bytes(self.read(bits // 8), "little")

    def u8(self) -> int:
        pos = self.pos
        if pos >= len(self.data):
            raise ScaleDecodeError(f"need 1 bytes at offset {pos}, only 0 left")
        self.pos = pos + 1
        return self.data[pos]

    def u16(self) -> int:
        return self.uint(16)

    def u32(self) -> int:
        return self.uint(32)

    def u64(self) -> int:
        return self.uint(64)

    def u128(self) -> int:
        return self.uint(128)

    def int(self, bits: int) -> int:
        return int.from_bytes(self.read(bits // 8), "little", signed=True)

    def bool(self) -> bool:
        b = self.u8()
        if b > 1:
            raise ScaleDecodeError(f"invalid bool byte 0x{b:02x} at offset {self.pos - 1}")
        return b == 1

    def compact(self) -> int:
        first = self.u8()
        mode = first & 0b11
        if mode == 0:
            return first >> 2
        if mode == 1:
            n = (first | (self.u8() << 8)) >> 2
            if n < 1 << 6:
                raise ScaleDecodeError("non-canonical compact encoding")
            return n
        if mode == 2:
            n = (first | (int.from_bytes(self.read(3), "little") << 8)) >> 2
            if n < 1 << 14:
                raise ScaleDecodeError("non-canonical compact encoding")
            return n
        length = (first >> 2) + 4
        n = int.from_bytes(self.read(length), "little")
        if n < 1 << 30 or (length > 4 and n >> ((length - 1) * 8) == 0):
            raise ScaleDecodeError("non-canonical compact encoding")
        return n

    def bytes(self) -> bytes:
        """`Vec<u8>`."""
        return self.read(self.compact())

    def str(self) -> str:
        raw = self.bytes()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ScaleDecodeError(f"invalid UTF-8 in string: {e}") from None

    def vec(self, decode_item: Callable[["Reader"], T]) -> list[T]:
        n = self.compact()
        if n > self.remaining:  # every item takes at least one byte: refuse absurd lengths early
            raise ScaleDecodeError(f"vector length {n} exceeds the {self.remaining} bytes left")
        return [decode_item(self) for _ in range(n)]

    def option(self, decode_item: Callable[["Reader"], T]) -> T | None:
        tag = self.u8()
        if tag == 0:
            return None
        if tag == 1:
            return decode_item(self)
        raise ScaleDecodeError(f"invalid Option tag 0x{tag:02x} at offset {self.pos - 1}")

    def finish(self) -> None:
        """Raise if any bytes are left: a SCALE value must be consumed exactly."""
        if self.remaining:
            raise ScaleDecodeError(f"{self.remaining} trailing bytes after the value")


def decode_compact(data: bytes, offset: int = 0) -> tuple[int, int]:
    """Decode a compact integer at `offset`; return (value, offset after it)."""
    r = Reader(data, offset)
    v = r.compact()
    return v, r.pos


def decode_all(data: bytes, decode: Callable[[Reader], T]) -> T:
    """Decode exactly one value from `data` (no trailing bytes)."""
    r = Reader(data)
    v = decode(r)
    r.finish()
    return v
