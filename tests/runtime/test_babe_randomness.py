"""pallet_babe reads the author's sr25519 VRF as Polkadot does: `AuthorVrfRandomness` from every VRF block,
epoch randomness under construction from primary blocks only (pallet_babe::on_finalize)."""

from relaychain.primitives.crypto import dev_keypair
from relaychain.primitives.merlin import Transcript
from relaychain.primitives.sr25519_vrf import vrf_create, vrf_sign
from relaychain.primitives.types import (PreDigest, PrimaryPreDigest, SecondaryPlainPreDigest, SecondaryVRFPreDigest,
                                         VrfSignature)
from relaychain.runtime.pallets import babe

from .conftest import DevChain


def babe_transcript(randomness: bytes, slot: int, epoch: int) -> Transcript:
    # sp_consensus_babe::make_vrf_transcript, spelled out here rather than taken from the code under test.
    t = Transcript(b"BABE")
    t.append_message(b"slot number", slot.to_bytes(8, "little"))
    t.append_message(b"current epoch", epoch.to_bytes(8, "little"))
    t.append_message(b"chain randomness", randomness)
    return t


def bob_index(state) -> int:
    return [bytes(k) for k, _w in babe.Authorities.get(state)].index(dev_keypair("bob").public)


class VrfChain(DevChain):
    """Blocks authored by Bob with the pre-digest kind under test (the runtime does not judge claims)."""

    kind = PrimaryPreDigest

    def pre_digest(self, slot: int):
        state = self.state()
        t = babe_transcript(babe.Randomness.get(state), slot, babe.EpochIndex.get(state))
        if self.kind is SecondaryPlainPreDigest:
            return [PreDigest.to_digest_item(SecondaryPlainPreDigest(bob_index(state), slot))]
        signature = VrfSignature(*vrf_sign(dev_keypair("bob"), t))
        return [PreDigest.to_digest_item(self.kind(bob_index(state), slot, signature))]


def expected_randomness(chain: VrfChain, slot: int) -> bytes:
    state = chain.state()
    t = babe_transcript(babe.Randomness.get(state), slot, babe.EpochIndex.get(state))
    return vrf_create(dev_keypair("bob"), t).make_bytes(b"BabeVRFInOutContext", 32)


def test_primary_and_secondary_vrf_blocks_feed_randomness_as_polkadot():
    chain = VrfChain()
    chain.build()  # block #1 sets the genesis slot
    collected = list(babe.UnderConstruction.get(chain.state(), 0))

    chain.kind = PrimaryPreDigest
    expected = expected_randomness(chain, chain.slot + 1)
    chain.build()
    assert babe.AuthorVrfRandomness.get(chain.state()) == expected
    assert babe.UnderConstruction.get(chain.state(), 0) == collected + [expected]

    chain.kind = SecondaryVRFPreDigest
    expected = expected_randomness(chain, chain.slot + 1)
    chain.build()
    assert babe.AuthorVrfRandomness.get(chain.state()) == expected
    assert babe.UnderConstruction.get(chain.state(), 0) == collected + [expected_randomness_of_primary(chain)]

    # A plain secondary block carries no VRF: the last author's randomness stays (pallet_babe leaves it too).
    chain.kind = SecondaryPlainPreDigest
    chain.build()
    assert babe.AuthorVrfRandomness.get(chain.state()) == expected
    assert len(babe.UnderConstruction.get(chain.state(), 0)) == len(collected) + 1


def expected_randomness_of_primary(chain: VrfChain) -> bytes:
    """The output the primary block (two blocks back) deposited, recomputed from its header."""
    header = chain.headers[-2]
    pre = PreDigest.decode(header.digest.pre_runtime(b"BABE"))
    assert isinstance(pre, PrimaryPreDigest)
    state = chain.state(header.number - 1)
    t = babe_transcript(babe.Randomness.get(state), pre.slot, babe.EpochIndex.get(state))
    return vrf_create(dev_keypair("bob"), t).make_bytes(b"BabeVRFInOutContext", 32)


def test_an_invalid_pre_output_yields_no_randomness():
    chain = VrfChain()
    chain.build()
    chain.kind = SecondaryPlainPreDigest
    identity = VrfSignature(bytes(32), bytes(64))

    class Broken(VrfChain):
        def pre_digest(self, slot):
            return [PreDigest.to_digest_item(PrimaryPreDigest(bob_index(self.state()), slot, identity))]

    chain.__class__ = Broken
    before = list(babe.UnderConstruction.get(chain.state(), 0))
    chain.build()
    assert babe.AuthorVrfRandomness.get(chain.state()) is None
    assert babe.UnderConstruction.get(chain.state(), 0) == before
