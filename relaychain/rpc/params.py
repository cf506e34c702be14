"""Parameter parsing for RPC methods: positional (list) or named (object) params, as jsonrpsee accepts.

Each parser turns one JSON value into a Python value or raises -32602 naming the parameter and the rule.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from relaychain.primitives.ss58 import SS58Error, ss58_decode

from .errors import invalid_params

_MISSING = object()
U32_MAX = 2**32 - 1


class Params:
    """The `params` of one request, read by position or (for named params) by declared name."""

    __slots__ = ("_raw", "_names", "_used")

    def __init__(self, raw: Any, names: Sequence[str]):
        if raw is None:
            raw = []
        if not isinstance(raw, (list, dict)):
            raise invalid_params("params must be an array or an object")
        if isinstance(raw, dict):
            unknown = sorted(set(raw) - set(names))
            if unknown:
                raise invalid_params(f"unknown named params {unknown}; expected {list(names)}")
        elif len(raw) > len(names):
            raise invalid_params(f"expected at most {len(names)} params ({', '.join(names) or 'none'}), got {len(raw)}")
        self._raw = raw
        self._names = tuple(names)

    def _get(self, index: int) -> Any:
        if isinstance(self._raw, dict):
            return self._raw.get(self._names[index], _MISSING)
        return self._raw[index] if index < len(self._raw) else _MISSING

    def required(self, index: int, parse: Callable[[Any, str], Any]) -> Any:
        name = self._names[index]
        value = self._get(index)
        if value is _MISSING or value is None:
            raise invalid_params(f"missing required param {name!r}")
        return parse(value, name)

    def optional(self, index: int, parse: Callable[[Any, str], Any], default: Any = None) -> Any:
        value = self._get(index)
        if value is _MISSING or value is None:
            return default
        return parse(value, self._names[index])


# -- value parsers: (json_value, param_name) -> python value --------------------------------------


def hex_bytes(value: Any, name: str) -> bytes:
    """`"0x…"` (even number of hex digits, either case) → bytes; `"0x"` is empty bytes."""
    if not isinstance(value, str) or not value.startswith(("0x", "0X")):
        raise invalid_params(f"{name}: expected a 0x-prefixed hex string, got {_short(value)}")
    body = value[2:]
    if len(body) % 2:
        raise invalid_params(f"{name}: odd number of hex digits")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise invalid_params(f"{name}: invalid hex digits") from None


def call_parameters(value: Any, name: str) -> bytes:
    """`callParameters` of the new spec's calls: hex with or without "0x" ("" is empty), as Substrate's
    serde `Bytes` reads it (polkadot-api sends "" for a call without arguments)."""
    if isinstance(value, str) and not value.startswith(("0x", "0X")):
        value = "0x" + value
    return hex_bytes(value, name)


def hash256(value: Any, name: str) -> bytes:
    """A 32-byte block hash as `"0x" + 64 hex digits`."""
    raw = hex_bytes(value, name)
    if len(raw) != 32:
        raise invalid_params(f"{name}: expected a 32-byte hash, got {len(raw)} bytes")
    return raw


def block_number(value: Any, name: str) -> int:
    """Substrate `NumberOrHex` narrowed to a u32 block number: a JSON integer or a `"0x…"` hex string."""
    if isinstance(value, bool):
        raise invalid_params(f"{name}: expected a block number, got a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.startswith(("0x", "0X")) and len(value) > 2:
        try:
            number = int(value[2:], 16)
        except ValueError:
            raise invalid_params(f"{name}: invalid hex number {_short(value)}") from None
    else:
        raise invalid_params(f"{name}: expected an integer or a 0x-hex number, got {_short(value)}")
    if not 0 <= number <= U32_MAX:
        raise invalid_params(f"{name}: {number} is not a u32 block number (0..{U32_MAX})")
    return number


def u32(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U32_MAX:
        raise invalid_params(f"{name}: expected an integer in 0..{U32_MAX}, got {_short(value)}")
    return value


def text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise invalid_params(f"{name}: expected a string, got {_short(value)}")
    return value


MAX_KEYS_PER_QUERY = 4096  # bounds the storage reads one request can make on the node's loop


def hex_list(value: Any, name: str) -> list[bytes]:
    """An array of storage keys (at most MAX_KEYS_PER_QUERY: one request must not stall the node)."""
    if not isinstance(value, list):
        raise invalid_params(f"{name}: expected an array of 0x-hex strings")
    if len(value) > MAX_KEYS_PER_QUERY:
        raise invalid_params(f"{name}: {len(value)} keys, at most {MAX_KEYS_PER_QUERY} per request")
    return [hex_bytes(v, f"{name}[{i}]") for i, v in enumerate(value)]


def account_id(value: Any, name: str) -> bytes:
    """An AccountId32 as an SS58 address (what clients send) or a 0x-hex 32-byte public key."""
    if isinstance(value, str) and value.startswith("0x"):
        raw = hex_bytes(value, name)
        if len(raw) != 32:
            raise invalid_params(f"{name}: expected 32 bytes, got {len(raw)}")
        return raw
    if not isinstance(value, str):
        raise invalid_params(f"{name}: expected an SS58 address, got {_short(value)}")
    try:
        public, _prefix = ss58_decode(value)
    except SS58Error as exc:
        raise invalid_params(f"{name}: invalid SS58 address: {exc}") from None
    if len(public) != 32:
        raise invalid_params(f"{name}: expected a 32-byte account id, got {len(public)} bytes")
    return public


def to_hex(data: Optional[bytes]) -> Optional[str]:
    """bytes → lowercase `"0x…"`; None stays None (JSON null)."""
    return None if data is None else "0x" + data.hex()


def _short(value: Any) -> str:
    text_ = repr(value)
    return text_ if len(text_) <= 40 else text_[:37] + "..."
