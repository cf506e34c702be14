"""`relaychain erasure`: availability chunks on disk, and a throughput benchmark.

    relaychain erasure encode --validators N FILE --out DIR
    relaychain erasure reconstruct --validators N DIR --out FILE
    relaychain erasure bench [--validators 10,100,300,1000] [--size-mib 5] [--repeat 3] [--no-peer]

`encode` writes one SCALE `ErasureChunk` (chunk, index, Merkle branch) per validator to
DIR/chunk_<index>.bin and DIR/manifest.json (n_validators, payload_len, erasure_root). `reconstruct`
reads whatever chunk files are in DIR, drops those whose branch does not check against the
manifest's erasure root, recovers FILE from any k of the rest, and accepts the result only if it
re-encodes to that root (as availability recovery does).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .branches import ErasureChunk, branches, reconstruct_verified, verify_chunk
from .codec import obtain_chunks
from .errors import ErasureError
from .params import code_params

MANIFEST = "manifest.json"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    enc = sub.add_parser("encode", help="split FILE into one chunk per validator (with Merkle branches)")
    enc.add_argument("--validators", type=int, required=True, metavar="N", help="number of validators (2..65536)")
    enc.add_argument("file", metavar="FILE", help="payload to encode (e.g. a SCALE AvailableData)")
    enc.add_argument("--out", required=True, metavar="DIR", help="directory for the chunk files")
    rec = sub.add_parser("reconstruct", help="recover the payload from any k chunk files in DIR")
    rec.add_argument("--validators", type=int, required=True, metavar="N", help="number of validators")
    rec.add_argument("dir", metavar="DIR", help="directory written by `encode` (some chunks may be missing)")
    rec.add_argument("--out", required=True, metavar="FILE", help="where to write the payload")
    bench = sub.add_parser("bench", help="encode/reconstruct MB/s, ours and reed-solomon-simd, same run")
    bench.add_argument("--validators", default="10,100,300,1000", help="comma-separated n values")
    bench.add_argument("--size-mib", type=float, default=5.0, help="payload size in MiB (default 5)")
    bench.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    bench.add_argument("--no-peer", action="store_true", help="skip reed-solomon-simd")


def main(args: argparse.Namespace) -> int:
    try:
        return {"encode": _encode, "reconstruct": _reconstruct, "bench": _bench}[args.action](args)
    except ErasureError as exc:
        print(f"relaychain erasure: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError) as exc:
        print(f"relaychain erasure: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def _chunk_path(directory: Path, index: int) -> Path:
    return directory / f"chunk_{index:05d}.bin"


def _encode(args) -> int:
    payload = Path(args.file).read_bytes()
    chunks = obtain_chunks(args.validators, payload)
    tree = branches(chunks)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for item in tree:
        _chunk_path(out, item.index).write_bytes(item.encode())
    manifest = {"n_validators": args.validators, "payload_len": len(payload),
                "shard_len": len(chunks[0]), "erasure_root": "0x" + tree.root.hex()}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{len(chunks)} chunks of {len(chunks[0])} bytes in {out}; erasure root {manifest['erasure_root']}")
    return 0


def _reconstruct(args) -> int:
    directory = Path(args.dir)
    manifest = json.loads((directory / MANIFEST).read_text())
    if manifest["n_validators"] != args.validators:
        raise ValueError(f"{directory} holds chunks for {manifest['n_validators']} validators, not {args.validators}")
    root = bytes.fromhex(manifest["erasure_root"].removeprefix("0x"))
    chunks: dict[int, bytes] = {}
    for path in sorted(directory.glob("chunk_*.bin")):
        try:
            item = ErasureChunk.decode(path.read_bytes())
            verify_chunk(root, item)
        except ErasureError as exc:
            print(f"skipping {path.name}: {exc}", file=sys.stderr)
            continue
        chunks[item.index] = item.chunk
    k = code_params(args.validators).k
    # like availability-recovery: the recovered data must re-encode to the same erasure root
    payload = reconstruct_verified(args.validators, chunks, root)[: manifest["payload_len"]]
    Path(args.out).write_bytes(payload)
    print(f"recovered {len(payload)} bytes from {len(chunks)} valid chunks (any {k} suffice)")
    return 0


def _bench(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from .bench import Peer, measure, peer_module

    validators = tuple(int(v) for v in args.validators.split(","))
    for n in validators:
        code_params(n)  # reject bad n before measuring
    size = int(args.size_mib * 1024 * 1024)
    console = Console()
    if not args.no_peer and peer_module() is None:
        console.print("[yellow]reed-solomon-leopard is not installed: measuring ours only[/]")
    with console.status("measuring…"):
        rows = measure(validators, size, args.repeat, with_peer=not args.no_peer)
    table = Table(title=f"Erasure coding, {args.size_mib:g} MiB payload, one thread (MB = 10^6 bytes)")
    for col in ("n", "implementation", "encode MB/s", "reconstruct MB/s", "enc ×peer", "rec ×peer"):
        table.add_column(col, justify="left" if col == "implementation" else "right")
    peers = {row.n_validators: row for row in rows if row.implementation == Peer.name}
    for row in rows:
        peer = peers.get(row.n_validators) if row.implementation != Peer.name else None
        ratios = (f"{row.encode_mb_s / peer.encode_mb_s:.2f}", f"{row.reconstruct_mb_s / peer.reconstruct_mb_s:.2f}") \
            if peer else ("", "")
        table.add_row(str(row.n_validators), row.implementation, f"{row.encode_mb_s:,.0f}",
                      f"{row.reconstruct_mb_s:,.0f}", *ratios)
    console.print(table)
    return 0
