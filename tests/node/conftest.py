import asyncio

import pytest


@pytest.fixture
def node(tmp_path):
    """One dev validator (//Alice, 6 s slots, block-time checks off) on its own in-process hub, not started."""
    from relaychain.node.network import InProcessHub
    from relaychain.node.service import Node, NodeConfig
    from relaychain.primitives.crypto import Ed25519Keypair

    n = Node(NodeConfig(name="alice", base_path=tmp_path / "alice", validator="alice", slot_duration_ms=6000,
                        is_dev=True, check_block_time=False),
             InProcessHub().join(Ed25519Keypair.from_seed(bytes(32))))
    yield n
    asyncio.run(n.stop())
