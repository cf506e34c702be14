"""py-substrate-interface 1.8.1 driving our runtime through an in-process stand-in for the node's RPC.

SI is the client: it loads our metadata, queries storage, composes and signs extrinsics (immortal and
mortal), asks for fee info via `state_call`, decodes blocks and builds receipts from our events. The
RPC stand-in only forwards to the runtime APIs and a DevChain (no JSON-RPC server is involved).
"""

import pytest
from substrateinterface import Keypair, SubstrateInterface
from substrateinterface.base import ExtrinsicReceipt

from relaychain.primitives.crypto import Sr25519Keypair
from relaychain.primitives.hashing import blake2_256
from relaychain.runtime import apis
from relaychain.runtime.pallets import system

UNIT = 10**12
ENDOWMENT = 1 << 60


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


class OfflineNode:
    """Answers the RPC methods SI uses from a DevChain; each submitted extrinsic is sealed in its own block."""

    METHODS = ["rpc_methods", "chain_getHead", "chain_getBlockHash", "chain_getHeader", "chain_getBlock",
               "chain_getFinalizedHead", "state_getRuntimeVersion", "state_getMetadata", "state_getStorageAt",
               "state_call", "system_chain", "system_name", "system_version", "system_properties",
               "author_submitExtrinsic"]

    def __init__(self, chain):
        self.chain = chain
        self.by_hash = {h.hash(): i for i, h in enumerate(chain.headers)}

    def _number(self, h):
        if h is None:
            return len(self.chain.headers) - 1
        return self.by_hash[bytes.fromhex(h[2:])]

    def handle(self, method, params):
        c = self.chain
        if method == "rpc_methods":
            return {"methods": self.METHODS}
        if method in ("chain_getHead", "chain_getFinalizedHead"):
            return _hex(c.head.hash())
        if method == "chain_getBlockHash":
            n = params[0] if params and params[0] is not None else len(c.headers) - 1
            return _hex(c.headers[n].hash()) if n < len(c.headers) else None
        if method == "chain_getHeader":
            return c.headers[self._number(params[0] if params else None)].to_json()
        if method == "chain_getBlock":
            n = self._number(params[0] if params else None)
            xts = c.blocks[n].extrinsics if n else ()
            return {"block": {"header": c.headers[n].to_json(), "extrinsics": [_hex(x) for x in xts]},
                    "justifications": None}
        if method == "state_getRuntimeVersion":
            return apis.runtime_version().to_json()
        if method == "state_getMetadata":
            return _hex(apis.metadata())
        if method == "state_getStorageAt":
            v = c.state(self._number(params[1] if len(params) > 1 else None)).get(bytes.fromhex(params[0][2:]))
            return None if v is None else _hex(v)
        if method == "state_call":
            n = self._number(params[2] if len(params) > 2 else None)
            return _hex(apis.call(c.state(n), params[0], bytes.fromhex(params[1][2:])))
        if method == "system_chain":
            return c.spec.name
        if method in ("system_name", "system_version"):
            return "relaychain-test"
        if method == "system_properties":
            return dict(c.spec.properties)
        if method == "author_submitExtrinsic":
            xt = bytes.fromhex(params[0][2:])
            header, *_ = c.build([xt])
            self.by_hash[header.hash()] = header.number
            return _hex(blake2_256(xt))
        raise AssertionError(f"unexpected RPC {method}")


class OfflineSubstrateInterface(SubstrateInterface):
    def __init__(self, node: OfflineNode):
        self.node = node
        super().__init__(url="http://offline.invalid")

    def rpc_request(self, method, params, result_handler=None):
        return {"jsonrpc": "2.0", "id": 1, "result": self.node.handle(method, params)}


@pytest.fixture
def si(chain):
    chain.build([])  # block 1, so that BlockHash[0] is the genesis hash and SI sees a parent
    return OfflineSubstrateInterface(OfflineNode(chain))


def test_si_reads_storage_and_constants(si):
    alice = Keypair.create_from_uri("//Alice")
    assert alice.public_key == bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
    info = si.query("System", "Account", [alice.ss58_address])
    assert info.value["data"]["free"] == ENDOWMENT and info.value["nonce"] == 0
    assert si.get_constant("Balances", "ExistentialDeposit").value == 10**10
    assert si.ss58_format == 42
    assert si.query("Timestamp", "Now").value == si.node.chain.slot * si.node.chain.slot_ms


@pytest.mark.parametrize("era", [None, {"period": 64}])
def test_si_signed_transfer_applies(si, era):
    alice, bob = Keypair.create_from_uri("//Alice"), Keypair.create_from_uri("//Bob")
    call = si.compose_call("Balances", "transfer_keep_alive", {"dest": bob.ss58_address, "value": 3 * UNIT})
    fee_info = si.get_payment_info(call, alice)
    xt = si.create_signed_extrinsic(call, alice, era=era)
    assert si.get_account_nonce(alice.ss58_address) == 0
    receipt = si.submit_extrinsic(xt)
    block_hash = si.get_chain_head()
    receipt = ExtrinsicReceipt(si, extrinsic_hash=receipt.extrinsic_hash, block_hash=block_hash)
    assert receipt.is_success
    chain = si.node.chain
    bob_free = system.account(chain.state(), bob.public_key).data.free
    alice_free = system.account(chain.state(), alice.public_key).data.free
    assert bob_free == ENDOWMENT + 3 * UNIT
    assert receipt.total_fee_amount == ENDOWMENT - 3 * UNIT - alice_free
    # query_info's partial fee is the inclusion fee of an immortal extrinsic of the same call; a mortal era
    # is one byte longer (10 millicents per byte)
    assert fee_info["partialFee"] + (10**8 if era else 0) == receipt.total_fee_amount
    assert si.get_account_nonce(alice.ss58_address) == 1
    events = {(e.value["module_id"], e.value["event_id"]) for e in receipt.triggered_events}
    assert ("Balances", "Transfer") in events and ("System", "ExtrinsicSuccess") in events


def test_si_decodes_our_blocks(si):
    alice = Keypair.create_from_uri("//Alice")
    chain = si.node.chain
    alice_kp = Sr25519Keypair.from_uri("//Alice")
    xt = chain.sign(alice_kp, system.pallet.call_named("remark").encode(remark=b"abc"), 0)
    si.node.handle("author_submitExtrinsic", [_hex(xt)])
    block = si.get_block(block_number=chain.head.number)
    assert len(block["extrinsics"]) == 3
    inherent, paras_inherent, signed = block["extrinsics"]
    assert inherent.value["call"]["call_module"] == "Timestamp"
    assert (paras_inherent.value["call"]["call_module"], paras_inherent.value["call"]["call_function"]) == \
        ("ParaInherent", "enter")
    assert signed.value["address"] in ("0x" + alice.public_key.hex(), alice.ss58_address)
    assert signed.value["call"]["call_function"] == "remark" and signed.value["nonce"] == 0
    assert signed.value["extrinsic_hash"] == _hex(blake2_256(xt))
    logs = block["header"]["digest"]["logs"]
    assert logs and all(log is not None for log in logs)


def test_failed_extrinsic_receipts(si):
    alice, bob = Keypair.create_from_uri("//Alice"), Keypair.create_from_uri("//Bob")
    call = si.compose_call("Balances", "force_set_balance", {"who": bob.ss58_address, "new_free": 1})
    receipt = si.submit_extrinsic(si.create_signed_extrinsic(call, alice))
    receipt = ExtrinsicReceipt(si, extrinsic_hash=receipt.extrinsic_hash, block_hash=si.get_chain_head())
    assert not receipt.is_success and receipt.error_message["name"] == "BadOrigin"
    # modern Substrate reports missing funds as Token(FundsUnavailable) (SI gives it no error_message)
    call = si.compose_call("Balances", "transfer_allow_death", {"dest": bob.ss58_address, "value": ENDOWMENT * 2})
    receipt = si.submit_extrinsic(si.create_signed_extrinsic(call, alice))
    receipt = ExtrinsicReceipt(si, extrinsic_hash=receipt.extrinsic_hash, block_hash=si.get_chain_head())
    assert not receipt.is_success and receipt.total_fee_amount > 0
    failed = [e for e in receipt.triggered_events if e.value["event_id"] == "ExtrinsicFailed"]
    assert failed[0].value["attributes"]["dispatch_error"] == {"Token": "FundsUnavailable"}


def test_si_derives_the_block_author_from_our_babe_digest(si):
    from relaychain.primitives.ss58 import ss58_encode
    from relaychain.runtime.pallets import session
    block = si.get_block(block_number=1, include_author=True)
    # the dev chain's pre-digests claim authority index 0: Session.Validators[0]
    assert block["author"] == ss58_encode(session.Validators.get(si.node.chain.state(1))[0], 42)


def test_si_composes_a_relay_teleport_from_metadata(si):
    """SI builds `XcmPallet.limited_teleport_assets` from our metadata with the V4 arguments a Polkadot user
    writes; its call bytes are the ones written out here field by field (xcm_pallet, xcmp.xcm)."""
    bob = Keypair.create_from_uri("//Bob")
    call = si.compose_call("XcmPallet", "limited_teleport_assets", {
        "dest": {"V4": {"parents": 0, "interior": {"X1": [{"Parachain": 2000}]}}},
        "beneficiary": {"V4": {"parents": 0, "interior": {"X1": [{"AccountId32": {"network": None,
                                                                                    "id": bob.public_key}}]}}},
        # `Assets(Vec<Asset>)` is a one-field tuple struct, which SI encodes from a sequence of its fields (as it
        # does with Polkadot's own metadata, whose `Assets` has this shape)
        "assets": {"V4": [[{"id": {"parents": 0, "interior": "Here"}, "fun": {"Fungible": 5 * UNIT}}]]},
        "fee_asset_item": 0,
        "weight_limit": "Unlimited",
    })
    five_units = bytes([0x0B]) + (5 * UNIT).to_bytes(6, "little")  # compact big mode: 6 bytes -> ((6-4)<<2)|3
    assert call.data.data == b"".join([
        bytes([99, 9]),  # XcmPallet, limited_teleport_assets
        bytes([0x04, 0x00, 0x01, 0x00, 0x41, 0x1F]),  # V4 {0, X1(Parachain(compact 2000))}
        bytes([0x04, 0x00, 0x01, 0x01, 0x00]) + bob.public_key,  # V4 {0, X1(AccountId32{None, id})}
        bytes([0x04, 0x04, 0x00, 0x00, 0x00]) + five_units,  # V4 [1 asset: {0, Here}, Fungible]
        bytes([0, 0, 0, 0]),  # fee_asset_item u32
        bytes([0x00]),  # WeightLimit::Unlimited
    ])
