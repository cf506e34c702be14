"""ParasSudoWrapper (index 250, as Rococo): Root's shortcuts into Paras' lifecycle — dev chains only.

Polkadot: `polkadot/runtime/common/src/paras_sudo_wrapper.rs` (calls 0-3; the DMP/HRMP ones, 4 and 5, wait
for messaging). Each call requires Root (reached through Sudo) and maps Paras' failures to this pallet's
errors.
"""

from __future__ import annotations

from relaychain.primitives.parachain_types import PARA_ID
from relaychain.runtime.frame_types import Weight
from relaychain.runtime.framework import DispatchError, Pallet, ensure_root
from relaychain.runtime.pallets.parachains import paras

pallet = Pallet("ParasSudoWrapper", 250, "polkadot_runtime_common::paras_sudo_wrapper")

for _name, _doc in [
    ("ParaDoesntExist", "The specified parachain is not registered."),
    ("ParaAlreadyExists", "The specified parachain is already registered."),
    ("ExceedsMaxMessageSize", "A DMP message couldn't be sent because it exceeds the maximum size allowed for a\n"
                              "downward message."),
    ("CouldntCleanup", "Could not schedule para cleanup."),
    ("NotParathread", "Not a parathread (on-demand parachain)."),
    ("NotParachain", "Not a lease holding parachain."),
    ("CannotUpgrade", "Cannot upgrade on-demand parachain to lease holding parachain."),
    ("CannotDowngrade", "Cannot downgrade lease holding parachain to on-demand."),
    ("TooManyCores", "There are more cores than supported by the runtime."),
]:
    pallet.error(_name, tuple(_doc.split("\n")))

_W = Weight(1_000)


def _mapped(fn, error: str):
    try:
        fn()
    except DispatchError:
        raise pallet.fail(error) from None


@pallet.call(0, [("id", PARA_ID, "ParaId"), ("genesis", paras.ParaGenesisArgs.SCALE, "ParaGenesisArgs")],
             weight=_W, dispatch_class="Operational", docs=(
    "Schedule a para to be initialized at the start of the next session.",))
def sudo_schedule_para_initialize(ctx, origin, id: int, genesis) -> None:  # noqa: A002
    ensure_root(origin)
    _mapped(lambda: paras.schedule_para_initialize(ctx, id, genesis), "ParaAlreadyExists")


@pallet.call(1, [("id", PARA_ID, "ParaId")], weight=_W, dispatch_class="Operational", docs=(
    "Schedule a para to be cleaned up at the start of the next session.",))
def sudo_schedule_para_cleanup(ctx, origin, id: int) -> None:  # noqa: A002
    ensure_root(origin)
    _mapped(lambda: paras.schedule_para_cleanup(ctx, id), "CouldntCleanup")


@pallet.call(2, [("id", PARA_ID, "ParaId")], weight=_W, dispatch_class="Operational", docs=(
    "Upgrade a parathread (on-demand parachain) to a lease holding parachain",))
def sudo_schedule_parathread_upgrade(ctx, origin, id: int) -> None:  # noqa: A002
    ensure_root(origin)
    if paras.lifecycle(ctx.state, id) != "Parathread":
        raise pallet.fail("NotParathread")
    _mapped(lambda: paras.schedule_parathread_upgrade(ctx, id), "CannotUpgrade")


@pallet.call(3, [("id", PARA_ID, "ParaId")], weight=_W, dispatch_class="Operational", docs=(
    "Downgrade a lease holding parachain to an on-demand parachain",))
def sudo_schedule_parachain_downgrade(ctx, origin, id: int) -> None:  # noqa: A002
    ensure_root(origin)
    if paras.lifecycle(ctx.state, id) != "Parachain":
        raise pallet.fail("NotParachain")
    _mapped(lambda: paras.schedule_parachain_downgrade(ctx, id), "CannotDowngrade")
