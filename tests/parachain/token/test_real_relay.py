"""The token paras against the relay runtime in-process (SPEC.md §4, §5): the relay's own XcmPallet teleports
down, a para's block built from a real relay read proof mints it; a sibling teleport leaves para 2001 in a
candidate the relay includes and para 2000 mints from the relay's HRMP channel; a teleport up is credited by the
relay's executor. Issuance moves by exactly the amount on each side; the relay prunes what the paras processed."""

from __future__ import annotations

import pytest

from parachain.token import xcm_pallet
from parachain.token.relay import collect_inherent
from relaychain.primitives.parachain_types import PersistedValidationData
from relaychain.runtime.genesis import DEV_NAMES, GenesisPara
from relaychain.runtime.pallets import balances as relay_balances, system as relay_system
from relaychain.runtime.pallets.parachains import dmp, hrmp
from relaychain.trie import read_proof
from tests.parachain.token.fixture import ALICE, BOB, CHARLIE, PARA_A, PARA_B, UNIT, Para
from tests.parachain.token.test_xcm_out import expected_message
from tests.runtime.conftest import DevChain
from tests.runtime.paras_fixture import CODE_A, CODE_B, ParasChain
from tests.runtime.test_hrmp_dmp import events, include
from tests.runtime.test_xcm_relay import teleport_xt
from xcmp.types import HrmpChannelId
from xcmp.xcm import Location, account_id32, fungible, parachain

AMOUNT = 3 * UNIT + 5


class TokenRelay(ParasChain):
    """A dev relay whose two genesis paras are token paras (their real genesis heads), with channels both ways."""

    def __init__(self, paras: dict):
        DevChain.__init__(self, validators=DEV_NAMES, paras=(
            GenesisPara(PARA_A, paras[PARA_A].header.encode(), CODE_A),
            GenesisPara(PARA_B, paras[PARA_B].header.encode(), CODE_B)),
            hrmp_channels=((PARA_A, PARA_B, 8, 1024), (PARA_B, PARA_A, 8, 1024)))


class HeadView:
    """The relay's state at its current head, as a collator reads it (storage and read proofs)."""

    def __init__(self, chain: TokenRelay):
        self.chain, self.header = chain, chain.head
        self.root = chain.head.state_root

    def storage(self, key):
        return self.chain.state().get(key)

    def read_proof(self, keys):
        return read_proof(self.chain.store, self.root, keys)


def para_block(chain: TokenRelay, para: Para, xts=()):
    """Build (and re-execute) the para's next block on the relay's current head."""
    view = HeadView(chain)
    pvd = PersistedValidationData(para.header.encode(), chain.head.number, view.root, chain.config().max_pov_size)
    parent_head = para.header.encode()
    built = para.build(list(xts), view=view, relay_number=chain.head.number,
                       inherent=collect_inherent(view, para.para_id, para.state, pvd))
    return parent_head, built


def enact(chain, para_id: int, parent_head: bytes, built) -> None:
    r = built.result
    include(chain, para_id, parent_head, r.head_data, processed_downward=r.processed_downward_messages,
            hrmp_watermark=r.hrmp_watermark, upward=list(r.upward_messages), horizontal=list(r.horizontal_messages))


@pytest.fixture
def world():
    paras = {PARA_A: Para(PARA_A), PARA_B: Para(PARA_B)}
    chain = TokenRelay(paras)
    chain.build()
    return chain, paras


def relay_free(chain, who) -> int:
    return relay_system.account(chain.state(), who).data.free


def test_downward_teleport_from_the_relay_is_minted_and_the_queue_pruned(world):
    chain, paras = world
    para = paras[PARA_A]
    chain.block_with(xts=[teleport_xt(chain, 0, dest_para=PARA_A, beneficiary=BOB.public, amount=AMOUNT)])
    queue = dmp.DownwardMessageQueues.get(chain.state(), PARA_A)
    assert queue[-1].msg == expected_message(1, AMOUNT, BOB.public)  # what the relay sends is what we expect
    bob0, issuance0 = para.free(BOB.public), para.issuance()
    parent_head, built = para_block(chain, para)
    assert built.result.processed_downward_messages == len(queue)  # the channel notices too (they fail, counted)
    assert para.free(BOB.public) == bob0 + AMOUNT and para.issuance() == issuance0 + AMOUNT
    enact(chain, PARA_A, parent_head, built)
    assert dmp.DownwardMessageQueues.get(chain.state(), PARA_A) == []


def test_sibling_teleport_through_the_relays_hrmp(world):
    chain, paras = world
    a, b = paras[PARA_A], paras[PARA_B]
    call = xcm_pallet.limited_teleport_assets.encode(
        dest=("V4", parachain(PARA_A, parents=1)), beneficiary=("V4", account_id32(CHARLIE.public)),
        assets=("V4", [fungible(Location(1, "Here"), AMOUNT)]), fee_asset_item=0, weight_limit="Unlimited")
    b_issuance0, a_issuance0, charlie0 = b.issuance(), a.issuance(), a.free(CHARLIE.public)
    parent_head, built = para_block(chain, b, [b.sign(ALICE, call, 0)])
    (out,) = built.result.horizontal_messages
    assert out.recipient == PARA_A and out.data == b"\x00" + expected_message(1, AMOUNT, CHARLIE.public)
    assert b.issuance() == b_issuance0 - AMOUNT
    enact(chain, PARA_B, parent_head, built)
    contents = hrmp.HrmpChannelContents.get(chain.state(), HrmpChannelId(PARA_B, PARA_A))
    assert [m.data for m in contents] == [out.data]
    _, built = para_block(chain, a)
    assert a.free(CHARLIE.public) == charlie0 + AMOUNT and a.issuance() == a_issuance0 + AMOUNT
    processed = [f for p, n, f in a.events() if n == "Processed" and f["origin"] == ("Sibling", PARA_B)]
    assert [f["success"] for f in processed] == [True]
    # the next block sees the same channel contents (not yet pruned) and processes nothing twice
    _, built = para_block(chain, a)
    assert a.free(CHARLIE.public) == charlie0 + AMOUNT


def test_teleport_up_is_credited_by_the_relays_executor(world):
    chain, paras = world
    para = paras[PARA_A]
    call = xcm_pallet.limited_teleport_assets.encode(
        dest=("V4", Location(1, "Here")), beneficiary=("V4", account_id32(CHARLIE.public)),
        assets=("V4", [fungible(Location(1, "Here"), AMOUNT)]), fee_asset_item=0, weight_limit="Unlimited")
    relay_issuance0, charlie0 = relay_balances.TotalIssuance.get(chain.state()), relay_free(chain, CHARLIE.public)
    para_issuance0 = para.issuance()
    parent_head, built = para_block(chain, para, [para.sign(ALICE, call, 0)])
    assert built.result.upward_messages == (expected_message(0, AMOUNT, CHARLIE.public),)
    assert para.issuance() == para_issuance0 - AMOUNT
    enact(chain, PARA_A, parent_head, built)
    chain.block_with()  # the relay services its message queue
    processed = [f for n, f in events(chain, "MessageQueue") if n == "Processed"]
    assert [f["success"] for f in processed] == [True]
    assert relay_free(chain, CHARLIE.public) == charlie0 + AMOUNT
    assert relay_balances.TotalIssuance.get(chain.state()) == relay_issuance0 + AMOUNT
