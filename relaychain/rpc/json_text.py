"""Reading one JSON-RPC message: strict RFC 8259 JSON, at most `MAX_DEPTH` levels deep (rpc.md §1).

jsonrpsee (Substrate's RPC server) parses with serde_json, which refuses input nested deeper than 128 arrays
or objects and the non-JSON literals `NaN`, `Infinity` and `-Infinity`; both are a -32700 Parse error.
Python's `json` accepts those literals and recurses once per level, so a message such as
`'[' * 1000 + ']' * 1000` would exhaust the interpreter's recursion limit. `parse_message` therefore measures
the nesting depth before parsing (without building anything), then parses with the literals refused.

Depth rule: the depth of a position is the number of `[` and `{` before it minus the `]` and `}`, counting
only brackets outside strings. A string runs from an unescaped `"` to the next one; a `"` is escaped when an
odd number of backslashes precede it. The scan works on the UTF-8 bytes (no multi-byte UTF-8 sequence
contains an ASCII byte) in fixed-size chunks, carrying the depth, whether a string is open, and the parity of
a backslash run across chunk boundaries, so its memory stays bounded whatever the message size.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

MAX_DEPTH = 128
_CHUNK = 1 << 20
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))


class JsonParseError(ValueError):
    """The text is not one JSON value this server reads (invalid, too deep, or a non-JSON literal)."""


def exceeds_depth(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether any position of the JSON text `data` is nested deeper than `limit` (see the module rule)."""
    depth, in_string, odd_backslashes = 0, False, False
    for start in range(0, len(data), _CHUNK):
        b = np.frombuffer(data, dtype=np.uint8, count=min(_CHUNK, len(data) - start), offset=start)
        n = len(b)
        idx = np.arange(n, dtype=np.int64)
        backslash = b == _BACKSLASH
        # index of the last non-backslash byte at or before each position (-1: none in this chunk)
        last_other = np.maximum.accumulate(np.where(backslash, -1, idx))
        quotes = np.flatnonzero(b == _QUOTE)
        if len(quotes):
            before = quotes - 1
            run = np.where(before >= 0, before - last_other[np.maximum(before, 0)], 0)
            # a run reaching the chunk's start continues the previous chunk's trailing run
            reaches_start = (before >= 0) & (last_other[np.maximum(before, 0)] < 0) | (before < 0)
            run = run + (reaches_start & odd_backslashes)
            real = quotes[run % 2 == 0]
        else:
            real = quotes
        toggles = np.zeros(n, dtype=np.int8)
        toggles[real] = 1
        inside = (np.cumsum(toggles, dtype=np.int64) + in_string) % 2 == 1
        step = ((b == _OPEN[0]) | (b == _OPEN[1])).astype(np.int8) - ((b == _CLOSE[0]) | (b == _CLOSE[1]))
        step[inside] = 0
        running = depth + np.cumsum(step, dtype=np.int64)
        if n and int(running.max()) > limit:
            return True
        depth = int(running[-1]) if n else depth
        in_string = (in_string + len(real)) % 2 == 1
        trailing = n - 1 - int(last_other[-1]) if n else 0
        odd_backslashes = (trailing % 2 == 1) != (trailing == n and odd_backslashes)
    return False


def _refuse_constant(name: str) -> Any:
    raise JsonParseError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonParseError(f"number {text[:40]} is out of range")
    return value


def parse_message(text: str | bytes) -> Any:
    """The JSON value of one message; raises `JsonParseError` with a reason a client can act on."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise JsonParseError(f"not UTF-8: {e}") from None
    if text.count("[") + text.count("{") > MAX_DEPTH and \
            exceeds_depth(text.encode("utf-8", "surrogatepass")):
        raise JsonParseError(f"nested deeper than {MAX_DEPTH} arrays or objects")
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except JsonParseError:
        raise
    except RecursionError:  # cannot happen after the depth check; never let it escape as a crash
        raise JsonParseError(f"nested deeper than {MAX_DEPTH} arrays or objects") from None
    except ValueError as e:
        raise JsonParseError(str(e)[:200]) from None
