"""Deeply nested JSON and non-JSON literals are a -32700 Parse error, over WebSocket and HTTP (#11, item 4).

Before: `'[' * 1000 + ']' * 1000` got HTTP 500 or a dropped WebSocket (1006) and a RecursionError in the log,
and `NaN` was accepted as a number (-32602 later). The limit is serde_json's (jsonrpsee's parser): 128 levels.
"""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relaychain.rpc import json_text
from relaychain.rpc.json_text import MAX_DEPTH, JsonParseError, exceeds_depth, parse_message

DEEP = "[" * 1000 + "]" * 1000


def _nested_request(depth: int) -> str:
    """A request whose own object is level 1 and whose params nest to `depth` levels in total."""
    params = "[" * (depth - 1) + "]" * (depth - 1)
    return '{"jsonrpc": "2.0", "id": 1, "method": "system_name", "params": ' + params + "}"


@pytest.mark.parametrize("text", [DEEP, "{" + '"a":{' * 500 + "}" * 501, _nested_request(MAX_DEPTH + 1)])
def test_deep_nesting_over_websocket_is_a_parse_error(ws, caplog, text):
    caplog.set_level(logging.DEBUG)
    ws.send_raw(text)
    reply = ws.recv()
    assert reply["error"]["code"] == -32700 and reply["id"] is None
    assert "nested deeper than 128" in reply["error"]["data"]
    assert ws.call("system_name") == "toy-node"  # the connection is still serving
    assert "RecursionError" not in caplog.text and "Traceback" not in caplog.text


def test_deep_nesting_over_http_is_a_parse_error(srv):
    response = srv.post(DEEP, raw=True)
    assert response.status_code == 200
    assert response.json()["error"]["code"] == -32700


def test_nesting_up_to_the_limit_is_read(ws):
    ws.send_raw(_nested_request(MAX_DEPTH))
    reply = ws.recv()
    assert reply["error"]["code"] == -32602  # parsed: system_name takes no params, so a params error


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_json_numbers_are_parse_errors(ws, srv, literal):
    text = '{"jsonrpc": "2.0", "id": 1, "method": "chain_getBlockHash", "params": [' + literal + "]}"
    ws.send_raw(text)
    assert ws.recv()["error"]["code"] == -32700
    assert srv.post(text, raw=True).json()["error"]["code"] == -32700


def test_a_bracket_inside_a_string_does_not_count(ws):
    text = json.dumps({"jsonrpc": "2.0", "id": 4, "method": "system_name", "params": {}, "x": "[{" * 600})
    ws.send_raw(text)
    assert ws.recv() == {"jsonrpc": "2.0", "result": "toy-node", "id": 4}


# -- the depth scan against a plain reference ----------------------------------------------------


def _depth(value) -> int:
    """Nesting depth of a parsed JSON value (arrays and objects)."""
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


tricky_text = st.text(alphabet='[]{}"\\ab\u00e9\u4e16', max_size=6)
json_values = st.recursive(st.none() | st.integers() | tricky_text,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
                           max_leaves=25)


@given(value=json_values, chunk=st.sampled_from([1, 2, 3, 5, 64, 1 << 20]), limit=st.integers(0, 8))
def test_depth_scan_matches_the_parsed_depth(value, chunk, limit):
    text = json.dumps(value, ensure_ascii=False).encode()
    saved = json_text._CHUNK
    json_text._CHUNK = chunk  # small chunks put quotes, escapes and brackets on chunk boundaries
    try:
        assert exceeds_depth(text, limit) == (_depth(value) > limit)
    finally:
        json_text._CHUNK = saved


@given(st.binary(max_size=300) | st.text(alphabet='[]{}"\\,:0 a', max_size=300))
def test_any_text_parses_or_is_a_parse_error(data):
    try:
        parse_message(data)
    except JsonParseError:
        pass
