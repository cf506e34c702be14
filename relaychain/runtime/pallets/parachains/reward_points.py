"""Era points for parachain work (Polkadot `polkadot/runtime/parachains/src/reward_points.rs`,
`RewardValidatorsWithEraPoints`): each backer of an included candidate earns 20 points in Staking's active
era; availability bitfields earn nothing. Validators are the session's active ones (`ParaSessionInfo.AccountKeys`)
by active-set index. The runtime declares these as ParaInclusion's `Config.reward_backing`/`reward_bitfields`.
"""

from __future__ import annotations

from relaychain.runtime.pallets import staking_era
from relaychain.runtime.pallets.parachains import session_info, shared

BACKING_POINTS = 20


def reward_backing(ctx, validator_indices: list[int]) -> None:
    state = ctx.state
    accounts = session_info.AccountKeys.get(state, shared.CurrentSessionIndex.get(state))
    if accounts is None:
        return
    staking_era.reward_by_ids(ctx, [(accounts[i], BACKING_POINTS) for i in validator_indices if i < len(accounts)])


def reward_bitfields(ctx, validator_indices: list[int]) -> None:
    pass
