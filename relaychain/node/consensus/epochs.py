"""The BABE epoch a slot belongs to, as seen from the parent block's state.

Rules (pallet_babe, `relaychain.runtime.pallets.babe`): epoch e covers slots
[genesis_slot + e * duration, genesis_slot + (e + 1) * duration). A block whose slot lies past the end of
the parent's epoch enacts the epoch change itself: it is claimed against the *next* authorities and
randomness, with epoch index (slot - genesis_slot) // duration. Block #1 (parent = genesis, genesis slot
not yet set) is in epoch 0. Author and importer both use this function, so they evaluate a claim against
the same data. The VRF keys are the authorities' sr25519 BABE keys; `allowed_slots` is the epoch's config.
"""

from __future__ import annotations

from relaychain.node.consensus.babe_claims import EpochView


def epoch_view(host, slot: int) -> EpochView:
    """The `EpochView` a child (claiming `slot`) of the block whose state is `host` is checked against."""
    from relaychain.runtime import apis

    genesis_slot = apis.genesis_slot(host)
    current = apis.current_epoch(host)
    if genesis_slot == 0 or slot < current.start_slot + current.duration:
        epoch, index = current, current.epoch_index
    else:
        epoch, index = apis.next_epoch(host), (slot - genesis_slot) // current.duration
    authorities = tuple((bytes(k), int(w)) for k, w in epoch.authorities)
    return EpochView(authorities, bytes(epoch.randomness), int(index), epoch.allowed_slots)
