"""Listen addresses and bootnode strings.

Accepted forms: `/ip4/<a.b.c.d>/tcp/<port>[/p2p/<peer id>]` (multiaddr-like, as Substrate prints
bootnodes) and `tcp://<host>:<port>`. The peer id is the 32-byte ed25519 node-key public key, as
64 hex digits (optionally `0x`-prefixed) or as an SS58 address of that key.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from relaychain.node.network.errors import InvalidAddress


@dataclass(frozen=True)
class PeerAddress:
    host: str
    port: int
    peer_id: bytes | None = None

    @property
    def endpoint(self) -> str:
        """The ZeroMQ endpoint string."""
        return f"tcp://{self.host}:{self.port}"

    def multiaddr(self) -> str:
        base = f"/ip4/{self.host}/tcp/{self.port}"
        return base + (f"/p2p/{self.peer_id.hex()}" if self.peer_id else "")


def parse_peer_id(text: str) -> bytes:
    """A peer id from hex (64 digits) or an SS58 address of the node-key public key."""
    s = text[2:] if text.startswith("0x") else text
    if len(s) == 64:
        try:
            return bytes.fromhex(s)
        except ValueError:
            pass
    try:
        from relaychain.primitives.ss58 import ss58_decode  # C1; SS58 ids are a convenience
        pub, _prefix = ss58_decode(text)
        if len(pub) == 32:
            return bytes(pub)
    except Exception:
        pass
    raise InvalidAddress(f"peer id {text!r} is neither 64 hex digits nor an SS58 address of a 32-byte key")


def _port(text: str, original: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise InvalidAddress(f"bad TCP port {text!r} in {original!r}")
    return int(text)


def _ip4(text: str, original: str) -> str:
    if text == "localhost":
        return "127.0.0.1"
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        raise InvalidAddress(f"bad IPv4 address {text!r} in {original!r}") from None


def parse_address(text: str) -> PeerAddress:
    """Parse a listen address or bootnode string; raises `InvalidAddress` with the expected shape."""
    if text.startswith("tcp://"):
        host, sep, port = text[len("tcp://"):].rpartition(":")
        if not sep or not host:
            raise InvalidAddress(f"{text!r}: expected tcp://<host>:<port>")
        return PeerAddress(host if host == "*" else _ip4(host, text), _port(port, text))
    parts = text.split("/")
    if parts[0] != "" or len(parts) not in (5, 7) or parts[1] != "ip4" or parts[3] != "tcp":
        raise InvalidAddress(f"{text!r}: expected /ip4/<ip>/tcp/<port>[/p2p/<peer id>]")
    peer_id = None
    if len(parts) == 7:
        if parts[5] != "p2p":
            raise InvalidAddress(f"{text!r}: expected /p2p/<peer id> after the port")
        peer_id = parse_peer_id(parts[6])
    return PeerAddress(_ip4(parts[2], text), _port(parts[4], text), peer_id)
