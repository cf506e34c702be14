"""Candidate validation: is a candidate what its receipt says, given its PoV, validation data and code?

Polkadot: `polkadot/node/core/candidate-validation` (`validate_candidate_exhaustive`); parachains.md §7
("Node-side before signing") and §12. In order, each failure a typed InvalidCandidate:
1. the encoded PoV fits `max_pov_size` (PoVTooLarge); blake2_256(PoV) is the descriptor's `pov_hash`;
2. the PVD hashes to `persisted_validation_data_hash`; the code hashes to `validation_code_hash`;
3. the collator's signature on the descriptor checks;
4. the PVF runs on ValidationParams{parent_head, block_data, relay_parent_number, relay_parent_storage_root}
   in the executor's worker processes (backing timeout 2 s, approval 12 s);
5. blake2_256(result head) is the descriptor's `para_head`; the commitments built from the result hash to the
   receipt's `commitments_hash`.
The PVF never runs on this event loop: the executor's workers do, and this subsystem only awaits them.
"""

from __future__ import annotations

import asyncio
import logging
import time

from parachain.abi import ValidationParams
from parachain.errors import InvalidCandidate
from relaychain.primitives import parachain_types as P
from relaychain.primitives.hashing import blake2_256

from .messages import ValidateCandidate, ValidationOutcome
from .overseer import Subsystem

log = logging.getLogger("relaychain.parachains.validation")


class PoVTooLarge(InvalidCandidate):
    reason = "pov-too-large"


class PoVHashMismatch(InvalidCandidate):
    reason = "pov-hash-mismatch"


class ValidationDataHashMismatch(InvalidCandidate):
    reason = "validation-data-hash-mismatch"


class CodeHashMismatch(InvalidCandidate):
    reason = "code-hash-mismatch"


class BadCollatorSignature(InvalidCandidate):
    reason = "bad-collator-signature"


class ParaHeadHashMismatch(InvalidCandidate):
    reason = "para-head-hash-mismatch"


class CommitmentsHashMismatch(InvalidCandidate):
    reason = "commitments-hash-mismatch"


def is_deterministic(error: InvalidCandidate) -> bool:
    """Would every honest validator reach this verdict? Wall-clock timeouts and dead workers depend on the
    machine (Polkadot calls them ambiguous): they make a validator abstain, never vote invalid in a dispute.
    The instruction budget (fuel) is deterministic even though it subclasses the timeout."""
    from parachain.errors import ExecutionTimeout, InstructionBudgetExhausted, PreparationTimeout, WorkerDied

    if isinstance(error, InstructionBudgetExhausted):
        return True
    return not isinstance(error, (ExecutionTimeout, WorkerDied, PreparationTimeout))


def check_candidate_inputs(candidate: P.CandidateReceipt, pvd: P.PersistedValidationData, pov: P.PoV,
                           code: bytes) -> None:
    """Steps 1-3: everything checkable without running the PVF; raises an InvalidCandidate."""
    d = candidate.descriptor
    encoded_pov = pov.encode()
    if len(encoded_pov) > pvd.max_pov_size:
        raise PoVTooLarge(f"PoV of {len(encoded_pov)} bytes exceeds max_pov_size {pvd.max_pov_size}")
    if blake2_256(encoded_pov) != d.pov_hash:
        raise PoVHashMismatch("the PoV does not hash to the descriptor's pov_hash")
    if pvd.hash() != d.persisted_validation_data_hash:
        raise ValidationDataHashMismatch("the validation data does not hash to the descriptor's "
                                         "persisted_validation_data_hash (wrong parent head or relay parent)")
    if P.validation_code_hash(code) != d.validation_code_hash:
        raise CodeHashMismatch("the validation code does not hash to the descriptor's validation_code_hash")
    if not d.check_collator_signature():
        raise BadCollatorSignature("the collator's signature on the descriptor does not check")


def commitments_of(result) -> P.CandidateCommitments:
    """The candidate commitments a ValidationResult implies."""
    return P.CandidateCommitments(
        upward_messages=tuple(result.upward_messages),
        horizontal_messages=tuple(result.horizontal_messages),
        new_validation_code=result.new_validation_code,
        head_data=result.head_data,
        processed_downward_messages=result.processed_downward_messages,
        hrmp_watermark=result.hrmp_watermark)


async def validate_candidate(executor, candidate: P.CandidateReceipt, pvd: P.PersistedValidationData, pov: P.PoV,
                             code: bytes, kind: str = "backing") -> P.CandidateCommitments:
    """All five steps; returns the commitments or raises an InvalidCandidate."""
    await asyncio.to_thread(check_candidate_inputs, candidate, pvd, pov, code)  # hashing megabytes: off the loop
    params = ValidationParams(pvd.parent_head, pov.block_data, pvd.relay_parent_number,
                              pvd.relay_parent_storage_root)
    result = await executor.validate(code, params, kind=kind)
    if blake2_256(result.head_data) != candidate.descriptor.para_head:
        raise ParaHeadHashMismatch("the PVF's head does not hash to the descriptor's para_head")
    commitments = commitments_of(result)
    if commitments.hash() != candidate.commitments_hash:
        raise CommitmentsHashMismatch("the PVF's outputs differ from the commitments in the receipt")
    return commitments


class CandidateValidation(Subsystem):
    name = "candidate-validation"
    handles = (ValidateCandidate,)

    async def handle_message(self, message: ValidateCandidate) -> None:
        self.ctx.spawn(self._validate(message), f"validate-{message.candidate.hash().hex()[:8]}")

    async def _validate(self, m: ValidateCandidate) -> None:
        node = self.ctx.node
        started = time.perf_counter()
        try:
            commitments = await validate_candidate(node.pvf_executor, m.candidate, m.validation_data, m.pov,
                                                   m.validation_code, m.kind)
            outcome = ValidationOutcome(commitments=commitments)
        except InvalidCandidate as exc:
            outcome = ValidationOutcome(error=exc)
        if node.metrics is not None:
            node.metrics.pvf_validations.labels("valid" if outcome.valid else outcome.error.reason).inc()
            node.metrics.pvf_validation_seconds.observe(time.perf_counter() - started)
        if not m.reply.done():
            m.reply.set_result(outcome)
