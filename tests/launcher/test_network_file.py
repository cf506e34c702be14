"""The network file's `[[hrmp_channels]]` (issue #10 item 5): channels named in TOML are open in the relay's
genesis with the limits given, survive the chain file that OS processes share, and a file that names a channel
the network cannot have is refused with what to fix."""

import textwrap

import pytest
import xxhash

from relaychain.launcher import NetworkConfigError, chain_spec, load_network, read_chain_file, write_chain_file
from relaychain.runtime.genesis import genesis_storage


def _twox128(data: bytes) -> bytes:
    return xxhash.xxh64(data, seed=0).digest()[::-1] + xxhash.xxh64(data, seed=1).digest()[::-1]


def _channel_key(sender: int, recipient: int) -> bytes:
    """`Hrmp.HrmpChannels` key, built plainly: twox128 ‖ twox128 ‖ Twox64Concat(HrmpChannelId)."""
    cid = sender.to_bytes(4, "little") + recipient.to_bytes(4, "little")
    return _twox128(b"Hrmp") + _twox128(b"HrmpChannels") + xxhash.xxh64(cid, seed=0).digest()[::-1] + cid


NETWORK = """
[relaychain]
block_time = 1000
[[relaychain.nodes]]
name = "alice"
[[relaychain.nodes]]
name = "bob"

[[parachains]]
id = 1000
[[parachains]]
id = 1001

[[hrmp_channels]]
sender = 1000
recipient = 1001
max_capacity = 5
max_message_size = 300
[[hrmp_channels]]
sender = 1001
recipient = 1000
"""


def _write(tmp_path, text):
    path = tmp_path / "network.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_channels_from_the_file_are_open_at_genesis_with_their_limits(tmp_path):
    spec = load_network(_write(tmp_path, NETWORK))
    state = genesis_storage(chain_spec(spec))
    forward, backward = state.get(_channel_key(1000, 1001)), state.get(_channel_key(1001, 1000))
    assert forward is not None and backward is not None
    # HrmpChannel starts with max_capacity u32, max_total_size u32, max_message_size u32, msg_count, total_size
    assert int.from_bytes(forward[0:4], "little") == 5 and int.from_bytes(forward[8:12], "little") == 300
    assert int.from_bytes(backward[0:4], "little") == 8 and int.from_bytes(backward[8:12], "little") == 512
    assert forward[12:20] == bytes(8)  # empty
    assert state.get(_channel_key(1000, 1000)) is None


def test_the_chain_file_carries_the_channels(tmp_path):
    spec = load_network(_write(tmp_path, NETWORK))
    write_chain_file(spec, tmp_path / "chain.json")
    again = read_chain_file(tmp_path / "chain.json")
    assert again.hrmp_channels == spec.hrmp_channels
    assert genesis_storage(chain_spec(again)) == genesis_storage(chain_spec(spec))


@pytest.mark.parametrize("channel, complaint", [
    ("sender = 1000\nrecipient = 1000", "to itself"),
    ("sender = 1000\nrecipient = 2000", "para 2000 is not in [[parachains]]"),
    ("sender = 1000", "needs recipient"),
    ("sender = 1000\nrecipient = 1001\nmax_capacity = 0", "must be positive"),
    ("sender = 1000\nrecipient = 1001\nmax_capacity = 'many'", "are integers"),
])
def test_a_channel_the_network_cannot_have_is_refused_with_what_to_fix(tmp_path, channel, complaint):
    text = NETWORK.split("[[hrmp_channels]]")[0] + "[[hrmp_channels]]\n" + channel + "\n"
    with pytest.raises(NetworkConfigError) as err:
        load_network(_write(tmp_path, text))
    assert complaint in str(err.value)


def test_a_channel_declared_twice_is_refused(tmp_path):
    with pytest.raises(NetworkConfigError, match="declared twice"):
        load_network(_write(tmp_path, NETWORK + "[[hrmp_channels]]\nsender = 1000\nrecipient = 1001\n"))


def test_every_process_of_a_network_logs_as_the_launcher_was_told(tmp_path):
    """`relaychain run --config net.toml -l info,txpool=debug` with `processes = true`: each node and collator
    process gets the same directives (they were left at the default before, so a debug target never showed)."""
    from relaychain.launcher import process_commands

    spec = load_network(_write(tmp_path, NETWORK))
    chain_file = tmp_path / "chain.json"
    write_chain_file(spec, chain_file)
    commands = process_commands(spec, tmp_path, chain_file, "info,txpool=debug")
    assert len(commands) == len(spec.nodes) + sum(len(p.collators) for p in spec.paras)
    for _name, argv in commands:
        assert argv[argv.index("-l") + 1] == "info,txpool=debug"
        assert "--detailed-log-output" not in argv
    from relaychain.cli import build_parser

    for _name, argv in process_commands(spec, tmp_path, chain_file, "info", detailed_log=True):
        cli_args = argv[argv.index("relaychain.cli") + 1:]  # `run …` or `collator …`
        assert build_parser(cli_args).parse_args(cli_args).detailed_log_output
