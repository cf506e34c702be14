"""`relaychain purge-chain --base-path DIR [-y]`: remove the chain database(s) under a base path.

As Substrate's `purge-chain`: it asks `Are you sure to remove "<path>"? [y/N]` (or not, with `-y`) and
removes only the databases — the node key (`network/secret_ed25519`), the peer store and the PVF artifacts
stay, so the node keeps its identity and restarts from genesis. The databases are `DIR/db` (a node started
with `--base-path DIR`) and `DIR/<node>/db` (each node of a `--dev` or `--config` network on DIR). A database
held by a running node is not removed: it is refused with the holder's pid, and nothing is removed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from relaychain.storage import StorageError
from relaychain.storage.lock import DirectoryLock

DB_DIR = "db"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-path", type=Path, required=True, help="the base path the node(s) ran with")
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")


def databases_under(base_path: Path) -> list[Path]:
    """The chain databases a node (DIR/db) or a local network (DIR/<node>/db) keeps under `base_path`."""
    found = [base_path / DB_DIR] if (base_path / DB_DIR).is_dir() else []
    if base_path.is_dir():
        found += sorted(p / DB_DIR for p in base_path.iterdir() if p.is_dir() and (p / DB_DIR).is_dir())
    return found


def _confirmed(paths: list[Path]) -> bool:
    listing = ", ".join(f'"{p}"' for p in paths)
    print(f"Are you sure to remove {listing}? [y/N]: ", end="", flush=True)
    answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def main(args: argparse.Namespace) -> int:
    base = args.base_path
    paths = databases_under(base)
    if not paths:
        print(f'"{base}" holds no chain database; nothing to remove.')
        return 0
    locks = []
    try:
        for path in paths:  # all or nothing: refuse while any of them is in use
            lock = DirectoryLock(str(path))
            lock.acquire()
            locks.append(lock)
        if not args.yes and not _confirmed(paths):
            print("Aborted")
            return 0
        for path in paths:
            shutil.rmtree(path)
            print(f'"{path}" removed.')
        return 0
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot remove the database under {base}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        for lock in locks:
            lock.release()
