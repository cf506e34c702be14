"""Wire frames: SCALE layout checked byte-for-byte against a plain encoder, strict decoding."""

import pytest
from hypothesis import given, strategies as st

from relaychain.node.network import wire
from relaychain.node.network.addresses import parse_address, parse_peer_id
from relaychain.node.network.engine import SeenCache, gossip_message_id
from relaychain.node.network.errors import InvalidAddress, MalformedFrame


def compact(n: int) -> bytes:  # SCALE compact, written plainly for lengths < 2**14
    return bytes([n << 2]) if n < 64 else ((n << 2) | 1).to_bytes(2, "little")


def test_gossip_frame_layout():
    raw = wire.encode_frame(wire.Gossip("grandpa", b"\x01\x02"))
    assert raw == b"\x05" + compact(7) + b"grandpa" + compact(2) + b"\x01\x02"


def test_request_and_response_layout():
    raw = wire.encode_frame(wire.Request(258, "sync", b"x" * 70))
    assert raw == b"\x06" + (258).to_bytes(8, "little") + compact(4) + b"sync" + compact(70) + b"x" * 70
    assert wire.encode_frame(wire.Response(1, False, b"no")) == b"\x07" + (1).to_bytes(8, "little") + b"\x01" + compact(2) + b"no"


def test_hello_layout():
    h = wire.Hello(1, b"g" * 32, b"p" * 32, b"n" * 32, "tcp://1.2.3.4:5")
    raw = wire.encode_frame(h)
    assert raw == b"\x00" + (1).to_bytes(4, "little") + b"g" * 32 + b"p" * 32 + b"n" * 32 + compact(15) + b"tcp://1.2.3.4:5"
    assert wire.decode_frame(raw) == h


frames = st.one_of(
    st.builds(wire.Gossip, st.text(max_size=20), st.binary(max_size=100)),
    st.builds(wire.Request, st.integers(0, 2**64 - 1), st.text(max_size=20), st.binary(max_size=100)),
    st.builds(wire.Response, st.integers(0, 2**64 - 1), st.booleans(), st.binary(max_size=100)),
    st.builds(wire.Ping, st.integers(0, 2**64 - 1)),
    st.builds(wire.Auth, st.binary(min_size=64, max_size=64)),
    st.builds(wire.Reject, st.text(max_size=30)),
)


@given(frames)
def test_round_trip(frame):
    assert wire.decode_frame(wire.encode_frame(frame)) == frame


@pytest.mark.parametrize("raw", [b"", b"\x0a", b"\x05\x08gr", b"\x09" + bytes(8) + b"extra", b"\x07" + bytes(8) + b"\x02\x00",
                                 b"\x05" + compact(65) + b"t" * 65 + b"\x00", b"\x04\x08\xff\xfe"])
def test_malformed_frames_are_refused(raw):
    with pytest.raises(MalformedFrame):
        wire.decode_frame(raw)


def test_seen_cache_is_bounded_and_dedupes():
    cache = SeenCache(capacity=3)
    ids = [gossip_message_id("t", bytes([i])) for i in range(4)]
    assert cache.insert(ids[0]) and not cache.insert(ids[0])
    for i in ids[1:]:
        assert cache.insert(i)
    assert len(cache) == 3 and ids[0] not in cache  # the oldest was evicted
    assert gossip_message_id("a", b"bc") != gossip_message_id("ab", b"c")  # topic is length-prefixed


def test_seen_ids_are_forgotten_a_ttl_after_they_were_last_seen():
    """Ids older than the ttl leave the cache (issue #13: an idle node's seen-set grew to its count bound over
    a quarter of an hour); a repeat within the ttl refreshes the id. The clock is a counter we move."""
    now = [0.0]
    cache = SeenCache(capacity=1000, ttl=60.0, clock=lambda: now[0])
    ids = [gossip_message_id("t", bytes([i])) for i in range(100)]
    for i, msg_id in enumerate(ids):
        now[0] = float(i)
        assert cache.insert(msg_id)
    now[0] = 99.0
    assert not cache.insert(ids[50])  # seen 49 s ago: a repeat, and seen again now
    now[0] = 120.0
    assert not cache.insert(ids[99])  # seen 21 s ago
    # everything last seen before t=60 is gone; ids[50] (refreshed at 99) and ids[61:] remain
    assert len(cache) == 1 + len(ids[61:]) and ids[50] in cache and ids[10] not in cache
    assert cache.insert(ids[10])  # forgotten: new again


def test_bootnode_addresses():
    pid = bytes(range(32))
    a = parse_address(f"/ip4/127.0.0.1/tcp/30333/p2p/{pid.hex()}")
    assert (a.host, a.port, a.peer_id, a.endpoint) == ("127.0.0.1", 30333, pid, "tcp://127.0.0.1:30333")
    assert parse_address(a.multiaddr()) == a
    assert parse_address("tcp://10.0.0.1:9") == parse_address("/ip4/10.0.0.1/tcp/9")
    assert parse_address("tcp://localhost:9").host == "127.0.0.1" and parse_address("tcp://0.0.0.0:1").port == 1
    from relaychain.primitives.ss58 import ss58_encode
    assert parse_peer_id(ss58_encode(pid)) == pid
    for bad in ["/ip6/::1/tcp/1", "/ip4/300.0.0.1/tcp/1", "/ip4/1.2.3.4/tcp/99999", "/ip4/1.2.3.4/tcp/1/p2p/zz",
                "/ip4/1.2.3.4/udp/1", "tcp://nohost"]:
        with pytest.raises(InvalidAddress):
            parse_address(bad)
