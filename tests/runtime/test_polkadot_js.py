"""@polkadot/types (the @polkadot/api 16 codec, an independent implementation) decodes our metadata,
events, extrinsics and accounts. The `js_clients` fixture installs the clients (tests/js_clients.py)."""

import hashlib
import json
import subprocess

import pytest

from relaychain.runtime import apis
from relaychain.runtime.pallets import balances, system


@pytest.fixture
def decode(js_clients):
    """Run tests/js/polkadot_js_decode.mjs on the JSON of the given inputs; return its JSON output."""
    def run(**inputs) -> dict:
        proc = subprocess.run(["node", "polkadot_js_decode.mjs"], cwd=js_clients, input=json.dumps(inputs),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)
    return run


def test_polkadot_js_decodes_metadata_events_extrinsic_account(chain, keys, decode):
    alice, bob = keys["Alice"], keys["Bob"]
    xt = chain.sign(alice, balances.transfer_keep_alive.encode(dest=("Id", bob.public), value=7 * 10**12), 0)
    chain.build([xt])
    st = chain.state()
    out = decode(metadata="0x" + apis.metadata().hex(), events="0x" + st.get(system.Events.key()).hex(),
                 extrinsic="0x" + xt.hex(), account="0x" + st.get(system.Account.key(bob.public)).hex())
    assert out["version"] == 14
    # Polkadot's indices (spec 1002005 metadata), Rococo's for the dev-chain Sudo and ParasSudoWrapper
    assert dict(out["pallets"]) == {"System": 0, "Babe": 2, "Timestamp": 3, "Balances": 5, "Staking": 7,
                                    "Session": 9, "Grandpa": 11, "TransactionPayment": 32, "Utility": 26, "Proxy": 29, "Multisig": 30,
                                    "Configuration": 51,
                                    "ParasShared": 52, "ParaInclusion": 53, "ParaInherent": 54, "ParaScheduler": 55,
                                    "Paras": 56, "Initializer": 57, "Dmp": 58, "Hrmp": 60, "ParaSessionInfo": 61,
                                    "ParasDisputes": 62,
                                    "ParasSlashing": 63, "Registrar": 70, "XcmPallet": 99, "MessageQueue": 100,
               "ParasSudoWrapper": 250, "Sudo": 255}
    assert out["signedExtensions"][-1] == "ChargeTransactionPayment"
    sections = [(phase, ev) for phase, ev, _ in out["events"]]
    assert sections[0] == ('{"applyExtrinsic":0}', "system.ExtrinsicSuccess")  # Timestamp.set
    assert ('{"applyExtrinsic":1}', "system.ExtrinsicSuccess") in sections  # ParaInherent.enter
    assert ('{"applyExtrinsic":2}', "balances.Transfer") in sections
    transfer = next(data for _, ev, data in out["events"] if ev == "balances.Transfer")
    assert int(transfer[2]) == 7 * 10**12
    x = out["extrinsic"]
    assert x["isSigned"] and x["method"] == "balances.transferKeepAlive" and x["nonce"] == 0
    assert x["hash"] == "0x" + hashlib.blake2b(xt, digest_size=32).hexdigest()
    assert int(out["account"]["data"]["free"], 0) == (1 << 60) + 7 * 10**12


def test_polkadot_js_decodes_metadata_v15(decode):
    out = decode(metadata="0x" + apis.metadata_v15().hex())
    assert out["version"] == 15
    assert dict(out["pallets"])["Balances"] == 5
    assert out["outerEnums"] == ["relaychain_runtime::RuntimeCall", "relaychain_runtime::RuntimeEvent",
                                 "relaychain_runtime::RuntimeError"]
    served = {f"{api}_{m}" for api, methods in out["apis"] for m in methods}
    assert served == set(apis.methods())  # V15 describes exactly the methods state_call serves
    assert out["methodOutputs"]["AccountNonceApi_account_nonce"] == "u32"
