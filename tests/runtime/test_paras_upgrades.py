"""Code upgrades carried by candidates (parachains.md §12 "Code upgrade timing"; Polkadot paras `schedule_code_upgrade`,
`note_new_head`): the upgrade is expected at max(included_at + validation_upgrade_delay, now +
minimum_validation_upgrade_delay), signalled by the go-ahead at that block, applied by the first candidate whose
relay parent reached it; further upgrades wait for the cooldown. Expected blocks are computed here from the
configuration's values."""

from __future__ import annotations

from relaychain.primitives import parachain_types as P
from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.types import Consensus
from relaychain.runtime.pallets.parachains import paras, scheduler, shared
from tests.runtime.paras_fixture import CODE_A, HEAD_A0, PARA_A, ParasChain, make_bitfield, make_candidate
from tests.runtime.test_paras_inclusion import enter_error, events

NEW_CODE = b"\x00asm\x01\x00\x00\x00" + b"adder-a v2" * 4


def _include(chain, candidate):
    """Back `candidate`, then make it available with every validator's bitfield (two blocks)."""
    chain.block_with(candidates=[candidate.backed])
    n_cores = len(scheduler.AvailabilityCores.get(chain.state()))
    return chain.block_with(bitfields=[make_bitfield(chain, i, (True,) + (False,) * (n_cores - 1)) for i in range(6)])


def test_upgrade_scheduled_signalled_and_applied():
    chain = ParasChain()
    cfg = chain.config()
    g0 = scheduler.ValidatorGroups.get(chain.state())[0]
    up = make_candidate(chain, PARA_A, HEAD_A0, b"A1", 0, CODE_A, group=g0, new_code=NEW_CODE)
    header, *_ = _include(chain, up)  # included in block 2
    included_at = header.number
    expected_at = max(included_at + cfg.validation_upgrade_delay, included_at + cfg.minimum_validation_upgrade_delay)
    st = chain.state()
    assert paras.FutureCodeHash.get(st, PARA_A) == blake2_256(NEW_CODE)
    assert paras.FutureCodeUpgrades.get(st, PARA_A) == expected_at
    assert paras.UpgradeRestrictionSignal.get(st, PARA_A) == "Present"
    assert paras.CodeByHash.get(st, blake2_256(NEW_CODE)) == NEW_CODE
    assert paras.CurrentCodeHash.get(st, PARA_A) == blake2_256(CODE_A)
    names = [e[0] for e in events(chain, "Paras")]
    assert names == ["PvfCheckStarted", "PvfCheckAccepted"]  # accepted at once (no pre-checking, see paras.py)
    logs = [i for i in header.digest.logs if isinstance(i, Consensus) and i.engine == P.PARACHAINS_ENGINE_ID]
    assert [P.CONSENSUS_LOG.decode(i.data) for i in logs] == [
        ("ParaScheduleUpgradeCode", (PARA_A, blake2_256(NEW_CODE), expected_at))]

    # a second upgrade while one is pending is premature
    another = make_candidate(chain, PARA_A, b"A1", b"A2", included_at, CODE_A, group=g0, new_code=NEW_CODE + b"!")
    assert enter_error(chain, {"candidates": [another.backed]}) == ("ParaInclusion", "PrematureCodeUpgrade")

    while chain.head.number < expected_at - 1:
        chain.block_with()
        assert paras.UpgradeGoAheadSignal.get(chain.state(), PARA_A) is None
    cooldown_until = included_at + cfg.validation_upgrade_cooldown
    assert paras.UpgradeRestrictionSignal.get(chain.state(), PARA_A) is None  # cooldown (2 blocks) has passed
    assert chain.head.number >= cooldown_until
    chain.block_with()  # block expected_at: the go-ahead
    assert paras.UpgradeGoAheadSignal.get(chain.state(), PARA_A) == "GoAhead"

    # a candidate on a relay parent before expected_at does not apply it ...
    early = make_candidate(chain, PARA_A, b"A1", b"A2", expected_at - 1, CODE_A, group=g0)
    _include(chain, early)
    st = chain.state()
    assert paras.CurrentCodeHash.get(st, PARA_A) == blake2_256(CODE_A) and paras.Heads.get(st, PARA_A) == b"A2"
    # ... the first one at or past it does, validated with the old code
    applying = make_candidate(chain, PARA_A, b"A2", b"A3", expected_at, CODE_A, group=g0)
    header, *_ = _include(chain, applying)
    st = chain.state()
    assert paras.CurrentCodeHash.get(st, PARA_A) == blake2_256(NEW_CODE)
    assert paras.FutureCodeHash.get(st, PARA_A) is None and paras.UpgradeGoAheadSignal.get(st, PARA_A) is None
    assert paras.PastCodeHash.get(st, (PARA_A, expected_at)) == blake2_256(CODE_A)
    logs = [P.CONSENSUS_LOG.decode(i.data) for i in header.digest.logs
            if isinstance(i, Consensus) and i.engine == P.PARACHAINS_ENGINE_ID]
    assert logs == [("ParaUpgradeCode", (PARA_A, blake2_256(NEW_CODE)))]
    # from now on candidates must name the new code (block 11 also started session 1: new groups, new context)
    assert shared.CurrentSessionIndex.get(st) == 1
    g0 = scheduler.ValidatorGroups.get(st)[0]
    stale = make_candidate(chain, PARA_A, b"A3", b"A4", chain.head.number, CODE_A, group=g0, session=1)
    assert enter_error(chain, {"candidates": [stale.backed]}) == ("ParaInclusion", "InvalidValidationCodeHash")
    fresh = make_candidate(chain, PARA_A, b"A3", b"A4", chain.head.number, NEW_CODE, group=g0, session=1)
    chain.block_with(candidates=[fresh.backed])
    assert [e[0] for e in events(chain, "ParaInclusion")] == ["CandidateBacked"]
