"""The JavaScript clients (@polkadot/api and @polkadot/types 16) the compatibility tests run, installed by
the tests themselves: `npm ci` from the committed tests/js/package-lock.json, only when node_modules is
missing or was installed from another lockfile (a stamp inside node_modules holds the lockfile's hash).

Without Node.js the tests that need it are skipped with the reason, unless RELAYCHAIN_JS_REQUIRED is set
(.ci/run sets it), in which case they fail: CI must never pass without having run them."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).parent / "js"
LOCKFILE = JS_DIR / "package-lock.json"
STAMP = JS_DIR / "node_modules" / ".relaychain-lockfile.sha256"
REQUIRED_ENV = "RELAYCHAIN_JS_REQUIRED"
MIN_NODE_MAJOR = 18  # @polkadot/api 16's engines field
NPM_CI_TIMEOUT_S = 600


def lockfile_digest() -> str:
    return hashlib.sha256(LOCKFILE.read_bytes()).hexdigest()


def is_installed() -> bool:
    """node_modules was installed by `npm ci` from the current lockfile."""
    return STAMP.is_file() and STAMP.read_text().strip() == lockfile_digest()


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRED_ENV):
        pytest.fail(f"{reason} ({REQUIRED_ENV} is set: the JavaScript client tests must run)", pytrace=False)
    pytest.skip(reason)


def _check_node() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        _unavailable(f"{' and '.join(missing)} not found: install Node.js >= {MIN_NODE_MAJOR} with npm "
                     "to run the JavaScript client tests")
    version = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    major = re.match(r"v(\d+)\.", version)
    if major is None or int(major.group(1)) < MIN_NODE_MAJOR:
        pytest.fail(f"Node.js {version or '(unknown version)'} is too old: @polkadot/api 16 needs "
                    f">= {MIN_NODE_MAJOR}", pytrace=False)


def ensure_installed() -> Path:
    """Node.js is present and tests/js/node_modules matches the lockfile (running `npm ci` if not)."""
    _check_node()
    with open(LOCKFILE, "rb") as lock:  # one installer at a time if two runs share this checkout
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_installed():
            proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=JS_DIR,
                                  capture_output=True, text=True, timeout=NPM_CI_TIMEOUT_S)
            if proc.returncode != 0:
                pytest.fail(f"`npm ci` in {JS_DIR} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
                            pytrace=False)
            STAMP.write_text(lockfile_digest() + "\n")
    return JS_DIR
