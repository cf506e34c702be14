"""Fixtures for the RPC tests: `chain`/`srv`/`ws` (the in-test backend behind a real server and client);
`dev_node` is a REAL single-validator dev node (instant sealing) with the RPC
server on a free loopback port, shared by the tests of one module."""

import pytest

from .harness import RunningServer
from .node_harness import DevNode
from .toychain import ToyChain


@pytest.fixture(scope="module")
def dev_node():
    node = DevNode()
    yield node
    node.close()


@pytest.fixture
def chain():
    return ToyChain()


@pytest.fixture
def srv(chain):
    server = RunningServer(chain)
    yield server
    server.close()


@pytest.fixture
def ws(srv):
    client = srv.ws()
    yield client
    client.close()
