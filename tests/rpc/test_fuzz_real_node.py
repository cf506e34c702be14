"""Any params to any method of a REAL dev node give a result or a typed JSON-RPC error — never -32603, the
answer to an exception its handler did not expect (#11, item 8). Requests go through the server's dispatcher
exactly as a WebSocket or HTTP message would, without the sockets (the socket path is fuzzed in test_fuzz.py).
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relaychain.rpc.server import HttpSession, build_registry

from .helpers import unsigned_remark

RUNTIME_CALLS = ["Core_version", "Metadata_metadata", "Metadata_metadata_at_version", "Metadata_metadata_versions",
                 "AccountNonceApi_account_nonce", "TransactionPaymentApi_query_info",
                 "TransactionPaymentApi_query_fee_details", "BlockBuilder_apply_extrinsic", "GrandpaApi_grandpa_authorities",
                 "BabeApi_configuration", "ParachainHost_validators", "TaggedTransactionQueue_validate_transaction",
                 "Nope_nope", ""]


def _hex_of(lengths):
    return st.sampled_from(lengths).flatmap(lambda n: st.binary(min_size=n, max_size=n)).map(lambda b: "0x" + b.hex())


leaves = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=12)
          | _hex_of([0, 1, 4, 16, 32, 33, 48, 64]) | st.sampled_from(RUNTIME_CALLS)
          | st.sampled_from(["0x" + unsigned_remark(b"fuzz").hex(), "0x26aa394eea5630e07c48ae0c9558cef7",
                             "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "0x", "latest"]))
params = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["hash", "key", "keys", "at", "block_hash", "count", "method", "data", "extrinsic", "x"]),
    inner, max_size=3), max_leaves=8)
METHODS = sorted(build_registry(type("Dev", (), {"is_dev": True})()).names())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(METHODS), value=st.lists(leaves, max_size=4) | params)
def test_any_params_to_any_method_of_a_real_node(dev_node, method, value):
    text = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": value})
    answer = dev_node.loop.run(dev_node.server.dispatcher.process(text, HttpSession()))
    reply = json.loads(answer)
    assert reply["id"] == 1 and ("result" in reply) != ("error" in reply), reply
    if "error" in reply:
        assert reply["error"]["code"] != -32603, f"{method}({value!r}) -> {reply['error']}"
