"""`:code` names the runtime (README "The runtime's `:code`", runtime/code.py): over a REAL dev node,
`state_getStorage(":code")`, `state_getStorageHash(":code")`, `Core_version` and
`Metadata_metadata_at_version` agree, checked with an independent decoder and hashlib's blake2b."""

from __future__ import annotations

import hashlib

from relaychain.runtime import constants as C

CODE_KEY_HEX = "0x" + b":code".hex()


def blake2_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def compact(data: bytes, pos: int = 0) -> tuple[int, int]:
    """(value, next position) of a SCALE compact integer (plain reference decoder)."""
    mode = data[pos] & 3
    if mode == 0:
        return data[pos] >> 2, pos + 1
    if mode == 1:
        return int.from_bytes(data[pos:pos + 2], "little") >> 2, pos + 2
    if mode == 2:
        return int.from_bytes(data[pos:pos + 4], "little") >> 2, pos + 4
    n = (data[pos] >> 2) + 4
    return int.from_bytes(data[pos + 1:pos + 1 + n], "little"), pos + 1 + n


def unhex(s: str) -> bytes:
    return bytes.fromhex(s[2:])


def metadata_at(dev_node, version: int) -> bytes:
    out = unhex(dev_node.rpc("state_call", ["Metadata_metadata_at_version", "0x" + version.to_bytes(4, "little").hex()])["result"])
    assert out[0] == 1, f"metadata V{version} not served"
    length, pos = compact(out, 1)
    assert len(out) == pos + length
    return out[pos:]


def test_code_is_the_runtime_version_and_metadata_hashes(dev_node):
    code = unhex(dev_node.rpc("state_getStorage", [CODE_KEY_HEX])["result"])
    version = unhex(dev_node.rpc("state_call", ["Core_version", "0x"])["result"])
    meta14, meta15 = metadata_at(dev_node, 14), metadata_at(dev_node, 15)
    assert meta14[:5] == b"meta\x0e" and meta15[:5] == b"meta\x0f"
    assert code == version + blake2_256(meta14) + blake2_256(meta15)
    # the version inside is the one the node reports (spec name first, as a SCALE string)
    name_len, pos = compact(version)
    assert version[pos:pos + name_len].decode() == C.SPEC_NAME
    assert meta14 == unhex(dev_node.rpc("state_getMetadata")["result"])


def test_code_hash_is_blake2_of_the_code_at_every_block(dev_node):
    dev_node.new_block()
    genesis = dev_node.rpc("chain_getBlockHash", [0])["result"]
    best = dev_node.rpc("chain_getBlockHash")["result"]
    for at in (genesis, best):
        code = unhex(dev_node.rpc("state_getStorage", [CODE_KEY_HEX, at])["result"])
        assert dev_node.rpc("state_getStorageHash", [CODE_KEY_HEX, at])["result"] == "0x" + blake2_256(code).hex()
        assert dev_node.rpc("state_getStorageSize", [CODE_KEY_HEX, at])["result"] == len(code)


def test_code_changes_exactly_when_the_runtime_does():
    """Same version and metadata → same bytes; another version or other metadata → another `:code`."""
    from relaychain.runtime import apis
    from relaychain.runtime.code import encode_runtime_code, runtime_code

    version = {"spec_name": C.SPEC_NAME, "impl_name": C.IMPL_NAME, "authoring_version": C.AUTHORING_VERSION,
               "spec_version": C.SPEC_VERSION, "impl_version": C.IMPL_VERSION,
               "apis": list(apis.runtime_version().apis), "transaction_version": C.TRANSACTION_VERSION,
               "state_version": C.STATE_VERSION}
    v14, v15 = apis.metadata_at_version(14), apis.metadata_at_version(15)
    assert encode_runtime_code(version, v14, v15) == runtime_code()
    assert encode_runtime_code(version | {"spec_version": C.SPEC_VERSION + 1}, v14, v15) != runtime_code()
    # one byte of metadata (e.g. one more call, event or storage item) is another runtime
    other_v14 = v14[:-1] + bytes([v14[-1] ^ 1])
    assert encode_runtime_code(version, v14, v15[:-1] + bytes([v15[-1] ^ 1])) != runtime_code()
    assert encode_runtime_code(version, other_v14, v15) != runtime_code()
