"""Bitfield signing: on each new leaf, say which occupied cores' chunks we hold.

Polkadot: `polkadot/node/core/bitfield-signing` (parachains.md §5-§6). For leaf L, bit i is set iff core i is
occupied at L and our chunk of its candidate is stored. We give chunk fetching time to finish — until every
occupied core's chunk is in, or `SIGNING_DELAY_SHARE` of a slot has passed (Polkadot waits 1.5 s of a 6 s
slot) — then sign `SCALE(bits) ‖ session_index_for_child(L) ‖ L` with our para_validator key and share it.
"""

from __future__ import annotations

import asyncio
import time

from relaychain.primitives import parachain_types as P

from .messages import ProvisionBitfield, QueryChunksAvailable, ShareBitfield
from .overseer import ActiveLeavesUpdate, Subsystem

SIGNING_DELAY_SHARE = 0.4
POLL_SECONDS = 0.02


class BitfieldSigning(Subsystem):
    name = "bitfield-signing"

    async def handle_signal(self, signal) -> None:
        if isinstance(signal, ActiveLeavesUpdate) and signal.activated is not None and self.ctx.node.keys:
            self.ctx.spawn(self._sign_for(signal.activated.hash), "sign-bitfield")

    async def _sign_for(self, leaf: bytes) -> None:
        node = self.ctx.node
        api = node.runtime_api
        validators = api.validators(leaf)
        key = node.keys.para_validator
        if key.public not in validators:
            return
        our_index = validators.index(key.public)
        cores = api.availability_cores(leaf)
        wanted = tuple((core[1].candidate_hash, our_index) if core != "Free" and core[0] == "Occupied" else None
                       for core in cores)
        needed = tuple(w for w in wanted if w is not None)
        deadline = time.monotonic() + node.slot_duration_ms * SIGNING_DELAY_SHARE / 1000
        held: tuple = ()
        while True:
            held = await self.ctx.request(QueryChunksAvailable(needed)) if needed else ()
            if len(held) == len(needed) or time.monotonic() >= deadline:
                break
            await asyncio.sleep(POLL_SECONDS)
        bits = tuple(w is not None and w in held for w in wanted)
        payload = P.bitfield_signing_payload(bits, api.session_index_for_child(leaf), leaf)
        signed = P.SignedAvailabilityBitfield(bits, our_index, key.sign(payload))
        self.ctx.send(ShareBitfield(leaf, signed))
        self.ctx.send(ProvisionBitfield(leaf, signed))
