"""Polkadot-style sTPS on the dev network (issue #13): `relaychain run --dev --no-paras` in its own process
(four validators, BABE slots, GRANDPA), N distinct senders funded by `Utility.batch_all` from the dev
accounts, N transfers pre-signed (sender i -> sender i+1, `transfer_keep_alive`, nonce 0, immortal) and
submitted pipelined with `author_submitExtrinsic` over 4 WebSockets — to Alice's RPC, or with `--processes
--spread` one to each validator's (a network's users reach it through many nodes; every node still validates
every transfer, the RPC work is shared).

Reported (on the finalized chain, so forks do not count twice):
- pool admission: the share of submissions the pool accepted, and admissions per second;
- transfers per block, and the blocks they went into;
- sustained sTPS: included transfers / the time of the slots from the first to the last inclusion block
  (both included: (last slot - first slot + 1) x slot duration); missed slots in that span;
- slots skipped for want of time: with --processes, what every validator's
  `relaychain_proposer_slots_skipped` counted from the first submission until every transfer was finalized
  (still importing, or no time left), apart from blocks refused because finality had passed their parent;
  a missed slot that none of them skipped is one whose block lost a fork;
- submit -> finalized: from the first submission until every transfer is in a finalized block;
- finality lag: the largest best - finalized distance sampled during the run;
- RPC latency p50 / p99 of `chain_getHeader` sampled every 100 ms on a fifth connection during the run;
- node CPU: user + system seconds of every node process from the first submission until every transfer is
  finalized, and per transfer (Linux /proc): the work the network did, which sTPS shows only rounded to the
  slots it spanned.

As a pytest-benchmark the measured time is submit -> all finalized; the baseline in the same run is the same
path for a single transfer. Run:
    python3 -m pytest benchmarks/bench_stps.py --benchmark-only -s
    python3 benchmarks/bench_stps.py --transfers 2000 --block-time 1000     # prints the figures
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.proc_cpu import process_tree_cpu_s  # noqa: E402
from benchmarks import slot_skips  # noqa: E402
from benchmarks.ports import free_ports  # noqa: E402
from relaychain.primitives.crypto import Sr25519Keypair  # noqa: E402
from relaychain.primitives.extrinsic import sign_extrinsic  # noqa: E402
from relaychain.primitives.ss58 import ss58_encode  # noqa: E402
from relaychain.runtime import apis  # noqa: E402
from relaychain.runtime.framework import Call  # noqa: E402
from relaychain.runtime.pallets import babe, balances, system, utility  # noqa: E402

CONNECTIONS = 4
WINDOW = 256  # requests in flight per connection
FUNDING_BATCH = 500
FUNDERS = ("//Alice", "//Bob", "//Charlie", "//Dave", "//Eve", "//Ferdie")
UNIT = 10**12
FUNDING_TIMEOUT_S = 120
INCLUSION_TIMEOUT_S = 180


# -- the node ---------------------------------------------------------------------------------------------

class DevNetworkProcess:
    """`relaychain run --dev --no-paras` in a child process of ours, stopped (by its pid) on close.

    `processes=True`: the same four validators from a network file with `processes = true` — one OS process
    per validator (ZeroMQ between them), Alice's serving the RPC; with `spread=True` every validator serves
    one (`submit_urls`), as users of a network reach it through many nodes."""

    def __init__(self, block_time_ms: int, processes: bool = False, keep_log: str | None = None,
                 log_level: str = "warn", spread: bool = False):
        if spread and not processes:
            raise ValueError("--spread needs --processes: in one process the validators share one RPC server")
        self.base = tempfile.mkdtemp(prefix="bench-stps-")
        self.keep_log = keep_log  # a directory the node logs are copied to on close
        validators = ("alice", "bob", "charlie", "dave")
        rpc_names = validators if spread else validators[:1]
        # every validator's Prometheus, in its own process (in one process only Alice's registry is served)
        metrics_names = validators if processes else ()
        free = iter(free_ports(len(rpc_names) + len(metrics_names)))
        ports = {name: next(free) for name in rpc_names}
        metrics_ports = {name: next(free) for name in metrics_names}
        self.port = ports["alice"]
        self.metrics_urls = [f"http://127.0.0.1:{port}/metrics" for port in metrics_ports.values()]
        if processes:
            network = Path(self.base) / "network.toml"
            network.write_text(
                f"[relaychain]\nblock_time = {block_time_ms}\nprocesses = true\n" + "".join(
                    f'[[relaychain.nodes]]\nname = "{name}"\nprometheus_port = {metrics_ports[name]}\n'
                    + (f"rpc_port = {ports[name]}\n" if name in ports else "")
                    for name in validators))
            argv = ["--config", str(network), "--base-path", str(Path(self.base) / "net")]
        else:
            argv = ["--dev", "--no-paras", "--block-time", str(block_time_ms), "--rpc-port", str(self.port),
                    "--base-path", self.base]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "relaychain.cli", "run", *argv, "-l", log_level],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(Path(self.base) / "node.log", "w"),
            start_new_session=processes)
        self.url = f"ws://127.0.0.1:{self.port}"
        self.submit_urls = [f"ws://127.0.0.1:{port}" for port in ports.values()]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # the launcher stops the node processes it started
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        import shutil
        if self.keep_log is not None:
            Path(self.keep_log).mkdir(parents=True, exist_ok=True)
            for log_file in sorted(Path(self.base).rglob("*.log")):
                shutil.copy(log_file, Path(self.keep_log) / log_file.name)
        shutil.rmtree(self.base, ignore_errors=True)


class Rpc:
    """One WebSocket connection with request ids, several requests in flight."""

    def __init__(self, session, ws):
        self.session, self.ws = session, ws
        self.next_id = 0
        self.waiting: dict[int, asyncio.Future] = {}
        self.on_notification = None  # callable(params) for subscription notifications
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, session, url: str) -> "Rpc":
        return cls(session, await session.ws_connect(url, max_msg_size=0, heartbeat=None))

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            reply = json.loads(msg.data)
            if "method" in reply and self.on_notification is not None:
                self.on_notification(reply["params"])
                continue
            fut = self.waiting.pop(reply.get("id"), None)
            if fut is not None and not fut.done():
                fut.set_result(reply)

    def prepare(self, method: str, params=()) -> tuple[int, str]:
        """A request's id and JSON text, to be sent later by `send_prepared`."""
        self.next_id += 1
        return self.next_id, json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                                         "params": list(params)})

    def _reply(self, request_id: int) -> asyncio.Future:
        """The future `_read` completes with the reply to `request_id`."""
        fut = self.waiting[request_id] = asyncio.get_running_loop().create_future()
        return fut

    async def send_prepared(self, request: tuple[int, str]) -> asyncio.Future:
        """Send a prepared request; the future of its reply."""
        request_id, text = request
        fut = self._reply(request_id)
        await self.ws.send_str(text)
        return fut

    def send(self, method: str, params=()) -> asyncio.Future:
        request_id, text = self.prepare(method, params)
        fut = self._reply(request_id)
        asyncio.ensure_future(self.ws.send_str(text))
        return fut

    async def call(self, method: str, params=()):
        reply = await self.send(method, params)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def _wait_for_rpc(session, url: str, proc, timeout: float = 120) -> Rpc:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the dev network exited with {proc.returncode}")
        try:
            rpc = await Rpc.connect(session, url)
            if int((await rpc.call("chain_getHeader"))["number"], 16) >= 1:
                return rpc
            await rpc.close()
        except Exception as exc:  # not up yet: any failure to connect or answer means try again
            if time.monotonic() > deadline:
                raise RuntimeError(f"the dev network did not answer in {timeout} s: {exc}") from None
        await asyncio.sleep(0.5)


# -- transactions -----------------------------------------------------------------------------------------

def blake2_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def _sign(keypair, call: bytes, nonce: int, genesis_hash: bytes) -> bytes:
    v = apis.runtime_version()
    return sign_extrinsic(keypair, call, nonce=nonce, genesis_hash=genesis_hash, spec_version=v.spec_version,
                          transaction_version=v.transaction_version)


def senders(n: int, tag: str = "Sender") -> list:
    return [Sr25519Keypair.from_uri(f"//{tag}//{i}") for i in range(n)]


def funding_batches(accounts: list, genesis_hash: bytes, nonces: dict) -> list[tuple[bytes, bytes]]:
    """`Utility.batch_all` of transfer_keep_alive calls, FUNDING_BATCH accounts a batch, the funders in turn
    (`nonces`: each funder's next nonce, advanced here). Returns (extrinsic, the last account it funds)."""
    out = []
    for b, start in enumerate(range(0, len(accounts), FUNDING_BATCH)):
        uri = FUNDERS[b % len(FUNDERS)]
        chunk = accounts[start:start + FUNDING_BATCH]
        calls = [Call(balances.pallet.call_named("transfer_keep_alive"), {"dest": ("Id", k.public), "value": 100 * UNIT})
                 for k in chunk]
        call = Call(utility.pallet.call_named("batch_all"), {"calls": calls}).encode()
        out.append((_sign(Sr25519Keypair.from_uri(uri), call, nonces[uri], genesis_hash), chunk[-1].public))
        nonces[uri] += 1
    return out


def transfers(accounts: list, genesis_hash: bytes) -> list[bytes]:
    n = len(accounts)
    return [_sign(k, balances.pallet.call_named("transfer_keep_alive").encode(
        dest=("Id", accounts[(i + 1) % n].public), value=UNIT), 0, genesis_hash) for i, k in enumerate(accounts)]


# -- the run ----------------------------------------------------------------------------------------------

@dataclass
class Figures:
    transfers: int
    block_time_ms: int
    admitted: int = 0
    admission_per_s: float = 0.0
    blocks: list = field(default_factory=list)  # (number, slot, our transfers)
    included: int = 0
    sustained_stps: float = 0.0
    missed_slots: int = 0
    competing_heights: int = 0  # heights at which Alice imported more than one block during the run
    stale_parent_heights: int = 0  # ... of which blocks of different slots: a node built on an older parent
    heads_seen: int = 0
    submit_to_finalized_s: float = 0.0
    max_finality_lag: int = 0
    rpc_p50_ms: float = 0.0
    rpc_p99_ms: float = 0.0
    rpc_max_ms: float = 0.0
    funding_s: float = 0.0
    index_disagrees: int = 0  # finalized heights whose chain_getBlockHash is not the finalized chain's block
    left_in_pool: int = 0  # of the transfers not included when the run ended, those still in Alice's pool
    submit_nodes: int = 1  # the validators whose RPC took the submissions (Alice's alone by default)
    node_cpu_s: float | None = None  # CPU of the node processes from the first submission to all finalized
    slots_skipped: dict | None = None  # reason -> slots the validators skipped in that window (None: not read)

    @property
    def node_cpu_per_transfer_ms(self) -> float | None:
        return None if self.node_cpu_s is None or not self.included else self.node_cpu_s / self.included * 1000

    def table(self) -> str:
        per_block = [c for _n, _s, c in self.blocks]
        return "\n".join([
            f"transfers submitted        {self.transfers} ({CONNECTIONS} WebSockets to {self.submit_nodes} "
            f"node{'s' if self.submit_nodes > 1 else ''}, {WINDOW} in flight each; "
            f"senders funded in {self.funding_s:.1f} s)",
            f"pool admission             {self.admitted}/{self.transfers} "
            f"({100 * self.admitted / max(1, self.transfers):.1f} %), {self.admission_per_s:.0f}/s",
            f"included (finalized)       {self.included}/{self.admitted}"
            + (f" ({self.left_in_pool} of the others still in Alice's pool)" if self.included < self.admitted else "")
            + (f"; chain_getBlockHash disagreed with the finalized chain at {self.index_disagrees} heights"
               if self.index_disagrees else ""),
            f"inclusion blocks           {len(self.blocks)}: transfers per block {per_block}",
            f"sustained sTPS             {self.sustained_stps:.0f} (first to last inclusion slot, "
            f"{self.block_time_ms} ms slots)",
            f"missed slots in that span  {self.missed_slots}",
            f"slots skipped              {slot_skips.describe(self.slots_skipped)}",
            f"competing blocks           {self.competing_heights} heights with more than one block "
            f"({self.heads_seen} headers seen by Alice); {self.stale_parent_heights} with blocks of different "
            f"slots (built on an older parent), the rest same-slot claims (BABE primary + secondary)",
            f"submit -> all finalized    {self.submit_to_finalized_s:.1f} s",
            f"max finality lag           {self.max_finality_lag} blocks",
            f"RPC chain_getHeader        p50 {self.rpc_p50_ms:.1f} ms, p99 {self.rpc_p99_ms:.1f} ms, "
            f"max {self.rpc_max_ms:.1f} ms",
            "node CPU                   " + ("n/a (no /proc here)" if self.node_cpu_per_transfer_ms is None else
                                            f"{self.node_cpu_s:.1f} s from first submission to all finalized, "
                                            f"{self.node_cpu_per_transfer_ms:.2f} ms per included transfer")])


def babe_slot(logs: list) -> int | None:
    """The slot of a header's BABE pre-runtime digest (DigestItem::PreRuntime(b"BABE", PreDigest)): tag 6,
    engine id, compact length, then the PreDigest variant byte, authority index (u32) and slot (u64)."""
    for item in logs:
        raw = bytes.fromhex(item[2:])
        if raw[:5] == b"\x06BABE":
            prefix = 1 if raw[5] & 3 == 0 else 2  # the compact length's mode (a pre-digest is < 16 KiB)
            at = 5 + prefix + 1 + 4
            return int.from_bytes(raw[at:at + 8], "little")
    return None


def _percentile(values: list, q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))] if s else 0.0


async def _u64_at(rpc: Rpc, key: bytes, block_hash: str) -> int:
    raw = await rpc.call("state_getStorage", ["0x" + key.hex(), block_hash])
    return int.from_bytes(bytes.fromhex(raw[2:]), "little")


async def _sample(rpc: Rpc, stop: asyncio.Event, latencies: list, lags: list) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        best = await rpc.call("chain_getHeader")
        latencies.append((time.perf_counter() - t) * 1000)
        fin = await rpc.call("chain_getHeader", [await rpc.call("chain_getFinalizedHead")])
        lags.append(int(best["number"], 16) - int(fin["number"], 16))
        try:
            await asyncio.wait_for(stop.wait(), 0.1)
        except asyncio.TimeoutError:
            pass


async def _submit(rpc: Rpc, requests: list[tuple[int, str]]) -> int:
    """Pipelined: up to WINDOW submissions in flight; the number the pool admitted. The requests were encoded
    before the clock started and one loop sends them in order, so the sender spends little CPU while it
    runs (on two cores every cycle it takes is one the nodes lack), as Polkadot's sTPS sender in Rust."""
    admitted, window, replies = 0, asyncio.Semaphore(WINDOW), []

    def answered(reply: asyncio.Future) -> None:
        nonlocal admitted
        window.release()
        admitted += "result" in reply.result()

    for request in requests:
        await window.acquire()
        reply = await rpc.send_prepared(request)
        reply.add_done_callback(answered)
        replies.append(reply)
    await asyncio.gather(*replies)
    return admitted


async def _finalized_after(rpc: Rpc, number: int, head: str) -> list[tuple[int, str]]:
    """The finalized chain above `number` up to `head`, oldest first, by parent hashes (not the number index)."""
    chain = []
    while True:
        header = await rpc.call("chain_getHeader", [head])
        n = int(header["number"], 16)
        if n <= number:
            return chain[::-1]
        chain.append((n, head))
        head = header["parentHash"]


async def _included_in_finalized(rpc: Rpc, ours: set, start_number: int, want: int, stop_after: float):
    """Walk finalized blocks after `start_number` until `want` of `ours` are found: ([(number, hash, count)],
    found, heights at which `chain_getBlockHash` named another block than the finalized chain holds)."""
    found, number, blocks, index_disagrees = 0, start_number, [], 0
    deadline = time.monotonic() + stop_after
    while found < want and time.monotonic() < deadline:
        for n, h in await _finalized_after(rpc, number, await rpc.call("chain_getFinalizedHead")):
            number = n
            index_disagrees += await rpc.call("chain_getBlockHash", [n]) != h
            block = await rpc.call("chain_getBlock", [h])
            count = sum(blake2_256(bytes.fromhex(x[2:])) in ours for x in block["block"]["extrinsics"])
            if count:
                blocks.append((n, h, count))
                found += count
        if found < want:
            await asyncio.sleep(0.1)
    return blocks, found, index_disagrees


async def run_stps(url: str, proc, n: int, block_time_ms: int, keys: list | None = None,
                   submit_urls: list[str] | None = None, metrics_urls: list[str] | None = None) -> Figures:
    """Fund, submit and measure; the transfers go over CONNECTIONS WebSockets to `submit_urls` in turn (Alice's
    by default); everything else (funding, sampling, inclusion) asks Alice."""
    submit_urls = submit_urls or [url]
    figures = Figures(n, block_time_ms, submit_nodes=len(submit_urls))
    async with aiohttp.ClientSession() as session:
        rpc = await _wait_for_rpc(session, url, proc)
        genesis_hash = bytes.fromhex((await rpc.call("chain_getBlockHash", [0]))[2:])
        keys = keys or senders(n)
        # fund the senders, and wait until every batch is finalized
        nonces = {uri: await rpc.call("system_accountNextIndex", [ss58_encode(Sr25519Keypair.from_uri(uri).public)])
                  for uri in FUNDERS}
        pending = {}
        for xt, last in funding_batches(keys, genesis_hash, nonces):
            await rpc.call("author_submitExtrinsic", ["0x" + xt.hex()])
            pending["0x" + account_key(last).hex()] = xt
        started = time.monotonic()
        while pending:
            fin = await rpc.call("chain_getFinalizedHead")
            pending = {k: xt for k, xt in pending.items() if await rpc.call("state_getStorage", [k, fin]) is None}
            waited = time.monotonic() - started
            if pending and waited > FUNDING_TIMEOUT_S:
                best = int((await rpc.call("chain_getHeader"))["number"], 16)
                fin_number = int((await rpc.call("chain_getHeader", [fin]))["number"], 16)
                in_pool = len(await rpc.call("author_pendingExtrinsics"))
                raise RuntimeError(f"{len(pending)} funding batches not finalized after {FUNDING_TIMEOUT_S} s "
                                   f"(best #{best}, finalized #{fin_number}, {in_pool} in Alice's pool)")
            if pending and int(waited) % 10 == 9:  # lost with a retracted block? submit again (known: refused)
                for xt in pending.values():
                    await rpc.send("author_submitExtrinsic", ["0x" + xt.hex()])
            await asyncio.sleep(0.2)
        figures.funding_s = time.monotonic() - started
        xts = transfers(keys, genesis_hash)
        ours = {blake2_256(x) for x in xts}
        start_number = int((await rpc.call("chain_getHeader", [await rpc.call("chain_getFinalizedHead")]))["number"], 16)
        for u in submit_urls[1:]:  # every node serving submissions is up and has imported the funding
            other = await _wait_for_rpc(session, u, proc)
            while await other.call("state_getStorage", ["0x" + account_key(keys[-1].public).hex()]) is None:
                await asyncio.sleep(0.2)
            await other.close()
        conns = [await Rpc.connect(session, submit_urls[i % len(submit_urls)]) for i in range(CONNECTIONS)]
        sampler_rpc = await Rpc.connect(session, url)
        stop, latencies, lags = asyncio.Event(), [], []
        sampler = asyncio.ensure_future(_sample(sampler_rpc, stop, latencies, lags))
        heads_rpc = await Rpc.connect(session, url)
        heads: dict[int, set] = {}
        heads_rpc.on_notification = lambda p: heads.setdefault(int(p["result"]["number"], 16), set()).add(
            (p["result"]["parentHash"], p["result"]["stateRoot"], p["result"]["extrinsicsRoot"],
             babe_slot(p["result"]["digest"]["logs"])))
        await heads_rpc.call("chain_subscribeAllHeads")
        requests = [[c.prepare("author_submitExtrinsic", ["0x" + xt.hex()]) for xt in xts[i::CONNECTIONS]]
                    for i, c in enumerate(conns)]
        skipped_before = await slot_skips.read(session, metrics_urls)
        cpu_before = process_tree_cpu_s(proc.pid)
        t0 = time.perf_counter()
        admitted = await asyncio.gather(*(_submit(c, r) for c, r in zip(conns, requests)))
        figures.admitted = sum(admitted)
        figures.admission_per_s = figures.admitted / max(1e-9, time.perf_counter() - t0)
        blocks, found, figures.index_disagrees = await _included_in_finalized(rpc, ours, start_number,
                                                                               figures.admitted, INCLUSION_TIMEOUT_S)
        figures.submit_to_finalized_s = time.perf_counter() - t0
        cpu_after = process_tree_cpu_s(proc.pid)
        figures.slots_skipped = slot_skips.between(skipped_before, await slot_skips.read(session, metrics_urls))
        if cpu_before is not None and cpu_after is not None:
            figures.node_cpu_s = cpu_after - cpu_before
        if found < figures.admitted:  # where are the others? (Alice's pool holds them, or nobody does)
            pooled = {blake2_256(bytes.fromhex(x[2:])) for x in await rpc.call("author_pendingExtrinsics")}
            figures.left_in_pool = len(ours & pooled)
        stop.set()
        await sampler
        figures.competing_heights = sum(len(hs) > 1 for hs in heads.values())
        figures.stale_parent_heights = sum(len({h[3] for h in hs}) > 1 for hs in heads.values())
        figures.heads_seen = sum(len(hs) for hs in heads.values())
        figures.included = found
        slots = [await _u64_at(rpc, babe.CurrentSlot.key(), h) for _n, h, _c in blocks]
        figures.blocks = [(num, s, c) for (num, _h, c), s in zip(blocks, slots)]
        if slots:
            span = slots[-1] - slots[0] + 1
            figures.sustained_stps = found / (span * block_time_ms / 1000)
            numbers_in_span = blocks[-1][0] - blocks[0][0] + 1
            figures.missed_slots = span - numbers_in_span
        figures.max_finality_lag = max(lags, default=0)
        figures.rpc_p50_ms = _percentile(latencies, 0.50)
        figures.rpc_p99_ms = _percentile(latencies, 0.99)
        figures.rpc_max_ms = max(latencies, default=0.0)
        for c in conns + [sampler_rpc, heads_rpc, rpc]:
            await c.close()
    return figures


def account_key(account: bytes) -> bytes:
    return system.Account.key(account)


# -- pytest-benchmark -------------------------------------------------------------------------------------

N_TRANSFERS = int(os.environ.get("STPS_TRANSFERS", "2000"))
BLOCK_TIME_MS = int(os.environ.get("STPS_BLOCK_TIME_MS", "1000"))

try:
    import pytest
except ImportError:  # the script runs without pytest
    pytest = None

if pytest is not None:
    @pytest.fixture(scope="module")
    def network():
        net = DevNetworkProcess(BLOCK_TIME_MS)
        try:
            yield net
        finally:
            net.close()

    def _measure(benchmark, network, n, tag):
        keys = senders(n, tag)
        result = {}

        def target():
            result["f"] = asyncio.run(run_stps(network.url, network.proc, n, BLOCK_TIME_MS, keys,
                                               metrics_urls=network.metrics_urls))

        benchmark.pedantic(target, rounds=1, iterations=1)
        f = result["f"]
        benchmark.extra_info.update(asdict(f))
        print(f"\n{f.table()}")
        assert f.included == f.admitted == n

    @pytest.mark.benchmark(group="stps")
    def test_stps_one_transfer_baseline(benchmark, network):
        _measure(benchmark, network, 1, "Baseline")

    @pytest.mark.benchmark(group="stps")
    def test_stps_n_transfers(benchmark, network):
        _measure(benchmark, network, N_TRANSFERS, "Sender")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=2000)
    parser.add_argument("--block-time", type=int, default=1000, metavar="MS")
    parser.add_argument("--processes", action="store_true",
                        help="one OS process per validator (a network file with processes = true)")
    parser.add_argument("--spread", action="store_true",
                        help="with --processes: submit to every validator's RPC (one WebSocket each), not only Alice's")
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the nodes' logs into DIR when done")
    parser.add_argument("--log-level", default="warn", help="the nodes' -l (e.g. info to see every import)")
    args = parser.parse_args()
    if args.spread and not args.processes:
        parser.error("--spread needs --processes")
    net = DevNetworkProcess(args.block_time, args.processes, args.keep_logs, args.log_level, args.spread)
    try:
        f = asyncio.run(run_stps(net.url, net.proc, args.transfers, args.block_time, submit_urls=net.submit_urls,
                                 metrics_urls=net.metrics_urls))
    finally:
        net.close()
    print(f.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
