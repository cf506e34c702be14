"""`relaychain key inspect|generate`: subkey-compatible key inspection and generation.

Output follows Substrate's `subkey` / `sc-cli` (`print_from_uri`, `print_from_public`) so scripts and
people used to `subkey inspect //Alice` read the same lines.
"""

from __future__ import annotations

import argparse
import json
import sys

from .crypto import SCHEMES, CryptoError, generate_phrase
from .ss58 import SS58Error, ss58_decode, ss58_encode

_NETWORKS = {0: "polkadot", 2: "kusama", 42: "substrate"}


def _network_name(prefix: int) -> str:
    return _NETWORKS.get(prefix, str(prefix))


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="key_command", metavar="SUBCOMMAND")
    inspect = sub.add_parser("inspect", help="show the public key and SS58 address of a secret URI or an address")
    inspect.add_argument("uri", help="secret URI (//Alice, '<phrase>//hard/soft///password', 0x<seed>) or SS58 address")
    inspect.add_argument("--public", action="store_true", help="the argument is a public key (hex or SS58)")
    generate = sub.add_parser("generate", help="generate a new random mnemonic phrase and show its keys")
    generate.add_argument("--words", type=int, default=12, choices=(12, 15, 18, 21, 24))
    for p in (inspect, generate):
        p.add_argument("--scheme", choices=sorted(SCHEMES), default="sr25519", help="key scheme (default sr25519)")
        p.add_argument("--network-prefix", "-n", type=int, default=None, dest="network_prefix",
                       help="SS58 network prefix for addresses (default 42, generic Substrate; "
                            "an inspected address keeps its own)")
        p.add_argument("--output-type", choices=("text", "json"), default="text", dest="output_type")


def _secret_seed(keypair) -> str:
    """The seed of the final key if known: ed25519 always; sr25519 only without derivation (as subkey's "n/a")."""
    seed = getattr(keypair, "seed", None)
    return "0x" + seed.hex() if seed is not None else "n/a"


def _public_fields(public: bytes, prefix: int) -> dict:
    address = ss58_encode(public, prefix)
    return {
        "networkId": _network_name(prefix),
        "publicKey": "0x" + public.hex(),
        "accountId": "0x" + public.hex(),
        "ss58PublicKey": address,
        "ss58Address": address,
    }


_ROWS = (("Network ID", "networkId"), ("Secret seed", "secretSeed"), ("Public key (hex)", "publicKey"),
         ("Account ID", "accountId"), ("Public key (SS58)", "ss58PublicKey"), ("SS58 Address", "ss58Address"))


def _text(title: str, fields: dict) -> str:
    lines = [title] + [f"  {label + ':':<19}{fields[key]}" for label, key in _ROWS if key in fields]
    return "\n".join(lines)


def inspect(uri: str, scheme: str = "sr25519", prefix: int | None = None, public_only: bool = False) -> tuple[str, dict]:
    """(text block, JSON fields) describing a secret URI, or a public key / SS58 address, as subkey does.

    An SS58 address is shown under its own network prefix unless `prefix` is given.
    """
    address = _as_address(uri)
    if public_only or address is not None:
        public, own_prefix = address if address is not None else (_public_hex(uri), 42)
        fields = _public_fields(public, own_prefix if prefix is None else prefix)
        return _text(f"Public Key URI `{uri}` is account:", fields), fields
    keypair = SCHEMES[scheme].from_uri(uri)
    fields = _public_fields(keypair.public, 42 if prefix is None else prefix)
    fields["secretSeed"] = _secret_seed(keypair)
    if "/" not in uri and not uri.startswith("0x"):  # a bare mnemonic phrase
        fields = {"secretPhrase": uri, **fields}
        return _text(f"Secret phrase:       {uri}", fields), fields
    return _text(f"Secret Key URI `{uri}` is account:", fields), fields


_SHORTEST_ADDRESS = 32  # an SS58 address of a 32-byte key has 47 to 49 characters; no BIP39 word has 9


def _meant_as_address(text: str) -> bool:
    """One long alphanumeric token: not a phrase (12+ words), a derivation (`/`) or a hex seed (`0x`)."""
    return len(text) >= _SHORTEST_ADDRESS and text.isascii() and text.isalnum() and not text.startswith("0x")


def _as_address(text: str) -> tuple[bytes, int] | None:
    """The (public key, prefix) of an SS58 address; None for a secret URI. Text that can only be meant as
    an address and does not decode raises its SS58Error, so a mistyped address (bad checksum, a 0 or an l
    that base58 does not have) is reported as one, not as "invalid BIP39 mnemonic phrase"."""
    try:
        return ss58_decode(text)
    except SS58Error as e:
        if _meant_as_address(text):
            raise SS58Error(f"invalid SS58 address {text!r}: {e}") from None
        return None


def _public_hex(text: str) -> bytes:
    if not text.startswith("0x"):
        raise CryptoError("with --public, give a 0x-prefixed 32-byte hex public key or an SS58 address")
    try:
        raw = bytes.fromhex(text[2:])
    except ValueError:
        raise CryptoError("public key is not valid hex") from None
    if len(raw) != 32:
        raise CryptoError(f"public key must be 32 bytes, got {len(raw)}")
    return raw


def main(args: argparse.Namespace) -> int:
    command = getattr(args, "key_command", None)
    if command not in ("inspect", "generate"):
        print("usage: relaychain key {inspect,generate} ... (see relaychain key --help)", file=sys.stderr)
        return 2
    try:
        if args.network_prefix is not None:
            ss58_encode(bytes(32), args.network_prefix)  # validates the prefix before any work
        if command == "generate":
            uri = generate_phrase(args.words)
            text, fields = inspect(uri, args.scheme, args.network_prefix)
        else:
            text, fields = inspect(args.uri, args.scheme, args.network_prefix, args.public)
    except (CryptoError, SS58Error) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(fields, indent=2) if args.output_type == "json" else text)
    return 0
