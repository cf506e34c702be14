"""The candidate informant: logs and counts what each new block did to parachain candidates.

So a user can follow a candidate through the pipeline (`para 1000 candidate 0xab…: seconded / backed /
included`, or `timed out`) and see per para how far it got, the informant reads `candidate_events` of every
new leaf and logs (if this node logs candidates) and counts them in Prometheus
(`polkadot_parachain_candidates_total{para, stage}`), with `Paras.Heads` advancing as the included count.
Backing logs `seconded` and why a collation was refused; this module covers the on-chain stages.
"""

from __future__ import annotations

import logging

from .overseer import ActiveLeavesUpdate, Subsystem

log = logging.getLogger("relaychain.parachains")

_STAGES = {"CandidateBacked": "backed", "CandidateIncluded": "available, included", "CandidateTimedOut": "timed out"}
_METRIC_STAGES = {"CandidateBacked": "backed", "CandidateIncluded": "included", "CandidateTimedOut": "timed_out"}


class CandidateInformant(Subsystem):
    name = "candidate-informant"

    def __init__(self, ctx, log_candidates: bool = True):
        super().__init__(ctx)
        self.log_candidates = log_candidates

    async def handle_signal(self, signal) -> None:
        if not isinstance(signal, ActiveLeavesUpdate) or signal.activated is None:
            return
        leaf = signal.activated
        metrics = self.ctx.node.metrics
        for kind, payload in self.ctx.node.runtime_api.candidate_events(leaf.hash):
            receipt, core = payload[0], payload[2]
            para = receipt.descriptor.para_id
            stage = _STAGES[kind]
            if metrics is not None:
                metrics.candidates.labels(str(para), _METRIC_STAGES[kind]).inc()
            if self.log_candidates:
                level = logging.WARNING if kind == "CandidateTimedOut" else logging.INFO
                log.log(level, "para %d candidate 0x%s…: %s in #%d (core %d)", para, receipt.hash().hex()[:8],
                        stage, leaf.number, core)
