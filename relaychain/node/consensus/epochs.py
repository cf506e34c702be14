"""The BABE epoch view at a block: authorities, their VRF keys, randomness and epoch index.

Read from the *parent* state through the runtime APIs (`BabeApi`/`GrandpaApi` helpers in
`relaychain.runtime.apis`), so author and importer evaluate a claim against the same data.
VRF keys are the GRANDPA ed25519 keys at the same authority index (see `babe_claims` for why).
"""

from __future__ import annotations

from relaychain.node.consensus.babe_claims import EpochView


def epoch_view(host) -> EpochView:
    """The `EpochView` a child of the block whose state is `host` is claimed against."""
    from relaychain.runtime import apis

    authorities = tuple((bytes(k), int(w)) for k, w in apis.babe_authorities(host))
    grandpa = [bytes(k) for k, _w in apis.grandpa_authorities(host)]
    vrf_keys = tuple(grandpa) if len(grandpa) == len(authorities) else ()
    randomness = bytes(apis.babe_randomness(host))
    epoch_index = int(_epoch_index(apis, host))
    return EpochView(authorities, vrf_keys, randomness, epoch_index)


def _epoch_index(apis, host) -> int:
    fn = getattr(apis, "babe_epoch_index", None)
    if fn is not None:
        return fn(host)
    fn = getattr(apis, "current_epoch", None)
    if fn is not None:
        epoch = fn(host)
        return getattr(epoch, "epoch_index", 0)
    return 0
