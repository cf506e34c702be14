"""The token parachain's validation function (PVF), in AssemblyScript (`assembly/*.ts`), built into `token.wasm`.

Spec: `parachain/token/SPEC.md` (the byte-level rules the collator's runtime follows too); the decisions taken
where it is silent are listed at the top of `assembly/index.ts`.

`token.wasm` is committed so a node needs no toolchain; `python -m parachain.runtimes.token` rebuilds it:
`npm ci` from the committed package-lock.json (AssemblyScript 0.28.20, exact), then the package's `build`
script (`asc`, stub runtime, -O3, post-MVP features the executor switches off disabled). The build is
deterministic: the tests rebuild and compare the bytes with the committed file.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

WASM = "token.wasm"
SOURCE_DIR = Path(__file__).resolve().parent
NPM_TIMEOUT_S = 600


class BuildError(RuntimeError):
    """The toolchain is missing or the AssemblyScript build failed."""


def validation_code() -> bytes:
    """The token PVF's validation code (the committed Wasm binary)."""
    return resources.files(__name__).joinpath(WASM).read_bytes()


def _lockfile_digest() -> str:
    return hashlib.sha256((SOURCE_DIR / "package-lock.json").read_bytes()).hexdigest()


def _ensure_toolchain() -> None:
    """node_modules installed by `npm ci` from the current lockfile (a stamp holds the lockfile's hash)."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise BuildError(f"`{tool}` not found: install Node.js with npm to build the token PVF")
    stamp = SOURCE_DIR / "node_modules" / ".relaychain-lockfile.sha256"
    if stamp.is_file() and stamp.read_text().strip() == _lockfile_digest():
        return
    proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=SOURCE_DIR,
                          capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
    if proc.returncode != 0:
        raise BuildError(f"`npm ci` in {SOURCE_DIR} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    stamp.write_text(_lockfile_digest() + "\n")


def build() -> bytes:
    """Compile `assembly/index.ts` with the pinned AssemblyScript; return the Wasm bytes (nothing is written
    into the source tree but node_modules)."""
    _ensure_toolchain()
    script = json.loads((SOURCE_DIR / "package.json").read_text())["scripts"]["build"].split()
    if script[0] != "asc" or "-o" not in script:
        raise BuildError("package.json's build script must be `asc ... -o <file>`")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / WASM
        args = list(script)
        args[args.index("-o") + 1] = str(out)
        asc = SOURCE_DIR / "node_modules" / ".bin" / "asc"
        proc = subprocess.run([str(asc), *args[1:]], cwd=SOURCE_DIR, capture_output=True, text=True,
                              timeout=NPM_TIMEOUT_S)
        if proc.returncode != 0:
            raise BuildError(f"asc failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return out.read_bytes()
