"""Dev genesis: endowments, validators and their keys, deterministic storage."""

import dataclasses

from relaychain.primitives.crypto import Ed25519Keypair, Sr25519Keypair
from relaychain.runtime import apis
from relaychain.runtime.genesis import dev_chain_spec, genesis_storage
from relaychain.runtime.pallets import balances, babe, grandpa, session, system
from relaychain.runtime.overlay import Overlay

NAMES = ("Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie")


class Dict:
    def __init__(self, d):
        self.d = d

    def get(self, k):
        return self.d.get(k)

    def next_key(self, k):
        return None


def test_dev_genesis_contents():
    spec = dev_chain_spec()
    storage = genesis_storage(spec)
    assert storage == genesis_storage(dev_chain_spec())  # deterministic
    st = Overlay(Dict(storage))
    accounts = [Sr25519Keypair.from_uri(f"//{n}").public for n in NAMES]
    accounts += [Sr25519Keypair.from_uri(f"//{n}//stash").public for n in NAMES]
    assert all(system.account(st, a).data.free == 1 << 60 for a in accounts)
    assert balances.TotalIssuance.get(st) == len(accounts) << 60
    stashes = {Sr25519Keypair.from_uri(f"//{n}//stash").public for n in NAMES[:4]}
    assert set(session.Validators.get(st)) == stashes
    babe_keys = {Sr25519Keypair.from_uri(f"//{n}").public for n in NAMES[:4]}
    assert {k for k, _ in apis.babe_authorities(st)} == babe_keys
    assert {k for k, _ in babe.NextAuthorities.get(st)} == babe_keys
    assert {k for k, _ in apis.grandpa_authorities(st)} == {Ed25519Keypair.from_uri(f"//{n}").public
                                                            for n in NAMES[:4]}
    alice_stash = Sr25519Keypair.from_uri("//Alice//stash").public
    assert session.KeyOwner.get(st, (b"babe", Sr25519Keypair.from_uri("//Alice").public)) == alice_stash
    assert system.BlockHash.get(st, 0) == bytes([69]) * 32 and system.Number.get(st) == 0
    assert system.LastRuntimeUpgrade.get(st) == {"spec_version": 1, "spec_name": "relaychain"}
    assert grandpa.CurrentSetId.get(st) == 0 and babe.SlotDuration.get(st) is None
    assert babe.SlotDuration.get(Overlay(Dict(genesis_storage(dev_chain_spec(slot_duration_ms=2000))))) == 2000


def test_spec_without_staking_uses_its_validators():
    spec = dataclasses.replace(dev_chain_spec(("Alice", "Bob")), staking=None)
    st = Overlay(Dict(genesis_storage(spec)))
    assert session.Validators.get(st) == [v.account for v in spec.validators]
    assert [k for k, _ in apis.babe_authorities(st)] == [v.babe for v in spec.validators]
