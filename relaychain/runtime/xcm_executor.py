"""The relay's XCM executor for upward messages: a para moving the relay's token back (xcmp.md §8-§9).

Polkadot: `polkadot/xcm/xcm-executor`, `xcm-builder`'s `ProcessXcmMessage`, `AllowTopLevelPaidExecutionFrom`,
`FungibleAdapter`; the relay's `xcm_config.rs`. Only what a teleport or a transfer back to the relay needs:
- The barrier (`AllowTopLevelPaidExecutionFrom`): the program starts with `ReceiveTeleportedAsset` or
  `WithdrawAsset`, then any `ClearOrigin`s, then `BuyExecution` whose limit covers the program's weight
  (`Unlimited` or `Limited(w)`, w >= weight). Instructions: those two, `ClearOrigin`, `BuyExecution`,
  `DepositAsset`, `SetTopic`, `ClearTopic`. Anything else, a foreign asset, or a failed barrier is
  `Unsupported`: nothing runs (`Outcome::Error`, `MessageQueue.ProcessingFailed`).
- Weight: `BASE_XCM_WEIGHT` per instruction (`FixedWeightBounds`). Execution is free (no fee is charged from
  `BuyExecution`'s fees: the weight price of this chain is zero), so a beneficiary receives every unit sent.
- Assets (the native token `{parents: 0, Here}` only): `ReceiveTeleportedAsset` from a live para puts the
  amount in holding (the para burnt it: teleports are minted back here, see XcmPallet); `WithdrawAsset` burns
  it from the para's sovereign account into holding; `DepositAsset` mints holding into
  `{0, X1(AccountId32{id})}`.
- A failure while running (`Outcome::Incomplete`) undoes the whole program (the caller runs it in a storage
  transaction). Polkadot would trap the holding instead; there is no asset trap here, so holding left at the
  end of a program is lost, as an unclaimed trap would be.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from relaychain.runtime.framework import DispatchError
from relaychain.runtime.pallets import balances
from relaychain.runtime.pallets.parachains import paras
from relaychain.runtime.pallets.xcm_pallet import BASE_XCM_WEIGHT, NATIVE
from xcmp.types import sovereign_account
from xcmp.xcm import Asset, Location


class XcmUnsupported(Exception):
    """The program is not one this executor runs (`ProcessMessageError::Unsupported`); `reason` is an
    `xcm::v3::traits::Error` name."""

    def __init__(self, reason: str, detail: str):
        self.reason = reason
        super().__init__(f"{reason}: {detail}")


class XcmIncomplete(Exception):
    """The program failed while running (`Outcome::Incomplete`); `error` is an `xcm::v3::traits::Error` name."""

    def __init__(self, error: str, index: int):
        self.error, self.index = error, index
        super().__init__(f"instruction {index} failed: {error}")


_ASSET_IN = ("ReceiveTeleportedAsset", "WithdrawAsset")
SUPPORTED = frozenset(_ASSET_IN + ("ClearOrigin", "BuyExecution", "DepositAsset", "SetTopic", "ClearTopic"))


def _name(instruction) -> str:
    return instruction if isinstance(instruction, str) else instruction[0]


def weigh(program) -> dict:
    """`FixedWeightBounds`: the base weight per instruction."""
    n = len(program)
    return {"ref_time": BASE_XCM_WEIGHT.ref_time * n, "proof_size": BASE_XCM_WEIGHT.proof_size * n}


def _native_amount(asset: Asset) -> int:
    if asset.id != NATIVE or not (isinstance(asset.fun, tuple) and asset.fun[0] == "Fungible"):
        raise XcmUnsupported("AssetNotFound", f"only the relay's token {NATIVE} is accepted, not {asset.id}")
    return asset.fun[1]


def check_barrier(program, weight: dict) -> None:
    """`AllowTopLevelPaidExecutionFrom` and the instruction / asset set (module docstring)."""
    for i, instr in enumerate(program):
        if _name(instr) not in SUPPORTED:
            raise XcmUnsupported("Unimplemented", f"instruction {i} ({_name(instr)}) is not run by this relay")
    names = [_name(x) for x in program]
    if not names or names[0] not in _ASSET_IN:
        raise XcmUnsupported("Barrier", "a program must start by taking assets into holding")
    i = 1
    while i < len(names) and names[i] == "ClearOrigin":
        i += 1
    if i >= len(names) or names[i] != "BuyExecution":
        raise XcmUnsupported("Barrier", "BuyExecution must follow the assets and ClearOrigins")
    limit = program[i][1]["weight_limit"]
    if limit != "Unlimited" and (limit[1]["ref_time"] < weight["ref_time"]
                                 or limit[1]["proof_size"] < weight["proof_size"]):
        raise XcmUnsupported("Barrier", f"BuyExecution's limit {limit[1]} is below the program's weight {weight}")
    for instr in program:
        if _name(instr) in _ASSET_IN:
            for asset in instr[1]:
                _native_amount(asset)
        elif _name(instr) == "BuyExecution":
            _native_amount(instr[1]["fees"])


@dataclass
class _Vm:
    origin: Optional[int]  # the para speaking, None once cleared
    holding: int = 0
    topic: Optional[bytes] = None
    minted: list = field(default_factory=list)


def _beneficiary_account(beneficiary: Location) -> bytes:
    j = beneficiary.junctions()
    if beneficiary.parents != 0 or len(j) != 1 or not isinstance(j[0], tuple) or j[0][0] != "AccountId32":
        raise XcmIncomplete("LocationCannotHold", -1)
    return bytes(j[0][1]["id"])


def _deposit_amount(vm: _Vm, assets) -> int:
    kind, what = assets
    if kind == "Definite":
        return min(vm.holding, sum(_native_amount(a) for a in what))
    return vm.holding  # All / AllCounted / AllOf / AllOfCounted: the one asset held


def execute_upward(ctx, para_id: int, program) -> Optional[bytes]:
    """Run `program` with origin `Parachain(para_id)`; returns its topic (if it set one). Raises
    `XcmUnsupported` before any effect, or `XcmIncomplete` (the caller rolls the effects back)."""
    check_barrier(program, weigh(program))
    vm = _Vm(origin=para_id)
    for index, instr in enumerate(program):
        name = _name(instr)
        try:
            if name == "ReceiveTeleportedAsset":
                if vm.origin is None or not paras.is_valid_para(ctx.state, vm.origin):
                    raise XcmIncomplete("UntrustedTeleportLocation", index)
                vm.holding += sum(_native_amount(a) for a in instr[1])
            elif name == "WithdrawAsset":
                if vm.origin is None:
                    raise XcmIncomplete("BadOrigin", index)
                amount = sum(_native_amount(a) for a in instr[1])
                balances.burn_from(ctx, sovereign_account(vm.origin), amount)
                vm.holding += amount
            elif name == "ClearOrigin":
                vm.origin = None
            elif name == "BuyExecution":
                if _native_amount(instr[1]["fees"]) > vm.holding:
                    raise XcmIncomplete("NotHoldingFees", index)
            elif name == "DepositAsset":
                who = _beneficiary_account(instr[1]["beneficiary"])
                amount = _deposit_amount(vm, instr[1]["assets"])
                if amount:
                    balances.mint_into(ctx, who, amount)
                    vm.holding -= amount
            elif name == "SetTopic":
                vm.topic = bytes(instr[1])
            elif name == "ClearTopic":
                vm.topic = None
        except DispatchError:
            raise XcmIncomplete("FailedToTransactAsset", index) from None
        except XcmIncomplete as e:
            raise XcmIncomplete(e.error, index) from None
    return vm.topic
