"""ZmqNetwork over real TCP sockets on 127.0.0.1 (random free ports), one OS process per node
where it matters, including attackers speaking the raw wire protocol."""

import asyncio
import os
import subprocess
import sys
import textwrap
import time

import pytest
import zmq
import zmq.asyncio

from relaychain.node.network import ZmqNetwork, wire
from relaychain.node.network.handshake import ROLE_DIALER, new_nonce, sign_handshake
from relaychain.primitives.crypto import Ed25519Keypair

GENESIS = b"\x11" * 32
FAST = dict(keepalive=0.2, reconnect_interval=0.1, handshake_timeout=1.0, ban_seconds=30.0)


def key(i):
    return Ed25519Keypair.from_seed(bytes([i]) * 32)


def node(i, bootnodes=(), genesis=GENESIS, **kw):
    return ZmqNetwork(key(i), listen="/ip4/127.0.0.1/tcp/0", bootnodes=bootnodes, genesis_hash=genesis,
                      **{**FAST, **kw})


async def wait_until(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


class RawPeer:
    """An attacker/odd client: a bare DEALER socket speaking frames by hand."""

    def __init__(self, endpoint):
        self.ctx = zmq.asyncio.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)

    async def send(self, raw: bytes):
        await self.sock.send(raw)

    async def recv(self, timeout=2.0):
        return wire.decode_frame(await asyncio.wait_for(self.sock.recv(), timeout))

    async def handshake(self, signing_key, claimed_id, genesis=GENESIS):
        nonce = new_nonce()
        await self.send(wire.encode_frame(wire.Hello(wire.PROTOCOL_VERSION, genesis, claimed_id, nonce, "")))
        ack = await self.recv()
        if not isinstance(ack, wire.HelloAck):
            return ack
        sig = sign_handshake(signing_key, ROLE_DIALER, genesis, claimed_id, nonce, ack.peer_id, ack.nonce)
        await self.send(wire.encode_frame(wire.Auth(sig)))
        return await self.recv()

    def close(self):
        self.ctx.destroy(linger=0)


def test_three_nodes_gossip_relay_and_requests():
    async def main():
        a = node(1)
        await a.start()
        b, c = node(2, [a.listen_multiaddr]), node(3, [a.listen_multiaddr])
        await b.start()
        await c.start()
        try:
            await wait_until(lambda: len(a.peers()) == 2 and b.peers() == [a.peer_id] and c.peers() == [a.peer_id])
            got_c, got_a = [], []
            c.on_gossip("blocks", lambda p, d: got_c.append((p, d)))
            a.on_gossip("blocks", lambda p, d: got_a.append((p, d)))
            b.gossip("blocks", b"block-1")
            await wait_until(lambda: got_c)
            await asyncio.sleep(0.1)
            # c is not connected to b: it got the message relayed by a, exactly once
            assert got_c == [(a.peer_id, b"block-1")] and got_a == [(b.peer_id, b"block-1")]

            async def serve(peer, data):
                return b"hi " + peer[:4] + data

            a.on_request("hello", serve)
            c.on_request("hello", serve)
            assert await b.request(a.peer_id, "hello", b"!") == b"hi " + b.peer_id[:4] + b"!"
            assert await a.request(c.peer_id, "hello", b"?") == b"hi " + a.peer_id[:4] + b"?"  # over the inbound side
        finally:
            for n in (a, b, c):
                await n.stop()
    asyncio.run(main())


PEER_SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from relaychain.node.network import ZmqNetwork
    from relaychain.primitives.crypto import Ed25519Keypair

    async def main():
        net = ZmqNetwork(Ed25519Keypair.from_seed(bytes([9]) * 32), listen="/ip4/127.0.0.1/tcp/0",
                         bootnodes=[sys.argv[1]], genesis_hash=b"\\x11" * 32, keepalive=0.2, reconnect_interval=0.1)
        done = asyncio.Event()

        async def double(peer, data):
            return data * 2

        def on_gossip(peer, data):
            net.gossip("pong", data.upper())
            if data == b"bye":
                done.set()

        net.on_request("double", double)
        net.on_gossip("ping", on_gossip)
        await net.start()
        await asyncio.wait_for(done.wait(), 20)
        await asyncio.sleep(0.3)
        await net.stop()

    asyncio.run(main())
""")


def test_separate_os_process_exchanges_gossip_and_requests():
    async def main():
        a = node(1)
        await a.start()
        env = dict(os.environ, PYTHONPATH=os.getcwd())
        proc = subprocess.Popen([sys.executable, "-c", PEER_SCRIPT, a.listen_multiaddr], env=env)
        try:
            remote = key(9).public
            await wait_until(lambda: a.peers() == [remote], timeout=15)
            pongs = []
            a.on_gossip("pong", lambda p, d: pongs.append(d))
            assert await a.request(remote, "double", b"ab") == b"abab"
            a.gossip("ping", b"hello")
            await wait_until(lambda: pongs == [b"HELLO"])
            a.gossip("ping", b"bye")
            await wait_until(lambda: pongs == [b"HELLO", b"BYE"])
        finally:
            await a.stop()
        assert await asyncio.to_thread(proc.wait, 20) == 0
    asyncio.run(main())


def test_impostor_dialer_is_refused():
    async def main():
        a = node(1)
        await a.start()
        raw = RawPeer(a.listen_address)
        try:
            victim = key(5).public
            # claims to be `victim` but can only sign with its own key
            answer = await raw.handshake(key(6), claimed_id=victim)
            assert isinstance(answer, wire.Reject) and "impostor" in answer.reason
            assert a.peers() == [] and "impostor" in a.misbehaviours[-1].reason
            # the honest owner of the key still connects afterwards
            honest = node(5, [a.listen_multiaddr])
            await honest.start()
            await wait_until(lambda: a.peers() == [victim])
            await honest.stop()
        finally:
            raw.close()
            await a.stop()
    asyncio.run(main())


def test_bootnode_with_wrong_key_is_refused():
    async def main():
        a = node(1)
        await a.start()
        pretend = a.listen_multiaddr.replace(key(1).public.hex(), key(7).public.hex())
        b = node(2, [pretend])
        await b.start()
        try:
            await wait_until(lambda: b.misbehaviours)
            assert "expected peer" in b.misbehaviours[0].reason
            assert b.peers() == [] and a.peers() == []
        finally:
            await b.stop()
            await a.stop()
    asyncio.run(main())


def test_peer_of_another_chain_is_refused():
    async def main():
        a = node(1)
        await a.start()
        b = node(2, [a.listen_multiaddr], genesis=b"\x22" * 32)
        await b.start()
        try:
            await wait_until(lambda: a.misbehaviours)
            assert "genesis mismatch" in a.misbehaviours[0].reason
            await asyncio.sleep(0.3)
            assert a.peers() == [] and b.peers() == []
        finally:
            await b.stop()
            await a.stop()
    asyncio.run(main())


@pytest.mark.parametrize("bad", ["malformed", "oversized", "garbage-before-handshake"])
def test_misbehaving_peer_is_disconnected_and_node_keeps_serving(bad):
    async def main():
        a = node(1, max_message_size=4096)
        await a.start()

        async def serve(peer, data):
            return data + b"!"

        a.on_request("echo", serve)
        honest = node(3, [a.listen_multiaddr])
        await honest.start()
        raw = RawPeer(a.listen_address)
        try:
            if bad != "garbage-before-handshake":
                assert isinstance(await raw.handshake(key(4), key(4).public), wire.Welcome)
                await wait_until(lambda: key(4).public in a.peers())
            frame = {"malformed": b"\x05\xff\xff", "oversized": wire.encode_frame(wire.Gossip("t", b"x" * 5000)),
                     "garbage-before-handshake": b"\x99garbage"}[bad]
            await raw.send(frame)
            answer = await raw.recv()
            assert isinstance(answer, wire.Reject)
            await wait_until(lambda: a.misbehaviours)
            report = a.misbehaviours[-1]
            if bad == "garbage-before-handshake":
                assert report.peer_id is None and "malformed" in report.reason
            else:
                assert report.peer_id == key(4).public
                assert ("oversized" if bad == "oversized" else "malformed") in report.reason
            assert key(4).public not in a.peers()
            # later frames from the banned connection are ignored, and a keeps serving others
            await raw.send(wire.encode_frame(wire.Request(1, "echo", b"x")))
            await wait_until(lambda: honest.peers() == [a.peer_id])
            assert await honest.request(a.peer_id, "echo", b"ok") == b"ok!"
            with pytest.raises(asyncio.TimeoutError):
                await raw.recv(timeout=0.3)
        finally:
            raw.close()
            await honest.stop()
            await a.stop()
    asyncio.run(main())


def test_reconnects_to_restarted_bootnode():
    async def main():
        a = node(1)
        await a.start()
        addr = a.listen_multiaddr
        b = node(2, [addr])
        await b.start()
        try:
            await wait_until(lambda: b.peers() == [a.peer_id])
            await a.stop()
            await wait_until(lambda: b.peers() == [], timeout=5)
            port = int(addr.split("/")[4])
            a2 = ZmqNetwork(key(1), listen=f"/ip4/127.0.0.1/tcp/{port}", genesis_hash=GENESIS, **FAST)
            await a2.start()
            await wait_until(lambda: b.peers() == [a.peer_id] and a2.peers() == [b.peer_id], timeout=8)
            await b.stop()  # the same endpoint object can be restarted and dials its bootnodes again
            assert b.peers() == []
            await b.start()
            await wait_until(lambda: b.peers() == [a.peer_id], timeout=8)
            await a2.stop()
        finally:
            await b.stop()
    asyncio.run(main())


class RawListener:
    """A bootnode that authenticates correctly, then speaks garbage."""

    def __init__(self, signing_key):
        self.key = signing_key
        self.ctx = zmq.asyncio.Context()
        self.sock = self.ctx.socket(zmq.ROUTER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.bind("tcp://127.0.0.1:*")
        self.endpoint = self.sock.getsockopt_string(zmq.LAST_ENDPOINT)
        self.hellos = 0

    async def serve(self, garbage: bytes):
        from relaychain.node.network.handshake import ROLE_LISTENER
        while True:
            rid, raw = await self.sock.recv_multipart()
            frame = wire.decode_frame(raw)
            if isinstance(frame, wire.Hello):
                self.hellos += 1
                self.dialer = (frame.peer_id, frame.nonce)
                self.nonce = new_nonce()
                sig = sign_handshake(self.key, ROLE_LISTENER, GENESIS, frame.peer_id, frame.nonce,
                                     self.key.public, self.nonce)
                await self.sock.send_multipart([rid, wire.encode_frame(wire.HelloAck(GENESIS, self.key.public,
                                                                                     self.nonce, sig))])
            elif isinstance(frame, wire.Auth):
                await self.sock.send_multipart([rid, wire.encode_frame(wire.Welcome())])
                await asyncio.sleep(0.1)
                await self.sock.send_multipart([rid, garbage])

    def close(self):
        self.ctx.destroy(linger=0)


def test_misbehaving_bootnode_is_dropped_and_not_redialed_while_banned():
    async def main():
        bad_key = key(8)
        listener = RawListener(bad_key)
        server = asyncio.ensure_future(listener.serve(b"\x07" + bytes(8) + b"\x05"))  # bad Result tag
        port = listener.endpoint.rsplit(":", 1)[1]
        b = node(2, [f"/ip4/127.0.0.1/tcp/{port}/p2p/{bad_key.public.hex()}"])
        connected = []
        b.on_peer_connected(connected.append)
        await b.start()
        try:
            await wait_until(lambda: b.misbehaviours)
            assert connected == [bad_key.public]  # it did authenticate first
            assert b.misbehaviours[0].peer_id == bad_key.public and "malformed" in b.misbehaviours[0].reason
            await wait_until(lambda: b.peers() == [])
            await asyncio.sleep(0.5)
            assert listener.hellos == 1  # banned: no re-dial during ban_seconds
        finally:
            server.cancel()
            await b.stop()
            listener.close()
    asyncio.run(main())


def test_connect_reports_why_a_handshake_failed():
    from relaychain.node.network import HandshakeRefused, NotConnected

    async def main():
        a = node(1)
        await a.start()
        b, c = node(2), node(3, genesis=b"\x22" * 32)
        await b.start()
        await c.start()
        try:
            wrong = a.listen_multiaddr.replace(key(1).public.hex(), key(7).public.hex())
            with pytest.raises(HandshakeRefused, match="expected peer"):
                await b.connect(wrong)
            with pytest.raises(HandshakeRefused, match="genesis mismatch"):
                await c.connect(a.listen_multiaddr)
            d = node(4, handshake_timeout=0.2)
            await d.start()
            with pytest.raises(NotConnected):
                await d.connect("/ip4/127.0.0.1/tcp/1", timeout=0.3)  # nobody listens there
            assert await d.connect(a.listen_multiaddr) == a.peer_id
            await d.stop()
        finally:
            for n in (a, b, c):
                await n.stop()
    asyncio.run(main())
