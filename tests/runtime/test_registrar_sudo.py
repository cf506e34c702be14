"""Registrar, Sudo and ParasSudoWrapper on the dev chain (Polkadot paras_registrar, pallet_sudo, paras_sudo_wrapper):
ids reserved and registered with deposits, onboarding as a parathread SESSION_DELAY sessions later, Root reached
only through the sudo key, a parathread upgraded to a parachain getting a core."""

from __future__ import annotations

import pytest

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.runtime.framework import Call
from relaychain.runtime.pallets import balances, registrar, sudo, system
from relaychain.runtime.pallets import paras_sudo_wrapper as wrapper
from relaychain.runtime.pallets.parachains import configuration, paras, scheduler, shared
from tests.runtime.paras_fixture import PARA_A, PARA_B, ParasChain
from tests.runtime.test_paras_inclusion import events

ALICE, BOB, CHARLIE = (Sr25519Keypair.from_uri(f"//{n}") for n in ("Alice", "Bob", "Charlie"))
CODE = b"\x00asm\x01\x00\x00\x00registered para"
EPOCH = 10


def module_error(pallet, name) -> tuple:
    return ("Module", {"index": pallet.index, "error": bytes((pallet.error_index(name), 0, 0, 0))})


def next_session(chain):
    chain.block_with(slot=chain.slot + EPOCH)


class Nonces:
    def __init__(self):
        self.n = {}

    def sign(self, chain, who, call_bytes: bytes) -> bytes:
        nonce = self.n.get(who.public, 0)
        self.n[who.public] = nonce + 1
        return chain.sign(who, call_bytes, nonce)


@pytest.fixture
def chain():
    c = ParasChain()
    c.block_with()
    return c


def test_reserve_register_onboard_and_deregister(chain):
    n = Nonces()
    assert registrar.NextFreeParaId.get(chain.state()) == PARA_B + 1  # past the genesis paras
    bob_before = system.account(chain.state(), BOB.public).data
    _, _, _, results = chain.block_with(xts=[
        n.sign(chain, BOB, registrar.reserve.encode()),
        n.sign(chain, CHARLIE, registrar.reserve.encode()),
        n.sign(chain, BOB, registrar.register.encode(id=2002, genesis_head=b"h2002", validation_code=CODE)),
        n.sign(chain, CHARLIE, registrar.register.encode(id=2002, genesis_head=b"x", validation_code=CODE)),
        n.sign(chain, CHARLIE, registrar.register.encode(id=2010, genesis_head=b"x", validation_code=CODE)),
        n.sign(chain, CHARLIE, registrar.register.encode(id=2003, genesis_head=b"", validation_code=b"")),
    ])
    assert [r.success for r in results[:3]] == [True, True, True]
    assert [r.dispatch_error.value for r in results[3:]] == [
        module_error(registrar.pallet, "NotOwner"), module_error(registrar.pallet, "NotReserved"),
        module_error(registrar.pallet, "EmptyCode")]
    reserved = [ev[1] for ev in events(chain, "Registrar") if ev[0] == "Reserved"]
    assert [(r["para_id"], r["who"]) for r in reserved] == [(2002, BOB.public), (2003, CHARLIE.public)]
    st = chain.state()
    cfg = configuration.ActiveConfig.get(st)
    deposit = (registrar.PARA_DEPOSIT + registrar.DATA_DEPOSIT_PER_BYTE * len(b"h2002")
               + registrar.DATA_DEPOSIT_PER_BYTE * cfg.max_code_size)
    assert registrar.Paras.get(st, 2002) == {"manager": BOB.public, "deposit": deposit, "locked": None}
    assert system.account(st, BOB.public).data.reserved == bob_before.reserved + deposit
    assert paras.lifecycle(st, 2002) == "Onboarding"
    assert paras.ActionsQueue.get(st, shared.CurrentSessionIndex.get(st) + 2) == [2002]

    next_session(chain)
    assert paras.lifecycle(chain.state(), 2002) == "Onboarding"
    next_session(chain)
    st = chain.state()
    assert paras.lifecycle(st, 2002) == "Parathread" and paras.Heads.get(st, 2002) == b"h2002"
    assert paras.Parachains.get(st) == [PARA_A, PARA_B]  # a parathread gets no bulk core

    # deregistering: the manager may, the deposit comes back, the para is offboarded two sessions later
    charlie_reserved = system.account(st, CHARLIE.public).data.reserved
    _, _, _, (bad, good) = chain.block_with(xts=[
        n.sign(chain, CHARLIE, registrar.deregister.encode(id=2002)),
        n.sign(chain, BOB, registrar.deregister.encode(id=2002))])
    assert bad.dispatch_error.value == module_error(registrar.pallet, "NotOwner") and good.success
    st = chain.state()
    assert system.account(st, BOB.public).data.reserved == bob_before.reserved
    assert system.account(st, CHARLIE.public).data.reserved == charlie_reserved
    assert paras.lifecycle(st, 2002) == "OffboardingParathread" and registrar.Paras.get(st, 2002) is None
    next_session(chain)
    next_session(chain)
    st = chain.state()
    assert paras.lifecycle(st, 2002) is None and paras.Heads.get(st, 2002) is None


def test_sudo_key_and_the_wrapper_onboard_a_parachain_with_a_core(chain):
    n = Nonces()
    genesis = paras.ParaGenesisArgs(b"h2005", CODE, True)
    init = Call(wrapper.sudo_schedule_para_initialize, {"id": 2005, "genesis": genesis})
    _, _, _, results = chain.block_with(xts=[
        n.sign(chain, BOB, sudo.sudo.encode(call=init)),
        n.sign(chain, ALICE, sudo.sudo.encode(call=init)),
        n.sign(chain, ALICE, sudo.sudo.encode(call=init)),  # twice: the para exists already
        n.sign(chain, BOB, wrapper.sudo_schedule_para_initialize.encode(id=2006, genesis=genesis)),
    ])
    assert results[0].dispatch_error.value == module_error(sudo.pallet, "RequireSudo")
    assert results[1].success and results[2].success
    assert [ev[1]["sudo_result"] for ev in events(chain, "Sudo")] == [
        ("Ok", None), ("Err", module_error(wrapper.pallet, "ParaAlreadyExists"))]
    assert results[3].dispatch_error.value == "BadOrigin"
    assert paras.lifecycle(chain.state(), 2005) == "Onboarding"
    next_session(chain)
    next_session(chain)
    st = chain.state()
    assert paras.lifecycle(st, 2005) == "Parachain" and paras.Parachains.get(st) == [PARA_A, PARA_B, 2005]
    assert len(scheduler.AvailabilityCores.get(st)) == 3 and scheduler.ValidatorGroups.get(st) == [[0, 1], [2, 3],
                                                                                                 [4, 5]]
    chain.block_with()
    assert [e.para_id for e in scheduler.claim_queue(chain.state())[2]] == [2005] * 3

    # sudo_as, set_key, remove_key
    remark = Call(system.remark_with_event, {"remark": b"as bob"})
    _, _, _, (r1, r2, r3, r4) = chain.block_with(xts=[
        n.sign(chain, ALICE, sudo.sudo_as.encode(who=("Id", BOB.public), call=remark)),
        n.sign(chain, ALICE, sudo.set_key.encode(new=("Id", BOB.public))),
        n.sign(chain, ALICE, sudo.remove_key.encode()),
        n.sign(chain, BOB, sudo.remove_key.encode()),
    ])
    assert all(r.success for r in (r1, r2, r4)) and r3.dispatch_error.value == module_error(sudo.pallet,
                                                                                           "RequireSudo")
    remarked = [ev[1] for ev in events(chain, "System") if ev[0] == "Remarked"]
    assert [r["sender"] for r in remarked] == [BOB.public]
    sudo_events = [ev for ev in events(chain, "Sudo")]
    assert sudo_events[0] == ("SudoAsDone", {"sudo_result": ("Ok", None)})
    assert sudo_events[1] == ("KeyChanged", {"old": ALICE.public, "new": BOB.public})
    assert sudo_events[2] == "KeyRemoved" and sudo.Key.get(chain.state()) is None


def test_a_failing_sudo_call_is_rolled_back(chain):
    bob_free = balances.free_balance(chain.state(), BOB.public)
    force = Call(balances.pallet.call_named("force_set_balance"), {"who": ("Id", BOB.public), "new_free": 7 * 10**12})
    failing = Call(configuration.pallet.call_named("set_group_rotation_frequency"), {"new": 0})
    _, _, _, (r1, r2) = chain.block_with(xts=[chain.sign(ALICE, sudo.sudo.encode(call=failing), 0),
                                              chain.sign(ALICE, sudo.sudo.encode(call=force), 1)])
    assert r1.success and r2.success
    assert configuration.PendingConfigs.get(chain.state()) == []
    assert balances.free_balance(chain.state(), BOB.public) == 7 * 10**12 != bob_free
