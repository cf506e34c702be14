"""Statement distribution: gossip backing statements to every validator, and check those we receive.

Polkadot: `polkadot/node/network/statement-distribution`. Every validator needs every group's statements (any
of them may author the block that backs a candidate), so statements are flooded on the `statements` topic.
A received statement is relayed and handed to backing only if it is signed by the validator it names, over
the compact statement and the relay parent's signing context (session of the relay parent's child). A
statement about a relay parent we have not imported yet waits (`PENDING_LIMIT`, for `PENDING_BLOCKS` new
leaves) instead of being dropped: peers import blocks at slightly different times.
"""

from __future__ import annotations

import logging

from relaychain.primitives.crypto import verify_sr25519
from relaychain.primitives.scale import ScaleDecodeError

from .messages import ShareStatement, StatementReceived
from .overseer import ActiveLeavesUpdate, Subsystem
from .protocol import STATEMENTS_TOPIC, SignedStatement

log = logging.getLogger("relaychain.parachains.statements")

PENDING_LIMIT = 512
PENDING_BLOCKS = 4


class StatementDistribution(Subsystem):
    name = "statement-distribution"
    handles = (ShareStatement,)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.pending: list[tuple[int, bytes, SignedStatement]] = []  # (leaves seen, peer, statement)
        ctx.node.network.on_gossip(STATEMENTS_TOPIC, self._on_gossip)

    async def handle_message(self, m: ShareStatement) -> None:
        self.ctx.node.network.gossip(STATEMENTS_TOPIC, m.statement.encode())

    async def handle_signal(self, signal) -> None:
        if isinstance(signal, ActiveLeavesUpdate) and signal.activated is not None and self.pending:
            waiting, self.pending = self.pending, []
            for age, peer, s in waiting:
                verdict = self._check(s)
                if verdict is None and age + 1 < PENDING_BLOCKS:
                    self.pending.append((age + 1, peer, s))
                elif verdict:
                    self.ctx.send(StatementReceived(s, peer))

    def _on_gossip(self, peer_id: bytes, data: bytes) -> bool:
        try:
            s = SignedStatement.decode(data)
        except (ScaleDecodeError, ValueError):
            log.debug("malformed statement from %s", peer_id.hex()[:16])
            return False
        verdict = self._check(s)
        if verdict is None:
            if len(self.pending) < PENDING_LIMIT:
                self.pending.append((0, peer_id, s))
            return True  # others may have the block already
        if verdict:
            self.ctx.send(StatementReceived(s, peer_id))
        return verdict

    def _check(self, s: SignedStatement):
        """True if correctly signed, False if not, None if the relay parent is not known yet."""
        node = self.ctx.node
        if node.client.header(s.relay_parent) is None:
            return None
        api = node.runtime_api
        validators = api.validators(s.relay_parent)
        if s.validator_index >= len(validators):
            return False
        return verify_sr25519(s.signature, s.payload(api.session_index_for_child(s.relay_parent)),
                              validators[s.validator_index])
