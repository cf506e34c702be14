"""Prometheus metrics with Substrate's names, served at /metrics on `--prometheus-port`.

Names follow polkadot-sdk (`sc-service/src/metrics.rs`, `sc-transaction-pool`, `sc-network`,
`sc-basic-authorship`), so existing dashboards and scripts work: e.g. `substrate_block_height{status="best"}`.
Each node has its own registry (several nodes can run in one process).
"""

from __future__ import annotations

from typing import Optional

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class NodeMetrics:
    def __init__(self, node_name: str = "", version: str = "", chain: str = ""):
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.block_height = Gauge("substrate_block_height", "Block height info of the chain", ["status"], registry=r)
        self.ready_transactions = Gauge("substrate_ready_transactions_number",
                                        "Number of transactions in the ready queue", registry=r)
        self.future_transactions = Gauge("substrate_future_transactions_number",
                                         "Number of transactions in the future queue", registry=r)
        self.peers = Gauge("substrate_sub_libp2p_peers_count", "Number of connected peers", registry=r)
        self.leaves = Gauge("substrate_number_leaves", "Number of known chain leaves (aka forks)", registry=r)
        self.is_major_syncing = Gauge("substrate_sub_libp2p_is_major_syncing", "Whether the node is major syncing",
                                      registry=r)
        self.import_time = Histogram("substrate_block_verification_and_import_time",
                                     "Time taken to verify and import blocks", registry=r,
                                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
        self.proposer_constructed = Histogram("substrate_proposer_block_constructed",
                                              "Histogram of time taken to construct new block", registry=r,
                                              buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0))
        self.proposer_txs = Gauge("substrate_proposer_number_of_transactions",
                                  "Number of transactions included in block", registry=r)
        self.proposer_end_reason = Counter("substrate_proposer_end_proposal_reason",
                                           "The reason why the block proposing was ended. This doesn't include "
                                           "errors.", ["reason"], registry=r)
        self.proposer_slots_skipped = Counter("relaychain_proposer_slots_skipped",
                                              "Slots this node could claim but did not author, by reason: importing, "
                                              "no-time (both for want of time), finalized-elsewhere",
                                              ["reason"], registry=r)
        self.imported_blocks = Counter("substrate_import_queue_blocks_submitted",
                                       "Number of blocks submitted to the import queue", registry=r)
        self.import_errors = Counter("substrate_import_queue_processed",
                                     "Blocks processed by the import queue", ["result"], registry=r)
        # Transaction pool validations (sc-transaction-pool's `substrate_sub_txpool_*`).
        self.txpool_validations_scheduled = Counter("substrate_sub_txpool_validations_scheduled",
                                                    "Total number of transactions scheduled for validation",
                                                    registry=r)
        self.txpool_validations_finished = Counter("substrate_sub_txpool_validations_finished",
                                                   "Total number of transactions that finished validation",
                                                   registry=r)
        self.txpool_gossip_dropped = Counter("substrate_sub_txpool_gossip_dropped",
                                             "Transactions from peers dropped unvalidated: too many were waiting",
                                             registry=r)
        # GRANDPA (sc-consensus-grandpa's environment metrics).
        self.grandpa_round = Gauge("substrate_finality_grandpa_round", "Highest completed GRANDPA round.",
                                   registry=r)
        self.grandpa_prevotes = Counter("substrate_finality_grandpa_prevotes",
                                        "Total number of GRANDPA prevotes cast locally.", registry=r)
        self.grandpa_precommits = Counter("substrate_finality_grandpa_precommits",
                                          "Total number of GRANDPA precommits cast locally.", registry=r)
        # CPU seconds, resident and virtual memory, open file descriptors of this process (`process_*`); with
        # several nodes in one process each registry reports the same process.
        self.process = ProcessCollector(registry=r)
        self.build_info = Gauge("substrate_build_info", "A metric with a constant '1' value labeled by name, version",
                                ["name", "version", "chain"], registry=r)
        self.build_info.labels(node_name, version, chain).set(1)
        # Parachain validation (Polkadot's `polkadot_parachain_*` families).
        self.candidates = Counter("polkadot_parachain_candidates", "Candidates by para and on-chain stage "
                                  "(backed, included, timed_out)", ["para", "stage"], registry=r)
        self.backing_statements = Counter("polkadot_parachain_candidate_backing_statements",
                                          "Backing outcomes of this validator (seconded, valid, invalid)",
                                          ["outcome"], registry=r)
        self.pvf_validations = Counter("polkadot_parachain_candidate_validations",
                                       "PVF validations by result (valid or the invalidity reason)", ["result"],
                                       registry=r)
        self.pvf_validation_seconds = Histogram("polkadot_parachain_candidate_validation_duration_seconds",
                                                "Time to validate a candidate (checks and PVF execution)",
                                                registry=r, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                                     2, 5, 12))
        self.chunks_fetched = Counter("polkadot_parachain_fetched_chunks", "Erasure chunks fetched from backers",
                                      registry=r)
        # Approval voting and disputes (polkadot-sdk approval-voting / dispute-coordinator metric names).
        self.assignments_produced = Histogram("polkadot_parachain_assignments_produced",
                                              "Our assignments triggered, by tranche", registry=r,
                                              buckets=(0, 1, 2, 3, 4, 5, 10, 15, 25, 40, 70, 89))
        self.approvals_produced = Counter("polkadot_parachain_approvals_produced",
                                          "Our approval checks by outcome (success, invalid, unavailable, "
                                          "inconclusive)", ["status"], registry=r)
        self.approvals_imported = Counter("polkadot_parachain_approvals_imported",
                                          "Others' assignments and approvals counted after their checks",
                                          ["kind"], registry=r)
        self.approval_finality_lag = Gauge("polkadot_parachain_approval_checking_finality_lag",
                                           "How far behind the best block the approved prefix ends", registry=r)
        self.disputes = Counter("polkadot_parachain_candidate_disputes", "Disputes raised", registry=r)
        self.dispute_concluded = Counter("polkadot_parachain_candidate_dispute_concluded",
                                         "Disputes concluded, by outcome", ["validity"], registry=r)
        self.block_height.labels("best").set(0)
        self.block_height.labels("finalized").set(0)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsServer:
    """A small aiohttp server answering GET /metrics (Prometheus text format)."""

    def __init__(self, metrics: NodeMetrics, host: str = "127.0.0.1", port: int = 9615):
        self.metrics, self.host, self.port = metrics, host, port
        self._runner = None

    async def start(self) -> None:
        from aiohttp import web

        async def handle(_request):
            return web.Response(body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

        app = web.Application()
        app.router.add_get("/metrics", handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = site._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def sample(metrics: NodeMetrics, name: str, labels: Optional[dict] = None) -> Optional[float]:
    """The current value of one sample (for tests and logs)."""
    return metrics.registry.get_sample_value(name, labels or {})
