"""The BABE epoch a slot belongs to, as seen from the parent block's state.

Rules (pallet_babe, `relaychain.runtime.pallets.babe`): epoch e covers slots
[genesis_slot + e * duration, genesis_slot + (e + 1) * duration). A block whose slot lies past the end of
the parent's epoch enacts the epoch change itself: it is claimed against the *next* authorities and
randomness, with epoch index (slot - genesis_slot) // duration. Block #1 (parent = genesis, genesis slot
not yet set) is in epoch 0. Author and importer both use this function, so they evaluate a claim against
the same data. VRF keys are the GRANDPA ed25519 keys at the same authority index (see `babe_claims`).
"""

from __future__ import annotations

from relaychain.node.consensus.babe_claims import EpochView


def epoch_view(host, slot: int) -> EpochView:
    """The `EpochView` a child (claiming `slot`) of the block whose state is `host` is checked against."""
    from relaychain.runtime import apis

    genesis_slot = apis.genesis_slot(host)
    current = apis.current_epoch(host)
    if genesis_slot == 0 or slot < current.start_slot + current.duration:
        index, authorities, randomness = current.epoch_index, current.authorities, current.randomness
    else:
        nxt = apis.next_epoch(host)
        index = (slot - genesis_slot) // current.duration
        authorities, randomness = nxt.authorities, nxt.randomness
    authorities = tuple((bytes(k), int(w)) for k, w in authorities)
    grandpa = [bytes(k) for k, _w in apis.grandpa_authorities(host)]
    vrf_keys = tuple(grandpa) if len(grandpa) == len(authorities) else ()
    return EpochView(authorities, vrf_keys, bytes(randomness), int(index))
