"""fast_init: the same frozen dataclass as `@dataclass(frozen=True)` builds, by a cheaper constructor.

Each decorated class is compared with a twin declared the plain way, field for field."""

import dataclasses
import pickle
from dataclasses import dataclass
from typing import Optional

import pytest

from relaychain.primitives.records import fast_init


@fast_init
@dataclass(frozen=True, slots=True)
class Account:
    nonce: int
    free: int = 0
    owner: Optional[bytes] = None


@dataclass(frozen=True, slots=True)
class PlainAccount:
    nonce: int
    free: int = 0
    owner: Optional[bytes] = None


@fast_init
@dataclass(frozen=True, slots=True)
class SlotNode:
    partial: str
    children: Optional[tuple] = None


@dataclass(frozen=True, slots=True)
class PlainSlotNode:
    partial: str
    children: Optional[tuple] = None


CASES = [
    (Account, PlainAccount, [((1,), {}), ((1, 2), {}), ((1, 2, b"x"), {}), ((), {"nonce": 3, "owner": b"y"}),
                             ((4,), {"free": 5})]),
    (SlotNode, PlainSlotNode, [(("ab",), {}), (("ab", (1, 2)), {}), ((), {"partial": "c", "children": ()})]),
]


@pytest.mark.parametrize("fast, plain, calls", CASES)
def test_instances_match_the_plain_dataclass(fast, plain, calls):
    for args, kwargs in calls:
        a, b = fast(*args, **kwargs), plain(*args, **kwargs)
        assert dataclasses.astuple(a) == dataclasses.astuple(b)
        assert repr(a).split("(", 1)[1] == repr(b).split("(", 1)[1]
        assert a == fast(*args, **kwargs) and hash(a) == hash(fast(*args, **kwargs))
        assert pickle.loads(pickle.dumps(a)) == a
        field = dataclasses.fields(fast)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(a, field, 9)
        assert dataclasses.replace(a, **{field: getattr(b, field)}) == a


@pytest.mark.parametrize("fast, plain", [(Account, PlainAccount), (SlotNode, PlainSlotNode)])
def test_wrong_calls_fail_as_the_plain_constructor_does(fast, plain):
    for args, kwargs in [((), {}), ((1, 2, 3, 4), {}), ((1,), {"nobody": 1})]:
        with pytest.raises(TypeError):
            plain(*args, **kwargs)
        with pytest.raises(TypeError):
            fast(*args, **kwargs)


def test_classes_the_fast_constructor_cannot_serve_are_refused():
    @dataclass(frozen=True, slots=True)
    class Checked:
        n: int

        def __post_init__(self):
            assert self.n >= 0

    @dataclass(frozen=True, slots=True)
    class Factory:
        items: list = dataclasses.field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class KeywordOnly:
        n: int = dataclasses.field(kw_only=True)

    @dataclass
    class Mutable:
        n: int

    @dataclass(frozen=True)
    class WithoutSlots:  # a direct store would create every instance's __dict__
        n: int

    for cls in (Checked, Factory, KeywordOnly, Mutable, WithoutSlots, int):
        with pytest.raises(TypeError):
            fast_init(cls)


def test_the_runtime_records_keep_their_declared_fields():
    from relaychain.runtime.frame_types import PerDispatchClass, Weight
    from relaychain.runtime.pallets.system import AccountData, AccountInfo
    from relaychain.trie.codec import Node, Value

    info = AccountInfo(7, providers=1, data=AccountData(free=10))
    assert (info.nonce, info.consumers, info.providers, info.sufficients, info.data.free) == (7, 0, 1, 0, 10)
    assert PerDispatchClass().normal == Weight(0) and Weight(1, 2) + Weight(3) == Weight(4, 2)
    assert Node("a", Value(b"v")).children is None
    assert not hasattr(info, "__dict__")  # slots: no per-instance dict behind the records kept by the thousand
