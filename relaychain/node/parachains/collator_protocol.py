"""The collator protocol, validator side: collators hand us collations for our backing group.

Polkadot: `polkadot/node/network/collator-protocol` (validator side). A collator of a para scheduled on our
group's core sends its `Collation` on `/collation/1`; backing decides (seconds it or says why not) and the
answer goes back to the collator, so a collator can tell why its para does not advance.
"""

from __future__ import annotations

import asyncio
import logging

from relaychain.primitives.scale import ScaleDecodeError

from .messages import SecondCollation
from .overseer import Subsystem
from .protocol import COLLATION_PROTOCOL, COLLATION_RESPONSE, Collation

log = logging.getLogger("relaychain.parachains.collator-protocol")

SECONDING_TIMEOUT = 10.0  # a collation must be judged well within a slot; beyond this the collator retries


class CollatorProtocol(Subsystem):
    name = "collator-protocol"

    def __init__(self, ctx):
        super().__init__(ctx)
        ctx.node.network.on_request(COLLATION_PROTOCOL, self._serve)

    async def _serve(self, peer_id: bytes, data: bytes) -> bytes:
        try:
            collation = Collation.decode(data)
        except (ScaleDecodeError, ValueError) as exc:
            return COLLATION_RESPONSE.encode(("Rejected", f"malformed collation: {exc}"))
        message = SecondCollation(collation)
        self.ctx.send(message)
        try:
            answer = await asyncio.wait_for(asyncio.shield(message.reply), SECONDING_TIMEOUT)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            answer = ("Rejected", "the validator could not judge the collation in time")
        return COLLATION_RESPONSE.encode(answer)
