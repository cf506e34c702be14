"""system_peers / system_localPeerId / system_nodeRoles / system_localListenAddresses: the JSON shapes of
polkadot-sdk `sc-rpc-api` `system` (PeerInfo camelCase fields, NodeRole names) over the in-test backend, and
the node-status message the node uses to learn its peers' roles and best blocks."""

from __future__ import annotations

import pytest

from relaychain.node.sync import ROLE_AUTHORITY, ROLE_FULL, ROLE_LIGHT, NodeStatus, role_name
from relaychain.primitives.scale import ScaleDecodeError

from .helpers import H


def test_peers_are_serialized_as_substrate_peer_info(ws, chain):
    assert ws.call("system_peers") == []
    best = bytes(range(32))
    chain.peers = [{"peer_id": "ab" * 32, "roles": "AUTHORITY", "best_hash": best, "best_number": 17},
                   {"peer_id": "cd" * 32, "roles": "FULL", "best_hash": b"\0" * 32, "best_number": 0}]
    assert ws.call("system_peers") == [
        {"peerId": "ab" * 32, "roles": "AUTHORITY", "bestHash": H(best), "bestNumber": 17},
        {"peerId": "cd" * 32, "roles": "FULL", "bestHash": "0x" + "00" * 32, "bestNumber": 0},
    ]


def test_local_identity_roles_and_addresses(ws, chain):
    assert ws.call("system_localPeerId") == "11" * 32
    assert ws.call("system_nodeRoles") == ["Full"]
    chain.roles = ["Authority"]
    assert ws.call("system_nodeRoles") == ["Authority"]
    assert ws.call("system_localListenAddresses") == []
    chain.addresses = ["/ip4/127.0.0.1/tcp/30333/p2p/" + "11" * 32]
    assert ws.call("system_localListenAddresses") == chain.addresses


def test_methods_are_listed():
    from .harness import RunningServer
    from .toychain import ToyChain

    with RunningServer(ToyChain()) as server:
        client = server.ws()
        methods = client.call("rpc_methods")["methods"]
        client.close()
    assert {"system_peers", "system_localPeerId", "system_nodeRoles", "system_localListenAddresses"} <= set(methods)


def test_node_status_bytes():
    """roles u8 ‖ best_number u32 LE ‖ best_hash, written out by hand."""
    status = NodeStatus(ROLE_AUTHORITY, 0x01020304, b"\xaa" * 32)
    wire = bytes([0b100]) + bytes([4, 3, 2, 1]) + b"\xaa" * 32
    assert status.encode() == wire
    assert NodeStatus.decode(wire) == status
    with pytest.raises(ScaleDecodeError):
        NodeStatus.decode(wire + b"\0")  # trailing bytes
    with pytest.raises(ScaleDecodeError):
        NodeStatus.decode(wire[:-1])


def test_role_names_follow_substrate_observed_role():
    assert role_name(ROLE_AUTHORITY) == "AUTHORITY"
    assert role_name(ROLE_AUTHORITY | ROLE_FULL) == "AUTHORITY"
    assert role_name(ROLE_FULL) == "FULL"
    assert role_name(ROLE_LIGHT) == "LIGHT"


def test_real_node_over_zeromq_reports_its_listen_multiaddr_and_identity(tmp_path):
    """A full node (no validator keys) on a real ZeroMQ socket: the multiaddr names the port actually bound
    and the node key, in the same hex form as the `Local node identity` log line."""
    import asyncio

    from relaychain.node.network import ZmqNetwork
    from relaychain.node.service import Node, NodeConfig
    from relaychain.primitives.crypto import Ed25519Keypair

    async def scenario():
        key = Ed25519Keypair.generate()
        node = Node(NodeConfig(name="full", base_path=tmp_path / "full", is_dev=True, sealing="manual"),
                    lambda genesis_hash: ZmqNetwork(key, listen="tcp://127.0.0.1:0", genesis_hash=genesis_hash))
        await node.start()
        try:
            port = int(node.network.listen_address.rsplit(":", 1)[1])
            assert port > 0
            assert node.local_peer_id() == bytes(key.public).hex()
            assert node.listen_addresses() == [f"/ip4/127.0.0.1/tcp/{port}/p2p/{bytes(key.public).hex()}"]
            assert node.node_roles() == ["Full"]
            assert node.peer_infos() == []
        finally:
            await node.stop()

    asyncio.run(scenario())
