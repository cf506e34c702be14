"""Slots the validators skipped, read from their Prometheus endpoints (`relaychain_proposer_slots_skipped`), for
benchmarks that start a network of node processes: is a slot missing from the chain one that was skipped for
want of time, or one whose block lost a fork?"""

from __future__ import annotations

import aiohttp

SKIPPED = "relaychain_proposer_slots_skipped_total"
FOR_WANT_OF_TIME = ("importing", "no-time")  # the slot worker's reasons: still importing, no time left


async def read(session: aiohttp.ClientSession, metrics_urls: list[str] | None) -> dict | None:
    """The skipped slots by reason, summed over the endpoints; None without endpoints or if one does not answer
    (not read is not the same as nothing skipped)."""
    if not metrics_urls:
        return None
    totals: dict[str, float] = {}
    for url in metrics_urls:
        try:
            async with session.get(url) as reply:
                text = await reply.text()
        except aiohttp.ClientError:
            return None
        for line in text.splitlines():
            if line.startswith(SKIPPED + '{reason="'):
                labels, value = line.rsplit(" ", 1)
                reason = labels.split('"')[1]
                totals[reason] = totals.get(reason, 0.0) + float(value)
    return totals


def between(before: dict | None, after: dict | None) -> dict | None:
    """What was skipped between two readings (None if either was not read)."""
    if before is None or after is None:
        return None
    return {reason: int(after[reason] - before.get(reason, 0)) for reason in after}


def for_want_of_time(skipped: dict | None) -> int | None:
    return None if skipped is None else sum(skipped.get(reason, 0) for reason in FOR_WANT_OF_TIME)


def describe(skipped: dict | None) -> str:
    """The benchmark table's words for what `between` gave."""
    if skipped is None:
        return "n/a (needs --processes: every validator's metrics)"
    return (f"{for_want_of_time(skipped)} for want of time (still importing {skipped.get('importing', 0)}, "
            f"no time left {skipped.get('no-time', 0)}); {skipped.get('finalized-elsewhere', 0)} blocks built "
            f"on a parent finality had passed")
