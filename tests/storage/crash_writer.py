"""Child process of test_crash.py: imports blocks (with real trie state updates, forks, reorgs and
finality) into a Database in an endless loop, printing each committed block number, until killed.

Usage: python3 crash_writer.py <db path>
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root

from relaychain.primitives.scale import encode_bytes, encode_compact  # noqa: E402
from relaychain.storage import Database  # noqa: E402
from relaychain.trie import EMPTY_ROOT, TrieBackend  # noqa: E402

from chain import block_changes, make_block, state_root_of  # noqa: E402  (tests/storage/chain.py)


def main(path: str) -> None:
    db = Database(path, map_size=1 << 26)
    best = db.best()
    if best is None:
        root, nodes = TrieBackend(db.node_store, EMPTY_ROOT, 1).apply(block_changes(0))
        best, header = make_block(bytes(32), 0, root)
        db.import_block(best, 0, header, encode_compact(0), nodes, set_best=True)
    number = db.number(best)
    while True:
        state = TrieBackend(db.node_store, state_root_of(db.header(best)), 1)
        number += 1
        root, nodes = state.apply(block_changes(number))
        block_hash, header = make_block(best, number, root)
        body = encode_compact(1) + encode_bytes(b"extrinsic %d" % number)
        if number % 7 == 0:  # a competing fork block that becomes best briefly, then loses
            fork_hash, fork_header = make_block(best, number, root, salt=b"fork")
            db.import_block(fork_hash, number, fork_header, body, nodes, set_best=True)
        db.import_block(block_hash, number, header, body, nodes, set_best=True)
        if number % 4 == 0 and number > 3:
            db.finalize(db.hash_by_number(number - 3), b"justification of %d" % (number - 3))
        best = block_hash
        print(number, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
