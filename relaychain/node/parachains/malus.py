"""Malicious validators, for watching shared security work (polkadot-sdk's `malus`).

A malus validator runs the same node with one subsystem replaced (`validator_overseer(overrides=…)`):
- `back-garbage-candidate`: its backing replaces each collation's block data with garbage the para's PVF
  refuses (for the adder: a block whose starting state does not match), re-signs the descriptor with the
  para's collator key (dev chains' collator keys are public: `//Collator<id>`), and seconds and vouches
  for candidates without running the PVF. Approval checkers then find the included candidate invalid, a
  dispute concludes against it, the chain reverts and the backers are slashed.
- `dispute-valid`: as an approval checker it votes invalid on every candidate it checks (it loses the dispute:
  disabled, slashed 0 %).
- `withhold-chunks`: serves no erasure chunk and no AvailableData to anyone.
- `no-show`: announces its approval assignments but never checks or approves (later tranches cover it).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from relaychain.erasure import erasure_root, obtain_chunks_v1
from relaychain.node.keystore import collator_key
from relaychain.primitives import parachain_types as P

from .approval_voting import ApprovalVoting
from .availability_distribution import AvailabilityDistribution
from .availability_recovery import AvailabilityRecovery
from .backing import CandidateBacking
from .messages import IssueLocalStatement, StoreAvailableData
from .protocol import AVAILABLE_DATA_RESPONSE, Collation, encode_chunk_response

log = logging.getLogger("relaychain.malus")

GARBAGE = b"\xde\xad\xbe\xef" * 4  # adder BlockData{state, add} whose state no head's post-state hashes to


def garbage_collation(c: Collation, n_validators: int) -> Collation:
    """The same candidate claim (commitments, relay parent, PVD) over a PoV the PVF refuses."""
    pov = P.PoV(GARBAGE)
    d = c.candidate.descriptor
    root = erasure_root(obtain_chunks_v1(n_validators, P.AvailableData(pov, c.validation_data)))
    key = collator_key(c.para_id)
    signature = key.sign(P.collator_signature_payload(d.relay_parent, d.para_id, d.persisted_validation_data_hash,
                                                      pov.hash(), d.validation_code_hash))
    descriptor = replace(d, collator=key.public, pov_hash=pov.hash(), erasure_root=root, signature=signature)
    return replace(c, candidate=replace(c.candidate, descriptor=descriptor), pov=pov)


class GarbageBacking(CandidateBacking):
    async def _second_collation(self, c):
        try:
            info = self.info(c.relay_parent)
        except KeyError:
            return await super()._second_collation(c)
        garbage = garbage_collation(c, len(info.validators))
        log.warning("😈 malus: seconding a garbage candidate 0x%s… of para %d", garbage.candidate.hash().hex()[:8],
                    c.para_id)
        return await super()._second_collation(garbage)

    async def validate_for_backing(self, info, receipt, pvd, pov):
        """No PVF: just keep the chunks (so the candidate becomes available) and claim the commitments."""
        await self.ctx.request(StoreAvailableData(receipt.hash(), len(info.validators), receipt.descriptor.erasure_root,
                                                  P.AvailableData(pov, pvd)))
        self.povs[receipt.hash()] = pov
        return receipt.commitments


class DisputeValidApprovals(ApprovalVoting):
    async def _check(self, block, c) -> None:
        log.warning("😈 malus: voting invalid on valid candidate 0x%s…", c.hash.hex()[:8])
        self.ctx.send(IssueLocalStatement(block.session, c.receipt, False))


class NoShowApprovals(ApprovalVoting):
    async def _check(self, block, c) -> None:
        return None  # assigned, announced, never approved


class WithholdingAvailability(AvailabilityDistribution):
    async def _serve(self, peer_id: bytes, data: bytes) -> bytes:
        return encode_chunk_response(None)


class WithholdingRecovery(AvailabilityRecovery):
    async def _serve_available_data(self, peer_id: bytes, data: bytes) -> bytes:
        return AVAILABLE_DATA_RESPONSE.encode(None)


MODES = {
    "back-garbage-candidate": {"candidate-backing": GarbageBacking},
    "dispute-valid": {"approval-voting": DisputeValidApprovals},
    "withhold-chunks": {"availability-distribution": WithholdingAvailability,
                        "availability-recovery": WithholdingRecovery},
    "no-show": {"approval-voting": NoShowApprovals},
}


def overrides(mode: str) -> dict:
    """The subsystem replacements of a malus mode (ValueError for an unknown one)."""
    try:
        return dict(MODES[mode])
    except KeyError:
        raise ValueError(f"unknown malus mode {mode!r}; modes: {', '.join(sorted(MODES))}") from None
