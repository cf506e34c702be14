"""Staking on a running 4-validator dev network: a new candidate and a nomination change the validator set
at the next era's first session boundary.

//Eve bonds, validates and sets session keys; //Ferdie//stash moves its nomination from Charlie and Dave
to Eve. Eve then outweighs one of them (genesis: each validator 10 000 bonded, Ferdie's 5 000 split
over Charlie and Dave), so the next era's election must seat Eve, and Session's validator set must switch
in the block that starts that era's first session.
"""

import asyncio

import pytest

from relaychain.primitives.crypto import Ed25519Keypair, Sr25519Keypair
from relaychain.primitives.extrinsic import sign_extrinsic
from relaychain.primitives.scale import Reader
from relaychain.runtime import apis
from relaychain.runtime import constants as C
from relaychain.runtime import runtime
from relaychain.runtime.pallets import session, staking
from relaychain.runtime.pallets import staking_storage as S
from tests.node.harness import start_in_process, stop_all, wait_until

pytestmark = pytest.mark.slow

if staking.pallet not in runtime.PALLETS:
    pytest.skip("Staking is not wired into the runtime yet", allow_module_level=True)

EVE_BOND = 20_000 * C.UNITS


def signed(keypair, call: bytes, nonce: int, genesis_hash: bytes) -> bytes:
    v = apis.runtime_version()
    return sign_extrinsic(keypair, call, nonce=nonce, genesis_hash=genesis_hash, spec_version=v.spec_version,
                          transaction_version=v.transaction_version)


def validators_at(node, block_hash) -> list[bytes]:
    raw = node.storage(block_hash, session.Validators.key())
    r = Reader(raw)
    return [r.read(32) for _ in range(r.compact())]


def test_nominations_change_the_next_era_validator_set_at_the_session_boundary(tmp_path):
    async def scenario():
        hub, nodes = await start_in_process(tmp_path, slot_ms=250)
        node = nodes[0]
        try:
            g = node.genesis_hash
            eve = Sr25519Keypair.from_uri("//Eve")
            ferdie_stash = Sr25519Keypair.from_uri("//Ferdie//stash")
            stashes = {n: Sr25519Keypair.from_uri(f"//{n}//stash").public for n in ("Alice", "Bob", "Charlie", "Dave")}
            assert await wait_until(lambda: node.client.best_number() >= 1, timeout=20)
            genesis_set = set(validators_at(node, node.best_hash()))
            assert genesis_set == set(stashes.values())

            keys = {"grandpa": Ed25519Keypair.from_uri("//Eve").public, "babe": eve.public,
                    "para_validator": eve.public, "para_assignment": eve.public, "authority_discovery": eve.public}
            for nonce, call in enumerate([
                    staking.bond.encode(value=EVE_BOND, payee="Staked"),
                    staking.validate.encode(prefs=S.ValidatorPrefs(0, False)),
                    session.set_keys.encode(keys=keys, proof=b"")]):
                node.submit_extrinsic(signed(eve, call, nonce, g))

            def eve_validates():
                return node.storage(node.best_hash(), S.Validators.key(eve.public)) is not None

            assert await wait_until(eve_validates, timeout=30), "Eve's bond/validate were not included"
            node.submit_extrinsic(signed(ferdie_stash, staking.nominate.encode(targets=[("Id", eve.public)]), 0, g))

            def eve_nominated():
                raw = node.storage(node.best_hash(), S.Nominators.key(ferdie_stash.public))
                return raw is not None and S.NOMINATIONS.decode(raw).targets == (eve.public,)

            assert await wait_until(eve_nominated, timeout=30), "Ferdie's nomination was not included"

            def eve_in_session():
                return eve.public in validators_at(node, node.best_hash())

            assert await wait_until(eve_in_session, timeout=90), "Eve never entered the session validator set"
            # find the block where the set switched: it starts a new session and a new active era
            h = node.best_hash()
            while eve.public in validators_at(node, node.header(h).parent_hash):
                h = node.header(h).parent_hash
            parent = node.header(h).parent_hash
            index = (lambda b: int.from_bytes(node.storage(b, session.CurrentIndex.key()) or bytes(4), "little"))
            era = (lambda b: S.ACTIVE_ERA_INFO.decode(node.storage(b, S.ActiveEra.key())).index)
            assert index(h) == index(parent) + 1 and era(h) == era(parent) + 1
            new_set = set(validators_at(node, h))
            assert len(new_set) == 4 and {stashes["Alice"], stashes["Bob"], eve.public} <= new_set
            assert len(new_set & {stashes["Charlie"], stashes["Dave"]}) == 1
            # block authors of the ending era earned points (20 per block authored, Polkadot's rule)
            points = S.ERA_REWARD_POINTS.decode(node.storage(parent, S.ErasRewardPoints.key(era(parent))))
            assert points.total > 0 and points.total % 20 == 0
            assert {who for who, _ in points.individual} <= genesis_set | {eve.public}
            # the era's exposure of Eve: her own bond and Ferdie's whole nomination
            overview = S.PAGED_EXPOSURE_METADATA.decode(node.storage(h, S.ErasStakersOverview.key(era(h), eve.public)))
            assert (overview.own, overview.total, overview.nominator_count) == (
                EVE_BOND, EVE_BOND + staking.DEV_NOMINATOR_BOND, 1)
            # the ended era's rewards: anyone (here //Alice) may pay them out; the validator with the most
            # points (payee Staked) gets its share re-bonded
            paid_era = era(h) - 1
            assert int.from_bytes(node.storage(h, S.ErasValidatorReward.key(paid_era)), "little") > 0
            paid_points = S.ERA_REWARD_POINTS.decode(node.storage(h, S.ErasRewardPoints.key(paid_era)))
            best = max(paid_points.individual, key=lambda x: x[1])[0]
            alice = Sr25519Keypair.from_uri("//Alice")
            ledger_key = S.Ledger.key(best)
            before = S.STAKING_LEDGER.decode(node.storage(node.best_hash(), ledger_key)).active
            nonce = node.account_next_index(alice.public)
            node.submit_extrinsic(signed(alice, staking.payout_stakers.encode(
                validator_stash=best, era=paid_era), nonce, g))

            def claimed():
                raw = node.storage(node.best_hash(), S.ClaimedRewards.key(paid_era, best))
                return raw is not None and raw != b"\x00"

            assert await wait_until(claimed, timeout=30), "payout_stakers was not included"
            after = S.STAKING_LEDGER.decode(node.storage(node.best_hash(), ledger_key)).active
            assert after > before
        finally:
            await stop_all(nodes)

    asyncio.run(scenario())
