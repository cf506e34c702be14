"""Small helpers shared by the RPC unit tests."""

from __future__ import annotations

from relaychain.primitives.scale import encode_compact


def H(data: bytes) -> str:
    return "0x" + data.hex()


def unsigned_remark(data: bytes) -> bytes:
    """An unsigned v4 extrinsic: 0x04 ‖ System(0).remark(0)(Vec<u8>), with its compact length prefix."""
    body = b"\x04\x00\x00" + encode_compact(len(data)) + data
    return encode_compact(len(body)) + body
