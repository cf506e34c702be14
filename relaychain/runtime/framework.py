"""Pallet declarations: storage, calls, events, errors and constants stated once, in one place.

Substrate: `frame_support::pallet` macros. A pallet here is a `Pallet` object built at import time:
its storage items compute their keys (`twox128(prefix) ‖ twox128(item) ‖ hashed keys`, rpc.md §9),
its calls are decoded and dispatched by index, its events and errors are encoded with the pallet's
index, and every one of those declarations also feeds the V14 metadata (`metadata.py`), so what
the runtime writes and what clients are told can never disagree.

Wiring is declared, never patched in: a pallet declares its hooks (`on_initialize`, `on_finalize`,
`create_inherent`) on its own `Pallet` object and the type of its configuration (`config_type`, a frozen
dataclass of the hooks other pallets plug into, like FRAME's `Config` associated types). `Runtime(...)`
receives one configuration per pallet that needs one and pallets read theirs through
`ctx.runtime.config(pallet)`. Types that only exist once the runtime is assembled (`RuntimeCall`,
`RuntimeEvent`) are `LateBound` references the Runtime binds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from relaychain.primitives.hashing import STORAGE_HASHERS, twox_128
from relaychain.primitives.records import fast_init
from relaychain.primitives.scale import Reader, ScaleDecodeError, encode_compact, encode_str, encode_u32
from relaychain.runtime.frame_types import Weight
from relaychain.primitives.scale_types import (
    ACCOUNT_ID, U8, Array, Enum, Field, LateBound, PortableRegistry, ScaleType, Struct, Tuple, Variant, _fields,
)

# The outer enums, declared here so pallets can name them (`Sudo.sudo(call: Box<RuntimeCall>)`, System.Events)
# and bound by `Runtime` once it has built them.
RUNTIME_CALL = LateBound("RuntimeCall")
RUNTIME_EVENT = LateBound("RuntimeEvent")

# -- dispatch errors and origins ----------------------------------------------------------------

MODULE_ERROR = Struct("sp_runtime::ModuleError", [("index", U8, "u8"),
                                                  ("error", Array(U8, 4), "[u8; MAX_MODULE_ERROR_ENCODED_SIZE]")])
TOKEN_ERROR = Enum("sp_runtime::TokenError", [Variant(n, i) for i, n in enumerate(
    ["FundsUnavailable", "OnlyProvider", "BelowMinimum", "CannotCreate", "UnknownAsset", "Frozen", "Unsupported",
     "CannotCreateHold", "NotExpendable", "Blocked"])])
ARITHMETIC_ERROR = Enum("sp_arithmetic::ArithmeticError",
                        [Variant(n, i) for i, n in enumerate(["Underflow", "Overflow", "DivisionByZero"])])
TRANSACTIONAL_ERROR = Enum("sp_runtime::TransactionalError",
                           [Variant(n, i) for i, n in enumerate(["LimitReached", "NoLayer"])])
DISPATCH_ERROR = Enum("sp_runtime::DispatchError", [
    Variant("Other", 0), Variant("CannotLookup", 1), Variant("BadOrigin", 2),
    Variant("Module", 3, ((None, MODULE_ERROR, "ModuleError"),)),
    Variant("ConsumerRemaining", 4), Variant("NoProviders", 5), Variant("TooManyConsumers", 6),
    Variant("Token", 7, ((None, TOKEN_ERROR, "TokenError"),)),
    Variant("Arithmetic", 8, ((None, ARITHMETIC_ERROR, "ArithmeticError"),)),
    Variant("Transactional", 9, ((None, TRANSACTIONAL_ERROR, "TransactionalError"),)),
    Variant("Exhausted", 10), Variant("Corruption", 11), Variant("Unavailable", 12), Variant("RootNotAllowed", 13),
])


class DispatchError(Exception):
    """A call failed: the extrinsic is still included, its changes (beyond fee/nonce) are rolled back.

    `value` is a `sp_runtime::DispatchError` value, e.g. "BadOrigin" or ("Module", {...}).
    """

    def __init__(self, value: Any, message: str = ""):
        self.value = value
        super().__init__(message or str(value))

    def encode(self) -> bytes:
        return DISPATCH_ERROR.encode(self.value)


class ModuleError(DispatchError):
    """`DispatchError::Module{index: pallet index, error: [error index, 0, 0, 0]}` (rpc.md §10)."""

    def __init__(self, pallet: "Pallet", name: str):
        index = pallet.error_index(name)
        self.pallet_name = pallet.name
        self.name = name
        super().__init__(("Module", {"index": pallet.index, "error": bytes((index, 0, 0, 0))}),
                         f"{pallet.name}.{name}")


@fast_init
@dataclass(frozen=True, slots=True)
class Origin:
    """Who dispatches a call: `signed` (an account), `root`, `none` (inherents, unsigned) or `parachain` (a
    para speaking for itself: Polkadot's `parachains_origin::Origin::Parachain`, reached through XCM)."""

    kind: str
    who: Optional[bytes] = None
    para_id: Optional[int] = None

    @staticmethod
    def signed(who: bytes) -> "Origin":
        return Origin("signed", who)

    @staticmethod
    def parachain(para_id: int) -> "Origin":
        return Origin("parachain", para_id=para_id)


ROOT = Origin("root")
NONE = Origin("none")


def ensure_signed(origin: Origin) -> bytes:
    if origin.kind != "signed":
        raise DispatchError("BadOrigin")
    return origin.who


def ensure_root(origin: Origin) -> None:
    if origin.kind != "root":
        raise DispatchError("BadOrigin")


def ensure_parachain(origin: Origin) -> int:
    """The para a `parachain` origin speaks for (BadOrigin for any other origin)."""
    if origin.kind != "parachain" or origin.para_id is None:
        raise DispatchError("BadOrigin")
    return origin.para_id


def ensure_none(origin: Origin) -> None:
    if origin.kind != "none":
        raise DispatchError("BadOrigin")


# -- storage ------------------------------------------------------------------------------------

_HASHER_INDEX = {"Blake2_128": 0, "Blake2_256": 1, "Blake2_128Concat": 2, "Twox128": 3, "Twox256": 4,
                 "Twox64Concat": 5, "Identity": 6}


NO_DEFAULT = object()


class StorageItem:
    """A storage value (no keys) or map (one or more `(hasher, key type)` pairs).

    `optional=False` is Substrate's ValueQuery (absent reads as `default`, which must then be given);
    `optional=True` is OptionQuery (absent reads as None).
    """

    def __init__(self, prefix: str, name: str, value_type: ScaleType, *, keys: Sequence = (),
                 default: Any = NO_DEFAULT, optional: bool = False, docs: Sequence[str] = ()):
        for hasher, _ in keys:
            if hasher not in _HASHER_INDEX:
                raise ValueError(f"unknown storage hasher {hasher}")
        if optional:
            default = None
        elif default is NO_DEFAULT:
            raise ValueError(f"{prefix}.{name}: a ValueQuery item needs a default")
        self.pallet = prefix
        self.name = name
        self.value_type = value_type
        self.keys = tuple(keys)
        self.optional = optional
        self.default = default
        self.docs = tuple(docs)
        self.prefix = twox_128(prefix.encode()) + twox_128(name.encode())
        self._hashers = tuple((STORAGE_HASHERS[h], t.encode) for h, t in self.keys)
        self.default_bytes = b"\x00" if optional else value_type.encode(default)

    def key(self, *ks) -> bytes:
        hashers = self._hashers
        if len(ks) != len(hashers):
            raise TypeError(f"{self.pallet}.{self.name} takes {len(hashers)} key(s)")
        if not ks:
            return self.prefix
        if len(ks) == 1:  # the common case, kept lean: every account access computes one
            h, enc = hashers[0]
            return self.prefix + h(enc(ks[0]))
        return self.prefix + b"".join(h(enc(k)) for (h, enc), k in zip(hashers, ks))

    def get(self, state, *ks) -> Any:
        raw = state.get(self.key(*ks))
        if raw is None:
            return None if self.optional else self.default
        return self.value_type.decode(raw)

    def exists(self, state, *ks) -> bool:
        return state.get(self.key(*ks)) is not None

    def set(self, state, value, *ks) -> None:
        state.set(self.key(*ks), self.value_type.encode(value))

    def remove(self, state, *ks) -> None:
        state.set(self.key(*ks), None)

    def take(self, state, *ks) -> Any:
        v = self.get(state, *ks)
        self.remove(state, *ks)
        return v

    def metadata_entry(self, reg: PortableRegistry) -> bytes:
        """`StorageEntryMetadata{name, modifier, ty, default, docs}` (frame-metadata v14)."""
        out = encode_str(self.name) + (b"\x00" if self.optional else b"\x01")
        if not self.keys:
            out += b"\x00" + encode_compact(reg.id_of(self.value_type))
        else:
            key_type = self.keys[0][1] if len(self.keys) == 1 else Tuple(*(t for _, t in self.keys))
            out += b"\x01" + encode_compact(len(self.keys)) + bytes(_HASHER_INDEX[h] for h, _ in self.keys)
            out += encode_compact(reg.id_of(key_type)) + encode_compact(reg.id_of(self.value_type))
        out += encode_compact(len(self.default_bytes)) + self.default_bytes
        return out + encode_compact(len(self.docs)) + b"".join(encode_str(d) for d in self.docs)


# -- calls, events, errors, constants ----------------------------------------------------------

@dataclass(frozen=True)
class CallDef:
    """A dispatchable: `fn(ctx, origin, **args)`; `weight` is a Weight or `fn(args) -> Weight`."""

    pallet: "Pallet"
    name: str
    index: int
    fields: tuple
    fn: Callable
    weight: Any
    dispatch_class: str = "Normal"
    pays_fee: bool = True
    docs: tuple = ()

    def weight_of(self, args: dict) -> Weight:
        return self.weight(args) if callable(self.weight) else self.weight

    def encode(self, **args) -> bytes:
        """The call bytes: pallet index ‖ call index ‖ SCALE args (rpc.md §8)."""
        return bytes((self.pallet.index, self.index)) + b"".join(f.type.encode(args[f.name]) for f in self.fields)


@dataclass(frozen=True)
class EventDef:
    pallet: "Pallet"
    name: str
    index: int
    fields: tuple
    docs: tuple = ()

    def encode(self, values: dict) -> bytes:
        """RuntimeEvent bytes: pallet index ‖ event index ‖ fields."""
        return bytes((self.pallet.index, self.index)) + b"".join(f.type.encode(values[f.name]) for f in self.fields)


@dataclass(frozen=True)
class ConstantDef:
    name: str
    type: ScaleType
    value: Any
    docs: tuple = ()


class Pallet:
    """A pallet: name and index (Polkadot's, rpc.md §11), crate path for its Call/Event/Error types."""

    def __init__(self, name: str, index: int, crate: str, *, call_docs: Sequence[str] = (),
                 event_docs: Sequence[str] = (), error_docs: Sequence[str] = (), config_type: Any = None,
                 declares_calls: bool = False):
        self.name = name
        # A pallet with an empty `#[pallet::call]` block still has a (variant-less) Call type in metadata.
        self.declares_calls = declares_calls
        self.index = index
        self.crate = crate
        self.storage: list[StorageItem] = []
        self.calls: list[CallDef] = []
        self.events: list[EventDef] = []
        self.errors: list[tuple[str, tuple]] = []
        self.constants: list[ConstantDef] = []
        # Hooks (frame_support::traits::Hooks, ProvideInherent), declared by the pallet's own module:
        self.on_initialize: Optional[Callable] = None  # fn(ctx)
        self.on_finalize: Optional[Callable] = None  # fn(ctx)
        # fn(ctx, InherentData) -> call bytes | None: the Mandatory inherent this pallet makes from the
        # author's inherent data (run on the block being built; changes it makes are discarded).
        self.create_inherent: Optional[Callable] = None
        # The frozen dataclass of this pallet's configuration; its default instance is used when the
        # runtime gives none.
        self.config_type = config_type
        self._calls_by_index: dict[int, CallDef] = {}
        self._events_by_name: dict[str, EventDef] = {}
        self._error_index: dict[str, int] = {}
        self._call_docs, self._event_docs, self._error_docs = tuple(call_docs), tuple(event_docs), tuple(error_docs)
        self._types: dict[str, Optional[Enum]] = {}

    # declarations
    def storage_value(self, name, value_type, *, default=NO_DEFAULT, optional=False, docs=()) -> StorageItem:
        item = StorageItem(self.name, name, value_type, default=default, optional=optional, docs=docs)
        self.storage.append(item)
        return item

    def storage_map(self, name, keys, value_type, *, default=NO_DEFAULT, optional=False, docs=()) -> StorageItem:
        item = StorageItem(self.name, name, value_type, keys=keys, default=default, optional=optional, docs=docs)
        self.storage.append(item)
        return item

    def call(self, index: int, args: Sequence = (), *, weight: Any, dispatch_class: str = "Normal",
             pays_fee: bool = True, docs: Sequence[str] = ()):
        """Decorator declaring `fn` as call `index`; its name is the call name."""
        def register(fn):
            if index in self._calls_by_index:
                raise ValueError(f"{self.name}: duplicate call index {index}")
            c = CallDef(self, fn.__name__, index, _fields(args), fn, weight, dispatch_class, pays_fee, tuple(docs))
            self.calls.append(c)
            self._calls_by_index[index] = c
            return c
        return register

    def event(self, name: str, fields: Sequence = (), docs: Sequence[str] = (), *, index: Optional[int] = None) -> EventDef:
        """Declare an event; `index` pins its variant index (FRAME's, when a pallet declares only some of its
        events), else it is the next one."""
        if index is None:
            index = self.events[-1].index + 1 if self.events else 0
        if any(e.index == index for e in self.events):
            raise ValueError(f"{self.name}: event index {index} is taken")
        ev = EventDef(self, name, index, _fields(fields), tuple(docs))
        self.events.append(ev)
        self._events_by_name[name] = ev
        return ev

    def error(self, name: str, docs: Sequence[str] = ()) -> None:
        self._error_index[name] = len(self.errors)
        self.errors.append((name, tuple(docs)))

    def constant(self, name: str, type_: ScaleType, value: Any, docs: Sequence[str] = ()) -> Any:
        self.constants.append(ConstantDef(name, type_, value, tuple(docs)))
        return value

    # use
    def error_index(self, name: str) -> int:
        return self._error_index[name]

    def fail(self, name: str) -> ModuleError:
        """The DispatchError for this pallet's error `name` (raise it)."""
        return ModuleError(self, name)

    def call_by_index(self, index: int) -> Optional[CallDef]:
        return self._calls_by_index.get(index)

    def call_named(self, name: str) -> CallDef:
        for c in self.calls:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    def event_named(self, name: str) -> EventDef:
        return self._events_by_name[name]

    # metadata types
    def _enum(self, kind: str) -> Optional[Enum]:
        if kind not in self._types:
            if kind == "Call":
                vs = [Variant(c.name, c.index, c.fields, c.docs) for c in self.calls]
                docs = self._call_docs or ("Contains a variant per dispatchable extrinsic that this pallet has.",)
            elif kind == "Event":
                vs = [Variant(e.name, e.index, e.fields, e.docs) for e in self.events]
                docs = self._event_docs or ("The `Event` enum of this pallet",)
            else:
                vs = [Variant(n, i, (), d) for i, (n, d) in enumerate(self.errors)]
                docs = self._error_docs or ("The `Error` enum of this pallet.",)
            self._types[kind] = Enum(f"{self.crate}::pallet::{kind}", vs, params=[("T", None)], docs=docs) \
                if vs or (kind == "Call" and self.declares_calls) else None
        return self._types[kind]

    @property
    def call_type(self) -> Optional[Enum]:
        return self._enum("Call")

    @property
    def event_type(self) -> Optional[Enum]:
        return self._enum("Event")

    @property
    def error_type(self) -> Optional[Enum]:
        return self._enum("Error")


# -- the runtime: pallets put together ----------------------------------------------------------

class CallDecodeError(ScaleDecodeError):
    """Call bytes naming no known pallet/call, or with malformed arguments."""


@fast_init
@dataclass(frozen=True, slots=True)
class Call:
    """A decoded call: which dispatchable and its argument values."""

    definition: CallDef
    args: dict

    @property
    def weight(self) -> Weight:
        return self.definition.weight_of(self.args)

    def encode(self) -> bytes:
        return self.definition.encode(**self.args)


class OuterCallType(ScaleType):
    """`RuntimeCall` as a call argument: values are decoded `Call`s; metadata describes the outer enum."""

    def __init__(self, runtime: "Runtime"):
        self.runtime = runtime
        self.description = runtime.call_type
        self.path = self.description.path
        self.params = self.description.params
        self.docs = self.description.docs

    def encode(self, value) -> bytes:
        if not isinstance(value, Call):
            raise ValueError(f"{value!r} is not a decoded RuntimeCall")
        return value.encode()

    def decode_from(self, r: Reader) -> Call:
        return self.runtime.decode_call(r)

    def _make_key(self):
        return self.description.key()

    def children(self):
        return self.description.children()

    def encode_def(self, reg):
        return self.description.encode_def(reg)


class Runtime:
    """`construct_runtime!`: the pallets by index, their configurations, the outer Call and Event enums.

    `configs` maps a pallet name to an instance of that pallet's `config_type`; pallets without an entry
    get their config type's defaults. `call_ref` / `event_ref` are the late-bound `RuntimeCall` /
    `RuntimeEvent` its pallets name (the module-level ones by default); another chain's runtime (a parachain's)
    declares its own pair, so assembling it never rebinds the relay's.
    """

    def __init__(self, name: str, pallets: Sequence[Pallet], configs: Optional[dict] = None, *,
                 call_ref: LateBound = RUNTIME_CALL, event_ref: LateBound = RUNTIME_EVENT):
        self.crate = name
        self.pallets = sorted(pallets, key=lambda p: p.index)
        self.by_index = {p.index: p for p in self.pallets}
        self.by_name = {p.name: p for p in self.pallets}
        if len(self.by_index) != len(self.pallets) or len(self.by_name) != len(self.pallets):
            raise ValueError("pallet names and indices must be unique")
        self._configs = {}
        for p in self.pallets:
            if p.config_type is not None:
                self._configs[p.name] = p.config_type()
        for pallet_name, cfg in (configs or {}).items():
            p = self.by_name.get(pallet_name)
            if p is None or p.config_type is None or not isinstance(cfg, p.config_type):
                raise ValueError(f"no pallet {pallet_name!r} taking a {type(cfg).__name__} configuration")
            self._configs[pallet_name] = cfg
        self.call_type = Enum(f"{name}::RuntimeCall", [
            Variant(p.name, p.index, (Field(None, p.call_type, f"self::sp_api_hidden_includes_construct_runtime::"
                                                              f"hidden_include::dispatch::CallableCallFor<{p.name}, Runtime>"),))
            for p in self.pallets if p.call_type is not None])
        self.event_type = Enum(f"{name}::RuntimeEvent", [
            Variant(p.name, p.index, (Field(None, p.event_type, f"{p.crate}::Event<Runtime>"),))
            for p in self.pallets if p.event_type is not None])
        self.runtime_type = Struct(f"{name}::Runtime", [])
        call_ref.bind(OuterCallType(self))
        event_ref.bind(self.event_type)

    def config(self, pallet: Pallet):
        """The configuration this runtime gives `pallet` (FRAME: `impl pallet::Config for Runtime`); None for a
        pallet that declares no configuration type."""
        return self._configs.get(pallet.name)

    def decode_call(self, r: Reader) -> Call:
        pallet_index = r.u8()
        call_index = r.u8()
        pallet = self.by_index.get(pallet_index)
        c = pallet.call_by_index(call_index) if pallet is not None else None
        if c is None:
            raise CallDecodeError(f"no call {pallet_index}/{call_index} in this runtime")
        return Call(c, {f.name: f.type.decode_from(r) for f in c.fields})

    def decode_call_bytes(self, data: bytes) -> Call:
        r = Reader(data)
        call = self.decode_call(r)
        r.finish()
        return call

    def dispatch(self, ctx, origin: Origin, call: Call) -> None:
        """Run the call; raises DispatchError on failure (the caller rolls its changes back)."""
        call.definition.fn(ctx, origin, **call.args)


def account_field(name: str) -> Field:
    return Field(name, ACCOUNT_ID, "T::AccountId")


# -- the block being built or executed ---------------------------------------------------------

PHASE_INITIALIZATION = b"\x02"
PHASE_FINALIZATION = b"\x01"


def phase_apply_extrinsic(index: int) -> bytes:
    """`Phase::ApplyExtrinsic(u32)` bytes."""
    return b"\x00" + encode_u32(index)


class BlockContext:
    """What pallets see while a block runs: the state overlay, the block number and the event phase."""

    def __init__(self, state, runtime: "Runtime", number: int, parent_hash: bytes):
        self.state = state
        self.runtime = runtime
        self.number = number
        self.parent_hash = parent_hash
        self.phase = PHASE_INITIALIZATION
        self.pre_runtime: list = []  # PreRuntime digest items the block was initialized with
        self.extrinsic_index = 0

    def deposit_event(self, ev: EventDef, *values, **fields) -> None:
        """Append `EventRecord{phase, event, topics: []}` (frame_system::deposit_event). Tuple-like events
        take their field values positionally, struct-like ones by name."""
        if values:
            if len(values) != len(ev.fields) or fields:
                raise TypeError(f"{ev.pallet.name}.{ev.name} takes {len(ev.fields)} positional values")
            body = b"".join(f.type.encode(v) for f, v in zip(ev.fields, values))
        else:
            body = b"".join(f.type.encode(fields[f.name]) for f in ev.fields)
        self.state.deposit_event_record(self.phase + bytes((ev.pallet.index, ev.index)) + body + b"\x00")

    @property
    def logs(self) -> list:
        """Digest items (Consensus logs) deposited so far; kept by the overlay, so rolled back with it."""
        return self.state.logs

    def deposit_log(self, item) -> None:
        """A digest item (e.g. a Consensus log) that goes into this block's header."""
        self.state.logs.append(item)
