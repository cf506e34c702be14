"""`relaychain key …` through the real CLI dispatcher, against subkey's published output."""

import json

import pytest

from relaychain.cli import main as cli_main

ALICE_SR = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
ALICE_ADDR = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"


def run(capsys, *argv):
    rc = cli_main(["key", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_inspect_alice_like_subkey(capsys):
    rc, out, _ = run(capsys, "inspect", "//Alice")
    assert rc == 0
    lines = out.splitlines()
    assert lines[0] == "Secret Key URI `//Alice` is account:"
    assert "  Network ID:        substrate" in lines
    assert "  Secret seed:       0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a" in lines
    assert f"  Public key (hex):  {ALICE_SR}" in lines
    assert f"  Account ID:        {ALICE_SR}" in lines
    assert f"  Public key (SS58): {ALICE_ADDR}" in lines
    assert f"  SS58 Address:      {ALICE_ADDR}" in lines


def test_inspect_ed25519_json_and_prefix(capsys):
    rc, out, _ = run(capsys, "inspect", "//Alice", "--scheme", "ed25519", "--network-prefix", "0", "--output-type", "json")
    fields = json.loads(out)
    assert rc == 0 and fields["publicKey"] == "0x88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee"
    assert fields["networkId"] == "polkadot" and fields["ss58Address"].startswith("1")


def test_inspect_phrase_shows_seed(capsys):
    phrase = "caution juice atom organ advance problem want pledge someone senior holiday very"
    rc, out, _ = run(capsys, "inspect", phrase)
    assert rc == 0 and out.splitlines()[0] == f"Secret phrase:       {phrase}"
    assert "  Secret seed:       0xc8fa03532fb22ee1f7f6908b9c02b4e72483f0dbd66e4cd456b8f34c6230b849" in out
    assert "  SS58 Address:      5Gv8YYFu8H1btvmrJy9FjjAWfb99wrhV3uhPFoNEr918utyR" in out


def test_inspect_address_keeps_its_network(capsys):
    rc, out, _ = run(capsys, "inspect", "HRkCrbmke2XeabJ5fxJdgXWpBRPkXWfWHY8eTeCKwDdf4k6")
    assert rc == 0 and "Public Key URI" in out and "Network ID:        kusama" in out
    assert "0xd6a3105d6768e956e9e5d41050ac29843f98561410d3a47f9dd5b3b227ab8746" in out
    rc, out, _ = run(capsys, "inspect", "--public", ALICE_SR)
    assert rc == 0 and ALICE_ADDR in out


def test_generate_gives_an_inspectable_phrase(capsys):
    rc, out, _ = run(capsys, "generate", "--output-type", "json")
    fields = json.loads(out)
    assert rc == 0 and len(fields["secretPhrase"].split()) == 12
    rc, out2, _ = run(capsys, "inspect", fields["secretPhrase"], "--output-type", "json")
    assert json.loads(out2) == fields


@pytest.mark.parametrize("argv", [("inspect", "not a valid phrase//x"), ("inspect", "--public", "0x12"),
                                  ("inspect", "//Alice", "-n", "46"), ("inspect", "//Alice/soft", "--scheme", "ed25519")])
def test_errors_are_reported_not_raised(capsys, argv):
    rc, out, err = run(capsys, *argv)
    assert rc == 1 and out == "" and err.startswith("Error: ")


def test_a_closed_output_pipe_ends_quietly():
    """`relaychain key inspect //Alice | head -1`: the reader is gone before we write (#11, item 6). Before, a
    BrokenPipeError traceback; now the quiet exit of a Unix tool whose reader went away (128 + SIGPIPE)."""
    import os
    import signal
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # deterministic: every write to the pipe fails with EPIPE
    try:
        result = subprocess.run([sys.executable, "-m", "relaychain.cli", "key", "inspect", "//Alice"],
                                stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert result.returncode == 128 + signal.SIGPIPE
    assert result.stderr == ""


@pytest.mark.parametrize("address, reason", [
    (ALICE_ADDR[:-1] + "X", "checksum mismatch"),  # one mistyped character
    (ALICE_ADDR[:-1] + "0", "invalid base58 character '0'"),  # a character base58 does not have
    (ALICE_ADDR[:-3], "key bytes"),  # cut short
])
def test_a_mistyped_address_is_reported_as_an_address(capsys, address, reason):
    """Before: "invalid BIP39 mnemonic phrase" (#11, item 7)."""
    rc, out, err = run(capsys, "inspect", address)
    assert rc == 1 and out == ""
    assert f"invalid SS58 address '{address}'" in err and reason in err and "BIP39" not in err


def test_a_bad_phrase_is_still_reported_as_a_phrase(capsys):
    rc, _, err = run(capsys, "inspect", "caution juice atom organ advance problem want pledge someone senior holiday")
    assert rc == 1 and "BIP39" in err
