"""`grandpa_subscribeJustifications`: the GRANDPA justification of each newly finalized block (rpc.md §3).

Served from the C6 backend: on every finality notification, the block's justifications are read and the one
with engine id `FRNK` (if the block was finalized by a GRANDPA commit) is sent as `"0x…"`. Blocks finalized
without a justification (e.g. dev instant sealing) produce no notification.
"""

from __future__ import annotations

from typing import Any

from . import params as P
from .registry import MethodRegistry

GRANDPA_ENGINE_ID = b"FRNK"


def register(rpc: MethodRegistry) -> None:
    @rpc.subscription(("grandpa_subscribeJustifications",), ("grandpa_unsubscribeJustifications",),
                      "grandpa_justifications")
    async def subscribe_justifications(ctx, p, sub):
        backend = ctx.backend

        def on_finalized(header: Any) -> None:
            for engine, justification in backend.justifications(header.hash()) or ():
                if engine == GRANDPA_ENGINE_ID:
                    sub.send(P.to_hex(justification))

        sub.on_close(backend.subscribe("finalized", on_finalized))
