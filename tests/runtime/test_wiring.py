"""Wiring by declaration: each pallet's configuration given to `Runtime(...)`, the late-bound outer types, and
inherents made from InherentData without leaving traces of the deciding (events, logs, storage)."""

from __future__ import annotations

import pytest

from relaychain.primitives.scale_types import U8, U32, Enum, LateBound, PortableRegistry, Struct, Variant, Vec
from relaychain.runtime import executive
from relaychain.runtime.framework import RUNTIME_CALL, RUNTIME_EVENT, Runtime
from relaychain.runtime.pallets import session, sudo, system, timestamp
from relaychain.runtime.runtime import CONFIGS, PALLETS, RUNTIME


def test_each_pallet_reads_the_configuration_its_runtime_declares():
    assert RUNTIME.config(timestamp.pallet) == CONFIGS["Timestamp"]
    assert RUNTIME.config(sudo.pallet) is None  # no config type: nothing to configure
    bare = Runtime("relaychain_runtime", PALLETS)
    assert bare.config(session.pallet) == session.Config()  # the pallet's defaults
    with pytest.raises(ValueError):
        Runtime("relaychain_runtime", PALLETS, {"Session": timestamp.Config()})
    with pytest.raises(ValueError):
        Runtime("relaychain_runtime", PALLETS, {"NoSuchPallet": session.Config()})


def test_late_bound_types():
    late = LateBound("Outer")
    with pytest.raises(ValueError):
        late.encode(1)
    outer = Enum("x::Outer", [Variant("A", 0, ((None, U8),)), Variant("Nested", 1, ((None, Vec(late)),))])
    late.bind(outer)
    late.bind(Enum("x::Outer", [Variant("A", 0, ((None, U8),)), Variant("Nested", 1, ((None, Vec(late)),))]))
    with pytest.raises(ValueError):
        late.bind(Struct("x::Other", [(None, U32)]))
    value = ("Nested", [("A", 7), ("Nested", [])])
    assert outer.decode(outer.encode(value)) == value
    reg = PortableRegistry()
    assert reg.id_of(late) == reg.id_of(outer)  # one registry entry: the recursion goes through the target's id
    assert RUNTIME_CALL.resolved().key() == RUNTIME.call_type.key()  # bound by the runtime (or an equal one)
    assert RUNTIME_EVENT.resolved().key() == RUNTIME.event_type.key()
    assert system.Events.value_type.inner.fields[1].type is RUNTIME_EVENT


def test_deciding_an_inherent_leaves_no_trace(chain):
    """create_inherent runs over the initialized block in a layer that is rolled back: storage, events and
    digest logs it produced are gone before the inherents are applied."""
    b = executive.BlockBuilder(chain.state(), chain.head, chain.pre_digest(chain.slot + 1),
                               storage_root=chain.storage_root(chain.state()))
    before = (dict(b.state.changes), list(b.state.events), list(b.state.logs))
    calls = executive.create_inherents(b.ctx, chain.inherent_data(chain.slot + 1))
    assert len(calls) == 2 and calls[0][:2] == bytes((timestamp.pallet.index, 0))
    assert (dict(b.state.changes), list(b.state.events), list(b.state.logs)) == before
