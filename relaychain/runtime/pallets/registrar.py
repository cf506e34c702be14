"""Registrar (index 70): para ids reserved and registered by their managers, with deposits.

Polkadot: `polkadot/runtime/common/src/paras_registrar/mod.rs` (spec 1002005). `reserve` takes the next free
id (from 2000, `LOWEST_PUBLIC_ID`) for a deposit of `ParaDeposit`; `register` gives it a genesis head and code
(deposit `ParaDeposit + DataDepositPerByte * (head + max_code_size)`) and schedules it as a parathread
(`Paras.schedule_para_initialize`, live `SESSION_DELAY` sessions later); `force_register` (Root) does so for
any id and deposit. The manager (unless the para is locked), Root, or the para itself may deregister a
parathread, upgrade its code or set its head; a para is locked once it produced its first head.
Parachain origins (`Origin::Parachain`, via UMP) do not exist yet: "the para itself" is never the caller.
"""

from __future__ import annotations

from typing import Optional

from relaychain.primitives.parachain_types import HEAD_DATA, PARA_ID, VALIDATION_CODE
from relaychain.primitives.scale_types import ACCOUNT_ID, U128, Struct
from relaychain.runtime import constants as C
from relaychain.runtime.frame_types import OPTION_BOOL, Weight
from relaychain.runtime.framework import DispatchError, Origin, Pallet, account_field, ensure_root, ensure_signed
from relaychain.runtime.pallets import balances
from relaychain.runtime.pallets.parachains import configuration, paras

pallet = Pallet("Registrar", 70, "polkadot_runtime_common::paras_registrar")

LOWEST_PUBLIC_ID = 2000
PARA_DEPOSIT = pallet.constant("ParaDeposit", U128, 10 * C.UNITS, (
    "The deposit to be paid to run a on-demand parachain.", "This should include the cost for storing the genesis "
                                                             "head and validation code."))
DATA_DEPOSIT_PER_BYTE = pallet.constant("DataDepositPerByte", U128, 10 * C.MILLICENTS, (
    "The deposit to be paid per byte stored on chain.",))

PARA_INFO = Struct("polkadot_runtime_common::paras_registrar::ParaInfo", [
    ("manager", ACCOUNT_ID, "Account"), ("deposit", U128, "Balance"), ("locked", OPTION_BOOL, "Option<bool>")],
    params=[("Account", ACCOUNT_ID), ("Balance", U128)])

PendingSwap = pallet.storage_map("PendingSwap", [("Twox64Concat", PARA_ID)], PARA_ID, optional=True, docs=(
    "Pending swap operations.",))
Paras = pallet.storage_map("Paras", [("Twox64Concat", PARA_ID)], PARA_INFO, optional=True, docs=(
    "Amount held on deposit for each para and the original depositor.", "",
    "The given account ID is responsible for registering the code and initial head data, but may",
    "only do so if it isn't yet registered. (After that, it's up to governance to do so.)"))
NextFreeParaId = pallet.storage_value("NextFreeParaId", PARA_ID, default=0, docs=("The next free `ParaId`.",))

Registered = pallet.event("Registered", [("para_id", PARA_ID, "ParaId"), account_field("manager")])
Deregistered = pallet.event("Deregistered", [("para_id", PARA_ID, "ParaId")])
Reserved = pallet.event("Reserved", [("para_id", PARA_ID, "ParaId"), account_field("who")])
Swapped = pallet.event("Swapped", [("para_id", PARA_ID, "ParaId"), ("other_id", PARA_ID, "ParaId")])

for _name, _doc in [
    ("NotRegistered", "The ID is not registered."),
    ("AlreadyRegistered", "The ID is already registered."),
    ("NotOwner", "The caller is not the owner of this Id."),
    ("CodeTooLarge", "Invalid para code size."),
    ("HeadDataTooLarge", "Invalid para head data size."),
    ("NotParachain", "Para is not a Parachain."),
    ("NotParathread", "Para is not a Parathread (on-demand parachain)."),
    ("CannotDeregister", "Cannot deregister para"),
    ("CannotDowngrade", "Cannot schedule downgrade of lease holding parachain to on-demand parachain"),
    ("CannotUpgrade", "Cannot schedule upgrade of on-demand parachain to lease holding parachain"),
    ("ParaLocked", "Para is locked from manipulation by the manager. Must use parachain or relay chain governance."),
    ("NotReserved", "The ID given for registration has not been reserved."),
    ("EmptyCode", "Registering parachain with empty code is not allowed."),
    ("CannotSwap", "Cannot perform a parachain slot / lifecycle swap. Check that the state of both paras\n"
                   "are correct for the swap to work."),
]:
    pallet.error(_name, tuple(_doc.split("\n")))

fail = pallet.fail
_W = Weight(50_000_000, 8_000)


def _ensure_root_para_or_owner(ctx, origin: Origin, para_id: int) -> None:
    """Root, or the unlocked para's manager (a para origin does not exist yet)."""
    if origin.kind == "signed":
        info = Paras.get(ctx.state, para_id)
        if info is None:
            raise fail("NotRegistered")
        if info["locked"] is True:
            raise fail("ParaLocked")
        if info["manager"] != origin.who:
            raise fail("NotOwner")
        return
    ensure_root(origin)


def _do_reserve(ctx, who: bytes, deposit_override: Optional[int], para_id: int) -> None:
    state = ctx.state
    if Paras.get(state, para_id) is not None or paras.lifecycle(state, para_id) is not None:
        raise fail("AlreadyRegistered")
    deposit = PARA_DEPOSIT if deposit_override is None else deposit_override
    balances.reserve(ctx, who, deposit)
    Paras.set(state, {"manager": who, "deposit": deposit, "locked": None}, para_id)
    ctx.deposit_event(Reserved, para_id=para_id, who=who)


def validate_onboarding_data(state, genesis_head: bytes, code: bytes, para_kind: bool):
    """(ParaGenesisArgs, deposit) for the data, or the typed error."""
    cfg = configuration.active(state)
    if not code:
        raise fail("EmptyCode")
    if len(code) > cfg.max_code_size:
        raise fail("CodeTooLarge")
    if len(genesis_head) > cfg.max_head_data_size:
        raise fail("HeadDataTooLarge")
    deposit = PARA_DEPOSIT + DATA_DEPOSIT_PER_BYTE * len(genesis_head) + DATA_DEPOSIT_PER_BYTE * cfg.max_code_size
    return paras.ParaGenesisArgs(genesis_head, code, para_kind), deposit


def do_register(ctx, who: bytes, deposit_override: Optional[int], para_id: int, genesis_head: bytes, code: bytes,
                ensure_reserved: bool) -> None:
    state = ctx.state
    info = Paras.get(state, para_id)
    if info is not None:
        if info["manager"] != who:
            raise fail("NotOwner")
        if info["locked"] is True:
            raise fail("ParaLocked")
        deposited = info["deposit"]
    else:
        if ensure_reserved:
            raise fail("NotReserved")
        deposited = 0
    if paras.lifecycle(state, para_id) is not None:
        raise fail("AlreadyRegistered")
    genesis, deposit = validate_onboarding_data(state, genesis_head, code, False)
    deposit = deposit if deposit_override is None else deposit_override
    if deposit > deposited:
        balances.reserve(ctx, who, deposit - deposited)
    elif deposited > deposit:
        balances.unreserve(ctx, who, deposited - deposit)
    Paras.set(state, {"manager": who, "deposit": deposit, "locked": None}, para_id)
    paras.schedule_para_initialize(ctx, para_id, genesis)
    ctx.deposit_event(Registered, para_id=para_id, manager=who)


def do_deregister(ctx, para_id: int) -> None:
    state = ctx.state
    if paras.lifecycle(state, para_id) not in (None, "Parathread"):
        raise fail("NotParathread")
    try:
        paras.schedule_para_cleanup(ctx, para_id)
    except DispatchError:
        raise fail("CannotDeregister") from None
    info = Paras.take(state, para_id)
    if info is not None:
        balances.unreserve(ctx, info["manager"], info["deposit"])
    PendingSwap.remove(state, para_id)
    ctx.deposit_event(Deregistered, para_id=para_id)


def on_new_head(ctx, para_id: int, head: bytes) -> None:
    """Paras' OnNewHead: lock a para the first time it produces a head (only governance may then change it)."""
    info = Paras.get(ctx.state, para_id)
    if info is not None and info["locked"] is None:
        Paras.set(ctx.state, {**info, "locked": True}, para_id)


def genesis(state, genesis_para_ids=()) -> None:
    """The next free id: the lowest public one, past any para registered at genesis."""
    NextFreeParaId.set(state, max([LOWEST_PUBLIC_ID] + [p + 1 for p in genesis_para_ids]))


@pallet.call(0, [("id", PARA_ID, "ParaId"), ("genesis_head", HEAD_DATA, "HeadData"),
                 ("validation_code", VALIDATION_CODE, "ValidationCode")], weight=_W,
             docs=("Register head data and validation code for a reserved Para Id.",))
def register(ctx, origin, id: int, genesis_head: bytes, validation_code: bytes) -> None:  # noqa: A002
    who = ensure_signed(origin)
    do_register(ctx, who, None, id, genesis_head, validation_code, True)


@pallet.call(1, [account_field("who"), ("deposit", U128, "BalanceOf<T>"), ("id", PARA_ID, "ParaId"),
                 ("genesis_head", HEAD_DATA, "HeadData"), ("validation_code", VALIDATION_CODE, "ValidationCode")],
             weight=_W, docs=("Force the registration of a Para Id on the relay chain.",))
def force_register(ctx, origin, who: bytes, deposit: int, id: int, genesis_head: bytes,  # noqa: A002
                   validation_code: bytes) -> None:
    ensure_root(origin)
    do_register(ctx, who, deposit, id, genesis_head, validation_code, False)


@pallet.call(2, [("id", PARA_ID, "ParaId")], weight=_W, docs=(
    "Deregister a Para Id, freeing all data and returning any deposit.",))
def deregister(ctx, origin, id: int) -> None:  # noqa: A002
    _ensure_root_para_or_owner(ctx, origin, id)
    do_deregister(ctx, id)


@pallet.call(3, [("id", PARA_ID, "ParaId"), ("other", PARA_ID, "ParaId")], weight=_W, docs=(
    "Swap a lease holding parachain with another parachain, either on-demand or lease holding.",))
def swap(ctx, origin, id: int, other: int) -> None:  # noqa: A002
    """Only the pending-swap bookkeeping: a confirmed swap of lifecycles needs the slots/crowdloan pallets
    (`OnSwap`), which this runtime does not have, so a confirmation fails with `CannotSwap`."""
    _ensure_root_para_or_owner(ctx, origin, id)
    state = ctx.state
    if id == other:
        PendingSwap.remove(state, id)
        return
    if paras.lifecycle(state, id) is None:
        raise fail("NotRegistered")
    if PendingSwap.get(state, other) == id:
        raise fail("CannotSwap")
    PendingSwap.set(state, other, id)


@pallet.call(4, [("para", PARA_ID, "ParaId")], weight=_W, docs=("Remove a manager lock from a para.",))
def remove_lock(ctx, origin, para: int) -> None:
    ensure_root(origin)
    info = Paras.get(ctx.state, para)
    if info is not None:
        Paras.set(ctx.state, {**info, "locked": False}, para)


@pallet.call(5, [], weight=_W, docs=("Reserve a Para Id on the relay chain.",))
def reserve(ctx, origin) -> None:
    who = ensure_signed(origin)
    para_id = max(NextFreeParaId.get(ctx.state), LOWEST_PUBLIC_ID)
    _do_reserve(ctx, who, None, para_id)
    NextFreeParaId.set(ctx.state, para_id + 1)


@pallet.call(6, [("para", PARA_ID, "ParaId")], weight=_W, docs=("Add a manager lock from a para.",))
def add_lock(ctx, origin, para: int) -> None:
    _ensure_root_para_or_owner(ctx, origin, para)
    info = Paras.get(ctx.state, para)
    if info is not None:
        Paras.set(ctx.state, {**info, "locked": True}, para)


@pallet.call(7, [("para", PARA_ID, "ParaId"), ("new_code", VALIDATION_CODE, "ValidationCode")], weight=_W,
             docs=("Schedule a parachain upgrade.",))
def schedule_code_upgrade(ctx, origin, para: int, new_code: bytes) -> None:
    _ensure_root_para_or_owner(ctx, origin, para)
    paras.schedule_code_upgrade_external(ctx, para, new_code, "No")


@pallet.call(8, [("para", PARA_ID, "ParaId"), ("new_head", HEAD_DATA, "HeadData")], weight=_W,
             docs=("Set the parachain's current head.",))
def set_current_head(ctx, origin, para: int, new_head: bytes) -> None:
    _ensure_root_para_or_owner(ctx, origin, para)
    paras.set_current_head(ctx, para, new_head)
