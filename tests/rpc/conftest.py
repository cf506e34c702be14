"""Fixtures for the RPC tests: `dev_node` is a REAL single-validator dev node (instant sealing) with the RPC
server on a free loopback port, shared by the tests of one module."""

import pytest

from .node_harness import NODE_MISSING, SKIP_REASON, DevNode


@pytest.fixture(scope="module")
def dev_node():
    if NODE_MISSING:
        pytest.skip(SKIP_REASON)
    node = DevNode()
    yield node
    node.close()
