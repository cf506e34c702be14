"""GRANDPA across an authority-set change on a running network (staking elects //Eve at an era boundary).

The runtime signals the change with a `ScheduledChange` log (delay 0) in the block starting the new era's
first session and bumps `CurrentSetId`. Substrate's rule: the block enacting a change is finalized by the
OLD set, and only then does the new set vote on its descendants. So every node must finalize exactly that
block (with a justification of set 0), finality must go on with justifications of set 1, and a node
syncing later must follow the same path.
"""

import asyncio

import pytest

from relaychain.node.consensus.grandpa import JustificationError, verify_justification
from relaychain.node.consensus.grandpa.changes import scheduled_change
from relaychain.node.network import InProcessHub
from relaychain.node.service import Node, NodeConfig
from relaychain.primitives.crypto import Ed25519Keypair, Sr25519Keypair
from relaychain.runtime import apis, runtime
from relaychain.runtime.pallets import session, staking
from relaychain.runtime.pallets import staking_storage as S
from tests.node.harness import start_in_process, stop_all, wait_until
from tests.node.test_staking_e2e import EVE_BOND, signed

pytestmark = pytest.mark.slow

if staking.pallet not in runtime.PALLETS:
    pytest.skip("Staking is not wired into the runtime yet", allow_module_level=True)


def set_id_at(node, block_hash) -> int:
    return apis.grandpa_set_id(node.client.state_at(block_hash))


def authorities_at(node, block_hash):
    return apis.grandpa_authorities(node.client.state_at(block_hash))


def verifies(justification, authorities, set_id) -> bool:
    try:
        verify_justification(justification, authorities, set_id)
        return True
    except JustificationError:
        return False


def test_finality_follows_the_authority_set_change_and_finalizes_the_change_block_with_the_old_set(tmp_path):
    async def scenario():
        hub = InProcessHub()
        _, nodes = await start_in_process(tmp_path, names=("alice", "bob", "charlie", "dave", "eve"), hub=hub)
        finalized_seen = {n.node_name: [] for n in nodes}
        for n in nodes:
            n.subscribe("finalized", lambda h, name=n.node_name: finalized_seen[name].append(h.number))
        node = nodes[0]
        follower = None
        try:
            g = node.genesis_hash
            eve, ferdie_stash = Sr25519Keypair.from_uri("//Eve"), Sr25519Keypair.from_uri("//Ferdie//stash")
            eve_grandpa = Ed25519Keypair.from_uri("//Eve").public
            assert await wait_until(lambda: node.client.best_number() >= 1, timeout=20)
            keys = {"grandpa": eve_grandpa, "babe": eve.public, "para_validator": eve.public,
                    "para_assignment": eve.public, "authority_discovery": eve.public}
            for nonce, call in enumerate([staking.bond.encode(value=EVE_BOND, payee="Staked"),
                                          staking.validate.encode(prefs=S.ValidatorPrefs(0, False)),
                                          session.set_keys.encode(keys=keys, proof=b"")]):
                node.submit_extrinsic(signed(eve, call, nonce, g))
            assert await wait_until(lambda: node.storage(node.best_hash(), S.Validators.key(eve.public)) is not None,
                                    timeout=30), "Eve's bond/validate were not included"
            node.submit_extrinsic(signed(ferdie_stash, staking.nominate.encode(targets=[("Id", eve.public)]), 0, g))

            assert await wait_until(lambda: set_id_at(node, node.finalized_hash()) >= 1, timeout=60), \
                f"no set change finalized: finalized #{node.client.finalized_number()}"
            # the change block: the first finalized block whose state has set 1
            change = node.finalized_hash()
            while set_id_at(node, node.header(change).parent_hash) >= 1:
                change = node.header(change).parent_hash
            n_change = node.client.number(change)
            parent = node.header(change).parent_hash
            assert set_id_at(node, parent) == 0 and set_id_at(node, change) == 1
            signalled = scheduled_change(node.header(change))
            assert signalled is not None and signalled.delay == 0
            old_set, new_set = authorities_at(node, parent), authorities_at(node, change)
            assert list(signalled.next_authorities) == new_set and (eve_grandpa, 1) in new_set
            assert (eve_grandpa, 1) not in old_set

            target = n_change + 6
            assert await wait_until(lambda: min(n.client.finalized_number() for n in nodes) >= target, timeout=40), \
                [n.client.finalized_number() for n in nodes]
            for n in nodes:
                seen = finalized_seen[n.node_name]
                assert seen == sorted(set(seen)), f"{n.node_name} finalized out of order: {seen}"
                # the change block was finalized itself, not skipped over, with set 0's justification
                assert n_change in seen, f"{n.node_name} skipped the change block #{n_change}: {seen}"
                j = n.client.db.justification(change)
                assert j is not None and verifies(j, old_set, 0) and not verifies(j, new_set, 1)
            # finality after the change: justifications of the new set (with Eve voting), never of the old
            def justifications_after_change():
                top = min(n.client.finalized_number() for n in nodes)
                found = {}
                for n in nodes:
                    for k in range(n_change + 1, top + 1):
                        h = n.hash_by_number(k)
                        j = n.client.db.justification(h)
                        if j is not None:
                            found.setdefault(h, j)
                return found

            def new_set_precommitters():
                return {p.id for j in justifications_after_change().values() if verifies(j, new_set, 1)
                        for p in verify_justification(j, new_set, 1).commit.precommits}

            # 4 of the 5 new voters make a supermajority, so Eve's precommit is in a commit only when it is
            # among the first four to arrive: wait for one, however slow her node is on a loaded machine.
            eve_voted = await wait_until(lambda: eve_grandpa in new_set_precommitters(), timeout=60)
            after = justifications_after_change()
            assert after, "no justification stored after the change"
            for j in after.values():
                assert verifies(j, new_set, 1) and not verifies(j, old_set, 0) and not verifies(j, new_set, 0)
            assert eve_voted, "Eve never precommitted in the new set"

            # a node joining now syncs across the change: change block by set 0, the rest by set 1
            follower = Node(NodeConfig(name="full", base_path=tmp_path / "full", slot_duration_ms=250, is_dev=True),
                            hub.join(Ed25519Keypair.from_seed(b"\x05" * 32)))
            follower_seen = []
            follower.subscribe("finalized", lambda h: follower_seen.append(h.number))
            await follower.start()
            assert await wait_until(lambda: follower.client.finalized_number() >= target, timeout=30), \
                follower.client.finalized_number()
            assert n_change in follower_seen and follower_seen == sorted(set(follower_seen)), follower_seen
            assert follower.hash_by_number(n_change) == change
        finally:
            await stop_all(nodes + ([follower] if follower else []))

    asyncio.run(scenario())
