"""The adder collator's block builder keeps the states behind its newest heads on disk and in memory alike."""

import json

from collator.adder import AdderBlockBuilder
from parachain.block import BlockData, HeadData, execute, genesis_head


def test_a_restarted_builder_extends_the_head_it_built_last_and_both_copies_stay_bounded(tmp_path):
    path = tmp_path / "adder-states.json"
    builder = AdderBlockBuilder(path, keep=5)
    head = genesis_head()
    for _ in range(9):
        block_data = builder.produce_block(head.encode())
        head = execute(head.hash(), head, BlockData.decode(block_data))
    saved = json.loads(path.read_text())
    assert len(saved) == len(builder.inner.state_of) == 5
    assert list(saved)[-1] == head.encode().hex()

    again = AdderBlockBuilder(path, keep=5)
    assert again.inner.state_of == builder.inner.state_of
    block_data = again.produce_block(head.encode())
    assert isinstance(execute(head.hash(), head, BlockData.decode(block_data)), HeadData)
