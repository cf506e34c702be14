"""Merlin transcripts (merlin.cool) over STROBE-128 (v1.0.2) and Keccak-f[1600].

Spec: dalek-cryptography/merlin `src/strobe.rs`, `src/transcript.rs`; STROBE v1.0.2 (strobe.sourceforge.io);
FIPS 202 §3 (Keccak-p[1600, 24]). schnorrkel (sr25519 signatures, VRFs, key derivation) binds every
message, challenge and secret nonce through these transcripts.

- STROBE-128 keeps a 200-byte Keccak state with rate R = 166; an operation absorbs `(pos_begin, flags)` and
  then its data; C/K operations (PRF, KEY) first run the permutation so their output depends on all before.
- `append_message(label, m)`: meta-AD(label) ‖ meta-AD(LE32(len m)) continued ‖ AD(m).
- `challenge_bytes(label, n)`: meta-AD(label) ‖ meta-AD(LE32(n)) continued ‖ PRF(n).
- `witness_bytes(label, seeds, n, rng)` (TranscriptRngBuilder): on a copy of the state, for each seed
  meta-AD(label) ‖ meta-AD(LE32(len)) ‖ KEY(seed); then meta-AD("rng") ‖ KEY(32 rng bytes); then
  meta-AD(LE32(n)) ‖ PRF(n). The transcript itself is not changed.
"""

from __future__ import annotations

import struct

import numpy as np

from relaychain.primitives._keccak_kernel import permute as _kernel_permute

# ---------------------------------------------------------------------------------------------
# Keccak-f[1600]


def _round_constants() -> tuple[int, ...]:
    """The 24 iota constants, from the LFSR x^8 + x^6 + x^5 + x^4 + 1 (FIPS 202 §3.2.5)."""
    state, out = 1, []
    for _ in range(24):
        rc = 0
        for j in range(7):
            if state & 1:
                rc |= 1 << ((1 << j) - 1)
            state = ((state << 1) ^ 0x171) if state & 0x80 else (state << 1)
        out.append(rc)
    return tuple(out)


def _rho_pi_moves() -> tuple[tuple[int, int, int], ...]:
    """(source lane, destination lane, rotation) of the combined rho and pi steps (FIPS 202 §3.2.2-3.2.3);
    lane (x, y) is index x + 5y. Lane 0 stays in place unrotated."""
    moves, x, y = [], 1, 0
    for t in range(24):
        nx, ny = y, (2 * x + 3 * y) % 5
        moves.append((x + 5 * y, nx + 5 * ny, ((t + 1) * (t + 2) // 2) % 64))
        x, y = nx, ny
    return tuple(moves)


ROUND_CONSTANTS = _round_constants()
RHO_PI_MOVES = _rho_pi_moves()


def _compile_permutation():
    """Keccak-f[1600] on 25 little-endian lanes, as straight-line Python generated from the tables above.

    One round: theta (column parities C, D), rho+pi (rotate lane into its new place, into b*),
    chi (b ^ (~b' & b'')), iota (xor the round constant into lane 0). Locals instead of lists make it
    about four times faster than a loop over the state, which matters: every transcript challenge runs it.
    """
    lines = ["def permute(a, rcs):",
             "    " + ", ".join(f"a{i}" for i in range(25)) + " = a",
             "    for rc in rcs:"]
    body = []
    for x in range(5):
        body.append(f"c{x} = a{x} ^ a{x + 5} ^ a{x + 10} ^ a{x + 15} ^ a{x + 20}")
    for x in range(5):
        right = f"c{(x + 1) % 5}"
        body.append(f"d{x} = c{(x - 1) % 5} ^ ((({right} << 1) | ({right} >> 63)) & M)")
    dest = {0: (0, 0)}
    for src, dst, r in RHO_PI_MOVES:
        dest[src] = (dst, r)
    for src in range(25):
        dst, r = dest[src]
        v = f"(a{src} ^ d{src % 5})"
        body.append(f"b{dst} = {v}" if r == 0 else f"t = {v}; b{dst} = ((t << {r}) | (t >> {64 - r})) & M")
    for y in range(0, 25, 5):
        for x in range(5):
            body.append(f"a{x + y} = b{x + y} ^ (~b{(x + 1) % 5 + y} & b{(x + 2) % 5 + y})")
    body.append("a0 ^= rc")
    lines += ["        " + s for s in body]
    lines.append("    return (" + ", ".join(f"a{i}" for i in range(25)) + ")")
    namespace = {"M": (1 << 64) - 1}
    exec(compile("\n".join(lines), "<keccak_f1600>", "exec"), namespace)  # noqa: S102 - our own generated code
    return namespace["permute"]


_permute = _compile_permutation()
_LANES = struct.Struct("<25Q")


def keccak_f1600_reference(state: bytearray) -> None:
    """Apply Keccak-f[1600] (24 rounds) in place to a 200-byte state (lanes little-endian, FIPS 202 §3.1):
    the plain definition, beside the numba kernel `keccak_f1600` runs."""
    _LANES.pack_into(state, 0, *_permute(_LANES.unpack_from(state), ROUND_CONSTANTS))


def keccak_f1600(state: bytearray) -> None:
    """Keccak-f[1600] in place on a 200-byte state, by the numba kernel (`_keccak_kernel.permute`, ~100x the
    reference: a VRF runs the permutation a dozen times)."""
    _kernel_permute(np.frombuffer(state, dtype="<u8"))


# ---------------------------------------------------------------------------------------------
# STROBE-128


class StrobeError(ValueError):
    """A STROBE operation continued with different flags (a misuse of the duplex, never input-dependent)."""


_R = 166  # rate in bytes: 200 - 2 * (128 / 8) - 2
_FLAG_I, _FLAG_A, _FLAG_C, _FLAG_T, _FLAG_M, _FLAG_K = 1, 2, 4, 8, 16, 32


class Strobe128:
    """The STROBE-128 operations Merlin uses: meta-AD, AD, PRF and KEY (no transport, no MAC)."""

    __slots__ = ("st", "pos", "pos_begin", "cur_flags")

    def __init__(self, protocol_label: bytes):
        self.st = bytearray(200)
        self.st[0:6] = bytes((1, _R + 2, 1, 0, 1, 96))
        self.st[6:18] = b"STROBEv1.0.2"
        keccak_f1600(self.st)
        self.pos = self.pos_begin = self.cur_flags = 0
        self.meta_ad(protocol_label, False)

    def clone(self) -> "Strobe128":
        other = Strobe128.__new__(Strobe128)
        other.st, other.pos, other.pos_begin, other.cur_flags = bytearray(self.st), self.pos, self.pos_begin, \
            self.cur_flags
        return other

    def _run_f(self) -> None:
        st = self.st
        st[self.pos] ^= self.pos_begin
        st[self.pos + 1] ^= 0x04
        st[_R + 1] ^= 0x80
        keccak_f1600(st)
        self.pos = self.pos_begin = 0

    # The three duplex primitives, byte-for-byte as STROBE defines them, done a block-chunk at a time.
    def _absorb(self, data: bytes) -> None:
        i, n = 0, len(data)
        while i < n:
            take = min(_R - self.pos, n - i)
            end = self.pos + take
            mixed = int.from_bytes(self.st[self.pos:end], "little") ^ int.from_bytes(data[i:i + take], "little")
            self.st[self.pos:end] = mixed.to_bytes(take, "little")
            self.pos, i = end, i + take
            if self.pos == _R:
                self._run_f()

    def _overwrite(self, data: bytes) -> None:
        i, n = 0, len(data)
        while i < n:
            take = min(_R - self.pos, n - i)
            self.st[self.pos:self.pos + take] = data[i:i + take]
            self.pos, i = self.pos + take, i + take
            if self.pos == _R:
                self._run_f()

    def _squeeze(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            take = min(_R - self.pos, n - len(out))
            end = self.pos + take
            out += self.st[self.pos:end]
            self.st[self.pos:end] = bytes(take)
            self.pos = end
            if self.pos == _R:
                self._run_f()
        return bytes(out)

    def _begin_op(self, flags: int, more: bool) -> None:
        if more:
            if flags != self.cur_flags:
                raise StrobeError(f"continued STROBE operation changed flags {self.cur_flags:#x} -> {flags:#x}")
            return
        old_begin, self.pos_begin, self.cur_flags = self.pos_begin, self.pos + 1, flags
        self._absorb(bytes((old_begin, flags)))
        if flags & (_FLAG_C | _FLAG_K) and self.pos != 0:
            self._run_f()

    def meta_ad(self, data: bytes, more: bool) -> None:
        self._begin_op(_FLAG_M | _FLAG_A, more)
        self._absorb(data)

    def ad(self, data: bytes, more: bool) -> None:
        self._begin_op(_FLAG_A, more)
        self._absorb(data)

    def prf(self, n: int, more: bool = False) -> bytes:
        self._begin_op(_FLAG_I | _FLAG_A | _FLAG_C, more)
        return self._squeeze(n)

    def key(self, data: bytes, more: bool = False) -> None:
        self._begin_op(_FLAG_A | _FLAG_C, more)
        self._overwrite(data)


# Every transcript starts from STROBE-128("Merlin v1.0"): keep that state and copy it (saves a permutation).
_MERLIN_INITIAL = Strobe128(b"Merlin v1.0")


def _le32(n: int) -> bytes:
    if not 0 <= n <= 0xFFFF_FFFF:
        raise ValueError(f"Merlin lengths are u32, got {n}")
    return n.to_bytes(4, "little")


class Transcript:
    """A Merlin v1.0 transcript: labelled messages in, labelled challenge bytes out (merlin::Transcript)."""

    __slots__ = ("_strobe",)

    def __init__(self, label: bytes):
        self._strobe = _MERLIN_INITIAL.clone()
        self.append_message(b"dom-sep", label)

    def clone(self) -> "Transcript":
        other = Transcript.__new__(Transcript)
        other._strobe = self._strobe.clone()
        return other

    def append_message(self, label: bytes, message: bytes) -> None:
        self._strobe.meta_ad(bytes(label), False)
        self._strobe.meta_ad(_le32(len(message)), True)
        self._strobe.ad(bytes(message), False)

    def append_u64(self, label: bytes, value: int) -> None:
        self.append_message(label, value.to_bytes(8, "little"))

    def challenge_bytes(self, label: bytes, n: int) -> bytes:
        self._strobe.meta_ad(bytes(label), False)
        self._strobe.meta_ad(_le32(n), True)
        return self._strobe.prf(n)

    def witness_bytes(self, label: bytes, nonce_seeds: tuple[bytes, ...], n: int, rng: bytes) -> bytes:
        """`build_rng().rekey_with_witness_bytes(label, seed)…finalize(rng).fill_bytes(n)`: n secret bytes bound
        to this transcript, the seeds and 32 external random bytes; the transcript is left unchanged."""
        if len(rng) != 32:
            raise ValueError("the transcript RNG is finalized with exactly 32 external bytes")
        strobe = self._strobe.clone()
        for seed in nonce_seeds:
            strobe.meta_ad(bytes(label), False)
            strobe.meta_ad(_le32(len(seed)), True)
            strobe.key(bytes(seed))
        strobe.meta_ad(b"rng", False)
        strobe.key(bytes(rng))
        strobe.meta_ad(_le32(n), False)
        return strobe.prf(n)
