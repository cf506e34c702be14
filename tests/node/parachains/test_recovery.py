"""Availability recovery on a real network: a validator that holds none of a candidate's chunks but its own
recovers the candidate's AvailableData from the others' chunks — the PoV its collator built and the PVD it
was validated against — also when fewer than a third of the validators refuse to serve."""

from __future__ import annotations

import asyncio

import pytest

from relaychain.node.parachains.availability_recovery import RecoveryFailed
from relaychain.node.parachains.messages import RecoverAvailableData
from tests.node.harness import wait_until
from tests.node.parachains.paranet import best_chain, start_paranet
from tests.node.parachains.test_adversarial import WithholdingAvailability


def included_receipts(node):
    out = []
    for h in best_chain(node):
        for kind, payload in node.runtime_api.candidate_events(h):
            if kind == "CandidateIncluded":
                out.append((h, payload[0]))
    return out


@pytest.mark.slow
def test_a_non_backer_recovers_the_available_data_with_one_validator_withholding(tmp_path):
    async def scenario():
        net = await start_paranet(tmp_path, overrides={"ferdie": {"availability-distribution":
                                                                  WithholdingAvailability}})
        try:
            assert await wait_until(lambda: len(included_receipts(net.nodes[0])) >= 2, 60)
            block, receipt = included_receipts(net.nodes[0])[0]
            session = net.nodes[0].runtime_api.session_index_for_child(receipt.descriptor.relay_parent)
            records = {r.candidate_hash: r for c in net.collators for r in c.records}
            # a validator outside the candidate's backing group: it holds only its own chunk
            backers = {n for n in net.nodes[:6] if n.overseer.subsystem("candidate-backing").povs.get(receipt.hash())}
            recoverer = next(n for n in net.nodes[:6] if n not in backers and n.node_name != "ferdie")
            data = await recoverer.overseer.ctx.request(RecoverAvailableData(receipt, session, block))
            assert data.pov.hash() == receipt.descriptor.pov_hash
            assert data.validation_data.hash() == receipt.descriptor.persisted_validation_data_hash
            assert receipt.hash() in records  # the collator's candidate, recovered from chunks
            # a receipt whose erasure root nobody's chunks prove cannot be recovered
            from dataclasses import replace
            forged = replace(receipt, descriptor=replace(receipt.descriptor, erasure_root=b"\x01" * 32))
            with pytest.raises(RecoveryFailed):
                await recoverer.overseer.ctx.request(RecoverAvailableData(forged, session, block))
        finally:
            await net.stop()
    asyncio.run(scenario())
