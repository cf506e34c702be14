"""The adder para's block builder for a collator, with the state behind each head kept on disk.

The adder's head holds only the hash of its state (parachain/block.py), so a collator must remember the
state behind every head it built to extend it later — also across a restart, or a collator restarted
mid-chain could never build again. The map head -> state is kept in `<base>/adder-states.json` (the newest
`KEEP` heads; heads that did not make it on chain are harmless extras).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

from parachain.block import AdderCollator

KEEP = AdderCollator.KEEP  # heads saved: all the collator remembers


class AdderBlockBuilder:
    def __init__(self, state_file: Optional[Path] = None, keep: int = KEEP):
        self.inner = AdderCollator(keep=keep)
        self.state_file = Path(state_file) if state_file is not None else None
        if self.state_file is not None and self.state_file.exists():
            saved = json.loads(self.state_file.read_text())
            for h, s in saved.items():  # saved oldest first
                self.inner.remember(bytes.fromhex(h), int(s))

    def produce_block(self, parent_head: bytes) -> bytes:
        block_data, _head = self.inner.produce_block(parent_head)
        self._save()
        return block_data

    def _save(self) -> None:
        if self.state_file is None:
            return
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({h.hex(): s for h, s in self.inner.state_of.items()}))  # at most `keep`, oldest first
        os.replace(tmp, self.state_file)  # atomic: a crash leaves the old file or the new one
