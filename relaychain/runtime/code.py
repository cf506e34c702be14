"""`:code`: what identifies the runtime in the state, as the Wasm blob does on a Substrate chain.

This runtime is not Wasm, so `:code` cannot hold a blob to execute. It holds instead a SCALE-encoded
descriptor that names the runtime exactly by what clients can observe of it:

    RuntimeCode { version: sp_version::RuntimeVersion,        -- the bytes `Core_version` returns
                  metadata_v14_hash: H256,                    -- blake2_256 of Metadata_metadata_at_version(14)
                  metadata_v15_hash: H256 }                   -- blake2_256 of Metadata_metadata_at_version(15)

(the hashes cover the metadata bytes without their Option/length prefix, "meta" ‖ version ‖ body).
Any change of version (spec/impl/transaction version, APIs) or of any declared pallet, call, storage item,
event, error, constant or type changes the metadata and so `:code`; an unchanged runtime gives the same
bytes. `state_getStorageHash(":code")` is then blake2_256 of these bytes, which clients that key runtimes
by code hash (polkadot-api) use as the runtime's identity, as they would the hash of a Wasm blob.
"""

from __future__ import annotations

from functools import lru_cache

from relaychain.primitives.hashing import blake2_256
from relaychain.primitives.scale_types import H256, Struct
from relaychain.runtime.frame_types import RUNTIME_VERSION

CODE_KEY = b":code"  # sp_storage::well_known_keys::CODE

RUNTIME_CODE = Struct("relaychain_runtime::RuntimeCode", [
    ("version", RUNTIME_VERSION, "RuntimeVersion"),
    ("metadata_v14_hash", H256, "H256"),
    ("metadata_v15_hash", H256, "H256"),
])


def encode_runtime_code(version: dict, metadata_v14: bytes, metadata_v15: bytes) -> bytes:
    """The `:code` bytes of a runtime with this version (a RuntimeVersion value) and prefixed metadata."""
    return RUNTIME_CODE.encode({"version": version, "metadata_v14_hash": blake2_256(metadata_v14),
                                "metadata_v15_hash": blake2_256(metadata_v15)})


@lru_cache(maxsize=1)
def runtime_code() -> bytes:
    """The `:code` value of this runtime (what genesis writes)."""
    from relaychain.runtime import apis

    version = apis.runtime_version()
    value = {"spec_name": version.spec_name, "impl_name": version.impl_name,
             "authoring_version": version.authoring_version, "spec_version": version.spec_version,
             "impl_version": version.impl_version, "apis": list(version.apis),
             "transaction_version": version.transaction_version, "state_version": version.state_version}
    return encode_runtime_code(value, apis.metadata_at_version(14), apis.metadata_at_version(15))
