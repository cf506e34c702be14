"""`relaychain election`: run an NPoS election on a snapshot file, or generate a synthetic snapshot.

    relaychain election SNAPSHOT.json [--to-elect N] [--algorithm seq-phragmen|phragmms]
        [--balance-iterations K] [--tolerance T] [--accuracy perbill|peru16|...] [--out RESULT.json]
        [--reference] [--strict] [--quiet]
    relaychain election generate --voters V --candidates C --to-elect K --seed S [--edges 16]
        [--self-votes] [--out SNAPSHOT.json]

The result (npos.md §10) goes to --out or stdout as JSON; progress and a summary go to stderr. Votes for
targets that are not candidates are ignored, as sp-npos-elections ignores them, and counted on stderr;
--strict refuses such a snapshot instead.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time

from .arithmetic import ACCURACIES
from .snapshot import ElectionError, UnknownTargets, result_json_text

GENERATE = "generate"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n")[0]
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = ("generate: relaychain election generate --voters V --candidates C --to-elect K [--seed S] "
                     "[--edges 16] [--self-votes] [--out SNAPSHOT.json]")
    parser.add_argument("snapshot", metavar="SNAPSHOT.json|generate",
                        help="snapshot file to elect from ('-' reads stdin), or 'generate' to write one")
    parser.add_argument("--to-elect", type=int, help="number of winners (overrides the snapshot's)")
    parser.add_argument("--out", help="write JSON here instead of stdout")
    parser.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    run = parser.add_argument_group("election options")
    run.add_argument("--algorithm", choices=["seq-phragmen", "phragmms"], help="default: the snapshot's, else seq-phragmen")
    run.add_argument("--balance-iterations", type=int, help="balancing rounds after the election (0 = none)")
    run.add_argument("--tolerance", type=int, help="balancing stops once no voter moves more than this")
    run.add_argument("--accuracy", choices=sorted(ACCURACIES), help="PerThing of the ratio assignments")
    run.add_argument("--reference", action="store_true", help="run the plain exact-integer reference (slow)")
    run.add_argument("--strict", action="store_true",
                     help="refuse votes for targets that are not candidates (default: ignore them, as "
                          "sp-npos-elections does, and say how many)")
    gen = parser.add_argument_group("generate options")
    gen.add_argument("--voters", type=int, help="number of nominators")
    gen.add_argument("--candidates", type=int, help="number of validator candidates")
    gen.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    gen.add_argument("--edges", type=int, default=16, help="maximum nominations per voter (default 16)")
    gen.add_argument("--self-votes", action="store_true", help="validators also vote for themselves")


def main(args: argparse.Namespace) -> int:
    gc_was_enabled = gc.isenabled()
    gc.disable()  # ~10^6 small objects that all live until the end: the cyclic GC only costs time
    try:
        if args.snapshot == GENERATE:
            return _generate(args)
        return _elect(args)
    except ElectionError as exc:
        print(f"relaychain election: {exc}", file=sys.stderr)
        return 2
    except (OSError, json.JSONDecodeError) as exc:
        print(f"relaychain election: cannot read or write: {exc}", file=sys.stderr)
        return 2
    except RecursionError:  # json recurses once per nesting level; no snapshot nests more than 3
        print("relaychain election: the snapshot JSON is nested too deeply to be a snapshot", file=sys.stderr)
        return 2
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(args: argparse.Namespace) -> int:
    from .generate import generate_snapshot

    missing = [f"--{n.replace('_', '-')}" for n in ("voters", "candidates", "to_elect") if getattr(args, n) is None]
    if missing:
        print(f"relaychain election generate: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        snap = generate_snapshot(args.voters, args.candidates, args.to_elect, seed=args.seed, edges=args.edges,
                                 self_votes=args.self_votes, accuracy=args.accuracy or "peru16")
    except ValueError as exc:
        print(f"relaychain election generate: {exc}", file=sys.stderr)
        return 2
    _write(json.dumps(snap, separators=(",", ":")), args.out)
    if not args.quiet:
        print(f"wrote a snapshot: {len(snap['voters'])} voters, {args.candidates} candidates, "
              f"to_elect {args.to_elect}, seed {args.seed}", file=sys.stderr)
    return 0


def _write(text: str, out: str | None) -> None:
    if out:
        with open(out, "w") as f:
            f.write(text)
            f.write("\n")
    else:
        sys.stdout.write(text)
        sys.stdout.write("\n")
        sys.stdout.flush()


def _elect(args: argparse.Namespace) -> int:
    from .snapshot import Snapshot

    started = time.perf_counter()
    ui = _Ui(quiet=args.quiet)
    with ui:
        ui.stage("reading snapshot")
        if args.snapshot == "-":
            obj = json.load(sys.stdin)
        else:
            with open(args.snapshot, "rb") as f:
                obj = json.loads(f.read())
        algorithm = args.algorithm.replace("-", "_") if args.algorithm else None
        snapshot = Snapshot.from_json(obj, to_elect=args.to_elect, algorithm=algorithm, accuracy=args.accuracy,
                                      balance_iterations=args.balance_iterations, tolerance=args.tolerance)
        ignored = snapshot.ignored_votes()
        if ignored.votes and getattr(args, "strict", False):
            raise UnknownTargets(f"{ignored.describe()}; fix the snapshot, or drop --strict to ignore them")
        if ignored.votes:  # said even with --quiet: it changes what the stake votes for
            ui.warn(f"ignoring {ignored.describe()}, as sp-npos-elections does (--strict refuses them)")
        ui.stage("electing", total=snapshot.to_elect)
        native = None
        elected_at = time.perf_counter()
        if args.reference:
            from .reference import elect

            result = elect(snapshot, progress=ui.advance)
            text, winners, score = result_json_text(result), result.winners, result.score
        else:
            from . import _native, accelerated

            native = _native.load()
            if native is None:
                _skip_scipy()
            text, winners, score = accelerated.elect_json(snapshot, progress=ui.advance, native=True)
        elect_time = time.perf_counter() - elected_at
        ui.stage("writing result")
        _write(text, args.out)
    ui.summary(snapshot, winners, score, elect_time, time.perf_counter() - started)
    if not args.reference and native is None:
        _native.build_in_background()  # later runs start without numba (RELAYCHAIN_ELECTION_NATIVE=0: never)
    return 0


def _skip_scipy() -> None:
    """numba imports SciPy's BLAS bindings when it first compiles or loads code (for np.linalg, which
    the kernels never use); in this one-shot CLI process that is a fifth of the run time."""
    if "scipy" not in sys.modules:
        sys.modules["scipy"] = None  # type: ignore[assignment]


class _Ui:
    """A rich progress bar and summary table on stderr; nothing at all with --quiet."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.progress = None
        self.task = None

    def __enter__(self):
        if not self.quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)

    def warn(self, text: str) -> None:
        if self.progress is not None:
            self.progress.console.print(f"relaychain election: {text}", highlight=False, markup=False)
        else:
            print(f"relaychain election: {text}", file=sys.stderr, flush=True)

    def stage(self, name: str, total: int | None = None) -> None:
        if self.progress is not None:
            if self.task is not None:
                self.progress.remove_task(self.task)
            self.task = self.progress.add_task(name, total=total)

    def advance(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=done, total=total)

    def summary(self, snapshot, winners, score, elect_time: float, total_time: float) -> None:
        if self.quiet:
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{snapshot.algorithm} election", show_header=False)
        rows = [("voters / candidates", f"{len(snapshot.voters)} / {len(snapshot.candidates)}"),
                ("winners", f"{len(winners)} of {snapshot.to_elect}"),
                ("balancing", f"{snapshot.balance_iterations} iterations, tolerance {snapshot.tolerance}"),
                ("accuracy", snapshot.accuracy),
                ("minimal backing", f"{score.minimal_stake:,}"),
                ("sum of backing", f"{score.sum_stake:,}"),
                ("sum of backing²", f"{score.sum_stake_squared:,}"),
                ("election time", f"{elect_time:.3f} s"), ("total time", f"{total_time:.3f} s")]
        for k, v in rows:
            table.add_row(k, v)
        Console(stderr=True).print(table)
