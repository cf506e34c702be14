"""The relay chain runtime: its pallets (Polkadot indices) and how they are wired together.

`construct_runtime!` equivalent, with each pallet's `Config` declared here (Polkadot's `impl X::Config for
Runtime` blocks): BABE ends sessions and checks the timestamp's slot; Staking decides the validator sets
(its era elections); session changes are told to BABE, GRANDPA, then the parachains Initializer (the
`para_validator` key) and ParaSessionInfo (the `para_assignment` key); backers of included candidates earn
era points; dispute losers are slashed and disabled through Staking; the Registrar locks a para at its first
head. Hooks run in pallet-index order (on_initialize) and the same order for on_finalize, as
frame-executive's `AllPalletsWithSystem` does.
"""

from __future__ import annotations

from functools import lru_cache

from relaychain.runtime.framework import Runtime
from relaychain.runtime.pallets import (
    babe, balances, grandpa, message_queue, multisig, paras_sudo_wrapper, proxy, registrar, session, staking, sudo,
    system, timestamp, transaction_payment, utility, xcm_pallet,
)
from relaychain.runtime.pallets.parachains import (
    configuration, disputes, disputes_slashing, dmp, hrmp, inclusion, initializer, paras, paras_inherent,
    reward_points, scheduler, session_info, shared,
)

RUNTIME_CRATE = "relaychain_runtime"


def report_dispute_offence(ctx, offenders: list[bytes], fraction: int, session_index: int, kind: str) -> None:
    """Dispute losers go to Staking's `on_offence`; every one of them is disabled for the rest of the era, even
    at 0 % (issue #9: `AgainstValid` disables instead of slashing)."""
    staking.on_offence(ctx, offenders, fraction, session_index, disable_strategy="Always")


PALLETS = (system.pallet, babe.pallet, timestamp.pallet, balances.pallet, staking.pallet, session.pallet,
           grandpa.pallet, transaction_payment.pallet, utility.pallet, proxy.pallet, multisig.pallet,
           configuration.pallet, shared.pallet, inclusion.pallet, paras_inherent.pallet, scheduler.pallet,
           paras.pallet, initializer.pallet, dmp.pallet, hrmp.pallet, session_info.pallet, disputes.pallet,
           disputes_slashing.pallet, registrar.pallet, xcm_pallet.pallet, message_queue.pallet,
           paras_sudo_wrapper.pallet, sudo.pallet)

CONFIGS = {
    timestamp.pallet.name: timestamp.Config(on_timestamp_set=(babe.on_timestamp_set,)),
    session.pallet.name: session.Config(
        should_end_session=babe.should_epoch_change,
        session_manager=staking.SESSION_MANAGER,
        session_handlers=(babe.on_new_session, grandpa.on_new_session, initializer.on_new_session,
                          session_info.on_new_session),
        # session_info first: the genesis session, applied at once by the initializer, reads its assignment keys
        genesis_handlers=(babe.genesis, grandpa.genesis, session_info.on_genesis_session,
                          initializer.on_genesis_session),
    ),
    paras.pallet.name: paras.Config(on_new_head=(registrar.on_new_head,)),
    inclusion.pallet.name: inclusion.Config(reward_backing=reward_points.reward_backing,
                                            reward_bitfields=reward_points.reward_bitfields),
    disputes.pallet.name: disputes.Config(punish_for_invalid=disputes_slashing.punish_for_invalid,
                                          punish_against_valid=disputes_slashing.punish_against_valid),
    disputes_slashing.pallet.name: disputes_slashing.Config(report_offence=report_dispute_offence),
}

RUNTIME = Runtime(RUNTIME_CRATE, PALLETS, CONFIGS)


@lru_cache(maxsize=1)
def metadata_bytes() -> bytes:
    from relaychain.runtime.metadata import prefixed_metadata
    return prefixed_metadata(RUNTIME)
