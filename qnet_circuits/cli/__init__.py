"""The ``qnet`` command line: one module per subcommand (see docs/core-api.md).

Every subcommand takes ``--json``, ``--shots``, ``--seed``, ``--backend`` and ``--qasm``. A
``ValueError`` (bad input) prints one line ``qnet <command>: error: <message>`` and exits with 2,
without a traceback.

Fast start: :func:`main` imports only the module of the command it runs, and a command module
imports its protocol (Qiskit, Aer) only inside ``run``; so ``qnet --help`` and ``qnet <cmd>
--help`` load no Qiskit, Aer or SciPy. The one-line help of every command lives in
:data:`HELP` (equal to the module's ``HELP``; a test checks it).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, NoReturn

from qnet_circuits.cli.common import (
    DEVICE_COMMANDS,
    Context,
    add_device_arguments,
    check_output_path,
    positive_int,
    render_comparison,
    render_result,
    run_guarded,
    to_json,
)

#: subcommand name -> module under qnet_circuits.cli
COMMANDS: dict[str, str] = {
    "demo": "demo",
    "link": "link",
    "swap": "swap",
    "purify": "purify",
    "teleport": "teleport",
    "remote-cnot": "remote_cnot",
    "chain": "chain",
    "qkd": "qkd",
    "blind": "blind",
    "dense-coding": "dense_coding",
    "sense": "sense",
    "distribute": "distribute",
    "sweep": "sweep",
    "plot": "plot",
    "relay": "relay",
    "bb84": "bb84",
    "compare-qkd": "compare_qkd",
    "ghz": "ghz",
    "network": "network",
    "switch": "switch",
}

#: subcommand name -> its one-line help (``qnet --help`` lists these without importing the modules)
HELP: dict[str, str] = {
    "demo": "run a short tour: links, swapping, purification, teleportation, QKD, chains, blind QC",
    "link": "heralded entanglement over one fiber link (single-click, double-click, midpoint source)",
    "swap": "entanglement swapping at repeaters: end-to-end fidelity vs F1F2+(1-F1)(1-F2)/3",
    "purify": "BBPSSW/DEJMPS purification (recurrence or pumping): fidelity and success vs theory",
    "teleport": "teleport the six cardinal states (or one state): fidelity vs (2F+1)/3 per basis",
    "remote-cnot": "remote CNOT with one Bell pair and two bits: truth table and process fidelity",
    "chain": "repeater chain: heralded links, purification, swapping, cutoff; fidelity, rate, delivery time",
    "qkd": "E91/BBM92 key distribution with eavesdroppers: S, QBER, key rates, a shared secret key",
    "blind": "blind quantum computation (UBQC) with trap verification and dishonest servers",
    "dense-coding": "superdense coding over a noisy pair: decoding success and bits per ebit vs 2 - H",
    "sense": "GHZ sensing from network Bell pairs: parity readout, variance vs k against 1/k^2 and 1/k",
    "distribute": "circuit split over network nodes: cat-entangler ebits, fidelity and TVD vs monolithic",
    "sweep": "sweep a protocol over a parameter grid to a target stderr: resumable store, processes or Dask",
    "plot": "plot a sweep store: simulated points with error bars over the theory curve (PNG/SVG)",
    "relay": "trusted-node QKD relay: hop keys joined by one-time pads; rate vs slowest hop, direct, PLOB",
    "bb84": "BB84 with weak coherent pulses and decoy states (GLLP, vacuum+weak, infinite), PNS attack",
    "compare-qkd": "key rate vs distance: direct BB84, trusted-node relay, repeater chain, PLOB bound",
    "ghz": "GHZ among n end nodes fused at a central node: fidelity from parities vs the Werner closed form",
    "network": "network files or topologies: k best routes by hops, rate or fidelity (closed forms), drawing",
    "switch": "entanglement switch for k users: capacity, per-pair rates, fidelity vs the switch CTMC",
}

#: default shots per subcommand when --shots is not given
DEFAULT_SHOTS = 4000


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one readable line (no usage dump, no traceback)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _load(module: str):
    return importlib.import_module(f"qnet_circuits.cli.{module}")


def _shipped(module: str) -> bool:
    """True when the command module exists in this build (found without importing it)."""
    return importlib.util.find_spec(f"qnet_circuits.cli.{module}") is not None


def _add_common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub.add_argument(
        "--shots", type=positive_int, default=None, help="shots per circuit (default: per command)"
    )
    sub.add_argument("--seed", type=int, default=None, help="seed for every random step")
    sub.add_argument(
        "--backend",
        default="aer",
        help="aer (default), fake_<device> (e.g. fake_torino) or an IBM device name",
    )
    sub.add_argument("--qasm", type=Path, default=None, metavar="FILE",
                     help="write the ideal protocol circuit as OpenQASM 3 to FILE")
    sub.add_argument("--progress", action="store_true",
                     help="a progress bar on stderr (shots or pairs done, ETA) even when stderr is "
                          "not a terminal (default: on a terminal, except --json into a pipe)")


def build_parser(commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The ``qnet`` parser.

    Args:
        commands: the subcommands that get their full arguments (their modules are imported);
            the others are listed with their one-line help only. None: every subcommand.
    """
    parser = _Parser(
        prog="qnet",
        description="Quantum-network protocols as circuits, simulated beside closed-form theory.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name, module_name in COMMANDS.items():
        if commands is not None and name not in commands:
            if _shipped(module_name):
                subparsers.add_parser(name, help=HELP[name], description=HELP[name])
            continue
        try:
            module = _load(module_name)
        except ModuleNotFoundError as exc:  # a subcommand not shipped in this build
            if exc.name != f"qnet_circuits.cli.{module_name}":
                raise
            continue
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        _add_common(sub)
        module.add_arguments(sub)
        if name in DEVICE_COMMANDS:
            add_device_arguments(sub)
        sub.set_defaults(_module=module)
    return parser


def requested_command(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (its first non-option word), or None."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def _refuse_ignored_options(module: Any, argv: Sequence[str]) -> None:
    """A common option the command does not use is an error naming the one that does the job
    (``module.IGNORED_OPTIONS``: option -> what to use instead)."""
    for option, instead in getattr(module, "IGNORED_OPTIONS", {}).items():
        if any(word == option or word.startswith(option + "=") for word in argv):
            raise ValueError(f"{option} does nothing here: {instead}")


#: exit code when the reader of stdout went away (``qnet ... | head -1``): 128 + SIGPIPE
EXIT_BROKEN_PIPE = 141
#: exit code after Ctrl-C: 128 + SIGINT
EXIT_INTERRUPTED = 130
#: commands run without a progress monitor (``sweep`` has its own bar and Ctrl-C handling: its
#: chunks must finish whole or not at all)
UNMONITORED = frozenset({"sweep"})


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qnet`` command; returns the exit code.

    A closed stdout (``qnet chain | head -1``) ends quietly with :data:`EXIT_BROKEN_PIPE`: the
    rest of the output goes to the null device, so the interpreter's final flush raises nothing.
    """
    try:
        code = _main(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()
        if code == EXIT_INTERRUPTED and argv is None:  # the console command: leave now, without
            sys.stderr.flush()  # waiting for a simulator thread still finishing its chunk
            os._exit(code)
        return code
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # a stdout without a descriptor (captured in tests)
            pass
        finally:
            os.close(devnull)
        return EXIT_BROKEN_PIPE


def _main(argv: list[str]) -> int:
    """:func:`main` without the broken-pipe handling."""
    command = requested_command(argv)
    parser = build_parser([] if command is None else [command])
    args = parser.parse_args(argv)
    module = args._module
    monitor = None
    try:
        from qnet_circuits.run import get_runner, progress

        runner = get_runner(args.backend)
        # a device without control flow takes the deferred forms unless asked otherwise
        if (getattr(args, "correction", None) == "dynamic" and "--correction" not in argv
                and getattr(runner, "correction", "dynamic") == "deferred"):
            args.correction = "deferred"
        _refuse_ignored_options(module, argv)
        if args.qasm is not None:
            check_output_path("--qasm", args.qasm)
        if args.shots is not None:
            from qnet_circuits.protocols.limits import check_shots

            check_shots("--shots", args.shots)
        shots = args.shots or getattr(module, "DEFAULT_SHOTS", DEFAULT_SHOTS)
        ctx = Context(runner=runner, shots=shots, seed=args.seed, backend=args.backend,
                      qasm_path=args.qasm)
        if args.command in UNMONITORED:
            result = _execute(module, args, ctx)
        else:
            with progress.monitored(_show_progress(args), f"qnet {args.command}") as monitor:
                result = _execute(module, args, ctx)
    except ValueError as exc:
        print(f"qnet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError, ImportError) as exc:
        print(f"qnet {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:  # Ctrl-C: one line (what was kept, if anything), exit 130
        print(f"qnet {args.command}: interrupted" + _interrupted_note(monitor, exc), file=sys.stderr)
        return EXIT_INTERRUPTED
    if monitor is not None and monitor.truncated and not result.get("partial"):
        # a protocol built on truncated runner output (a chain inside network requests, ...)
        if monitor.shots_done is not None:  # per circuit (--shots)
            result.update(partial=True, shots_done=monitor.shots_done,
                          shots_requested=monitor.shots_requested)
        else:
            result.update(partial=True, shots_done=monitor.done, shots_requested=monitor.total)
    text = render_result(module, result)
    if isinstance(result.get("comparison"), dict):
        text += "\n" + render_comparison(result["comparison"])
    if result.get("partial"):
        unit = result.get("partial_unit", "shots")
        text += (f"\nPARTIAL RESULT: interrupted after {result.get('shots_done')} of "
                 f"{result.get('shots_requested')} {unit}; estimates from the finished {unit} only")
    print(to_json(result) if args.json else text)
    if monitor is not None and monitor.stop:
        print(f"qnet {args.command}: interrupted" + _partial_note(result), file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def _execute(module: Any, args: argparse.Namespace, ctx: Context) -> dict:
    """Run the command (cost guard, four columns and theory note on devices): its result dict."""
    result = run_guarded(module, args, ctx)
    runner = ctx.runner
    compare = getattr(runner, "four_columns", None)
    if callable(compare) and not ctx.is_simulator and "dry_run" not in result:
        comparison = compare(args.command, result, _rerun(module, args, ctx))  # four columns
        if comparison is not None:
            result["comparison"] = comparison
    if not ctx.is_simulator and "theory" in result:
        result["theory_note"] = (
            f"theory uses the modeled network physics; on {args.backend} the device's own "
            "noise is the noise, so compare against the ideal values"
        )
    return result


def _show_progress(args: argparse.Namespace) -> bool:
    """A bar with ``--progress``; else on a terminal's stderr, unless JSON goes into a pipe or
    ``QNET_QUICK=1`` (tests, notebooks)."""
    if args.progress:
        return True
    if os.environ.get("QNET_QUICK") == "1" or not _isatty(sys.stderr):
        return False
    return not (args.json and not _isatty(sys.stdout))


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _interrupted_note(monitor: Any, exc: BaseException) -> str:
    """``: after N of M pairs; no result ...`` for a Ctrl-C that left no result to print."""
    note = f": {exc}" if str(exc) and not str(exc).startswith("after ") else ""
    if monitor is None or not monitor.total:
        return note or ": nothing had finished; no result"
    unit = monitor.failed_unit or monitor.unit
    return (f" after {monitor.done} of {monitor.total} {unit}{note}; this step keeps no "
            "partial result (nothing printed)")


def _partial_note(result: dict) -> str:
    """`` after N of M shots: ...`` for a result printed after Ctrl-C."""
    if result.get("partial"):
        unit = result.get("partial_unit", "shots")
        return (f" after {result.get('shots_done')} of {result.get('shots_requested')} {unit}: "
                f"the result above is partial (estimates and standard errors from the finished "
                f"{unit})")
    return " at the end of the run: the result above is complete"


def _rerun(module: Any, args: argparse.Namespace, ctx: Context) -> Any:
    """``runner -> the command's JSON on that runner`` (same arguments, shots and seed)."""
    import dataclasses

    def rerun(runner: Any) -> dict:
        return module.run(args, dataclasses.replace(ctx, runner=runner, qasm_path=None,
                                                    circuits=[]))

    return rerun


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
