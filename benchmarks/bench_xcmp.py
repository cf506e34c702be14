"""XCMP on the dev network (issue #10): the relay's four validators and the token paras 2000 and 2001 in this
process (tests/xcmp/test_e2e_transfers.py's network, adder paras left out), driven over JSON-RPC with
py-substrate-interface.

Reported:
- end-to-end transfer latency: `PolkadotXcm.limited_teleport_assets` submitted on 2000 -> the beneficiary's
  balance on 2001 credited (polled every 50 ms), p50 and max over `--transfers` sequential transfers;
- one channel's throughput: `--flood` teleports 2000 -> 2001 submitted at once; from the first submission until
  the last is credited on 2001, HRMP messages/s and bytes/s through the channel (the messages read back from
  the relay's `Hrmp.HrmpChannelContents`, block by block), and teleports/s.

Figures depend on the relay block time (1 s here): a message waits for the sender's candidate to be included,
then for the recipient's candidate built on a relay parent that holds it. Run:
    python3 benchmarks/bench_xcmp.py --transfers 10 --flood 60
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from substrateinterface import Keypair, SubstrateInterface  # noqa: E402

from tests.xcmp.test_e2e_transfers import (RECIPIENT, SENDER, UNIT, XcmpNetwork, dmp_contents,  # noqa: E402
                                           free, hexbytes, hrmp_contents, para_teleport, relay_messages,
                                           relay_number, to_sibling)

POLL_S = 0.05
DEADLINE_S = 180


def wait(condition, what: str, deadline: float = DEADLINE_S):
    end = time.monotonic() + deadline
    while not (value := condition()):
        if time.monotonic() > end:
            raise TimeoutError(f"waiting for {what}")
        time.sleep(POLL_S)
    return value


def no_downward_in_flight(relay, p2000) -> bool:
    at = relay.get_chain_head()
    if dmp_contents(relay, at):
        return False
    head = hexbytes(relay.query("Dmp", "DownwardMessageQueueHeads", [SENDER], block_hash=at).value)
    return hexbytes(p2000.query("ParachainSystem", "LastDmqMqcHead").value) == head


def latency(p2000, p2001, alice, dest, transfers: int) -> list[float]:
    out = []
    for i in range(transfers):
        amount = UNIT + i
        before = free(p2001, dest)
        xt = para_teleport(p2000, alice, to_sibling(RECIPIENT), dest, amount)
        start = time.monotonic()
        p2000.submit_extrinsic(xt)
        wait(lambda: free(p2001, dest) == before + amount, f"transfer {i} credited")
        out.append(time.monotonic() - start)
    return out


def flood(relay, p2000, p2001, alice, dest, n: int) -> dict:
    first_relay = relay_number(relay)
    before = free(p2001, dest)
    amounts = [UNIT + 1000 + i for i in range(n)]
    nonce = p2000.get_account_nonce(alice.ss58_address)
    xts = [para_teleport(p2000, alice, to_sibling(RECIPIENT), dest, a, nonce=nonce + i) for i, a in enumerate(amounts)]
    start = time.monotonic()
    for xt in xts:
        p2000.submit_extrinsic(xt)
    wait(lambda: free(p2001, dest) == before + sum(amounts), "the flood credited")
    elapsed = time.monotonic() - start
    last_relay = relay_number(relay)
    messages = [m for m in relay_messages(relay, last_relay, lambda h: hrmp_contents(relay, h)) if m[0] > first_relay]
    size = sum(len(data) for _, data in messages)
    return {"teleports": n, "seconds": elapsed, "messages": len(messages), "bytes": size,
            "messages_per_s": len(messages) / elapsed, "bytes_per_s": size / elapsed, "teleports_per_s": n / elapsed}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=10)
    parser.add_argument("--flood", type=int, default=60)
    args = parser.parse_args(argv)
    net = XcmpNetwork()
    relay = p2000 = p2001 = None
    try:
        relay = SubstrateInterface(url=net.relay_url)
        p2000 = SubstrateInterface(url=net.token[SENDER].rpc_url)
        p2001 = SubstrateInterface(url=net.token[RECIPIENT].rpc_url)
        alice = Keypair.create_from_uri("//Alice")
        eve, ferdie = Keypair.create_from_uri("//Eve"), Keypair.create_from_uri("//Ferdie")
        wait(lambda: no_downward_in_flight(relay, p2000), "2000 to process the genesis downward messages")
        lat = latency(p2000, p2001, alice, eve, args.transfers)
        thr = flood(relay, p2000, p2001, alice, ferdie, args.flood)
    finally:
        for si in (relay, p2000, p2001):
            if si is not None:
                si.close()
        net.close()
    figures = {"latency_p50_s": statistics.median(lat), "latency_max_s": max(lat), "latency_min_s": min(lat), **thr}
    print(f"{'XCMP 2000 -> 2001 (dev network, 1 s relay blocks)':<52}")
    print(f"  transfer latency send -> credited over {len(lat)}: p50 {figures['latency_p50_s']:.2f} s, "
          f"min {figures['latency_min_s']:.2f} s, max {figures['latency_max_s']:.2f} s")
    print(f"  flood of {thr['teleports']} teleports: all credited in {thr['seconds']:.2f} s; "
          f"{thr['messages']} HRMP messages, {thr['bytes']} bytes")
    print(f"  channel throughput: {thr['messages_per_s']:.2f} messages/s, {thr['bytes_per_s']:.0f} bytes/s, "
          f"{thr['teleports_per_s']:.2f} teleports/s")
    return figures


if __name__ == "__main__":
    main()
