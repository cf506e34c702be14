"""The dispute coordinator keeps what a dispute may still need, sessions of it (issue #13): the validator keys of
the last KEEP_SESSIONS + 1 sessions (the dispute period and the current one), however many sessions go by."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from relaychain.node.parachains.dispute_coordinator import KEEP_SESSIONS, DisputeCoordinator
from relaychain.node.parachains.overseer import BlockFinalized, NodeContext


class SessionKeys:
    """The runtime's answer to session_info: a distinct key set per session."""

    def session_info(self, _at, session: int):
        return SimpleNamespace(validators=tuple(bytes([session % 256, i]) * 16 for i in range(4)))


def test_validator_keys_are_kept_for_the_dispute_window_only():
    network = SimpleNamespace(on_gossip=lambda topic, handler: None)
    node = NodeContext(client=None, network=network, runtime_api=SessionKeys())
    coordinator = DisputeCoordinator(SimpleNamespace(node=node))
    coordinator.latest_leaf = b"\x01" * 32

    async def run():
        for session in range(300):
            assert coordinator._session_validators(session) == SessionKeys().session_info(None, session).validators
            await coordinator.handle_signal(BlockFinalized(b"\x02" * 32, session * 10))
            assert set(coordinator.validators) == set(range(max(0, session - KEEP_SESSIONS), session + 1))
        # a session that left is asked of the runtime again if a vote names it
        assert coordinator._session_validators(3) is not None

    asyncio.run(run())
