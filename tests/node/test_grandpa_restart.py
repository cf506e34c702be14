"""A restarted validator serves GRANDPA catch-up ("grandpa-justification") from its database at once,
not only after it finalizes again."""

import asyncio

import pytest

from relaychain.node.consensus.grandpa import JUSTIFICATION_PROTOCOL, verify_justification
from relaychain.node.network import InProcessHub
from relaychain.primitives.crypto import Ed25519Keypair
from relaychain.primitives.scale import Reader, decode_all, encode_u32
from relaychain.runtime import apis
from tests.node.harness import start_in_process, stop_all, wait_until

pytestmark = pytest.mark.slow


def test_restarted_voter_serves_its_stored_justification(tmp_path):
    async def scenario():
        _, nodes = await start_in_process(tmp_path)
        try:
            assert await wait_until(lambda: nodes[0].client.finalized_number() >= 3, timeout=30)
        finally:
            await stop_all(nodes)
        # alice alone again: three of four validators are away, so she cannot finalize anything new
        hub = InProcessHub()
        _, (alice,) = await start_in_process(tmp_path, names=("alice",), hub=hub)
        probe = hub.join(Ed25519Keypair.from_seed(b"\x07" * 32))
        await probe.start()
        try:
            fin_hash, fin_number = alice.finalized_hash(), alice.client.finalized_number()
            assert fin_number >= 3
            raw = await probe.request(alice.network.peer_id, JUSTIFICATION_PROTOCOL, encode_u32(0))
            j = decode_all(raw, lambda r: r.option(Reader.bytes))
            assert j is not None, "the restarted voter has no justification to serve"
            assert j == alice.client.db.justification(fin_hash)
            state = alice.client.state_at(alice.header(fin_hash).parent_hash)
            verify_justification(j, apis.grandpa_authorities(state), apis.grandpa_set_id(state),
                                 target=(fin_hash, fin_number))
            # a peer already at that height gets nothing
            raw = await probe.request(alice.network.peer_id, JUSTIFICATION_PROTOCOL, encode_u32(fin_number))
            assert decode_all(raw, lambda r: r.option(Reader.bytes)) is None
            assert alice.client.finalized_number() == fin_number
        finally:
            await probe.stop()
            await stop_all([alice])

    asyncio.run(scenario())
