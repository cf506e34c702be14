"""Relay-chain block limits are Polkadot's (issue #13): ref_time binds a block, proof_size does not.

Polkadot's `RuntimeBlockWeights` / `RuntimeBlockLength` come from its metadata
(`vectors/polkadot_v14_system_limits.json`). Its base weights (`BlockExecutionWeight`,
`ExtrinsicBaseWeight`) are benchmark results of Polkadot's reference hardware; ours are our own, so the
test checks our limits against Polkadot's with the builder's rule written out plainly here
(substrate/frame/system/src/limits.rs `BlockWeightsBuilder::build`):

    max_extrinsic[class] = max_total[class] - avg_block_initialization * max_block - base_extrinsic[class]
"""

import json
from pathlib import Path

from scalecodec.base import ScaleBytes

from relaychain.primitives.types import Block
from relaychain.runtime import executive
from relaychain.runtime.pallets import balances, system

VECTORS = Path(__file__).parent / "vectors"
POLKADOT = json.loads((VECTORS / "polkadot_v14_system_limits.json").read_text())
OLD_NORMAL_PROOF_SIZE_LIMIT = 3_932_160  # the parachain-style limit this runtime had (75 % of 5 MiB)
TRANSFER_KEEP_ALIVE_PROOF_SIZE = 3593  # its declared weight's proof_size


def _constant(scale_metadata, pallet, name):
    rc, md = scale_metadata
    c = next(c for c in md.get_metadata_pallet(pallet).constants if c.name == name)
    return rc.create_scale_object(c.type, data=ScaleBytes(c.constant_value)).decode()


def test_block_weights_constant_is_polkadots(scale_metadata):
    ours = _constant(scale_metadata, "System", "BlockWeights")
    theirs = POLKADOT["BlockWeights"]
    assert ours["max_block"] == theirs["max_block"] == {"ref_time": 2 * 10**12, "proof_size": 2**64 - 1}
    for cls in ("normal", "operational"):
        o, t = ours["per_class"][cls], theirs["per_class"][cls]
        assert o["max_total"] == t["max_total"], cls
        assert o["reserved"] == t["reserved"], cls
        # same builder rule, our own base_extrinsic
        shift = t["base_extrinsic"]["ref_time"] - o["base_extrinsic"]["ref_time"]
        assert o["max_extrinsic"]["ref_time"] == t["max_extrinsic"]["ref_time"] + shift, cls
        assert o["max_extrinsic"]["proof_size"] == t["max_extrinsic"]["proof_size"], cls
    assert ours["per_class"]["mandatory"]["max_total"] is None and ours["per_class"]["mandatory"]["reserved"] is None
    assert ours["per_class"]["normal"]["max_total"]["proof_size"] > OLD_NORMAL_PROOF_SIZE_LIMIT


def test_block_length_constant_is_polkadots(scale_metadata):
    assert _constant(scale_metadata, "System", "BlockLength") == POLKADOT["BlockLength"]


def test_the_builder_rule_reproduces_polkadots_vector():
    """The rule in the module docstring, fed Polkadot's own base weights, gives Polkadot's max_extrinsic:
    so the shift used above is the only difference between the two."""
    t = POLKADOT["BlockWeights"]
    for cls in ("normal", "operational"):
        c = t["per_class"][cls]
        for part in ("ref_time", "proof_size"):
            init = t["max_block"][part] // 100  # Perbill 1 %, NearestPrefDown; no halves here
            assert c["max_extrinsic"][part] == c["max_total"][part] - init - c["base_extrinsic"][part]


def test_a_block_past_the_old_proof_size_cap_is_built_and_imported(chain, keys):
    """1,200 transfers (proof_size 1,200 x 3,593 > 3,932,160) fit: ref_time, not proof_size, bounds the block."""
    n = 1200
    assert n * TRANSFER_KEEP_ALIVE_PROOF_SIZE > OLD_NORMAL_PROOF_SIZE_LIMIT
    call = balances.pallet.call_named("transfer_keep_alive").encode(dest=("Id", keys["Bob"].public), value=10**12)
    xts = [chain.sign(keys["Alice"], call, nonce) for nonce in range(n)]
    parent = chain.state()
    header, body, changes, results = chain.build(xts)
    assert all(r.success for r in results) and len(body) == n + 2  # + Timestamp.set, ParaInherent.enter
    assert system.BlockWeight.get(chain.state()).normal.proof_size > OLD_NORMAL_PROOF_SIZE_LIMIT
    assert system.account(chain.state(), keys["Alice"].public).nonce == n
    # every node re-executes it to the same state root
    got = executive.execute_block(parent, Block(header, tuple(body)), storage_root=chain.storage_root(parent))
    assert parent.apply(got)[0] == header.state_root
