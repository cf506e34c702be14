"""The dispute coordinator: every vote about a candidate's validity, disputes raised, joined and concluded.

Polkadot: `polkadot/node/core/dispute-coordinator` and `polkadot/node/network/dispute-distribution`;
parachains.md §2 (thresholds), §5 (payloads), §9. For each (session, candidate) the coordinator keeps the
signed votes it has seen: backing votes scraped from the chain (`on_chain_votes`: a Seconded/Valid attestation
is a `Valid(BackingSeconded/BackingValid(relay parent))` dispute vote), explicit votes from disputes, and
invalid votes — its own when approval checking finds a candidate invalid (`IssueLocalStatement`).
- A candidate with votes on both sides is *disputed*. Every validator joins: it recovers the candidate's
  AvailableData, runs the PVF (approval timeout) and signs an explicit vote, `DISP ‖ valid ‖ candidate ‖ session`;
  votes are gossiped on `disputes` (checked against the session's validator keys before they count or travel).
- It *concludes* valid or invalid when a supermajority (n - f) of the session's validators vote that way.
- Votes reach the chain through the provisioner (`ProvisionDisputes`: the statements the chain lacks), so the
  runtime concludes, slashes and, for a concluded-invalid candidate it included, emits `Revert`.
- Finality: a block is not finalizable while a candidate included on its chain (above the finalized block) is
  disputed and not concluded valid (`can_finalize`, a chain-selection voting rule).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Optional

from relaychain.primitives import parachain_types as P
from relaychain.primitives.crypto import verify_sr25519
from relaychain.primitives.scale import ScaleDecodeError
from relaychain.primitives.scale_types import Vec, Tuple, scale_struct, sfield

from .availability_recovery import RecoveryFailed
from .candidate_validation import is_deterministic
from .messages import IssueLocalStatement, ProvisionDisputes, RecoverAvailableData, ValidateCandidate
from .overseer import ActiveLeavesUpdate, BlockFinalized, Subsystem

log = logging.getLogger("relaychain.parachains.disputes")

TOPIC = "disputes"
KEEP_SESSIONS = 6  # dispute_period: votes of older sessions are dropped


@scale_struct("relaychain_node::parachains::DisputeMessage")
class DisputeMessage:
    """Votes about one candidate, as dispute distribution sends them: the receipt (so a participant can
    recover and validate it) and signed statements."""

    candidate: P.CandidateReceipt = sfield(P.CandidateReceipt.SCALE, "CandidateReceipt")
    session: int = sfield(P.SESSION_INDEX, "SessionIndex")
    statements: tuple = sfield(Vec(Tuple(P.DISPUTE_STATEMENT, P.VALIDATOR_INDEX, P.VALIDATOR_SIGNATURE)),
                               "Vec<(DisputeStatement, ValidatorIndex, ValidatorSignature)>")


@dataclass
class CandidateVotes:
    candidate: P.CandidateReceipt
    session: int
    valid: dict = field(default_factory=dict)  # validator index -> (DisputeStatement, signature)
    invalid: dict = field(default_factory=dict)
    participated: bool = False  # our explicit vote is cast or under way
    noticed: bool = False  # we have seen votes on both sides (logged and counted once)
    concluded: Optional[str] = None  # "valid" | "invalid"

    @property
    def disputed(self) -> bool:
        return bool(self.valid) and bool(self.invalid)

    def statements(self) -> list:
        both = [(s, v, sig) for v, (s, sig) in self.valid.items()] + \
            [(s, v, sig) for v, (s, sig) in self.invalid.items()]
        return sorted(both, key=lambda t: (t[1], t[0][0]))


class DisputeCoordinator(Subsystem):
    name = "dispute-coordinator"
    handles = (IssueLocalStatement,)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.votes: dict[tuple[int, bytes], CandidateVotes] = {}
        self.included: dict[bytes, tuple[bytes, int]] = {}  # candidate hash -> (block, number)
        self.validators: dict[int, tuple] = {}  # session -> validator keys
        self.latest_leaf: Optional[bytes] = None
        ctx.node.network.on_gossip(TOPIC, self._on_gossip)

    # -- sessions and keys -----------------------------------------------------------------------
    def _session_validators(self, session: int) -> Optional[tuple]:
        keys = self.validators.get(session)
        if keys is None and self.latest_leaf is not None:
            info = self.ctx.node.runtime_api.session_info(self.latest_leaf, session)
            if info is not None:
                keys = self.validators[session] = tuple(info.validators)
        return keys

    def _our_index(self, session: int) -> Optional[int]:
        keys, node_keys = self._session_validators(session), self.ctx.node.keys
        if keys is None or node_keys is None or node_keys.para_validator.public not in keys:
            return None
        return keys.index(node_keys.para_validator.public)

    # -- signals: scrape the chain ----------------------------------------------------------------
    async def handle_signal(self, signal) -> None:
        if isinstance(signal, ActiveLeavesUpdate) and signal.activated is not None:
            self._scrape(signal.activated.hash, signal.activated.number)
        elif isinstance(signal, BlockFinalized):
            # inclusions at or below finality can no longer hold finality back (never reverted), and kept
            # for good they grew by every candidate of every block
            self.included = {h: at for h, at in self.included.items() if at[1] > signal.number}
            current = max([s for s, _ in self.votes] + list(self.validators), default=0)
            for key in [k for k in self.votes if k[0] + KEEP_SESSIONS < current]:
                del self.votes[key]
            # the keys of a session no vote can concern any more (one entry per session, every session)
            for session in [s for s in self.validators if s + KEEP_SESSIONS < current]:
                del self.validators[session]

    def _scrape(self, leaf: bytes, number: int) -> None:
        api = self.ctx.node.runtime_api
        self.latest_leaf = leaf
        for kind, payload in api.candidate_events(leaf):
            if kind == "CandidateIncluded":
                self.included[payload[0].hash()] = (leaf, number)
        votes = api.on_chain_votes(leaf)
        if votes is None:
            return
        for receipt, attestations in votes.backing_validators_per_candidate:
            entry = self._entry(votes.session, receipt)
            for validator, attestation in attestations:
                kind = "BackingSeconded" if attestation[0] == "Implicit" else "BackingValid"
                entry.valid.setdefault(validator, (("Valid", (kind, receipt.descriptor.relay_parent)),
                                                   attestation[1]))
        for dispute_set in votes.disputes:
            self._import(dispute_set.session, None, dispute_set.candidate_hash, dispute_set.statements)

    # -- votes ------------------------------------------------------------------------------------
    def _entry(self, session: int, receipt: P.CandidateReceipt) -> CandidateVotes:
        key = (session, receipt.hash())
        entry = self.votes.get(key)
        if entry is None:
            entry = self.votes[key] = CandidateVotes(receipt, session)
        return entry

    def _import(self, session: int, receipt: Optional[P.CandidateReceipt], candidate_hash: bytes,
                statements) -> bool:
        """Record correctly signed statements; returns whether anything new was recorded."""
        entry = self.votes.get((session, candidate_hash))
        if entry is None:
            if receipt is None:
                return False
            entry = self._entry(session, receipt)
        keys = self._session_validators(session)
        if keys is None:
            return False
        new = False
        for statement, validator, signature in statements:
            if validator >= len(keys):
                continue
            side = entry.valid if statement[0] == "Valid" else entry.invalid
            if validator in side:
                continue
            if not verify_sr25519(signature, P.dispute_statement_payload(statement, candidate_hash, session),
                                  keys[validator]):
                continue
            side[validator] = (statement, signature)
            new = True
        if new:
            self._after_new_votes(entry)
        return new

    def _after_new_votes(self, entry: CandidateVotes) -> None:
        h = entry.candidate.hash()
        n = len(self._session_validators(entry.session) or ())
        threshold = P.supermajority_threshold(n)
        if entry.concluded is None and n:
            if len(entry.invalid) >= threshold:
                entry.concluded = "invalid"
                self._count_concluded("invalid")
                log.warning("⚔️  dispute 0x%s… concluded invalid (%d of %d against)", h.hex()[:8],
                            len(entry.invalid), n)
            elif len(entry.valid) >= threshold and entry.invalid:
                entry.concluded = "valid"
                self._count_concluded("valid")
                log.warning("⚔️  dispute 0x%s… concluded valid (%d of %d for)", h.hex()[:8], len(entry.valid), n)
        if entry.disputed:
            if not entry.noticed:
                entry.noticed = True
                if self.ctx.node.metrics is not None:
                    self.ctx.node.metrics.disputes.inc()
                log.warning("⚔️  dispute 0x%s… initiated (para %d, session %d)", h.hex()[:8],
                            entry.candidate.descriptor.para_id, entry.session)
            if not entry.participated:
                entry.participated = True
                self.ctx.spawn(self._participate(entry), "dispute-participation")
            self.ctx.send(ProvisionDisputes(h, entry.session, tuple(entry.statements())))

    def _count_concluded(self, validity: str) -> None:
        if self.ctx.node.metrics is not None:
            self.ctx.node.metrics.dispute_concluded.labels(validity).inc()

    async def handle_message(self, m: IssueLocalStatement) -> None:
        """Our own verdict (an approval check found the candidate invalid, or a participation ended)."""
        self._vote(m.session, m.candidate, m.valid)

    def _vote(self, session: int, receipt: P.CandidateReceipt, valid: bool) -> None:
        index = self._our_index(session)
        if index is None:
            return
        h = receipt.hash()
        statement = ("Valid", "Explicit") if valid else ("Invalid", "Explicit")
        signature = self.ctx.node.keys.para_validator.sign(P.explicit_dispute_payload(valid, h, session))
        entry = self._entry(session, receipt)
        if not valid:
            entry.participated = True  # we already know: no need to check again
        self._import(session, receipt, h, [(statement, index, signature)])
        self.ctx.node.network.gossip(TOPIC, DisputeMessage(receipt, session, tuple(entry.statements())).encode())

    async def _participate(self, entry: CandidateVotes) -> None:
        """Recover, re-validate and vote explicitly on a disputed candidate."""
        node, receipt = self.ctx.node, entry.candidate
        at = self.latest_leaf
        try:
            data = await self.ctx.request(RecoverAvailableData(receipt, entry.session, at))
        except RecoveryFailed as exc:
            log.warning("dispute 0x%s…: unavailable (%s): voting invalid", receipt.hash().hex()[:8], exc)
            self._vote(entry.session, receipt, False)
            return
        code = node.runtime_api.validation_code_by_hash(at, receipt.descriptor.validation_code_hash)
        if code is None:
            log.warning("dispute 0x%s…: validation code unknown; not voting", receipt.hash().hex()[:8])
            return
        outcome = await self.ctx.request(ValidateCandidate(receipt, data.validation_data, data.pov, code, "approval"))
        if not outcome.valid and not is_deterministic(outcome.error):
            log.warning("dispute 0x%s…: inconclusive check (%s); not voting", receipt.hash().hex()[:8], outcome.error)
            return
        self._vote(entry.session, receipt, outcome.valid)

    # -- gossip ------------------------------------------------------------------------------------
    def _on_gossip(self, peer_id: bytes, data: bytes) -> bool:
        try:
            message = DisputeMessage.decode(data)
        except (ScaleDecodeError, ValueError):
            return False
        return self._import(message.session, message.candidate, message.candidate.hash(), message.statements)

    # -- finality ----------------------------------------------------------------------------------
    def can_finalize(self, block_hash: bytes) -> bool:
        """False if the chain up to `block_hash` (above finality) includes a candidate that is disputed and not
        concluded valid."""
        open_disputes = {h for (_, h), e in self.votes.items() if e.disputed and e.concluded != "valid"}
        if not open_disputes:
            return True
        client = self.ctx.node.client
        for h in open_disputes:
            block = self.included.get(h)
            if block is not None and client.is_descendant(block[0], block_hash):
                return False
        return True
