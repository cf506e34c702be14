"""Typed errors of the network layer.

Every failure a caller can act on has its own type; all derive from `NetworkError` so callers
that only care "the network failed" catch one class.
"""

from __future__ import annotations

from dataclasses import dataclass


class NetworkError(Exception):
    """Any failure of the network layer (transport, handshake, request)."""


class NotConnected(NetworkError):
    """The peer is not (or no longer) connected: dial it or wait for `on_peer_connected`."""


class RequestTimeout(NetworkError):
    """The peer did not answer a request in time."""


class RequestFailed(NetworkError):
    """The peer answered a request with an error (unknown protocol, handler failure)."""


class MessageTooLarge(NetworkError):
    """A message exceeds the configured `max_message_size`: split it or raise the limit."""


class MalformedFrame(NetworkError):
    """Bytes received from a peer are not a valid SCALE-encoded wire frame."""


class HandshakeRefused(NetworkError):
    """The peer failed authentication (wrong key, bad signature, other chain, bad version)."""


class InvalidAddress(NetworkError, ValueError):
    """A listen address or bootnode string is not `/ip4/<ip>/tcp/<port>[/p2p/<peer id>]` or `tcp://ip:port`."""


@dataclass(frozen=True)
class Misbehaviour:
    """A report that a peer broke the protocol; the peer is disconnected and banned for a while.

    `peer_id` is None when the sender never authenticated (we only know its transport address).
    """

    peer_id: bytes | None
    reason: str
