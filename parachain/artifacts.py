"""The on-disk cache of compiled PVFs: compile once per validation code hash, reuse across runs.

Spec: parachains.md §12 (preparation); Polkadot keeps prepared artifacts under the node's base path
(`polkadot/node/core/pvf/src/artifacts.rs`). The node passes `<base-path>/pvf-artifacts`.

A file is named `<code hash>-<settings digest>.pvfa`, where the settings digest covers wasmtime's version,
every engine setting that changes compiled code (`sandbox.engine_settings`) and this file format, so an
artifact from another wasmtime or configuration is never even opened. Its content is

    MAGIC (8) ‖ settings digest (32) ‖ code hash (32) ‖ blake2_256(payload) (32) ‖ payload

where payload is wasmtime's serialized module. Loading compiled code means trusting it, so a file whose
header or checksum does not verify is deleted and the code compiled again. Files are written to a
temporary name and renamed, so a crash never leaves a half-written artifact under the real name.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Optional

from relaychain.primitives.hashing import blake2_256

from .limits import ExecutionLimits
from .sandbox import engine_settings

MAGIC = b"PVFART01"
HEADER_SIZE = len(MAGIC) + 32 * 3
SUFFIX = ".pvfa"


def wasmtime_version() -> str:
    from importlib.metadata import version
    return version("wasmtime")


def settings_digest(limits: ExecutionLimits) -> bytes:
    """What an artifact's validity depends on besides the code."""
    described = {"format": MAGIC.decode(), "wasmtime": wasmtime_version(), "engine": engine_settings(limits)}
    return blake2_256(json.dumps(described, sort_keys=True).encode())


class ArtifactCache:
    """Artifacts of one executor configuration under `cache_dir`."""

    def __init__(self, cache_dir: os.PathLike | str, limits: ExecutionLimits):
        self.dir = Path(cache_dir)
        self.digest = settings_digest(limits)

    def path_for(self, code_hash: bytes) -> Path:
        return self.dir / f"{code_hash.hex()}-{self.digest.hex()[:16]}{SUFFIX}"

    def store(self, code_hash: bytes, payload: bytes) -> Path:
        """Write an artifact atomically and return its path."""
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.path_for(code_hash)
        blob = MAGIC + self.digest + code_hash + blake2_256(payload) + payload
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-", suffix=SUFFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def load(self, code_hash: bytes) -> Optional[bytes]:
        """The verified payload of the artifact for `code_hash`, or None if there is none; a file that does
        not verify is deleted (and None returned) so the caller compiles afresh."""
        path = self.path_for(code_hash)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        payload = verified_payload(blob, self.digest, code_hash)
        if payload is None:
            path.unlink(missing_ok=True)
        return payload


def verified_payload(blob: bytes, digest: bytes, code_hash: bytes) -> Optional[bytes]:
    """The payload of an artifact file if its header matches and its checksum holds, else None."""
    if len(blob) < HEADER_SIZE or not blob.startswith(MAGIC):
        return None
    header_digest = blob[8:40]
    header_code = blob[40:72]
    checksum = blob[72:104]
    payload = blob[HEADER_SIZE:]
    if header_digest != digest or header_code != code_hash or blake2_256(payload) != checksum:
        return None
    return payload


__all__ = ["ArtifactCache", "settings_digest", "verified_payload", "wasmtime_version", "MAGIC"]
