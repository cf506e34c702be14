"""Candidate backing: second collations for our group, validate what our group seconds, collect statements.

Polkadot: `polkadot/node/core/backing`; parachains.md §1 (stages 1-2), §2 (threshold), §5 (payload), §7.
- A collation reaches us (collator protocol) for a relay parent: we take it only if its para is in the claim
  queue of the core our group is assigned to there, and only one per (relay parent, para). We validate it
  (`validate_for_backing`), sign `Seconded` over `b"BKNG" ‖ 1 ‖ candidate hash ‖ session ‖ relay parent` and
  share it.
- A statement from a group member (statement distribution checked its signature): recorded; if it seconds a
  candidate for our group that we have not judged, we fetch its PoV from the seconder, validate it and sign
  `Valid`. A candidate we find invalid is never vouched for (and is logged with the reason).
- Every validator (block authors are anyone) records every group's statements; a candidate with a `Seconded`
  and at least `min(group size, minimum_backing_votes)` votes of its group is backable and handed to the
  provisioner, again each time it gains a vote.
Validation for backing (`validate_for_backing`): the PVD must be one the relay chain accepts for the para at
the relay parent (`assumed_validation_data`: the para's head, or the head of its candidate pending
availability — asynchronous backing builds on it), the code is the para's current code, the PVF runs in the
executor's workers, the relay chain accepts the outputs (`check_validation_outputs`), and the erasure coding
of AvailableData gives the descriptor's erasure root (the chunks are stored for the other validators).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Optional

from parachain.errors import InvalidCandidate
from relaychain.erasure import ErasureError
from relaychain.node.network.errors import NetworkError
from relaychain.primitives import parachain_types as P
from relaychain.primitives.scale import ScaleDecodeError

from .candidate_validation import is_deterministic
from .messages import (
    IssueLocalStatement, ProvisionBackedCandidate, SecondCollation, ShareStatement, StatementReceived, StoreAvailableData,
    ValidateCandidate,
)
from .overseer import ActiveLeavesUpdate, Subsystem
from .protocol import POV_PROTOCOL, POV_RESPONSE, PoVRequest, SignedStatement
from .relay_parent import RelayParentInfo, read_relay_parent, validator_peer

log = logging.getLogger("relaychain.parachains.backing")

KEEP_RELAY_PARENTS = 16  # relay parents whose candidates and PoVs we keep (well past allowed ancestry)
POV_FETCH_TIMEOUT = 2.0


class UnacceptableValidationData(InvalidCandidate):
    reason = "unacceptable-validation-data"


class OutputsRefused(InvalidCandidate):
    reason = "outputs-refused-by-relay-chain"


class ErasureRootMismatchError(InvalidCandidate):
    reason = "erasure-root-mismatch"


class CodeUnavailable(InvalidCandidate):
    reason = "code-unavailable"


@dataclass
class CandidateEntry:
    """A candidate some group member seconded, with its group's votes."""

    receipt: P.CommittedCandidateReceipt
    validation_data: P.PersistedValidationData
    relay_parent: bytes
    core: int
    group: int
    votes: dict = field(default_factory=dict)  # validator index -> ValidityAttestation
    judged: bool = False  # we validated it (or are validating it)

    @property
    def para_id(self) -> int:
        return self.receipt.descriptor.para_id


def backed_candidate(entry: CandidateEntry, group_members: tuple) -> P.BackedCandidate:
    """The on-chain form: one bit per group position, votes in group order."""
    bits = tuple(v in entry.votes for v in group_members)
    votes = tuple(entry.votes[v] for v in group_members if v in entry.votes)
    return P.BackedCandidate(entry.receipt, votes, bits)


class CandidateBacking(Subsystem):
    name = "candidate-backing"
    handles = (SecondCollation, StatementReceived)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.infos: dict[bytes, RelayParentInfo] = {}
        self.candidates: dict[bytes, CandidateEntry] = {}
        self.povs: dict[bytes, P.PoV] = {}
        self.seconded: set[tuple[bytes, int]] = set()  # (relay parent, para) we seconded for
        self.pending_valid: dict[bytes, list[SignedStatement]] = {}  # Valid votes before their Seconded
        ctx.node.network.on_request(POV_PROTOCOL, self._serve_pov)

    # -- relay parents ----------------------------------------------------------------------------
    def info(self, relay_parent: bytes) -> RelayParentInfo:
        info = self.infos.get(relay_parent)
        if info is None:
            node = self.ctx.node
            our_key = node.keys.para_validator.public if node.keys is not None else None
            info = read_relay_parent(node.runtime_api, node.client, relay_parent, our_key)
            self.infos[relay_parent] = info
        return info

    async def handle_signal(self, signal) -> None:
        if isinstance(signal, ActiveLeavesUpdate) and signal.activated is not None:
            self._prune(signal.activated.number)

    def _prune(self, best_number: int) -> None:
        stale = {rp for rp, info in self.infos.items() if info.number + KEEP_RELAY_PARENTS < best_number}
        for rp in stale:
            del self.infos[rp]
        for h, entry in list(self.candidates.items()):
            if entry.relay_parent in stale or entry.relay_parent not in self.infos:
                del self.candidates[h]
                self.povs.pop(h, None)
                self.pending_valid.pop(h, None)
        self.seconded = {(rp, para) for rp, para in self.seconded if rp in self.infos}

    # -- messages ----------------------------------------------------------------------------------
    async def handle_message(self, m) -> None:
        if isinstance(m, SecondCollation):
            self.ctx.spawn(self._second(m), "second")
        elif isinstance(m, StatementReceived):
            self._on_statement(m.statement)

    async def _serve_pov(self, peer_id: bytes, data: bytes) -> bytes:
        """`/req_pov/1`: the PoV of a candidate we validated, or None."""
        return POV_RESPONSE.encode(self.povs.get(PoVRequest.decode(data).candidate_hash))

    async def _second(self, m: SecondCollation) -> None:
        c = m.collation
        try:
            reply = await self._second_collation(c)
        except InvalidCandidate as exc:
            log.warning("para %d candidate 0x%s…: invalid, not backed (%s)", c.para_id,
                        c.candidate.hash().hex()[:8], exc)
            self._count("invalid")
            reply = ("Rejected", f"invalid candidate: {exc}")
        if not m.reply.done():
            m.reply.set_result(reply)

    async def _second_collation(self, c) -> tuple:
        try:
            info = self.info(c.relay_parent)
        except KeyError:
            return "Rejected", f"unknown relay parent 0x{c.relay_parent.hex()}"
        if info.our_index is None:
            return "Rejected", "this node is not a parachain validator at that relay parent"
        d = c.candidate.descriptor
        if d.para_id != c.para_id or d.relay_parent != c.relay_parent:
            return "Rejected", "the descriptor's para id or relay parent differs from the collation's"
        if c.para_id not in info.our_paras:
            return "Rejected", (f"para {c.para_id} is not scheduled on core {info.our_core} of our group "
                                f"{info.our_group} at relay parent #{info.number}")
        if (c.relay_parent, c.para_id) in self.seconded:
            return "Rejected", f"already seconded a candidate of para {c.para_id} at relay parent #{info.number}"
        candidate_hash = c.candidate.hash()
        self.seconded.add((c.relay_parent, c.para_id))
        try:
            await self.validate_for_backing(info, c.candidate, c.validation_data, c.pov)
        except InvalidCandidate:
            self.seconded.discard((c.relay_parent, c.para_id))  # a valid collation may still come
            raise
        entry = self._entry(c.candidate, c.validation_data, c.relay_parent, info)
        entry.judged = True
        self._sign_and_share(info, entry, P.SECONDED, ("Seconded", (c.candidate, c.validation_data)))
        log.info("para %d candidate 0x%s…: seconded (relay parent #%d, group %d)", c.para_id,
                 candidate_hash.hex()[:8], info.number, entry.group)
        self._count("seconded")
        return "Seconded", candidate_hash

    async def validate_for_backing(self, info: RelayParentInfo, receipt: P.CommittedCandidateReceipt,
                                   pvd: P.PersistedValidationData, pov: P.PoV) -> P.CandidateCommitments:
        """Validate a candidate as a backer (module docstring); stores its chunks; raises InvalidCandidate."""
        node = self.ctx.node
        d = receipt.descriptor
        rp = info.relay_parent
        assumed = node.runtime_api.assumed_validation_data(rp, d.para_id, pvd.hash())
        if assumed is None or assumed[0] != pvd:
            raise UnacceptableValidationData(
                f"the validation data is not the para's state at relay parent #{info.number} (wrong parent head)")
        if assumed[1] != d.validation_code_hash:
            raise UnacceptableValidationData("the candidate is not for the para's current validation code")
        code = node.runtime_api.validation_code_by_hash(rp, d.validation_code_hash)
        if code is None:
            raise CodeUnavailable(f"no validation code 0x{d.validation_code_hash.hex()} at the relay parent")
        outcome = await self.ctx.request(ValidateCandidate(receipt.to_plain(), pvd, pov, code, "backing"))
        if not outcome.valid:
            raise outcome.error
        if outcome.commitments != receipt.commitments:
            raise OutputsRefused("the PVF's outputs differ from the candidate's commitments")
        if not node.runtime_api.check_validation_outputs(rp, d.para_id, outcome.commitments):
            raise OutputsRefused("the relay chain refuses the candidate's outputs (check_validation_outputs)")
        try:
            await self.ctx.request(StoreAvailableData(receipt.hash(), len(info.validators), d.erasure_root,
                                                      P.AvailableData(pov, pvd)))
        except ErasureError as exc:
            raise ErasureRootMismatchError(str(exc)) from None
        self.povs[receipt.hash()] = pov
        return outcome.commitments

    # -- statements --------------------------------------------------------------------------------
    def _entry(self, receipt, pvd, relay_parent: bytes, info: RelayParentInfo) -> Optional[CandidateEntry]:
        h = receipt.hash()
        entry = self.candidates.get(h)
        if entry is None:
            cores = info.cores_of_para(receipt.descriptor.para_id)
            if not cores:
                return None
            core = cores[0]
            entry = CandidateEntry(receipt, pvd, relay_parent, core, info.group_of_core(core))
            self.candidates[h] = entry
            for early in self.pending_valid.pop(h, []):
                self._record(info, entry, early)
        return entry

    def _on_statement(self, s: SignedStatement) -> None:
        try:
            info = self.info(s.relay_parent)
        except KeyError:
            return  # statement distribution only forwards statements about blocks we have
        h = s.candidate_hash
        if s.statement[0] == "Seconded":
            receipt, pvd = s.statement[1]
            if receipt.descriptor.relay_parent != s.relay_parent:
                return
            entry = self._entry(receipt, pvd, s.relay_parent, info)
            if entry is None:
                log.debug("ignoring a Seconded for para %d: not scheduled at #%d", receipt.descriptor.para_id,
                          info.number)
                return
        else:
            entry = self.candidates.get(h)
            if entry is None:
                self.pending_valid.setdefault(h, []).append(s)
                return
        if not self._record(info, entry, s):
            return
        if (not entry.judged and info.our_index is not None and info.our_group == entry.group
                and s.statement[0] == "Seconded"):
            entry.judged = True
            self.ctx.spawn(self._check_and_vouch(info, entry, s.validator_index), "vouch")

    def _record(self, info: RelayParentInfo, entry: CandidateEntry, s: SignedStatement) -> bool:
        """Record a group member's vote; hand the candidate to the provisioner once backable."""
        if s.validator_index not in info.groups[entry.group] or s.validator_index in entry.votes:
            return False
        entry.votes[s.validator_index] = ("Implicit" if s.statement[0] == "Seconded" else "Explicit", s.signature)
        self._maybe_provision(info, entry)
        return True

    def _maybe_provision(self, info: RelayParentInfo, entry: CandidateEntry) -> None:
        has_seconded = any(kind == "Implicit" for kind, _ in entry.votes.values())
        if has_seconded and len(entry.votes) >= info.backing_threshold(entry.group):
            self.ctx.send(ProvisionBackedCandidate(entry.relay_parent,
                                                   backed_candidate(entry, info.groups[entry.group]),
                                                   entry.validation_data, entry.core))

    async def _check_and_vouch(self, info: RelayParentInfo, entry: CandidateEntry, seconder: int) -> None:
        h = entry.receipt.hash()
        pov = await self._fetch_pov(info, h, seconder)
        if pov is None:
            log.info("para %d candidate 0x%s…: could not fetch its PoV from validator %d", entry.para_id,
                     h.hex()[:8], seconder)
            entry.judged = False  # another Seconded may give us another source
            return
        try:
            await self.validate_for_backing(info, entry.receipt, entry.validation_data, pov)
        except InvalidCandidate as exc:
            log.warning("para %d candidate 0x%s…: seconded by validator %d but invalid (%s); not vouching",
                        entry.para_id, h.hex()[:8], seconder, exc)
            self._count("invalid")
            if is_deterministic(exc):  # a group member vouched for an invalid candidate: dispute it (§9)
                self.ctx.send(IssueLocalStatement(info.session_index, entry.receipt.to_plain(), False))
            return
        self._sign_and_share(info, entry, P.VALID, ("Valid", h))
        self._count("valid")

    async def _fetch_pov(self, info: RelayParentInfo, candidate_hash: bytes, seconder: int) -> Optional[P.PoV]:
        node = self.ctx.node
        peer = validator_peer(node.runtime_api, node.authority_discovery, info.relay_parent, info.session_index,
                              seconder)
        peers = [peer] if peer is not None else []
        others = [p for p in node.network.peers() if p not in peers]
        random.shuffle(others)
        request = PoVRequest(info.relay_parent, candidate_hash).encode()
        for p in peers + others[:2]:
            try:
                raw = await node.network.request(p, POV_PROTOCOL, request, timeout=POV_FETCH_TIMEOUT)
                pov = POV_RESPONSE.decode(raw)
            except (NetworkError, ScaleDecodeError, ValueError) as exc:  # a peer failing or lying: next one
                log.debug("PoV fetch from %s failed: %s", p.hex()[:16], exc)
                continue
            if pov is not None:
                return pov
        return None

    def _sign_and_share(self, info: RelayParentInfo, entry: CandidateEntry, kind: int, statement) -> None:
        keys = self.ctx.node.keys
        h = entry.receipt.hash()
        signature = keys.para_validator.sign(P.backing_statement_payload(kind, h, info.session_index,
                                                                         info.relay_parent))
        signed = SignedStatement(info.relay_parent, statement, info.our_index, signature)
        self._record(info, entry, signed)
        self.ctx.send(ShareStatement(signed))

    def _count(self, outcome: str) -> None:
        metrics = self.ctx.node.metrics
        if metrics is not None:
            metrics.backing_statements.labels(outcome).inc()

