"""Wire frames: the SCALE enum every transport sends between two nodes.

One frame per transport message. Variant indices are the first byte:

| idx | frame     | fields                                                                    |
|-----|-----------|---------------------------------------------------------------------------|
| 0   | Hello     | version u32, genesis_hash [u8;32], peer_id [u8;32], nonce [u8;32], listen String |
| 1   | HelloAck  | genesis_hash [u8;32], peer_id [u8;32], nonce [u8;32], signature [u8;64]    |
| 2   | Auth      | signature [u8;64]                                                         |
| 3   | Welcome   | (empty)                                                                   |
| 4   | Reject    | reason String                                                             |
| 5   | Gossip    | topic String, data Vec<u8>                                                |
| 6   | Request   | id u64, protocol String, data Vec<u8>                                     |
| 7   | Response  | id u64, result Result<Vec<u8>, String> (0 = Ok, 1 = Err)                  |
| 8   | Ping      | nonce u64                                                                 |
| 9   | Pong      | nonce u64                                                                 |

Decoding is strict: unknown variants, trailing bytes, over-long names or non-UTF-8 strings raise
`MalformedFrame`, and the sender is treated as misbehaving.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from relaychain.node.network.errors import MalformedFrame
from relaychain.primitives.scale import (
    Reader,
    ScaleDecodeError,
    encode_bytes,
    encode_str,
    encode_u32,
    encode_u64,
)

PROTOCOL_VERSION = 1
MAX_NAME_LEN = 64  # topic and protocol names; longer ones are refused as malformed


@dataclass(frozen=True)
class Hello:
    version: int
    genesis_hash: bytes
    peer_id: bytes
    nonce: bytes
    listen: str


@dataclass(frozen=True)
class HelloAck:
    genesis_hash: bytes
    peer_id: bytes
    nonce: bytes
    signature: bytes


@dataclass(frozen=True)
class Auth:
    signature: bytes


@dataclass(frozen=True)
class Welcome:
    pass


@dataclass(frozen=True)
class Reject:
    reason: str


@dataclass(frozen=True)
class Gossip:
    topic: str
    data: bytes


@dataclass(frozen=True)
class Request:
    id: int
    protocol: str
    data: bytes


@dataclass(frozen=True)
class Response:
    id: int
    ok: bool
    data: bytes  # the response bytes when ok, else the UTF-8 error message


@dataclass(frozen=True)
class Ping:
    nonce: int


@dataclass(frozen=True)
class Pong:
    nonce: int


Frame = Union[Hello, HelloAck, Auth, Welcome, Reject, Gossip, Request, Response, Ping, Pong]
HANDSHAKE_FRAMES = (Hello, HelloAck, Auth, Welcome, Reject)


def _fixed(value: bytes, n: int, name: str) -> bytes:
    if len(value) != n:
        raise ValueError(f"{name} must be {n} bytes, got {len(value)}")
    return bytes(value)


def _name(value: str) -> bytes:
    raw = encode_str(value)
    if len(value.encode()) > MAX_NAME_LEN:
        raise ValueError(f"name {value[:20]!r}... longer than {MAX_NAME_LEN} bytes")
    return raw


def encode_frame(frame: Frame) -> bytes:
    """SCALE-encode one wire frame."""
    if isinstance(frame, Hello):
        return (b"\x00" + encode_u32(frame.version) + _fixed(frame.genesis_hash, 32, "genesis_hash")
                + _fixed(frame.peer_id, 32, "peer_id") + _fixed(frame.nonce, 32, "nonce") + encode_str(frame.listen))
    if isinstance(frame, HelloAck):
        return (b"\x01" + _fixed(frame.genesis_hash, 32, "genesis_hash") + _fixed(frame.peer_id, 32, "peer_id")
                + _fixed(frame.nonce, 32, "nonce") + _fixed(frame.signature, 64, "signature"))
    if isinstance(frame, Auth):
        return b"\x02" + _fixed(frame.signature, 64, "signature")
    if isinstance(frame, Welcome):
        return b"\x03"
    if isinstance(frame, Reject):
        return b"\x04" + encode_str(frame.reason)
    if isinstance(frame, Gossip):
        return b"\x05" + _name(frame.topic) + encode_bytes(frame.data)
    if isinstance(frame, Request):
        return b"\x06" + encode_u64(frame.id) + _name(frame.protocol) + encode_bytes(frame.data)
    if isinstance(frame, Response):
        return b"\x07" + encode_u64(frame.id) + (b"\x00" if frame.ok else b"\x01") + encode_bytes(frame.data)
    if isinstance(frame, Ping):
        return b"\x08" + encode_u64(frame.nonce)
    if isinstance(frame, Pong):
        return b"\x09" + encode_u64(frame.nonce)
    raise TypeError(f"not a wire frame: {frame!r}")


def _read_name(r: Reader) -> str:
    name = r.str()
    if len(name.encode()) > MAX_NAME_LEN:
        raise ScaleDecodeError(f"name longer than {MAX_NAME_LEN} bytes")
    return name


def _decode(r: Reader) -> Frame:
    tag = r.u8()
    if tag == 0:
        return Hello(r.u32(), r.read(32), r.read(32), r.read(32), r.str())
    if tag == 1:
        return HelloAck(r.read(32), r.read(32), r.read(32), r.read(64))
    if tag == 2:
        return Auth(r.read(64))
    if tag == 3:
        return Welcome()
    if tag == 4:
        return Reject(r.str())
    if tag == 5:
        return Gossip(_read_name(r), r.bytes())
    if tag == 6:
        return Request(r.u64(), _read_name(r), r.bytes())
    if tag == 7:
        rid = r.u64()
        result = r.u8()
        if result > 1:
            raise ScaleDecodeError(f"invalid Result tag {result}")
        return Response(rid, result == 0, r.bytes())
    if tag == 8:
        return Ping(r.u64())
    if tag == 9:
        return Pong(r.u64())
    raise ScaleDecodeError(f"unknown frame variant {tag}")


def decode_frame(data: bytes) -> Frame:
    """Decode exactly one frame; raises `MalformedFrame` on any invalid byte."""
    try:
        r = Reader(data)
        frame = _decode(r)
        r.finish()
        return frame
    except ScaleDecodeError as e:
        raise MalformedFrame(f"malformed frame ({len(data)} bytes): {e}") from None
