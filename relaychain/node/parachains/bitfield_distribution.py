"""Bitfield distribution: gossip signed availability bitfields; pass checked ones to the provisioner.

Polkadot: `polkadot/node/network/bitfield-distribution`. A bitfield about relay block L is accepted (relayed
and provisioned) only if it has one bit per availability core at L and is signed by the validator it names
over `SCALE(bits) ‖ session_index_for_child(L) ‖ L`; only the first per (L, validator) counts. Bitfields about
a block we have not imported yet wait for a few leaves, as statements do.
"""

from __future__ import annotations

import logging

from relaychain.primitives.scale import ScaleDecodeError

from .messages import ProvisionBitfield, ShareBitfield
from .overseer import ActiveLeavesUpdate, Subsystem
from .protocol import BITFIELDS_TOPIC, BitfieldGossip

log = logging.getLogger("relaychain.parachains.bitfields")

PENDING_LIMIT = 512
PENDING_BLOCKS = 4
KEEP_RELAY_PARENTS = 8


class BitfieldDistribution(Subsystem):
    name = "bitfield-distribution"
    handles = (ShareBitfield,)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.seen: dict[bytes, set[int]] = {}  # relay parent -> validator indices whose bitfield we took
        self.pending: list[tuple[int, BitfieldGossip]] = []
        ctx.node.network.on_gossip(BITFIELDS_TOPIC, self._on_gossip)

    async def handle_message(self, m: ShareBitfield) -> None:
        self.seen.setdefault(m.relay_parent, set()).add(m.signed.validator_index)
        self.ctx.node.network.gossip(BITFIELDS_TOPIC, BitfieldGossip(m.relay_parent, m.signed).encode())

    async def handle_signal(self, signal) -> None:
        if isinstance(signal, ActiveLeavesUpdate) and signal.activated is not None:
            if len(self.seen) > KEEP_RELAY_PARENTS:
                client = self.ctx.node.client
                keep = sorted(self.seen, key=lambda h: client.number(h) or 0)[-KEEP_RELAY_PARENTS:]
                self.seen = {h: self.seen[h] for h in keep}
            waiting, self.pending = self.pending, []
            for age, g in waiting:
                verdict = self._check(g)
                if verdict is None and age + 1 < PENDING_BLOCKS:
                    self.pending.append((age + 1, g))
                elif verdict:
                    self._accept(g)

    def _on_gossip(self, peer_id: bytes, data: bytes) -> bool:
        try:
            g = BitfieldGossip.decode(data)
        except (ScaleDecodeError, ValueError):
            log.debug("malformed bitfield from %s", peer_id.hex()[:16])
            return False
        if g.signed.validator_index in self.seen.get(g.relay_parent, ()):
            return False
        verdict = self._check(g)
        if verdict is None:
            if len(self.pending) < PENDING_LIMIT:
                self.pending.append((0, g))
            return True
        if verdict:
            self._accept(g)
        return verdict

    def _accept(self, g: BitfieldGossip) -> None:
        taken = self.seen.setdefault(g.relay_parent, set())
        if g.signed.validator_index not in taken:
            taken.add(g.signed.validator_index)
            self.ctx.send(ProvisionBitfield(g.relay_parent, g.signed))

    def _check(self, g: BitfieldGossip):
        """True if well-formed and signed, False if not, None if the relay parent is unknown yet."""
        node = self.ctx.node
        if node.client.header(g.relay_parent) is None:
            return None
        api = node.runtime_api
        validators = api.validators(g.relay_parent)
        if g.signed.validator_index >= len(validators):
            return False
        if len(g.signed.payload) != len(api.availability_cores(g.relay_parent)):
            return False
        return g.signed.check_signature(validators[g.signed.validator_index],
                                        api.session_index_for_child(g.relay_parent), g.relay_parent)
