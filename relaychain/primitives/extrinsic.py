"""Extrinsic format v4: mortality eras, addresses, signatures, signed extensions, signing payload.

Spec: ../shared/specs/rpc.md §8; Substrate `sp_runtime::generic::{era, unchecked_extrinsic}`,
`sp_runtime::{MultiAddress, MultiSignature}`.

    xt   = Compact<u32>(len(body)) ‖ body
    body = 0x84 ‖ address ‖ signature ‖ extra ‖ call     (signed)   |   0x04 ‖ call   (unsigned / inherent)
    extra = era ‖ Compact<u32> nonce ‖ Compact<u128> tip
    additional signed = spec_version u32 ‖ transaction_version u32 ‖ genesis_hash ‖ birth_hash
    signing payload = call ‖ extra ‖ additional, replaced by its blake2_256 if longer than 256 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

from .crypto import verify_ed25519, verify_sr25519
from .hashing import blake2_256
from .lru import LruMap
from .memory_bounds import VERIFIED_SIGNATURES_CACHE_SIZE
from .records import fast_init
from .scale import Reader, ScaleDecodeError, decode_all, encode_bytes, encode_compact, encode_u32

EXTRINSIC_VERSION = 4
_SIGNED_BIT = 0x80

# The declared signed extensions, in the (Polkadot) order the signing payload follows.
SIGNED_EXTENSIONS = (
    "CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion", "CheckGenesis", "CheckMortality", "CheckNonce",
    "CheckWeight", "ChargeTransactionPayment",
)

_U32_MAX = (1 << 32) - 1
_U128_MAX = (1 << 128) - 1
_U64_MAX = (1 << 64) - 1


class ExtrinsicError(ValueError):
    """Arguments that cannot form a valid extrinsic (e.g. a mortal era without its birth block hash)."""


# --------------------------------------------------------------------------------------------
# Era (CheckMortality)


@dataclass(frozen=True)
class Era:
    """Transaction mortality: immortal (period 0) or valid for `period` blocks from its birth block.

    `period` is a power of two in [4, 65536]; `phase` = birth % period, quantized to multiples of
    max(period >> 12, 1) because only 12 bits of it are encoded.
    """

    period: int = 0
    phase: int = 0

    def __post_init__(self):
        if self.period == 0:
            if self.phase != 0:
                raise ExtrinsicError("an immortal era has no phase")
            return
        p = self.period
        if p < 4 or p > 1 << 16 or p & (p - 1):
            raise ExtrinsicError(f"era period must be a power of two in [4, 65536], got {p}")
        if not 0 <= self.phase < p or self.phase % self._quantize() != 0:
            raise ExtrinsicError(f"era phase {self.phase} invalid for period {p} (must be < period, multiple of "
                                 f"{self._quantize()})")

    def _quantize(self) -> int:
        return max(self.period >> 12, 1)

    @property
    def is_immortal(self) -> bool:
        return self.period == 0

    @classmethod
    def mortal(cls, period: int, current_block: int) -> "Era":
        """`Era::mortal`: round `period` up to a power of two clamped to [4, 65536]; phase from the current block."""
        if period < 0 or current_block < 0:
            raise ExtrinsicError("era period and block number must be non-negative")
        p = 1 << max(period - 1, 0).bit_length() if period > 1 else 1
        p = min(max(p, 4), 1 << 16)
        quantize = max(p >> 12, 1)
        return cls(p, current_block % p // quantize * quantize)

    def birth(self, current: int) -> int:
        """The block number this era starts at, given that `current` lies in it (0 if immortal)."""
        if self.is_immortal:
            return 0
        return (max(current, self.phase) - self.phase) // self.period * self.period + self.phase

    def death(self, current: int) -> int:
        """The first block number at which the transaction is no longer valid (u64::MAX if immortal)."""
        if self.is_immortal:
            return _U64_MAX
        return self.birth(current) + self.period

    def encode(self) -> bytes:
        if self.is_immortal:
            return b"\x00"
        low = min(15, max(1, (self.period & -self.period).bit_length() - 2))  # trailing_zeros(period) - 1
        encoded = low | ((self.phase // self._quantize()) << 4)
        return encoded.to_bytes(2, "little")

    @classmethod
    def decode_from(cls, r: Reader) -> "Era":
        first = r.u8()
        if first == 0:
            return IMMORTAL
        encoded = first | (r.u8() << 8)
        period = 2 << (encoded % 16)
        quantize = max(period >> 12, 1)
        phase = (encoded >> 4) * quantize
        if period < 4 or phase >= period:
            raise ScaleDecodeError(f"invalid era encoding 0x{encoded:04x} (period {period}, phase {phase})")
        return cls(period, phase)

    @classmethod
    def decode(cls, data: bytes) -> "Era":
        return decode_all(data, cls.decode_from)


IMMORTAL = Era()


# --------------------------------------------------------------------------------------------
# MultiAddress / MultiSignature


@dataclass(frozen=True)
class MultiAddress:
    """`sp_runtime::MultiAddress<AccountId32, u32>`: 0 Id, 1 Index (compact), 2 Raw, 3 Address32, 4 Address20."""

    kind: str
    value: object  # bytes for Id/Raw/Address32/Address20, int for Index

    KINDS: ClassVar[tuple[str, ...]] = ("Id", "Index", "Raw", "Address32", "Address20")

    _SIZES: ClassVar[dict] = {"Id": 32, "Address32": 32, "Address20": 20}

    def __post_init__(self):
        sizes = self._SIZES
        if self.kind not in self.KINDS:
            raise ExtrinsicError(f"unknown MultiAddress kind {self.kind!r}")
        if self.kind == "Index":
            if not isinstance(self.value, int) or not 0 <= self.value <= _U32_MAX:
                raise ExtrinsicError("MultiAddress::Index must be a u32")
        elif not isinstance(self.value, (bytes, bytearray)) or (self.kind in sizes and len(self.value) != sizes[self.kind]):
            raise ExtrinsicError(f"MultiAddress::{self.kind} has the wrong length")

    @classmethod
    def id(cls, account_id: bytes) -> "MultiAddress":
        return cls("Id", bytes(account_id))

    def encode(self) -> bytes:
        tag = bytes((self.KINDS.index(self.kind),))
        if self.kind == "Index":
            return tag + encode_compact(self.value)
        if self.kind == "Raw":
            return tag + encode_bytes(self.value)
        return tag + bytes(self.value)

    @classmethod
    def decode_from(cls, r: Reader) -> "MultiAddress":
        tag = r.u8()
        if tag == 0:
            return cls("Id", r.read(32))
        if tag == 1:
            n = r.compact()
            if n > _U32_MAX:
                raise ScaleDecodeError("MultiAddress::Index does not fit u32")
            return cls("Index", n)
        if tag == 2:
            return cls("Raw", r.bytes())
        if tag == 3:
            return cls("Address32", r.read(32))
        if tag == 4:
            return cls("Address20", r.read(20))
        raise ScaleDecodeError(f"invalid MultiAddress variant {tag}")

    @property
    def account_id(self) -> bytes | None:
        """The 32-byte account this address names directly (Id / Address32), else None (needs a lookup)."""
        return bytes(self.value) if self.kind in ("Id", "Address32") else None


@dataclass(frozen=True)
class MultiSignature:
    """`sp_runtime::MultiSignature`: 0 Ed25519 (64), 1 Sr25519 (64), 2 Ecdsa (65)."""

    scheme: str
    signature: bytes

    SCHEMES: ClassVar[tuple[str, ...]] = ("ed25519", "sr25519", "ecdsa")
    _SIZES: ClassVar[dict] = {"ed25519": 64, "sr25519": 64, "ecdsa": 65}

    def __post_init__(self):
        if self.scheme not in self._SIZES:
            raise ExtrinsicError(f"unknown signature scheme {self.scheme!r}")
        if len(self.signature) != self._SIZES[self.scheme]:
            raise ExtrinsicError(f"{self.scheme} signatures are {self._SIZES[self.scheme]} bytes")

    def encode(self) -> bytes:
        return bytes((self.SCHEMES.index(self.scheme),)) + self.signature

    @classmethod
    def decode_from(cls, r: Reader) -> "MultiSignature":
        tag = r.u8()
        if tag >= len(cls.SCHEMES):
            raise ScaleDecodeError(f"invalid MultiSignature variant {tag}")
        scheme = cls.SCHEMES[tag]
        return cls(scheme, r.read(cls._SIZES[scheme]))

    def verify(self, message: bytes, account_id: bytes) -> bool:
        """Does this signature of `message` belong to `account_id`? (ECDSA accounts are not supported: False.)"""
        key = (self.scheme, bytes(self.signature), bytes(message), bytes(account_id))
        if VERIFIED_SIGNATURES.holds(key):
            return True
        if self.scheme == "sr25519":
            valid = verify_sr25519(self.signature, message, account_id)
        elif self.scheme == "ed25519":
            valid = verify_ed25519(self.signature, message, account_id)
        else:
            return False
        if valid:
            VERIFIED_SIGNATURES.add(key)
        return valid


class VerifiedSignatures(LruMap[tuple, bool]):
    """A bounded, thread-safe memo of (scheme, signature, message, key) tuples that verified: the pool validates
    a transaction and the block that includes it is executed later by the same process (often several times in
    an in-process network), and sr25519 is the largest single cost of both. Exact: verification is a pure
    function of the tuple, and only valid ones are kept (a forged signature is a different tuple)."""

    def __init__(self, capacity: int = VERIFIED_SIGNATURES_CACHE_SIZE):
        super().__init__(capacity)

    def holds(self, key: tuple) -> bool:
        return self.get(key) is not None

    def add(self, key: tuple) -> None:
        self.put(key, True)


VERIFIED_SIGNATURES = VerifiedSignatures()


# --------------------------------------------------------------------------------------------
# Signed extensions and the signing payload


def encode_extra(era: Era, nonce: int, tip: int) -> bytes:
    """The in-transaction part of the signed extensions: CheckMortality, CheckNonce, ChargeTransactionPayment."""
    if not 0 <= nonce <= _U32_MAX or not 0 <= tip <= _U128_MAX:
        raise ExtrinsicError("nonce must be a u32 and tip a u128")
    return era.encode() + encode_compact(nonce) + encode_compact(tip)


def encode_additional_signed(spec_version: int, transaction_version: int, genesis_hash: bytes, birth_hash: bytes) -> bytes:
    """Signed but not transmitted: CheckSpecVersion, CheckTxVersion, CheckGenesis, CheckMortality (birth hash)."""
    if len(genesis_hash) != 32 or len(birth_hash) != 32:
        raise ExtrinsicError("genesis and birth block hashes are 32 bytes")
    return encode_u32(spec_version) + encode_u32(transaction_version) + bytes(genesis_hash) + bytes(birth_hash)


def signing_payload(call: bytes, extra_bytes: bytes, additional_bytes: bytes) -> bytes:
    """What the signer signs: call ‖ extra ‖ additional, or its blake2_256 if longer than 256 bytes."""
    payload = bytes(call) + bytes(extra_bytes) + bytes(additional_bytes)
    return blake2_256(payload) if len(payload) > 256 else payload


@fast_init
@dataclass(frozen=True, slots=True)
class SignedPayloadParts:
    """The signature part of a signed extrinsic: who signed, the signature, and the signed-extension extra."""

    address: MultiAddress
    signature: MultiSignature
    era: Era = IMMORTAL
    nonce: int = 0
    tip: int = 0

    def extra(self) -> bytes:
        return encode_extra(self.era, self.nonce, self.tip)


# --------------------------------------------------------------------------------------------
# UncheckedExtrinsic


@fast_init
@dataclass(frozen=True, slots=True)
class UncheckedExtrinsic:
    call: bytes  # pallet_index u8 ‖ call_index u8 ‖ SCALE(args)
    signature: Optional[SignedPayloadParts] = None

    @property
    def is_signed(self) -> bool:
        return self.signature is not None

    def encode_body(self) -> bytes:
        if self.signature is None:
            return bytes((EXTRINSIC_VERSION,)) + self.call
        s = self.signature
        return (bytes((EXTRINSIC_VERSION | _SIGNED_BIT,)) + s.address.encode() + s.signature.encode() + s.extra()
                + self.call)

    def encode(self) -> bytes:
        """Full encoding with the compact length prefix (as in a block body and `author_submitExtrinsic`)."""
        return encode_bytes(self.encode_body())

    def hash(self) -> bytes:
        """Transaction hash = blake2_256 of the full encoding (rpc.md §8)."""
        return blake2_256(self.encode())

    @classmethod
    def decode_from(cls, r: Reader) -> "UncheckedExtrinsic":
        body = r.bytes()
        return decode_all(body, cls._decode_body)

    @classmethod
    def decode(cls, data: bytes) -> "UncheckedExtrinsic":
        """Decode one length-prefixed extrinsic; any malformation raises ScaleDecodeError."""
        return decode_all(data, cls.decode_from)

    @classmethod
    def _decode_body(cls, r: Reader) -> "UncheckedExtrinsic":
        version = r.u8()
        if version & 0x7F != EXTRINSIC_VERSION:
            raise ScaleDecodeError(f"unsupported extrinsic version {version & 0x7F} (expected {EXTRINSIC_VERSION})")
        signature = None
        if version & _SIGNED_BIT:
            address = MultiAddress.decode_from(r)
            sig = MultiSignature.decode_from(r)
            era = Era.decode_from(r)
            nonce = r.compact()
            tip = r.compact()
            if nonce > _U32_MAX or tip > _U128_MAX:
                raise ScaleDecodeError("nonce exceeds u32 or tip exceeds u128")
            signature = SignedPayloadParts(address, sig, era, nonce, tip)
        call = r.read(r.remaining)
        if len(call) < 2:
            raise ScaleDecodeError("extrinsic call must hold at least a pallet index and a call index")
        return cls(call, signature)

    def payload(self, *, spec_version: int, transaction_version: int, genesis_hash: bytes,
                birth_hash: bytes | None = None) -> bytes:
        """The signing payload this (signed) extrinsic's signature must cover."""
        if self.signature is None:
            raise ExtrinsicError("an unsigned extrinsic has no signing payload")
        birth = _birth_hash(self.signature.era, genesis_hash, birth_hash)
        return signing_payload(self.call, self.signature.extra(),
                               encode_additional_signed(spec_version, transaction_version, genesis_hash, birth))

    def verify_signature(self, *, spec_version: int, transaction_version: int, genesis_hash: bytes,
                         birth_hash: bytes | None = None) -> bool:
        """True iff signed by the account its address names, over this chain's payload; never raises on bad sigs."""
        if self.signature is None:
            return False
        account = self.signature.address.account_id
        if account is None:
            return False
        msg = self.payload(spec_version=spec_version, transaction_version=transaction_version,
                           genesis_hash=genesis_hash, birth_hash=birth_hash)
        return self.signature.signature.verify(msg, account)


def _birth_hash(era: Era, genesis_hash: bytes, birth_hash: bytes | None) -> bytes:
    if birth_hash is not None:
        return birth_hash
    if era.is_immortal:
        return genesis_hash  # CheckMortality signs the genesis hash for immortal transactions
    raise ExtrinsicError("a mortal extrinsic signs the hash of its birth block: pass birth_hash")


def sign_extrinsic(keypair, call: bytes, *, nonce: int, genesis_hash: bytes, spec_version: int,
                   transaction_version: int, era: Era = IMMORTAL, birth_hash: bytes | None = None,
                   tip: int = 0) -> bytes:
    """A signed v4 extrinsic (full encoding with length prefix) from an Sr25519/Ed25519 keypair."""
    if len(call) < 2:
        raise ExtrinsicError("call must start with the pallet index and call index")
    extra = encode_extra(era, nonce, tip)
    additional = encode_additional_signed(spec_version, transaction_version, genesis_hash,
                                          _birth_hash(era, genesis_hash, birth_hash))
    sig = MultiSignature(keypair.SCHEME, keypair.sign(signing_payload(call, extra, additional)))
    parts = SignedPayloadParts(MultiAddress.id(keypair.public), sig, era, nonce, tip)
    return UncheckedExtrinsic(bytes(call), parts).encode()
