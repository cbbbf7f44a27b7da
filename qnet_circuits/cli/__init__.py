"""The ``qnet`` command line: one module per subcommand (see docs/core-api.md).

Every subcommand takes ``--json``, ``--shots``, ``--seed``, ``--backend`` and ``--qasm``. A
``ValueError`` (bad input) prints one line ``qnet <command>: error: <message>`` and exits with 2,
without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import NoReturn

from qnet_circuits.cli.common import Context, positive_int, to_json

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
}

#: default shots per subcommand when --shots is not given
DEFAULT_SHOTS = 4000


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one readable line (no usage dump, no traceback)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _load(module: str):
    return importlib.import_module(f"qnet_circuits.cli.{module}")


def build_parser() -> argparse.ArgumentParser:
    """The full ``qnet`` parser with every subcommand."""
    parser = _Parser(
        prog="qnet",
        description="Quantum-network protocols as circuits, simulated beside closed-form theory.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name, module_name in COMMANDS.items():
        try:
            module = _load(module_name)
        except ModuleNotFoundError as exc:  # a subcommand not shipped in this build
            if exc.name != f"qnet_circuits.cli.{module_name}":
                raise
            continue
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
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
        module.add_arguments(sub)
        sub.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qnet`` command; returns the exit code."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    module = args._module
    try:
        from qnet_circuits.run import get_runner

        runner = get_runner(args.backend)
        # a device without control flow takes the deferred forms unless asked otherwise
        if (getattr(args, "correction", None) == "dynamic" and "--correction" not in argv
                and getattr(runner, "correction", "dynamic") == "deferred"):
            args.correction = "deferred"
        shots = args.shots or getattr(module, "DEFAULT_SHOTS", DEFAULT_SHOTS)
        ctx = Context(runner=runner, shots=shots, seed=args.seed, backend=args.backend,
                      qasm_path=args.qasm)
        result = module.run(args, ctx)
        if not ctx.is_simulator and "theory" in result:
            result["theory_note"] = (
                f"theory uses the modeled network physics; on {args.backend} the device's own "
                "noise is the noise, so compare against the ideal values"
            )
    except ValueError as exc:
        print(f"qnet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError, ImportError) as exc:
        print(f"qnet {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"qnet {args.command}: interrupted", file=sys.stderr)
        return 130
    print(to_json(result) if args.json else module.render(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
