"""Block, header and digest types, and the BABE digests carried in headers.

Spec: ../shared/specs/rpc.md §6 (header SCALE and JSON, DigestItem indices, block hash);
Substrate `sp_runtime::generic::{header, digest, block}`; `sp_consensus_babe::digests`.

- Header = parent_hash H256 ‖ Compact<u32> number ‖ state_root H256 ‖ extrinsics_root H256 ‖ Vec<DigestItem>;
  block hash = blake2_256(SCALE(header)).
- DigestItem: 0 Other(Vec<u8>), 4 Consensus(engine [u8;4], Vec<u8>), 5 Seal(engine, Vec<u8>),
  6 PreRuntime(engine, Vec<u8>), 8 RuntimeEnvironmentUpdated. Any other index is invalid.
- Block body = Compact(count) ‖ extrinsics, each extrinsic already carrying its own length prefix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import ClassVar, Union

from .hashing import blake2_256
from .scale_types import BYTES, H256, U8, U32, Array, Compact, Described, Enum, Struct, Variant, Vec
from .scale import (
    Reader, ScaleDecodeError, decode_all, encode_bytes, encode_compact, encode_u32, encode_u64, encode_vec,
)

BABE_ENGINE_ID = b"BABE"
GRANDPA_ENGINE_ID = b"FRNK"
AURA_ENGINE_ID = b"aura"

_MAX_BLOCK_NUMBER = (1 << 32) - 1


class TypeJsonError(ValueError):
    """JSON that does not have the RPC shape of the expected type (rpc.md §6)."""


def _hex(data: bytes) -> str:
    return "0x" + bytes(data).hex()


def _unhex(value, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise TypeJsonError(f"{what} must be a 0x-prefixed hex string, got {value!r}")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise TypeJsonError(f"{what} is not valid hex: {value!r}") from None
    if length is not None and len(raw) != length:
        raise TypeJsonError(f"{what} must be {length} bytes, got {len(raw)}")
    return raw


def _check_len(value: bytes, length: int, what: str) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != length:
        raise ValueError(f"{what} must be {length} bytes")


class _Codec:
    """Shared `decode` (whole input) on top of each type's `decode_from(reader)`."""

    @classmethod
    def decode(cls, data: bytes):
        return decode_all(data, cls.decode_from)


# --------------------------------------------------------------------------------------------
# Digest items


class DigestItem(_Codec):
    """Base of the DigestItem variants; `DigestItem.decode_from` dispatches on the variant index."""

    INDEX: ClassVar[int]

    @staticmethod
    def decode_from(r: Reader) -> "DigestItemT":
        index = r.u8()
        if index == 0:
            return Other(r.bytes())
        if index == 8:
            return RuntimeEnvironmentUpdated()
        kind = _ENGINE_ITEMS.get(index)
        if kind is None:
            raise ScaleDecodeError(f"invalid DigestItem index {index}")
        engine = r.read(4)
        return kind(engine, r.bytes())

    def to_json(self) -> str:
        return _hex(self.encode())


@dataclass(frozen=True)
class _EngineItem(DigestItem):
    engine: bytes
    data: bytes

    def __post_init__(self):
        _check_len(self.engine, 4, "consensus engine id")

    def encode(self) -> bytes:
        return bytes((self.INDEX,)) + self.engine + encode_bytes(self.data)


@dataclass(frozen=True)
class PreRuntime(_EngineItem):
    """Written by the block author before execution (e.g. the BABE slot claim)."""

    INDEX: ClassVar[int] = 6


@dataclass(frozen=True)
class Consensus(_EngineItem):
    """A message from the runtime to the consensus engine (e.g. next epoch, authority set change)."""

    INDEX: ClassVar[int] = 4


@dataclass(frozen=True)
class Seal(_EngineItem):
    """The author's signature over the pre-seal header hash; always the last log."""

    INDEX: ClassVar[int] = 5


@dataclass(frozen=True)
class Other(DigestItem):
    INDEX: ClassVar[int] = 0
    data: bytes

    def encode(self) -> bytes:
        return b"\x00" + encode_bytes(self.data)


@dataclass(frozen=True)
class RuntimeEnvironmentUpdated(DigestItem):
    """Signals that the runtime code or heap pages changed in this block."""

    INDEX: ClassVar[int] = 8

    def encode(self) -> bytes:
        return b"\x08"


DigestItemT = Union[PreRuntime, Consensus, Seal, Other, RuntimeEnvironmentUpdated]
_ENGINE_ITEMS = {6: PreRuntime, 4: Consensus, 5: Seal}
_JSON_NAMES = {"PreRuntime": PreRuntime, "Consensus": Consensus, "Seal": Seal}


def _digest_item_from_json(value) -> DigestItemT:
    """A log as current nodes send it ("0x<SCALE>") or in the older decoded-object form."""
    if isinstance(value, str):
        try:
            return DigestItem.decode(_unhex(value, "digest log"))
        except ScaleDecodeError as e:
            raise TypeJsonError(f"digest log does not decode: {e}") from None
    if isinstance(value, dict) and len(value) == 1:
        (name, body), = value.items()
        if name in _JSON_NAMES and isinstance(body, list) and len(body) == 2:
            engine = body[0]
            if isinstance(engine, int) and not isinstance(engine, bool):
                if not 0 <= engine < 1 << 32:
                    raise TypeJsonError(f"engine id {engine} does not fit u32")
                engine = engine.to_bytes(4, "little")  # old nodes sent [u8;4] engine ids as a u32
            else:
                engine = _unhex(engine, "engine id", 4)
            return _JSON_NAMES[name](engine, _unhex(body[1], "digest data"))
        if name == "Other":
            return Other(_unhex(body, "digest data"))
        if name == "RuntimeEnvironmentUpdated":
            return RuntimeEnvironmentUpdated()
    raise TypeJsonError(f"unsupported digest log {value!r}")


@dataclass(frozen=True)
class Digest(_Codec):
    logs: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "logs", tuple(self.logs))

    def encode(self) -> bytes:
        return encode_compact(len(self.logs)) + b"".join(item.encode() for item in self.logs)

    @classmethod
    def decode_from(cls, r: Reader) -> "Digest":
        return cls(tuple(r.vec(DigestItem.decode_from)))

    def to_json(self) -> dict:
        return {"logs": [item.to_json() for item in self.logs]}

    @classmethod
    def from_json(cls, value) -> "Digest":
        if not isinstance(value, dict) or not isinstance(value.get("logs"), list):
            raise TypeJsonError("digest must be {\"logs\": [...]}")
        return cls(tuple(_digest_item_from_json(v) for v in value["logs"]))

    def pre_runtime(self, engine: bytes) -> bytes | None:
        """The data of the first PreRuntime log of `engine`, if any."""
        return next((i.data for i in self.logs if isinstance(i, PreRuntime) and i.engine == engine), None)

    def consensus(self, engine: bytes) -> list[bytes]:
        return [i.data for i in self.logs if isinstance(i, Consensus) and i.engine == engine]

    def seal(self) -> Seal | None:
        """The Seal, which must be the last log to count."""
        return self.logs[-1] if self.logs and isinstance(self.logs[-1], Seal) else None


# --------------------------------------------------------------------------------------------
# Header and block


@dataclass(frozen=True)
class Header(_Codec):
    parent_hash: bytes
    number: int
    state_root: bytes
    extrinsics_root: bytes
    digest: Digest = field(default_factory=Digest)

    def __post_init__(self):
        _check_len(self.parent_hash, 32, "parent_hash")
        _check_len(self.state_root, 32, "state_root")
        _check_len(self.extrinsics_root, 32, "extrinsics_root")
        if not isinstance(self.number, int) or not 0 <= self.number <= _MAX_BLOCK_NUMBER:
            raise ValueError(f"block number must be a u32, got {self.number!r}")
        if not isinstance(self.digest, Digest):
            object.__setattr__(self, "digest", Digest(tuple(self.digest)))

    def encode(self) -> bytes:
        return self._encoded

    @cached_property
    def _encoded(self) -> bytes:
        return (self.parent_hash + encode_compact(self.number) + self.state_root + self.extrinsics_root
                + self.digest.encode())

    @classmethod
    def decode_from(cls, r: Reader) -> "Header":
        parent_hash = r.read(32)
        number = r.compact()
        if number > _MAX_BLOCK_NUMBER:
            raise ScaleDecodeError(f"block number {number} does not fit u32")
        return cls(parent_hash, number, r.read(32), r.read(32), Digest.decode_from(r))

    def hash(self) -> bytes:
        """Block hash = blake2_256(SCALE(header)) (rpc.md §6)."""
        return self._hash

    @cached_property
    def _hash(self) -> bytes:
        return blake2_256(self.encode())

    def to_json(self) -> dict:
        return {
            "parentHash": _hex(self.parent_hash),
            "number": hex(self.number),
            "stateRoot": _hex(self.state_root),
            "extrinsicsRoot": _hex(self.extrinsics_root),
            "digest": self.digest.to_json(),
        }

    @classmethod
    def from_json(cls, value) -> "Header":
        if not isinstance(value, dict):
            raise TypeJsonError("header must be a JSON object")
        try:
            number = value["number"]
            if isinstance(number, str):
                number = int(number, 16)
            elif not isinstance(number, int) or isinstance(number, bool):
                raise TypeJsonError(f"header number must be a hex string, got {number!r}")
            return cls(_unhex(value["parentHash"], "parentHash", 32), number,
                       _unhex(value["stateRoot"], "stateRoot", 32), _unhex(value["extrinsicsRoot"], "extrinsicsRoot", 32),
                       Digest.from_json(value["digest"]))
        except KeyError as e:
            raise TypeJsonError(f"header JSON lacks {e.args[0]!r}") from None
        except ValueError as e:
            if isinstance(e, TypeJsonError):
                raise
            raise TypeJsonError(f"bad header JSON: {e}") from None

    def without_seal(self) -> tuple["Header", Seal | None]:
        """Split off the trailing Seal: (pre-seal header, seal). The seal signs the pre-seal header's hash."""
        seal = self.digest.seal()
        if seal is None:
            return self, None
        return Header(self.parent_hash, self.number, self.state_root, self.extrinsics_root,
                      Digest(self.digest.logs[:-1])), seal

    def with_log(self, item: DigestItemT) -> "Header":
        return Header(self.parent_hash, self.number, self.state_root, self.extrinsics_root,
                      Digest(self.digest.logs + (item,)))


def _read_extrinsic(r: Reader) -> bytes:
    """One extrinsic with its compact length prefix, kept as raw bytes."""
    start = r.pos
    r.read(r.compact())
    return r.data[start:r.pos]


@dataclass(frozen=True)
class Block(_Codec):
    header: Header
    extrinsics: tuple = ()  # each: full encoding incl. its Compact length prefix

    def __post_init__(self):
        object.__setattr__(self, "extrinsics", tuple(bytes(x) for x in self.extrinsics))

    def encode(self) -> bytes:
        return self.header.encode() + self.encode_body()

    def encode_body(self) -> bytes:
        return encode_compact(len(self.extrinsics)) + b"".join(self.extrinsics)

    @staticmethod
    def decode_body(data: bytes) -> tuple[bytes, ...]:
        return tuple(decode_all(data, lambda r: r.vec(_read_extrinsic)))

    @classmethod
    def decode_from(cls, r: Reader) -> "Block":
        return cls(Header.decode_from(r), tuple(r.vec(_read_extrinsic)))

    def hash(self) -> bytes:
        return self.header.hash()

    def to_json(self) -> dict:
        return {"header": self.header.to_json(), "extrinsics": [_hex(x) for x in self.extrinsics]}

    @classmethod
    def from_json(cls, value) -> "Block":
        if not isinstance(value, dict) or not isinstance(value.get("extrinsics"), list):
            raise TypeJsonError("block must be {\"header\": {...}, \"extrinsics\": [...]}")
        xts = tuple(_unhex(x, "extrinsic") for x in value["extrinsics"])
        for x in xts:  # each must be exactly one length-prefixed extrinsic
            try:
                decode_all(x, _read_extrinsic)
            except ScaleDecodeError as e:
                raise TypeJsonError(f"extrinsic is not length-prefixed bytes: {e}") from None
        return cls(Header.from_json(value.get("header")), xts)


# Metadata descriptions of the types above (rpc.md §6-§7): the codecs stay hand-written (block import is a hot
# path), clients see Substrate's paths.
ENGINE_ID = Array(U8, 4)
DIGEST_ITEM = Enum("sp_runtime::generic::digest::DigestItem", [
    Variant("PreRuntime", 6, ((None, ENGINE_ID, "ConsensusEngineId"), (None, BYTES, "Vec<u8>"))),
    Variant("Consensus", 4, ((None, ENGINE_ID, "ConsensusEngineId"), (None, BYTES, "Vec<u8>"))),
    Variant("Seal", 5, ((None, ENGINE_ID, "ConsensusEngineId"), (None, BYTES, "Vec<u8>"))),
    Variant("Other", 0, ((None, BYTES, "Vec<u8>"),)),
    Variant("RuntimeEnvironmentUpdated", 8),
])
DIGEST = Struct("sp_runtime::generic::digest::Digest", [("logs", Vec(DIGEST_ITEM), "Vec<DigestItem>")])
HEADER = Described(Header, Struct("sp_runtime::generic::header::Header", [
    ("parent_hash", H256, "Hash::Output"), ("number", Compact(U32), "Number"), ("state_root", H256, "Hash::Output"),
    ("extrinsics_root", H256, "Hash::Output"), ("digest", DIGEST, "Digest")], params=[("Number", U32), ("Hash", None)]))


# --------------------------------------------------------------------------------------------
# BABE (sp_consensus_babe::digests)


@dataclass(frozen=True)
class VrfSignature(_Codec):
    """`sp_core::sr25519::vrf::VrfSignature { pre_output: [u8;32], proof: [u8;64] }`: an sr25519 (schnorrkel)
    VRF signature — the pre-output point and the DLEQ proof c ‖ s (`relaychain.primitives.sr25519_vrf`)."""

    pre_output: bytes
    proof: bytes

    def __post_init__(self):
        _check_len(self.pre_output, 32, "VRF pre-output")
        _check_len(self.proof, 64, "VRF proof")

    def encode(self) -> bytes:
        return self.pre_output + self.proof

    @classmethod
    def decode_from(cls, r: Reader) -> "VrfSignature":
        return cls(r.read(32), r.read(64))


VRF_SIGNATURE = Described(VrfSignature, Struct("sp_core::sr25519::vrf::VrfSignature", [
    ("pre_output", Array(U8, 32), "VrfPreOutput"), ("proof", Array(U8, 64), "VrfProof")]))


@dataclass(frozen=True)
class PrimaryPreDigest:
    INDEX: ClassVar[int] = 1
    authority_index: int
    slot: int
    vrf_signature: VrfSignature

    def encode_fields(self) -> bytes:
        return encode_u32(self.authority_index) + encode_u64(self.slot) + self.vrf_signature.encode()


@dataclass(frozen=True)
class SecondaryPlainPreDigest:
    INDEX: ClassVar[int] = 2
    authority_index: int
    slot: int

    def encode_fields(self) -> bytes:
        return encode_u32(self.authority_index) + encode_u64(self.slot)


@dataclass(frozen=True)
class SecondaryVRFPreDigest:
    INDEX: ClassVar[int] = 3
    authority_index: int
    slot: int
    vrf_signature: VrfSignature

    def encode_fields(self) -> bytes:
        return encode_u32(self.authority_index) + encode_u64(self.slot) + self.vrf_signature.encode()


BabePreDigestT = Union[PrimaryPreDigest, SecondaryPlainPreDigest, SecondaryVRFPreDigest]


class PreDigest:
    """`sp_consensus_babe::digests::PreDigest`: enum Primary = 1, SecondaryPlain = 2, SecondaryVRF = 3."""

    @staticmethod
    def encode(pre: BabePreDigestT) -> bytes:
        return bytes((pre.INDEX,)) + pre.encode_fields()

    @staticmethod
    def decode_from(r: Reader) -> BabePreDigestT:
        index = r.u8()
        if index == 1:
            return PrimaryPreDigest(r.u32(), r.u64(), VrfSignature.decode_from(r))
        if index == 2:
            return SecondaryPlainPreDigest(r.u32(), r.u64())
        if index == 3:
            return SecondaryVRFPreDigest(r.u32(), r.u64(), VrfSignature.decode_from(r))
        raise ScaleDecodeError(f"invalid BABE PreDigest index {index}")

    @staticmethod
    def decode(data: bytes) -> BabePreDigestT:
        return decode_all(data, PreDigest.decode_from)

    @staticmethod
    def to_digest_item(pre: BabePreDigestT) -> PreRuntime:
        return PreRuntime(BABE_ENGINE_ID, PreDigest.encode(pre))


def babe_pre_digest(header: Header) -> BabePreDigestT | None:
    """The BABE slot claim of a header (None if it has no BABE PreRuntime log; raises if malformed)."""
    data = header.digest.pre_runtime(BABE_ENGINE_ID)
    return None if data is None else PreDigest.decode(data)


@dataclass(frozen=True)
class NextEpochDescriptor:
    """`ConsensusLog::NextEpochData` (index 1): authorities Vec<(sr25519 public, u64 weight)>, randomness [u8;32]."""

    authorities: tuple  # ((public32, weight), ...)
    randomness: bytes

    def encode(self) -> bytes:
        return b"\x01" + _encode_authority_list(self.authorities) + bytes(self.randomness)

    @classmethod
    def decode(cls, data: bytes) -> "NextEpochDescriptor":
        def read(r: Reader) -> "NextEpochDescriptor":
            if r.u8() != 1:
                raise ScaleDecodeError("not a BABE NextEpochData consensus log")
            return cls(_authority_list(r), r.read(32))
        return decode_all(data, read)


# GRANDPA (sp_consensus_grandpa::ConsensusLog<u32>), carried in Consensus(b"FRNK", …) logs.


def _authority_list(r: Reader) -> tuple:
    return tuple(r.vec(lambda q: (q.read(32), q.u64())))


def _encode_authority_list(authorities) -> bytes:
    return encode_vec(authorities, lambda a: bytes(a[0]) + encode_u64(a[1]))


@dataclass(frozen=True)
class GrandpaScheduledChange:
    """`ConsensusLog::ScheduledChange` (index 1): next_authorities Vec<(ed25519, u64)>, delay u32 blocks."""

    next_authorities: tuple
    delay: int

    def encode(self) -> bytes:
        return b"\x01" + _encode_authority_list(self.next_authorities) + encode_u32(self.delay)


@dataclass(frozen=True)
class GrandpaForcedChange:
    """`ConsensusLog::ForcedChange` (index 2): median last finalized u32, then a ScheduledChange."""

    median_last_finalized: int
    change: GrandpaScheduledChange

    def encode(self) -> bytes:
        return (b"\x02" + encode_u32(self.median_last_finalized) + _encode_authority_list(self.change.next_authorities)
                + encode_u32(self.change.delay))


def decode_grandpa_log(data: bytes):
    """Decode a GRANDPA consensus log: ScheduledChange / ForcedChange, or ("OnDisabled", u64),
    ("Pause", u32), ("Resume", u32) tuples for the rarer variants."""
    def read(r: Reader):
        index = r.u8()
        if index == 1:
            return GrandpaScheduledChange(_authority_list(r), r.u32())
        if index == 2:
            median = r.u32()
            return GrandpaForcedChange(median, GrandpaScheduledChange(_authority_list(r), r.u32()))
        if index == 3:
            return ("OnDisabled", r.u64())
        if index in (4, 5):
            return ("Pause" if index == 4 else "Resume", r.u32())
        raise ScaleDecodeError(f"invalid GRANDPA ConsensusLog index {index}")
    return decode_all(data, read)


def _iroot_ceil(x: int, n: int) -> int:
    """Smallest r with r^n >= x (x >= 0, n >= 1)."""
    if x < 2 or n == 1:
        return x
    r = 1 << -(-x.bit_length() // n)  # an upper bound
    while True:  # Newton's method from above converges to floor(x^(1/n))
        s = ((n - 1) * r + x // r ** (n - 1)) // n
        if s >= r:
            break
        r = s
    while r ** n > x:
        r -= 1
    return r if r ** n == x else r + 1


@lru_cache(maxsize=256)
def babe_primary_threshold(c: tuple[int, int], weight: int, total_weight: int) -> int:
    """Primary-slot threshold: floor(2^128 · (1 − (1 − c)^(weight / total_weight))), exactly, in integers.

    The slot is claimed (primary) iff the authoring score (`babe_vrf.authoring_score`) is below it. Substrate
    computes this with f64; we compute the exact floor instead, so every platform agrees: with c = n/d,
    (1 − c)^(w/W) · 2^128 = (2^(128 W) · (d − n)^w / d^w)^(1/W), whose integer ceiling root we take.
    Weights are reduced by their gcd first (typically all 1).
    """
    num, den = c
    if not (0 <= num <= den and den > 0) or not (0 <= weight <= total_weight and total_weight > 0):
        raise ValueError("need 0 <= c <= 1 and 0 <= weight <= total_weight > 0")
    if weight == 0:
        return 0
    g = math.gcd(weight, total_weight)
    w, big_w = weight // g, total_weight // g
    numerator = (1 << (128 * big_w)) * (den - num) ** w
    root = _iroot_ceil(-(-numerator // den ** w), big_w)  # ceil(x^(1/W)) >= the exact value
    return min((1 << 128) - root, (1 << 128) - 1)


def babe_secondary_slot_author(slot: int, authority_count: int, randomness: bytes) -> int:
    """Index of the secondary author of `slot`: U256(blake2_256(randomness ‖ slot u64)) mod count (big-endian)."""
    if authority_count <= 0:
        raise ValueError("no authorities")
    _check_len(randomness, 32, "epoch randomness")
    return int.from_bytes(blake2_256(bytes(randomness) + encode_u64(slot)), "big") % authority_count
