"""Utility, Proxy and Multisig on the dev chain (pallet_utility, pallet_proxy, pallet_multisig): batches and their
three failure rules, derivative accounts, proxies with deposits and filters, pure proxies, a 2-of-3 multisig.
Derived accounts are recomputed here with hashlib's blake2b from Substrate's formulas."""

from __future__ import annotations

import hashlib

import pytest

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.scale import encode_compact
from relaychain.runtime.framework import Call
from relaychain.runtime.pallets import balances, multisig, proxy, system, utility
from tests.runtime.test_paras_inclusion import events
from tests.runtime.test_registrar_sudo import Nonces, module_error

ALICE, BOB, CHARLIE, DAVE = (Sr25519Keypair.from_uri(f"//{n}") for n in ("Alice", "Bob", "Charlie", "Dave"))
UNIT = 10**12


def blake2_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def transfer(dest: bytes, value: int) -> Call:
    return Call(balances.pallet.call_named("transfer_keep_alive"), {"dest": ("Id", dest), "value": value})


def call(pallet, name, **args) -> Call:
    return Call(pallet.call_named(name), args)


def free(chain, who: bytes) -> int:
    return system.account(chain.state(), who).data.free


def reserved(chain, who: bytes) -> int:
    return system.account(chain.state(), who).data.reserved


@pytest.fixture
def chain():
    from tests.runtime.conftest import DevChain
    c = DevChain()
    c.nonces = Nonces()
    return c


def run(chain, who, c: Call):
    header, body, changes, results = chain.build([chain.nonces.sign(chain, who, c.encode())])
    return results[0]


def test_batch_stops_at_the_first_failure_and_keeps_what_ran(chain):
    bob0, charlie0 = free(chain, BOB.public), free(chain, CHARLIE.public)
    r = run(chain, ALICE, call(utility.pallet, "batch", calls=[
        transfer(BOB.public, UNIT), transfer(BOB.public, 10**30), transfer(CHARLIE.public, UNIT)]))
    assert r.success
    assert free(chain, BOB.public) - bob0 == UNIT and free(chain, CHARLIE.public) == charlie0
    evs = [e for e in events(chain, "Utility")]
    assert evs[0] == "ItemCompleted" and evs[1][0] == "BatchInterrupted" and evs[1][1]["index"] == 1


def test_batch_all_is_all_or_nothing(chain):
    bob0 = free(chain, BOB.public)
    r = run(chain, ALICE, call(utility.pallet, "batch_all", calls=[transfer(BOB.public, UNIT),
                                                                     transfer(BOB.public, 10**30)]))
    assert not r.success and free(chain, BOB.public) == bob0
    r = run(chain, ALICE, call(utility.pallet, "batch_all", calls=[transfer(BOB.public, UNIT),
                                                                     transfer(CHARLIE.public, 2 * UNIT)]))
    assert r.success and free(chain, BOB.public) - bob0 == UNIT
    assert events(chain, "Utility") == ["ItemCompleted", "ItemCompleted", "BatchCompleted"]


def test_force_batch_runs_everything_and_reports_failures(chain):
    bob0, charlie0 = free(chain, BOB.public), free(chain, CHARLIE.public)
    r = run(chain, ALICE, call(utility.pallet, "force_batch", calls=[
        transfer(BOB.public, UNIT), transfer(BOB.public, 10**30), transfer(CHARLIE.public, UNIT)]))
    assert r.success
    assert free(chain, BOB.public) - bob0 == UNIT and free(chain, CHARLIE.public) - charlie0 == UNIT
    evs = events(chain, "Utility")
    assert evs[0] == "ItemCompleted" and evs[1][0] == "ItemFailed" and evs[2:] == ["ItemCompleted",
                                                                                    "BatchCompletedWithErrors"]


def test_as_derivative_spends_from_the_derived_account(chain):
    derived = blake2_256(b"modlpy/utilisuba" + ALICE.public + (7).to_bytes(2, "little"))
    run(chain, ALICE, transfer(derived, 10 * UNIT))
    bob0 = free(chain, BOB.public)
    r = run(chain, ALICE, call(utility.pallet, "as_derivative", index=7, call=transfer(BOB.public, 3 * UNIT)))
    assert r.success and free(chain, BOB.public) - bob0 == 3 * UNIT and free(chain, derived) == 7 * UNIT


def test_a_proxy_transfers_for_its_delegator_and_filters_apply(chain):
    r = run(chain, ALICE, call(proxy.pallet, "add_proxy", delegate=("Id", BOB.public), proxy_type="Any", delay=0))
    assert r.success
    assert reserved(chain, ALICE.public) == proxy.PROXY_DEPOSIT_BASE + proxy.PROXY_DEPOSIT_FACTOR
    alice0, charlie0 = free(chain, ALICE.public), free(chain, CHARLIE.public)
    r = run(chain, BOB, call(proxy.pallet, "proxy", real=("Id", ALICE.public), force_proxy_type=None,
                             call=transfer(CHARLIE.public, 5 * UNIT)))
    assert r.success
    assert free(chain, CHARLIE.public) - charlie0 == 5 * UNIT and alice0 - free(chain, ALICE.public) == 5 * UNIT
    assert events(chain, "Proxy") == [("ProxyExecuted", {"result": ("Ok", ())})] or \
        events(chain, "Proxy")[0][1]["result"][0] == "Ok"

    # NonTransfer: the transfer is filtered (the proxy call itself succeeds and says so)
    run(chain, ALICE, call(proxy.pallet, "add_proxy", delegate=("Id", DAVE.public), proxy_type="NonTransfer", delay=0))
    assert reserved(chain, ALICE.public) == proxy.PROXY_DEPOSIT_BASE + 2 * proxy.PROXY_DEPOSIT_FACTOR
    charlie1 = free(chain, CHARLIE.public)
    r = run(chain, DAVE, call(proxy.pallet, "proxy", real=("Id", ALICE.public), force_proxy_type=None,
                              call=call(utility.pallet, "batch", calls=[transfer(CHARLIE.public, UNIT)])))
    assert r.success and free(chain, CHARLIE.public) == charlie1
    (name, fields), = events(chain, "Proxy")
    assert fields["result"] == ("Err", module_error(system.pallet, "CallFiltered"))

    # not a delegate of Charlie; then removing the proxies returns the deposit
    r = run(chain, BOB, call(proxy.pallet, "proxy", real=("Id", CHARLIE.public), force_proxy_type=None,
                             call=transfer(BOB.public, 1)))
    assert r.dispatch_error.value == module_error(proxy.pallet, "NotProxy")
    run(chain, ALICE, call(proxy.pallet, "remove_proxy", delegate=("Id", BOB.public), proxy_type="Any", delay=0))
    assert reserved(chain, ALICE.public) == proxy.PROXY_DEPOSIT_BASE + proxy.PROXY_DEPOSIT_FACTOR
    run(chain, ALICE, call(proxy.pallet, "remove_proxies"))
    assert reserved(chain, ALICE.public) == 0 and not proxy.Proxies.exists(chain.state(), ALICE.public)


def test_pure_proxy_is_created_used_and_killed(chain):
    r = run(chain, ALICE, call(proxy.pallet, "create_pure", proxy_type="Any", delay=0, index=0))
    assert r.success
    height, ext_index = chain.head.number, r.index
    pure = blake2_256(b"modlpy/proxy____" + ALICE.public + height.to_bytes(4, "little")
                      + ext_index.to_bytes(4, "little") + b"\x00" + (0).to_bytes(2, "little"))
    (name, fields), = [e for e in events(chain, "Proxy")]
    assert name == "PureCreated" and fields["pure"] == pure and fields["who"] == ALICE.public
    run(chain, BOB, transfer(pure, 10 * UNIT))
    bob0 = free(chain, BOB.public)
    run(chain, ALICE, call(proxy.pallet, "proxy", real=("Id", pure), force_proxy_type=None,
                           call=transfer(BOB.public, 4 * UNIT)))
    assert free(chain, BOB.public) - bob0 == 4 * UNIT
    held = reserved(chain, ALICE.public)
    run(chain, ALICE, call(proxy.pallet, "proxy", real=("Id", pure), force_proxy_type=None, call=call(
        proxy.pallet, "kill_pure", spawner=("Id", ALICE.public), proxy_type="Any", index=0, height=height,
        ext_index=ext_index)))
    assert not proxy.Proxies.exists(chain.state(), pure) and reserved(chain, ALICE.public) == held - (
        proxy.PROXY_DEPOSIT_BASE + proxy.PROXY_DEPOSIT_FACTOR)


def multisig_account(signatories, threshold: int) -> bytes:
    ids = sorted(s.public for s in signatories)
    return blake2_256(b"modlpy/utilisuba" + encode_compact(len(ids)) + b"".join(ids) + threshold.to_bytes(2, "little"))


def test_two_of_three_multisig_executes_a_transfer(chain):
    ms = multisig_account([ALICE, BOB, CHARLIE], 2)
    run(chain, ALICE, transfer(ms, 20 * UNIT))
    inner = transfer(DAVE.public, 7 * UNIT)
    others_of = {k: sorted(s.public for s in (ALICE, BOB, CHARLIE) if s is not k) for k in (ALICE, BOB, CHARLIE)}
    r = run(chain, ALICE, call(multisig.pallet, "as_multi", threshold=2, other_signatories=others_of[ALICE],
                               maybe_timepoint=None, call=inner, max_weight=inner.weight))
    assert r.success
    timepoint = {"height": chain.head.number, "index": r.index}
    assert reserved(chain, ALICE.public) == multisig.DEPOSIT_BASE + 2 * multisig.DEPOSIT_FACTOR
    (name, fields), = events(chain, "Multisig")
    assert name == "NewMultisig" and fields["multisig"] == ms and fields["call_hash"] == blake2_256(inner.encode())

    dave0 = free(chain, DAVE.public)
    r = run(chain, BOB, call(multisig.pallet, "as_multi", threshold=2, other_signatories=others_of[BOB],
                             maybe_timepoint=None, call=inner, max_weight=inner.weight))
    assert r.dispatch_error.value == module_error(multisig.pallet, "NoTimepoint")
    r = run(chain, BOB, call(multisig.pallet, "as_multi", threshold=2, other_signatories=others_of[BOB],
                             maybe_timepoint=timepoint, call=inner, max_weight=inner.weight))
    assert r.success
    (name, fields), = events(chain, "Multisig")
    assert name == "MultisigExecuted" and fields["result"][0] == "Ok"
    assert free(chain, DAVE.public) - dave0 == 7 * UNIT and free(chain, ms) == 13 * UNIT
    assert reserved(chain, ALICE.public) == 0 and multisig.Multisigs.get(chain.state(), ms, blake2_256(
        inner.encode())) is None


def test_multisig_approval_by_hash_and_cancel(chain):
    inner = transfer(DAVE.public, UNIT)
    h = blake2_256(inner.encode())
    others = sorted([BOB.public, CHARLIE.public])
    r = run(chain, ALICE, call(multisig.pallet, "approve_as_multi", threshold=2, other_signatories=others,
                               maybe_timepoint=None, call_hash=h, max_weight=inner.weight))
    timepoint = {"height": chain.head.number, "index": r.index}
    r = run(chain, BOB, call(multisig.pallet, "cancel_as_multi", threshold=2,
                             other_signatories=sorted([ALICE.public, CHARLIE.public]), timepoint=timepoint, call_hash=h))
    assert r.dispatch_error.value == module_error(multisig.pallet, "NotOwner")
    r = run(chain, ALICE, call(multisig.pallet, "cancel_as_multi", threshold=2, other_signatories=others,
                               timepoint=timepoint, call_hash=h))
    assert r.success and reserved(chain, ALICE.public) == 0
    r = run(chain, ALICE, call(multisig.pallet, "as_multi", threshold=2, other_signatories=list(reversed(others)),
                               maybe_timepoint=None, call=inner, max_weight=inner.weight))
    assert r.dispatch_error.value == module_error(multisig.pallet, "SignatoriesOutOfOrder")
