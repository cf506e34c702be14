"""`relaychain erasure encode|reconstruct|bench` end to end on files."""

import json
import random

from relaychain.cli import main
from relaychain.erasure import ErasureChunk, erasure_root


def test_encode_then_reconstruct_from_a_subset(tmp_path, capsys):
    payload = random.Random(3).randbytes(70001)
    src = tmp_path / "payload.bin"
    src.write_bytes(payload)
    out = tmp_path / "chunks"
    assert main(["erasure", "encode", "--validators", "30", str(src), "--out", str(out)]) == 0
    files = sorted(out.glob("chunk_*.bin"))
    assert len(files) == 30
    manifest = json.loads((out / "manifest.json").read_text())
    chunks = [ErasureChunk.decode(f.read_bytes()) for f in files]
    assert [c.index for c in chunks] == list(range(30))
    assert manifest["erasure_root"] == "0x" + erasure_root([c.chunk for c in chunks]).hex()
    for f in files[:20]:  # keep 10 of 30: k = 8 suffice
        f.unlink()
    corrupt = bytearray(files[25].read_bytes())
    corrupt[5] ^= 1
    files[25].write_bytes(bytes(corrupt))
    dst = tmp_path / "back.bin"
    assert main(["erasure", "reconstruct", "--validators", "30", str(out), "--out", str(dst)]) == 0
    assert dst.read_bytes() == payload
    assert "skipping chunk_00025.bin" in capsys.readouterr().err


def test_reconstruct_fails_cleanly_with_too_few_chunks(tmp_path, capsys):
    src = tmp_path / "p.bin"
    src.write_bytes(b"hello" * 100)
    out = tmp_path / "c"
    assert main(["erasure", "encode", "--validators", "10", str(src), "--out", str(out)]) == 0
    for f in sorted(out.glob("chunk_*.bin"))[:7]:
        f.unlink()
    assert main(["erasure", "reconstruct", "--validators", "10", str(out), "--out", str(tmp_path / "x")]) == 1
    assert "NotEnoughChunks" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert main(["erasure", "reconstruct", "--validators", "11", str(out), "--out", str(tmp_path / "x")]) == 2


def test_encode_refuses_bad_input(tmp_path, capsys):
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    assert main(["erasure", "encode", "--validators", "10", str(empty), "--out", str(tmp_path / "o")]) == 1
    assert main(["erasure", "encode", "--validators", "1", str(empty), "--out", str(tmp_path / "o")]) == 1
    missing = tmp_path / "missing"
    assert main(["erasure", "encode", "--validators", "10", str(missing), "--out", str(tmp_path / "o")]) == 2


def test_bench_prints_a_table(capsys):
    assert main(["erasure", "bench", "--validators", "10,100", "--size-mib", "0.05", "--repeat", "1", "--no-peer"]) == 0
    text = capsys.readouterr().out
    assert "encode MB/s" in text and "relaychain" in text


def test_reconstruct_refuses_a_directory_without_manifest(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["erasure", "reconstruct", "--validators", "10", str(empty), "--out", str(tmp_path / "x")]) == 2
    assert "manifest.json" in capsys.readouterr().err
