"""The transport-agnostic network interface the node codes against (contracts C5).

A `Network` gives a node three things: gossip (a topic-addressed broadcast that every connected
node re-gossips once, de-duplicated by message hash), request/response (a numbered request to one
peer, answered by the handler registered for its protocol name, with a timeout), and peer events.
Peers are identified by their ed25519 node-key public key (32 bytes) and are authenticated by it.
"""

from __future__ import annotations

import abc
from typing import Awaitable, Callable

GossipHandler = Callable[[bytes, bytes], "None | bool | Awaitable[None | bool]"]
RequestHandler = Callable[[bytes, bytes], Awaitable[bytes]]
PeerHandler = Callable[[bytes], "None | Awaitable[None]"]


class Network(abc.ABC):
    """Abstract asyncio network endpoint of one node."""

    peer_id: bytes

    @abc.abstractmethod
    async def start(self) -> None:
        """Begin listening/dialing; returns once the endpoint can send and receive."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Disconnect from every peer and release sockets. Pending requests fail with NotConnected."""

    @abc.abstractmethod
    def peers(self) -> list[bytes]:
        """Authenticated, currently connected peers (sorted)."""

    @abc.abstractmethod
    def gossip(self, topic: str, data: bytes) -> None:
        """Broadcast `data` on `topic` to every peer; they deliver it once and relay it on."""

    @abc.abstractmethod
    def notify(self, peer_id: bytes, topic: str, data: bytes) -> bool:
        """Send `data` on `topic` to one peer (a notification protocol's per-peer send); its handlers see it as
        gossip. False if the peer is not connected."""

    @abc.abstractmethod
    def on_gossip(self, topic: str, handler: GossipHandler) -> None:
        """Call `handler(peer_id, data)` for each new message on `topic`.

        A handler returning False (or an awaitable resolving to False) marks the message invalid:
        it is not relayed further.
        """

    @abc.abstractmethod
    async def request(self, peer_id: bytes, protocol: str, data: bytes, timeout: float = 5.0) -> bytes:
        """Send a request and await the response bytes; raises a `NetworkError` subclass."""

    @abc.abstractmethod
    def on_request(self, protocol: str, handler: RequestHandler) -> None:
        """Serve `protocol` with `async handler(peer_id, data) -> bytes` (an exception becomes an error reply)."""

    @abc.abstractmethod
    def on_peer_connected(self, handler: PeerHandler) -> None:
        """Call `handler(peer_id)` whenever a peer completes authentication."""

    @abc.abstractmethod
    def on_peer_disconnected(self, handler: PeerHandler) -> None:
        """Call `handler(peer_id)` whenever an authenticated peer goes away."""
