"""SCALE type descriptions: one object both encodes/decodes values and describes itself in metadata.

The bottom layer of the project (primitives): protocol types (headers, parachain candidates), runtime
storage, calls and events are all declared with these objects, so a type is written once and serves the
codec, the runtime storage and the metadata registry (ARCHITECTURE.md, "One type declaration").

Spec: rpc.md §7 (V14 portable type registry), frame-metadata / scale-info v1 (`TypeDef` variants,
`Field`, `Variant`, `TypeDefPrimitive`). A runtime declares each storage value, call argument,
event field and constant with these objects, so the bytes it writes and the metadata it serves
can never disagree.

Python values:
- integers (`u8`..`u128`, `i8`..`i128`, `Compact<T>`) -> int; `bool` -> bool; `str` -> str
- `Vec<u8>` and `[u8; N]` -> bytes; other `Vec<T>` -> list (tuple accepted); `[T; N]` -> tuple
- `()` -> None; `(A, B, ..)` -> tuple; `Option<T>` -> None or the value
- `Struct` with named fields -> dict (or an instance of its `cls`, read by attribute); one unnamed field
  (a newtype such as `AccountId32`, `H256`, `Perbill`) -> the inner value; several unnamed -> tuple
- `Enum` -> the variant name (str) for a variant without fields, else `(name, payload)` where the
  payload follows the struct rules above
- `BitVec<u8, Lsb0>` -> a tuple of bools (bit i of the sequence is element i)

A protocol structure is declared once as a frozen dataclass with `@scale_struct(path)` and `sfield(type,
type_name)` fields: the class is the Python value, `Cls.SCALE` its SCALE type (codec and metadata), and
`obj.encode()`, `Cls.decode(data)`, `Cls.decode_from(reader)` use it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence as Seq

from relaychain.primitives.scale import (
    Reader,
    ScaleDecodeError,
    encode_bytes,
    encode_compact,
    encode_str,
)

__all__ = [
    "ScaleType", "Primitive", "Compact", "Vec", "Option", "Array", "Tuple", "Struct", "Enum", "Variant", "Field",
    "BitVec", "BoundedVec", "Described", "LateBound", "scale_struct", "sfield",
    "PortableRegistry", "U8", "U16", "U32", "U64", "U128", "I8", "I16", "I32", "I64", "I128", "BOOL", "STR",
    "BYTES", "UNIT", "H256", "ACCOUNT_ID", "BALANCE", "BLOCK_NUMBER",
]


class ScaleType:
    """A SCALE type: value codec plus its scale-info description (path, params, docs, def)."""

    path: tuple[str, ...] = ()
    params: tuple[tuple[str, Optional["ScaleType"]], ...] = ()
    docs: tuple[str, ...] = ()
    _key: Any = None

    def encode(self, value: Any) -> bytes:
        raise NotImplementedError

    def decode_from(self, r: Reader) -> Any:
        raise NotImplementedError

    def skip(self, r: Reader) -> None:
        """Advance `r` past one value without building it (hot readers that want a few items of a long
        sequence, e.g. one pallet's events among thousands). Default: decode it and drop the value."""
        self.decode_from(r)

    def fixed_size(self) -> Optional[int]:
        """The encoded length when every value has the same one, else None."""
        return None

    def decode(self, data: bytes) -> Any:
        """Decode exactly one value from `data` (no trailing bytes allowed)."""
        r = Reader(data)
        v = self.decode_from(r)
        r.finish()
        return v

    # -- scale-info description ------------------------------------------------------------
    def key(self) -> Any:
        """Structural identity: two descriptions with equal keys are one registry entry."""
        if self._key is None:
            self._key = self._make_key()
        return self._key

    def _make_key(self) -> Any:
        raise NotImplementedError

    def children(self) -> Iterable["ScaleType"]:
        return ()

    def encode_def(self, reg: "PortableRegistry") -> bytes:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.type_name()}>"

    def type_name(self) -> str:
        return "::".join(self.path) or type(self).__name__


_PRIM_INDEX = {"bool": 0, "char": 1, "str": 2, "u8": 3, "u16": 4, "u32": 5, "u64": 6, "u128": 7, "u256": 8,
               "i8": 9, "i16": 10, "i32": 11, "i64": 12, "i128": 13, "i256": 14}


class Primitive(ScaleType):
    """`TypeDefPrimitive`: bool, str and fixed-width little-endian integers."""

    def __init__(self, name: str):
        if name not in _PRIM_INDEX or name == "char":
            raise ValueError(f"unsupported primitive {name}")
        self.name = name
        self.signed = name[0] == "i"
        self.size = int(name[1:]) // 8 if name[0] in "ui" else 0
        if self.size:
            bits = self.size * 8
            self.lo = -(1 << (bits - 1)) if self.signed else 0
            self.hi = (1 << (bits - 1)) - 1 if self.signed else (1 << bits) - 1

    def encode(self, value: Any) -> bytes:
        if self.size:
            if type(value) is not int or not self.lo <= value <= self.hi:
                raise ValueError(f"{value!r} is not a valid {self.name}")
            return value.to_bytes(self.size, "little", signed=self.signed)
        if self.name == "bool":
            if type(value) is not bool:
                raise ValueError(f"{value!r} is not a bool")
            return b"\x01" if value else b"\x00"
        return encode_str(value)

    def decode_from(self, r: Reader) -> Any:
        if self.size:
            return int.from_bytes(r.read(self.size), "little", signed=self.signed)
        if self.name == "bool":
            return r.bool()
        return r.str()

    def skip(self, r: Reader) -> None:
        if self.size:
            r.read(self.size)
        else:
            self.decode_from(r)

    def fixed_size(self) -> Optional[int]:
        return self.size or (1 if self.name == "bool" else None)

    def _make_key(self):
        return ("prim", self.name)

    def encode_def(self, reg):
        return bytes((5, _PRIM_INDEX[self.name]))

    def type_name(self):
        return self.name


class Compact(ScaleType):
    """`Compact<T>` (`TypeDefCompact`): variable-length unsigned integer."""

    def __init__(self, inner: ScaleType):
        self.inner = inner

    def encode(self, value):
        if type(value) is not int:
            raise ValueError(f"{value!r} is not an integer")
        return encode_compact(value)

    def decode_from(self, r):
        return r.compact()

    def skip(self, r):
        r.compact()

    def _make_key(self):
        return ("compact", self.inner.key())

    def children(self):
        return (self.inner,)

    def encode_def(self, reg):
        return b"\x06" + encode_compact(reg.id_of(self.inner))

    def type_name(self):
        return f"Compact<{self.inner.type_name()}>"


class Vec(ScaleType):
    """`Vec<T>` (`TypeDefSequence`): compact length then the items; `Vec<u8>` is bytes."""

    def __init__(self, inner: ScaleType):
        self.inner = inner
        self.is_bytes = isinstance(inner, Primitive) and inner.name == "u8"

    def encode(self, value):
        if self.is_bytes:
            if not isinstance(value, (bytes, bytearray)):
                raise ValueError(f"{value!r} is not bytes")
            return encode_bytes(value)
        enc = self.inner.encode
        return encode_compact(len(value)) + b"".join(enc(v) for v in value)

    def decode_from(self, r):
        if self.is_bytes:
            return r.bytes()
        return r.vec(self.inner.decode_from)

    def skip(self, r):
        n = r.compact()
        size = 1 if self.is_bytes else self.inner.fixed_size()
        if size is not None:
            r.read(n * size)
            return
        inner = self.inner.skip
        for _ in range(n):
            inner(r)

    def _make_key(self):
        return ("seq", self.inner.key())

    def children(self):
        return (self.inner,)

    def encode_def(self, reg):
        return b"\x02" + encode_compact(reg.id_of(self.inner))

    def type_name(self):
        return f"Vec<{self.inner.type_name()}>"


class Array(ScaleType):
    """`[T; N]` (`TypeDefArray`): N items, no length prefix; `[u8; N]` is bytes of length N."""

    def __init__(self, inner: ScaleType, length: int):
        self.inner = inner
        self.length = length
        self.is_bytes = isinstance(inner, Primitive) and inner.name == "u8"

    def encode(self, value):
        if len(value) != self.length:
            raise ValueError(f"expected {self.length} items, got {len(value)}")
        if self.is_bytes:
            if not isinstance(value, (bytes, bytearray)):
                raise ValueError(f"{value!r} is not bytes")
            return bytes(value)
        return b"".join(self.inner.encode(v) for v in value)

    def decode_from(self, r):
        if self.is_bytes:
            return r.read(self.length)
        return tuple(self.inner.decode_from(r) for _ in range(self.length))

    def skip(self, r):
        size = self.fixed_size()
        if size is not None:
            r.read(size)
            return
        for _ in range(self.length):
            self.inner.skip(r)

    def fixed_size(self):
        inner = 1 if self.is_bytes else self.inner.fixed_size()
        return None if inner is None else inner * self.length

    def _make_key(self):
        return ("array", self.length, self.inner.key())

    def children(self):
        return (self.inner,)

    def encode_def(self, reg):
        return b"\x03" + self.length.to_bytes(4, "little") + encode_compact(reg.id_of(self.inner))

    def type_name(self):
        return f"[{self.inner.type_name()}; {self.length}]"


class Tuple(ScaleType):
    """`(A, B, ..)` (`TypeDefTuple`); the empty tuple `()` is the unit type (value None)."""

    def __init__(self, *items: ScaleType):
        self.items = items

    def encode(self, value):
        if not self.items:
            return b""
        if len(value) != len(self.items):
            raise ValueError(f"expected a {len(self.items)}-tuple")
        return b"".join(t.encode(v) for t, v in zip(self.items, value))

    def decode_from(self, r):
        if not self.items:
            return None
        return tuple(t.decode_from(r) for t in self.items)

    def skip(self, r):
        for t in self.items:
            t.skip(r)

    def fixed_size(self):
        return _sum_fixed(self.items)

    def _make_key(self):
        return ("tuple",) + tuple(t.key() for t in self.items)

    def children(self):
        return self.items

    def encode_def(self, reg):
        return b"\x04" + encode_compact(len(self.items)) + b"".join(encode_compact(reg.id_of(t)) for t in self.items)

    def type_name(self):
        return "(" + ", ".join(t.type_name() for t in self.items) + ")"


@dataclass(frozen=True)
class Field:
    """A struct field or variant field: `name` None for tuple-like fields; `type_name` is the Rust spelling."""

    name: Optional[str]
    type: ScaleType
    type_name: Optional[str] = None
    docs: tuple[str, ...] = ()


def _encode_field_meta(f: Field, reg: "PortableRegistry") -> bytes:
    out = b"\x00" if f.name is None else b"\x01" + encode_str(f.name)
    out += encode_compact(reg.id_of(f.type))
    out += b"\x00" if f.type_name is None else b"\x01" + encode_str(f.type_name)
    return out + _encode_docs(f.docs)


def _encode_docs(docs: Seq[str]) -> bytes:
    return encode_compact(len(docs)) + b"".join(encode_str(d) for d in docs)


def _fields(fields: Seq) -> tuple[Field, ...]:
    """Accept `Field`s or shorthand tuples `(name, type[, type_name])`."""
    out = []
    for f in fields:
        out.append(f if isinstance(f, Field) else Field(*f))
    return tuple(out)


class _FieldsCodec:
    """Encoding of a field list (struct body or variant payload) following the value rules above."""

    def __init__(self, fields: tuple[Field, ...], cls=None):
        self.fields = fields
        self.named = bool(fields) and all(f.name is not None for f in fields)
        self.cls = cls
        self.types = tuple(f.type for f in fields)
        self.names = tuple(f.name for f in fields)

    def encode_payload(self, value) -> bytes:
        fs = self.fields
        if not fs:
            return b""
        if self.named:
            if isinstance(value, dict):
                try:
                    return b"".join(t.encode(value[n]) for n, t in zip(self.names, self.types))
                except KeyError as e:
                    raise ValueError(f"missing field {e}") from None
            return b"".join(t.encode(getattr(value, n)) for n, t in zip(self.names, self.types))
        if len(fs) == 1:
            return self.types[0].encode(value)
        if len(value) != len(fs):
            raise ValueError(f"expected {len(fs)} values")
        return b"".join(t.encode(v) for t, v in zip(self.types, value))

    def skip_payload(self, r: Reader) -> None:
        size = self.fixed_size()
        if size is not None:
            r.read(size)
            return
        for t in self.types:
            t.skip(r)

    def fixed_size(self) -> Optional[int]:
        if not hasattr(self, "_fixed"):
            self._fixed = _sum_fixed(self.types)
        return self._fixed

    def decode_payload(self, r: Reader):
        fs = self.fields
        if not fs:
            return None
        if self.named:
            vals = [t.decode_from(r) for t in self.types]
            if self.cls is not None:
                return self.cls(*vals)
            return dict(zip(self.names, vals))
        if len(fs) == 1:
            return self.types[0].decode_from(r)
        return tuple(t.decode_from(r) for t in self.types)


def _sum_fixed(types) -> Optional[int]:
    total = 0
    for t in types:
        size = t.fixed_size()
        if size is None:
            return None
        total += size
    return total


def _params(params) -> tuple:
    return tuple((n, t) for n, t in params)


def _params_key(params):
    return tuple((n, None if t is None else t.key()) for n, t in params)


def _encode_params(params, reg) -> bytes:
    out = encode_compact(len(params))
    for name, t in params:
        out += encode_str(name) + (b"\x00" if t is None else b"\x01" + encode_compact(reg.id_of(t)))
    return out


class Struct(ScaleType):
    """A composite type (`TypeDefComposite`) with a Substrate path, e.g. `frame_system::AccountInfo`."""

    def __init__(self, path: str, fields: Seq, *, params: Seq = (), docs: Seq[str] = (), cls=None):
        self.path = tuple(path.split("::")) if path else ()
        self.codec = _FieldsCodec(_fields(fields), cls)
        self.fields = self.codec.fields
        self.params = _params(params)
        self.docs = tuple(docs)
        if type(self) is Struct and len(self.fields) == 1 and not self.codec.named:
            # a newtype (AccountId32, H256: one unnamed field) is its field's bytes: skip two calls a value
            inner = self.codec.types[0]
            self.encode, self.decode_from = inner.encode, inner.decode_from

    def encode(self, value):
        return self.codec.encode_payload(value)

    def decode_from(self, r):
        return self.codec.decode_payload(r)

    def skip(self, r):
        if type(self).decode_from is not Struct.decode_from:  # a subclass with its own rules decodes
            self.decode_from(r)
            return
        self.codec.skip_payload(r)

    def fixed_size(self):
        if type(self).decode_from is not Struct.decode_from:
            return None
        return self.codec.fixed_size()

    def _make_key(self):
        return ("struct", self.path, _params_key(self.params),
                tuple((f.name, f.type.key(), f.type_name) for f in self.fields))

    def children(self):
        return tuple(f.type for f in self.fields) + tuple(t for _, t in self.params if t is not None)

    def encode_def(self, reg):
        return b"\x00" + encode_compact(len(self.fields)) + b"".join(_encode_field_meta(f, reg) for f in self.fields)


@dataclass(frozen=True)
class Variant:
    """One enum variant: `name`, explicit `index` (the SCALE tag byte), fields and docs."""

    name: str
    index: int
    fields: tuple = ()
    docs: tuple[str, ...] = ()


class Enum(ScaleType):
    """A variant type (`TypeDefVariant`): tag byte = the variant's index, then its fields."""

    def __init__(self, path: str, variants: Seq[Variant], *, params: Seq = (), docs: Seq[str] = ()):
        self.path = tuple(path.split("::")) if path else ()
        self.params = _params(params)
        self.docs = tuple(docs)
        self.variants = tuple(Variant(v.name, v.index, _fields(v.fields), tuple(v.docs)) for v in variants)
        self.by_name = {}
        self.by_index = {}
        for v in self.variants:
            if v.name in self.by_name or v.index in self.by_index or not 0 <= v.index <= 255:
                raise ValueError(f"duplicate or invalid variant {v.name}/{v.index} in {path}")
            codec = _FieldsCodec(v.fields)
            self.by_name[v.name] = (v.index, codec)
            self.by_index[v.index] = (v.name, codec)

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(name)

    def encode(self, value):
        if isinstance(value, str):
            name, payload = value, None
        else:
            name, payload = value
        try:
            index, codec = self.by_name[name]
        except KeyError:
            raise ValueError(f"{self.type_name()} has no variant {name!r}") from None
        return bytes((index,)) + codec.encode_payload(payload)

    def decode_from(self, r):
        tag = r.u8()
        try:
            name, codec = self.by_index[tag]
        except KeyError:
            raise ScaleDecodeError(f"{self.type_name()}: unknown variant index {tag}") from None
        if not codec.fields:
            return name
        return (name, codec.decode_payload(r))

    def skip(self, r):
        if type(self).decode_from is not Enum.decode_from:  # Option and other special forms decode
            self.decode_from(r)
            return
        tag = r.u8()
        try:
            _name, codec = self.by_index[tag]
        except KeyError:
            raise ScaleDecodeError(f"{self.type_name()}: unknown variant index {tag}") from None
        codec.skip_payload(r)

    def _make_key(self):
        return ("variant", self.path, _params_key(self.params),
                tuple((v.name, v.index, tuple((f.name, f.type.key(), f.type_name) for f in v.fields))
                      for v in self.variants))

    def children(self):
        out = [f.type for v in self.variants for f in v.fields]
        return tuple(out) + tuple(t for _, t in self.params if t is not None)

    def encode_def(self, reg):
        out = b"\x01" + encode_compact(len(self.variants))
        for v in self.variants:
            out += encode_str(v.name) + encode_compact(len(v.fields))
            out += b"".join(_encode_field_meta(f, reg) for f in v.fields)
            out += bytes((v.index,)) + _encode_docs(v.docs)
        return out


class Option(Enum):
    """`Option<T>`: scale-info describes it as the variant type `Option` (None 0, Some 1)."""

    def __init__(self, inner: ScaleType):
        if isinstance(inner, Primitive) and inner.name == "bool":
            raise ValueError("Option<bool> has a special one-byte encoding; not supported")
        super().__init__("Option", [Variant("None", 0), Variant("Some", 1, (Field(None, inner),))],
                         params=[("T", inner)])
        self.inner = inner

    def encode(self, value):
        return b"\x00" if value is None else b"\x01" + self.inner.encode(value)

    def decode_from(self, r):
        return r.option(self.inner.decode_from)

    def skip(self, r):
        r.option(self.inner.skip)

    def type_name(self):
        return f"Option<{self.inner.type_name()}>"


class BitVec(ScaleType):
    """`BitVec<u8, bitvec::order::Lsb0>` (`TypeDefBitSequence`): Compact(bit count) then ceil(bits/8) bytes,
    bit i in byte i // 8 under mask 1 << (i % 8). Values are tuples of bools; unused high bits must be zero."""

    ORDER = Struct("bitvec::order::Lsb0", [])

    def encode(self, value) -> bytes:
        bits = tuple(value)
        out = bytearray((len(bits) + 7) // 8)
        for i, b in enumerate(bits):
            if type(b) is not bool:
                raise ValueError(f"bit {i} is {b!r}, not a bool")
            if b:
                out[i >> 3] |= 1 << (i & 7)
        return encode_compact(len(bits)) + bytes(out)

    def decode_from(self, r: Reader):
        n = r.compact()
        if (n + 7) // 8 > r.remaining:
            raise ScaleDecodeError(f"bit sequence of {n} bits exceeds the {r.remaining} bytes left")
        raw = r.read((n + 7) // 8)
        if n % 8 and raw[-1] >> (n % 8):
            raise ScaleDecodeError("bit sequence has set bits beyond its length")
        return tuple(bool(raw[i >> 3] >> (i & 7) & 1) for i in range(n))

    def _make_key(self):
        return ("bitseq", "u8", "Lsb0")

    def children(self):
        return (U8, self.ORDER)

    def encode_def(self, reg):
        return b"\x07" + encode_compact(reg.id_of(U8)) + encode_compact(reg.id_of(self.ORDER))

    def type_name(self):
        return "BitVec<u8, Lsb0>"


class Described(ScaleType):
    """A type with a hand-written codec (`cls.encode()` / `cls.decode_from(reader)`, e.g. the hot-path Header)
    that metadata describes as `description`: the two must agree, which the tests check by round trips."""

    def __init__(self, cls, description: ScaleType):
        self.cls = cls
        self.description = description
        self.path = description.path
        self.params = description.params
        self.docs = description.docs

    def encode(self, value) -> bytes:
        if not isinstance(value, self.cls):
            raise ValueError(f"{value!r} is not a {self.cls.__name__}")
        return value.encode()

    def decode_from(self, r: Reader):
        return self.cls.decode_from(r)

    def skip(self, r: Reader) -> None:
        self.description.skip(r)

    def fixed_size(self):
        return self.description.fixed_size()

    def _make_key(self):
        return self.description.key()

    def children(self):
        return self.description.children()

    def encode_def(self, reg):
        return self.description.encode_def(reg)

    def type_name(self):
        return self.description.type_name()


class LateBound(ScaleType):
    """A reference to a type that exists only once the runtime is put together (the outer `RuntimeCall` of
    `Sudo.sudo(call)`, the `RuntimeEvent` of `System.Events`), as FRAME's `<T as Config>::RuntimeCall`.

    Declared by name where a pallet needs it; `bind(target)` is called once by whoever assembles the
    runtime. Binding again to a structurally equal type is allowed (several identical runtimes may be
    assembled, e.g. in tests); binding to a different one is an error. Its key is nominal, so a type that
    contains itself through a LateBound has a finite key; the registry gives it the target's id.
    """

    def __init__(self, name: str):
        self.name = name
        self.target: Optional[ScaleType] = None

    def bind(self, target: ScaleType) -> None:
        if self.target is not None and self.target.key() != target.key():
            raise ValueError(f"{self.name} is already bound to a different type")
        self.target = target

    def resolved(self) -> ScaleType:
        if self.target is None:
            raise ValueError(f"{self.name} is used before a runtime bound it")
        return self.target

    def encode(self, value) -> bytes:
        return self.resolved().encode(value)

    def decode_from(self, r: Reader):
        return self.resolved().decode_from(r)

    def skip(self, r: Reader) -> None:
        self.resolved().skip(r)

    def _make_key(self):
        return ("late", self.name)

    def children(self):
        return ()

    def encode_def(self, reg):  # never registered itself: PortableRegistry.id_of uses the target's id
        raise TypeError("a LateBound type is registered as its target")

    def type_name(self):
        return self.name


def sfield(scale_type: ScaleType, type_name: Optional[str] = None, *, default: Any = dataclasses.MISSING,
           docs: Seq[str] = ()):
    """A `@scale_struct` field: its SCALE type and Rust type name (as metadata shows it)."""
    meta = {"scale": Field(None, scale_type, type_name, tuple(docs))}
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def scale_struct(path: str, *, params: Seq = (), docs: Seq[str] = ()):
    """Make the decorated class a frozen dataclass whose fields (declared with `sfield`, in order) are a SCALE
    struct at `path`: `Cls.SCALE` describes and codes it, `encode`/`decode`/`decode_from` use it."""
    def wrap(cls):
        dc = dataclass(frozen=True)(cls)
        fields = []
        for f in dataclasses.fields(dc):
            spec = f.metadata.get("scale")
            if spec is None:
                raise TypeError(f"{cls.__name__}.{f.name} is not declared with sfield()")
            fields.append(Field(f.name, spec.type, spec.type_name, spec.docs))
        dc.SCALE = Struct(path, fields, params=params, docs=docs, cls=lambda *values: dc(*map(_frozen, values)))
        dc.encode = _struct_encode
        dc.decode = classmethod(_struct_decode)
        dc.decode_from = classmethod(_struct_decode_from)
        return dc
    return wrap


def _frozen(value):
    """Decoded sequences become tuples inside a frozen dataclass (hashable, and equal to the tuples it was
    built with)."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if type(value) is tuple:
        return tuple(_frozen(v) for v in value)
    return value


def _struct_encode(self) -> bytes:
    return type(self).SCALE.encode(self)


def _struct_decode(cls, data: bytes):
    return cls.SCALE.decode(data)


def _struct_decode_from(cls, r: Reader):
    return cls.SCALE.decode_from(r)


class PortableRegistry:
    """The metadata type table: each distinct type gets one id (`UntrackedSymbol`, compact u32)."""

    def __init__(self):
        self._ids: dict[Any, int] = {}
        self._entries: list[Optional[bytes]] = []

    def id_of(self, t: ScaleType) -> int:
        if isinstance(t, LateBound):
            return self.id_of(t.resolved())
        k = t.key()
        found = self._ids.get(k)
        if found is not None:
            return found
        tid = len(self._entries)
        self._ids[k] = tid
        self._entries.append(None)  # reserved before children so recursive types terminate
        body = encode_compact(len(t.path)) + b"".join(encode_str(p) for p in t.path)
        body += _encode_params(t.params, self)
        body += t.encode_def(self)
        body += _encode_docs(t.docs)
        self._entries[tid] = body
        return tid

    def __len__(self):
        return len(self._entries)

    def encode(self) -> bytes:
        """`PortableRegistry { types: Vec<PortableType { id: Compact<u32>, ty: Type }> }`."""
        return encode_compact(len(self._entries)) + b"".join(
            encode_compact(i) + body for i, body in enumerate(self._entries))


# Common types with their Substrate paths (rpc.md §7).
U8, U16, U32, U64, U128 = (Primitive(n) for n in ("u8", "u16", "u32", "u64", "u128"))
I8, I16, I32, I64, I128 = (Primitive(n) for n in ("i8", "i16", "i32", "i64", "i128"))
BOOL = Primitive("bool")
STR = Primitive("str")
BYTES = Vec(U8)
UNIT = Tuple()
BYTES32 = Array(U8, 32)
H256 = Struct("primitive_types::H256", [(None, BYTES32, "[u8; 32]")])
ACCOUNT_ID = Struct("sp_core::crypto::AccountId32", [(None, BYTES32, "[u8; 32]")])
BALANCE = U128
BLOCK_NUMBER = U32

SIG64 = Array(U8, 64)
SR25519_PUBLIC = Struct("sp_core::sr25519::Public", [(None, BYTES32, "[u8; 32]")])
ED25519_PUBLIC = Struct("sp_core::ed25519::Public", [(None, BYTES32, "[u8; 32]")])
SR25519_SIGNATURE = Struct("sp_core::sr25519::Signature", [(None, SIG64, "[u8; 64]")])
ED25519_SIGNATURE = Struct("sp_core::ed25519::Signature", [(None, SIG64, "[u8; 64]")])


class BoundedVec(Struct):
    """`bounded_collections::bounded_vec::BoundedVec<T, ConstU32<bound>>`: a `Vec<T>` whose decode (and
    encode) fails beyond `bound` items, checked before any item is decoded. Values are tuples."""

    def __init__(self, inner: ScaleType, bound: int):
        super().__init__("bounded_collections::bounded_vec::BoundedVec", [(None, Vec(inner), "Vec<T>")],
                         params=[("T", inner), ("S", None)])
        self.bound = bound

    def encode(self, value):
        if len(value) > self.bound:
            raise ValueError(f"{len(value)} items exceed the bound of {self.bound}")
        return super().encode(value)

    def decode_from(self, r: Reader):
        start = r.pos
        n = r.compact()
        if n > self.bound:
            raise ScaleDecodeError(f"BoundedVec of {n} items exceeds its bound of {self.bound}")
        r.pos = start
        return tuple(super().decode_from(r))


def bounded_vec(t: ScaleType) -> Struct:
    """`BoundedVec<T, S>`: a Vec in SCALE; its bound is the runtime's to check."""
    return Struct("bounded_collections::bounded_vec::BoundedVec", [(None, Vec(t), "Vec<T>")],
                  params=[("T", t), ("S", None)])
