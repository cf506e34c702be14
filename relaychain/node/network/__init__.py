"""Node networking: the transport-agnostic `Network` interface (contracts C5) and its transports.

- `InProcessHub` / `InProcessNetwork`: deterministic in-process transport for tests
  (latency, seeded loss, partitions).
- `ZmqNetwork`: real TCP transport between processes (ZeroMQ), peers authenticated by node key.
"""

from relaychain.node.network.addresses import PeerAddress, parse_address, parse_peer_id
from relaychain.node.network.engine import DEFAULT_MAX_MESSAGE_SIZE, PeerToPeerNetwork, gossip_message_id
from relaychain.node.network.errors import (
    HandshakeRefused,
    InvalidAddress,
    MalformedFrame,
    MessageTooLarge,
    Misbehaviour,
    NetworkError,
    NotConnected,
    RequestFailed,
    RequestTimeout,
)
from relaychain.node.network.inprocess import InProcessHub, InProcessNetwork
from relaychain.node.network.interface import Network


def __getattr__(name):  # ZeroMQ is imported only by nodes that use the real transport
    if name == "ZmqNetwork":
        from relaychain.node.network.zmq_transport import ZmqNetwork
        return ZmqNetwork
    raise AttributeError(name)


__all__ = [
    "Network", "InProcessHub", "InProcessNetwork", "ZmqNetwork", "PeerToPeerNetwork", "PeerAddress",
    "parse_address", "parse_peer_id", "gossip_message_id", "DEFAULT_MAX_MESSAGE_SIZE",
    "NetworkError", "NotConnected", "RequestTimeout", "RequestFailed", "MessageTooLarge", "MalformedFrame",
    "HandshakeRefused", "InvalidAddress", "Misbehaviour",
]
