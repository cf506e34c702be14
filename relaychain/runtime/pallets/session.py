"""pallet_session (index 9): validator sets per session and their session keys.

Substrate: `substrate/frame/session/src/lib.rs` (`rotate_session`, `do_set_keys`). A session ends when
`should_end_session` says so (BABE's epoch change, as on Polkadot: one session = one epoch). At rotation
the queued validators become current, the SessionManager is asked for the set after next (staking plugs
in here), and the session handlers (BABE, GRANDPA, the parachains initializer) are told; all three are
declared in the runtime's `session.Config`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Optional, Protocol

from relaychain.primitives.parachain_types import ASSIGNMENT_ID, AUTHORITY_DISCOVERY_ID, VALIDATOR_ID
from relaychain.runtime.framework import Pallet, ensure_signed
from relaychain.runtime.frame_types import BABE_ID, GRANDPA_ID, Weight
from relaychain.runtime.pallets import system
from relaychain.primitives.scale_types import ACCOUNT_ID, BOOL, BYTES, U8, U32, Array, Field, Struct, Tuple, Vec


class SessionManager(Protocol):
    """Decides validator sets (pallet_session::SessionManager); staking implements it."""

    def new_session(self, ctx, new_index: int) -> Optional[list[bytes]]:
        """The validators for session `new_index` (planned one session ahead), or None to keep the set."""

    def start_session(self, ctx, index: int) -> None: ...

    def end_session(self, ctx, index: int) -> None: ...


class FixedValidators:
    """The default manager: the genesis validator set forever."""

    def new_session(self, ctx, new_index):
        return None

    def start_session(self, ctx, index):
        pass

    def end_session(self, ctx, index):
        pass


def _never(ctx) -> bool:
    return False


@dataclass(frozen=True)
class Config:
    """`pallet_session::Config`: when sessions end, who decides the validators, who is told.

    - `should_end_session(ctx) -> bool` (`ShouldEndSession`);
    - `session_manager` (`SessionManager`);
    - `session_handlers`: `fn(ctx, changed, validators, queued)` with `[(account, keys)]` lists, called in
      order at every rotation (`SessionHandler`);
    - `genesis_handlers`: `fn(ctx, validators)` for the genesis session (`on_genesis_session`).
    """

    should_end_session: Callable = _never
    session_manager: SessionManager = FixedValidators()
    session_handlers: tuple = ()
    genesis_handlers: tuple = ()


pallet = Pallet("Session", 9, "pallet_session", config_type=Config)

# Session key types in Polkadot's SessionKeys order (beefy omitted: no BEEFY here).
KEY_FIELDS = (("grandpa", GRANDPA_ID, b"gran"), ("babe", BABE_ID, b"babe"), ("para_validator", VALIDATOR_ID, b"para"),
              ("para_assignment", ASSIGNMENT_ID, b"asgn"), ("authority_discovery", AUTHORITY_DISCOVERY_ID, b"audi"))
SESSION_KEYS = Struct("relaychain_runtime::SessionKeys", [(n, t, f"<{n} as BoundToRuntimeAppPublic>::Public")
                                                         for n, t, _ in KEY_FIELDS])
KEY_TYPE_ID = Struct("sp_core::crypto::KeyTypeId", [(None, Array(U8, 4), "[u8; 4]")])

Validators = pallet.storage_value("Validators", Vec(ACCOUNT_ID), default=[], docs=("The current set of validators.",))
CurrentIndex = pallet.storage_value("CurrentIndex", U32, default=0, docs=("Current index of the session.",))
QueuedChanged = pallet.storage_value("QueuedChanged", BOOL, default=False, docs=(
    "True if the underlying economic identities or weighting behind the validators",
    "has changed in the queued validator set."))
QueuedKeys = pallet.storage_value("QueuedKeys", Vec(Tuple(ACCOUNT_ID, SESSION_KEYS)), default=[], docs=(
    "The queued keys for the next session. When the next session begins, these keys",
    "will be used to determine the validator's session keys."))
DisabledValidators = pallet.storage_value("DisabledValidators", Vec(U32), default=[], docs=(
    "Indices of disabled validators.",))
NextKeys = pallet.storage_map("NextKeys", [("Twox64Concat", ACCOUNT_ID)], SESSION_KEYS, optional=True, docs=(
    "The next session keys for a validator.",))
KeyOwner = pallet.storage_map("KeyOwner", [("Twox64Concat", Tuple(KEY_TYPE_ID, BYTES))], ACCOUNT_ID, optional=True,
                              docs=("The owner of a key. The key is the `KeyTypeId` + the encoded key.",))

NewSession = pallet.event("NewSession", [Field("session_index", U32, "SessionIndex")], (
    "New session has happened. Note that the argument is the session index, not the",
    "block number as the type might suggest."))

for _name, _doc in [("InvalidProof", "Invalid ownership proof."),
                    ("NoAssociatedValidatorId", "No associated validator ID for account."),
                    ("DuplicatedKey", "Registered duplicate key."),
                    ("NoKeys", "No keys are associated with this account."),
                    ("NoAccount", "Key setting account is not live, so it's impossible to associate keys.")]:
    pallet.error(_name, (_doc,))


def _key_owner_keys(keys: dict):
    return [(kt, keys[name]) for name, _, kt in KEY_FIELDS]


def set_keys_for(ctx, who: bytes, keys: dict) -> None:
    """`do_set_keys`: register `keys` for `who`, refusing keys owned by another account."""
    state = ctx.state
    for kt, raw in _key_owner_keys(keys):
        owner = KeyOwner.get(state, (kt, raw))
        if owner is not None and owner != who:
            raise pallet.fail("DuplicatedKey")
    old = NextKeys.get(state, who)
    if old is not None:
        for kt, raw in _key_owner_keys(old):
            KeyOwner.remove(state, (kt, raw))
    for kt, raw in _key_owner_keys(keys):
        KeyOwner.set(state, who, (kt, raw))
    NextKeys.set(state, keys, who)
    return old


@pallet.call(0, [Field("keys", SESSION_KEYS, "T::Keys"), Field("proof", BYTES, "Vec<u8>")],
             weight=Weight(70_000_000, 16_000), docs=("Sets the session key(s) of the function caller to `keys`.",))
def set_keys(ctx, origin, keys: dict, proof: bytes) -> None:
    who = ensure_signed(origin)
    info = system.account(ctx.state, who)
    if info.providers == 0 and info.sufficients == 0:
        raise pallet.fail("NoAccount")
    old = set_keys_for(ctx, who, keys)
    if old is None:  # first keys: the account now has a consumer reference (it cannot be reaped)
        info = system.account(ctx.state, who)
        system.put_account(ctx.state, who, replace(info, consumers=info.consumers + 1))


@pallet.call(1, [], weight=Weight(50_000_000, 16_000), docs=("Removes any session key(s) of the function caller.",))
def purge_keys(ctx, origin) -> None:
    who = ensure_signed(origin)
    old = NextKeys.get(ctx.state, who)
    if old is None:
        raise pallet.fail("NoKeys")
    for kt, raw in _key_owner_keys(old):
        KeyOwner.remove(ctx.state, (kt, raw))
    NextKeys.remove(ctx.state, who)
    info = system.account(ctx.state, who)
    system.put_account(ctx.state, who, replace(info, consumers=max(0, info.consumers - 1)))


def _with_keys(state, validators):
    out = []
    for v in validators:
        keys = NextKeys.get(state, v)
        if keys is not None:
            out.append((v, keys))
    return out


def rotate_session(ctx) -> None:
    """End the current session and start the next (pallet_session::rotate_session)."""
    state = ctx.state
    cfg = ctx.runtime.config(pallet)
    manager = cfg.session_manager
    index = CurrentIndex.get(state)
    changed = QueuedChanged.get(state)
    manager.end_session(ctx, index)
    session_keys = QueuedKeys.get(state)
    Validators.set(state, [a for a, _ in session_keys])
    if changed:
        DisabledValidators.remove(state)
    index += 1
    CurrentIndex.set(state, index)
    manager.start_session(ctx, index)
    planned = manager.new_session(ctx, index + 1)
    next_validators, next_changed = (planned, True) if planned is not None else (Validators.get(state), False)
    queued = _with_keys(state, next_validators)
    next_changed = next_changed or queued != session_keys
    QueuedKeys.set(state, queued)
    QueuedChanged.set(state, next_changed)
    for handler in cfg.session_handlers:
        handler(ctx, changed, session_keys, queued)
    ctx.deposit_event(NewSession, session_index=index)


def on_initialize(ctx) -> None:
    if ctx.runtime.config(pallet).should_end_session(ctx):
        rotate_session(ctx)


pallet.on_initialize = on_initialize


def genesis(ctx, keys: list[tuple[bytes, dict]], validators: Optional[list[bytes]] = None,
            queued: Optional[list[bytes]] = None) -> None:
    """Register genesis session keys (pallet_session GenesisConfig). Session 0 uses `validators` (default: every
    account with keys), session 1 `queued` (default: the same set); the genesis handlers of the runtime's
    `Config` get the session-0 set. `ctx` is the genesis context (block 0 over the genesis state)."""
    state = ctx.state
    for who, k in keys:
        info = system.account(state, who)
        if info.providers == 0:
            info = replace(info, providers=1)
        system.put_account(state, who, replace(info, consumers=info.consumers + 1))
        for kt, raw in _key_owner_keys(k):
            KeyOwner.set(state, who, (kt, raw))
        NextKeys.set(state, k, who)
    validators = [who for who, _ in keys] if validators is None else list(validators)
    current = _with_keys(state, validators)
    if len(current) != len(validators):
        raise ValueError("every genesis validator needs session keys")
    Validators.set(state, validators)
    QueuedKeys.set(state, current if queued is None else _with_keys(state, queued))
    for handler in ctx.runtime.config(pallet).genesis_handlers:
        handler(ctx, current)


def disable_index(state, index: int) -> bool:
    """`disable_index`: add validator `index` (into `Validators`) to `DisabledValidators`, kept sorted; False if
    out of range or already disabled. The list is cleared when a changed validator set takes over."""
    if index >= len(Validators.get(state)):
        return False
    disabled = list(DisabledValidators.get(state))
    if index in disabled:
        return False
    disabled.append(index)
    DisabledValidators.set(state, sorted(disabled))
    return True


def current_keys(state) -> list[tuple[bytes, dict]]:
    """The current validators with their (next) session keys."""
    return _with_keys(state, Validators.get(state))
