"""The parachain subsystems of a validator (ARCHITECTURE.md "Subsystems"; parachains.md §1 stages 1-4).

One module per subsystem, typed messages between them (`messages.py`), driven by the overseer
(`overseer.py`) with active-leaves and finality signals:

  collator_protocol ──SecondCollation──▶ backing ──ValidateCandidate──▶ candidate_validation (PVF workers)
  statement_distribution ◀─ShareStatement─┘  │ └─StoreAvailableData──▶ availability_store ◀─ availability_distribution
        └─StatementReceived──▶ backing       └─ProvisionBackedCandidate──▶ provisioner ◀─ProvisionBitfield─┐
  bitfield_signing ──ShareBitfield──▶ bitfield_distribution ─────────────────────────────────────────────┘

The provisioner is the block author's inherent data provider for `ParaInherent.enter`; `informant` logs and
counts what each block did to candidates. Subsystems read the relay chain only through the ParachainHost
runtime API (`runtime_api.py`).
"""

from __future__ import annotations

from functools import partial

from .availability_distribution import AvailabilityDistribution
from .approval_voting import ApprovalVoting
from .availability_recovery import AvailabilityRecovery
from .availability_store import AvailabilityStore
from .backing import CandidateBacking
from .bitfield_distribution import BitfieldDistribution
from .bitfield_signing import BitfieldSigning
from .candidate_validation import CandidateValidation
from .collator_protocol import CollatorProtocol
from .dispute_coordinator import DisputeCoordinator
from .informant import CandidateInformant
from .overseer import NodeContext, Overseer
from .provisioner import Provisioner
from .runtime_api import RuntimeApi, RuntimeApiError
from .statement_distribution import StatementDistribution


def validator_overseer(node: NodeContext, *, log_candidates: bool = True, overrides=None) -> Overseer:
    """The overseer of a parachain validator with every subsystem of stages 1-4.

    `overrides` maps a subsystem's name to a replacement factory — Polkadot's *malus*: a validator that
    misbehaves in one subsystem (withholds chunks, signs nothing), to test that the network copes."""
    overrides = overrides or {}
    subsystems = [
        AvailabilityStore, CandidateValidation, CandidateBacking, StatementDistribution, CollatorProtocol,
        AvailabilityDistribution, AvailabilityRecovery, BitfieldSigning, BitfieldDistribution, Provisioner,
        ApprovalVoting, DisputeCoordinator, partial(CandidateInformant, log_candidates=log_candidates),
    ]
    names = {getattr(s, "name", None) or s.func.name for s in subsystems}
    unknown = set(overrides) - names
    if unknown:
        raise ValueError(f"no subsystem named {sorted(unknown)}; subsystems: {sorted(names)}")
    return Overseer(node, [overrides.get(getattr(s, "name", None) or s.func.name, s) for s in subsystems])


def observer_overseer(node: NodeContext, *, log_candidates: bool = True) -> Overseer:
    """A full node's: it follows candidates (informant) without validating."""
    return Overseer(node, [partial(CandidateInformant, log_candidates=log_candidates)])


__all__ = ["NodeContext", "Overseer", "RuntimeApi", "RuntimeApiError", "validator_overseer", "observer_overseer"]
