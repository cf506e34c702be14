"""GRANDPA wire messages and their SCALE encodings (finality-grandpa `Message`, Substrate `GossipMessage`).

- Signed payload: `SCALE((Message, round u64, set_id u64))`, Message = Prevote 0 | Precommit 1 |
  PrimaryPropose 2, each `{target_hash H256, target_number u32}`; ed25519 signatures.
- Gossip (topic "grandpa") as Substrate's `GossipMessage`: 0 Vote{round, set_id, SignedMessage},
  1 Commit{round, set_id, CompactCommit}. Requests: "grandpa-justification" (latest justification
  above a block number) and "grandpa-catch-up" (the votes of the last completed round).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from relaychain.primitives.crypto import verify_ed25519
from relaychain.primitives.scale import Reader, ScaleDecodeError, decode_all, encode_u32, encode_u64, encode_vec

GOSSIP_TOPIC = "grandpa"
JUSTIFICATION_PROTOCOL = "grandpa-justification"
CATCH_UP_PROTOCOL = "grandpa-catch-up"
PREVOTE, PRECOMMIT, PRIMARY_PROPOSE = 0, 1, 2

Target = tuple[bytes, int]  # (hash, number)


@dataclass(frozen=True)
class Message:
    """A vote or primary proposal: `kind` is the enum index (PREVOTE, PRECOMMIT, PRIMARY_PROPOSE)."""

    kind: int
    target_hash: bytes
    target_number: int

    def encode(self) -> bytes:
        return bytes([self.kind]) + self.target_hash + encode_u32(self.target_number)

    @classmethod
    def decode_from(cls, r: Reader) -> "Message":
        kind = r.u8()
        if kind > PRIMARY_PROPOSE:
            raise ScaleDecodeError(f"unknown GRANDPA message variant {kind}")
        return cls(kind, r.read(32), r.u32())

    @property
    def target(self) -> Target:
        return self.target_hash, self.target_number


def vote_payload(message: Message, round_number: int, set_id: int) -> bytes:
    """The bytes a voter signs: SCALE((message, round, set_id))."""
    return message.encode() + encode_u64(round_number) + encode_u64(set_id)


@dataclass(frozen=True)
class SignedMessage:
    message: Message
    signature: bytes
    id: bytes

    def encode(self) -> bytes:
        return self.message.encode() + self.signature + self.id

    @classmethod
    def decode_from(cls, r: Reader) -> "SignedMessage":
        return cls(Message.decode_from(r), r.read(64), r.read(32))

    def verify(self, round_number: int, set_id: int) -> bool:
        return verify_ed25519(self.signature, vote_payload(self.message, round_number, set_id), self.id)


def _encode_vote_body(m: SignedMessage) -> bytes:  # SignedPrevote / SignedPrecommit: no enum tag
    return m.message.target_hash + encode_u32(m.message.target_number) + m.signature + m.id


def _decode_vote_body(kind: int) -> Callable[[Reader], SignedMessage]:
    return lambda r: SignedMessage(Message(kind, r.read(32), r.u32()), r.read(64), r.read(32))


@dataclass(frozen=True)
class Commit:
    """Precommits (SignedPrecommit, as SignedMessage of kind PRECOMMIT) justifying a target."""

    target_hash: bytes
    target_number: int
    precommits: tuple[SignedMessage, ...]

    def encode(self) -> bytes:
        return self.target_hash + encode_u32(self.target_number) + encode_vec(self.precommits, _encode_vote_body)

    @classmethod
    def decode_from(cls, r: Reader) -> "Commit":
        return cls(r.read(32), r.u32(), tuple(r.vec(_decode_vote_body(PRECOMMIT))))

    def encode_compact(self) -> bytes:
        """`CompactCommit`: precommits and auth data (signature, id) as two parallel vectors."""
        return (self.target_hash + encode_u32(self.target_number)
                + encode_vec(self.precommits, lambda p: p.message.target_hash + encode_u32(p.message.target_number))
                + encode_vec(self.precommits, lambda p: p.signature + p.id))

    @classmethod
    def decode_compact(cls, r: Reader) -> "Commit":
        target_hash, target_number = r.read(32), r.u32()
        targets = r.vec(lambda r: (r.read(32), r.u32()))
        auth = r.vec(lambda r: (r.read(64), r.read(32)))
        if len(targets) != len(auth):
            raise ScaleDecodeError("compact commit: precommits and auth data differ in length")
        return cls(target_hash, target_number,
                   tuple(SignedMessage(Message(PRECOMMIT, h, n), s, i) for (h, n), (s, i) in zip(targets, auth)))


@dataclass(frozen=True)
class CatchUp:
    """Substrate's `CatchUp`: all votes needed to complete `round_number` from `base`."""

    round_number: int
    prevotes: tuple[SignedMessage, ...]
    precommits: tuple[SignedMessage, ...]
    base_hash: bytes
    base_number: int

    def encode(self) -> bytes:
        return (encode_u64(self.round_number) + encode_vec(self.prevotes, _encode_vote_body)
                + encode_vec(self.precommits, _encode_vote_body) + self.base_hash + encode_u32(self.base_number))

    @classmethod
    def decode_from(cls, r: Reader) -> "CatchUp":
        return cls(r.u64(), tuple(r.vec(_decode_vote_body(PREVOTE))), tuple(r.vec(_decode_vote_body(PRECOMMIT))),
                   r.read(32), r.u32())


def encode_vote_gossip(round_number: int, set_id: int, signed: SignedMessage) -> bytes:
    return b"\x00" + encode_u64(round_number) + encode_u64(set_id) + signed.encode()


def encode_commit_gossip(round_number: int, set_id: int, commit: Commit) -> bytes:
    return b"\x01" + encode_u64(round_number) + encode_u64(set_id) + commit.encode_compact()


def decode_gossip(data: bytes) -> tuple[int, int, int, SignedMessage | Commit]:
    """(variant, round, set_id, payload) of a GRANDPA gossip message (Vote 0 or Commit 1)."""
    def dec(r: Reader):
        tag = r.u8()
        if tag not in (0, 1):
            raise ScaleDecodeError(f"unsupported GRANDPA gossip variant {tag}")
        rnd, set_id = r.u64(), r.u64()
        return tag, rnd, set_id, (SignedMessage.decode_from(r) if tag == 0 else Commit.decode_compact(r))
    return decode_all(data, dec)
