"""The provisioner: what a block author puts in `ParaInherent.enter` (parachains.md §1 stage 3, §6).

Polkadot: `polkadot/node/core/provisioner`. It collects checked bitfields (per relay parent, one per
validator) and backable candidates as other subsystems find them, and when this node authors a block on parent
P it answers synchronously (block authoring never waits on the network):
- bitfields: every bitfield about P, ordered by validator index;
- candidates, one per core, in core order, chosen for the state the block will have after its bitfields are
  processed: a core scheduled for para X takes a candidate of X built on X's current head; an occupied core
  whose candidate these bitfields make available (on-chain votes plus ours reach the supermajority) takes a
  candidate built on that candidate's head (asynchronous backing: X advances in every block); a core whose
  candidate times out takes one built on X's head again. A candidate's relay parent must be P or one of its
  last `allowed_ancestry_len` ancestors.
The runtime re-checks everything (`create_inherent` drops what it would refuse), so a stale choice costs a
candidate a block, never the block.
"""

from __future__ import annotations

import logging
from typing import Optional

from relaychain.primitives import parachain_types as P
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.inherents import PARACHAINS_INHERENT

from .messages import ProvisionBackedCandidate, ProvisionBitfield, ProvisionDisputes
from .overseer import ActiveLeavesUpdate, Subsystem

log = logging.getLogger("relaychain.parachains.provisioner")

KEEP_BITFIELD_BLOCKS = 4
KEEP_CANDIDATE_BLOCKS = 8
# A candidate on chain at block n has its relay parent at or below n, so from leaf n + KEEP_CANDIDATE_BLOCKS on
# it could not stay among `candidates` anyway: its hash need not be remembered longer. (polkadot's provisioner
# keeps its per-leaf state only while the leaf is active.)
KEEP_ON_CHAIN_BLOCKS = KEEP_CANDIDATE_BLOCKS


class Provisioner(Subsystem):
    name = "provisioner"
    handles = (ProvisionBitfield, ProvisionBackedCandidate, ProvisionDisputes)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.bitfields: dict[bytes, dict[int, P.SignedAvailabilityBitfield]] = {}
        self.candidates: dict[bytes, ProvisionBackedCandidate] = {}
        self.on_chain: dict[bytes, int] = {}  # candidate hash -> number of the leaf that backed or included it
        self.disputes: dict[tuple[int, bytes], tuple] = {}  # (session, candidate) -> statements

    async def handle_message(self, m) -> None:
        if isinstance(m, ProvisionBitfield):
            self.bitfields.setdefault(m.relay_parent, {}).setdefault(m.signed.validator_index, m.signed)
        elif isinstance(m, ProvisionDisputes):
            self.disputes[(m.session, m.candidate_hash)] = m.statements
        elif isinstance(m, ProvisionBackedCandidate):
            h = m.backed.hash()
            if h in self.on_chain:
                return
            held = self.candidates.get(h)
            if held is None or len(m.backed.validity_votes) > len(held.backed.validity_votes):
                self.candidates[h] = m

    async def handle_signal(self, signal) -> None:
        if not isinstance(signal, ActiveLeavesUpdate) or signal.activated is None:
            return
        leaf = signal.activated
        client = self.ctx.node.client
        for kind, payload in self.ctx.node.runtime_api.candidate_events(leaf.hash):
            if kind in ("CandidateBacked", "CandidateIncluded"):
                h = payload[0].hash()
                self.on_chain[h] = max(self.on_chain.get(h, 0), leaf.number)
                self.candidates.pop(h, None)
        for rp in [rp for rp in self.bitfields if (client.number(rp) or 0) + KEEP_BITFIELD_BLOCKS < leaf.number]:
            del self.bitfields[rp]
        for h, c in list(self.candidates.items()):
            if (client.number(c.relay_parent) or 0) + KEEP_CANDIDATE_BLOCKS < leaf.number:
                del self.candidates[h]
        for h in [h for h, number in self.on_chain.items() if number + KEEP_ON_CHAIN_BLOCKS < leaf.number]:
            del self.on_chain[h]

    # -- block authoring ---------------------------------------------------------------------------
    def inherent_data(self, parent_header) -> P.ParachainsInherentData:
        """The parachains inherent for a block on `parent_header` (module docstring)."""
        parent = parent_header.hash()
        bitfields = tuple(v for _, v in sorted(self.bitfields.get(parent, {}).items()))
        return P.ParachainsInherentData(bitfields, tuple(self._candidates_for(parent_header, bitfields)),
                                        tuple(self._dispute_sets(parent)), parent_header)

    def _dispute_sets(self, parent: bytes) -> list[P.DisputeStatementSet]:
        """The dispute votes the chain at `parent` lacks, one set per disputed candidate, in (session,
        candidate) order; a set with nothing new is left out."""
        if not self.disputes:
            return []
        on_chain = {(session, h): state for session, h, state in self.ctx.node.runtime_api.disputes(parent)}
        sets = []
        for (session, h), statements in sorted(self.disputes.items()):
            state = on_chain.get((session, h))
            if state is not None:
                statements = tuple(s for s in statements
                                   if not _bit(state.validators_for if s[0][0] == "Valid" else state.validators_against,
                                               s[1]))
            if statements:
                sets.append(P.DisputeStatementSet(h, session, statements))
        return sets

    def provide(self, parent_header, _slot=None) -> tuple[bytes, bytes]:
        """The inherent data provider block authoring calls: (identifier, SCALE value)."""
        return PARACHAINS_INHERENT, self.inherent_data(parent_header).encode()

    def _candidates_for(self, parent_header, bitfields) -> list[P.BackedCandidate]:
        api = self.ctx.node.runtime_api
        parent = parent_header.hash()
        cores = api.availability_cores(parent)
        n_validators = len(api.validators(parent))
        ancestry = api.async_backing_params(parent).allowed_ancestry_len
        chosen = []
        for core_index, state in enumerate(cores):
            wanted = self._wanted_on(core_index, state, parent, parent_header.number + 1, bitfields, n_validators)
            if wanted is None:
                continue
            para, head_matches = wanted
            best = self._best_candidate(para, head_matches, parent, parent_header.number, ancestry)
            if best is not None:
                chosen.append(best.backed)
        return chosen

    def _wanted_on(self, core_index: int, state, parent: bytes, child_number: int, bitfields, n_validators: int):
        """(para, predicate on a candidate's parent head) for the candidate this core can take, or None."""
        api = self.ctx.node.runtime_api
        if state == "Free":
            return None
        kind, core = state
        if kind == "Scheduled":
            return self._on_current_head(parent, core.para_id, "Free")
        votes = sum(1 for v, bit in enumerate(core.availability)
                    if bit or any(b.validator_index == v and b.payload[core_index] for b in bitfields))
        if votes >= P.supermajority_threshold(n_validators):
            if core.next_up_on_available is None:
                return None
            head_hash = core.candidate_descriptor.para_head
            return core.next_up_on_available.para_id, lambda head: blake2_256(head) == head_hash
        if core.time_out_at <= child_number and core.next_up_on_time_out is not None:
            return self._on_current_head(parent, core.next_up_on_time_out.para_id, "TimedOut")
        return None

    def _on_current_head(self, parent: bytes, para: int, assumption: str):
        pvd = self.ctx.node.runtime_api.persisted_validation_data(parent, para, assumption)
        if pvd is None:
            return None
        head = pvd.parent_head
        return para, lambda candidate_head: candidate_head == head

    def _best_candidate(self, para: int, head_matches, parent: bytes, parent_number: int,
                        ancestry: int) -> Optional[ProvisionBackedCandidate]:
        client = self.ctx.node.client
        best, best_key = None, None
        for c in self.candidates.values():
            if c.backed.candidate.descriptor.para_id != para or not head_matches(c.validation_data.parent_head):
                continue
            rp_number = client.number(c.relay_parent)
            if rp_number is None or parent_number - rp_number > ancestry or \
                    client.ancestor_at(parent, rp_number) != c.relay_parent:
                continue
            key = (rp_number, len(c.backed.validity_votes))
            if best_key is None or key > best_key:
                best, best_key = c, key
        return best


def _bit(bits, index: int) -> bool:
    return index < len(bits) and bool(bits[index])
