"""``qnet demo``: a tour of the toolkit, every simulated number printed beside its theory."""

from __future__ import annotations

import argparse
import time

from qnet_circuits.cli.common import Context

HELP = "run a short tour: links, swapping, purification, teleportation, QKD, chains, blind QC"
DEFAULT_SHOTS = 4000

#: (title, argv) of each step; each runs the real subcommand with its defaults
TOUR: tuple[tuple[str, list[str]], ...] = (
    ("Heralded entanglement, Barrett-Kok over 20 km", ["link", "--scheme", "double-click",
                                                       "--length-km", "20"]),
    ("Heralded entanglement, single-click (alpha 0.1) over 50 km",
     ["link", "--scheme", "single-click", "--alpha", "0.1", "--length-km", "50"]),
    ("Entanglement swapping of two Werner pairs", ["swap", "--fidelity", "0.95", "0.9"]),
    ("Purification, DEJMPS, two rounds from F = 0.8", ["purify", "--protocol", "dejmps",
                                                         "--fidelity", "0.8", "--rounds", "2"]),
    ("Teleportation with a Werner resource", ["teleport", "--fidelity", "0.9"]),
    ("E91 key distribution with a CHSH test", ["qkd", "--protocol", "e91", "--fidelity", "0.97"]),
    ("Repeater chain, 4 Werner links", ["chain", "--links", "4", "--link-fidelity", "0.97",
                                        "--length-km", "25"]),
    ("Blind quantum computation, 3-qubit line", ["blind"]),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", default=None,
                        help="run only the steps whose command is in this comma-separated list")


def run(args: argparse.Namespace, ctx: Context) -> dict:
    from qnet_circuits.cli import build_parser

    parser = build_parser()
    available = _available_commands(parser)
    wanted = set(args.only.split(",")) if args.only else None
    if wanted is not None and not wanted <= available:
        raise ValueError(f"--only names unknown commands {sorted(wanted - available)}; "
                         f"choose from {', '.join(sorted(available))}")
    steps = []
    for title, argv in TOUR:
        if (wanted is not None and argv[0] not in wanted) or argv[0] not in available:
            continue
        step_args = parser.parse_args([*argv, "--seed", str(ctx.seed if ctx.seed is not None else 1)])
        module = step_args._module
        shots = min(ctx.shots, getattr(module, "DEFAULT_SHOTS", ctx.shots))
        step_ctx = Context(runner=ctx.runner, shots=shots, seed=step_args.seed, backend=ctx.backend)
        start = time.perf_counter()
        result = module.run(step_args, step_ctx)
        steps.append({"title": title, "command": " ".join(["qnet", *argv]),
                      "wall_s": time.perf_counter() - start, "result": result,
                      "text": module.render(result)})
    return {"command": "demo", "steps": steps}


def _available_commands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._subparsers._group_actions:  # noqa: SLF001 - argparse has no public API
        return set(action.choices)
    return set()


def render(result: dict) -> str:
    blocks = []
    for step in result["steps"]:
        blocks.append(f"== {step['title']}  [{step['command']}, {step['wall_s']:.1f} s]\n"
                      f"{step['text']}")
    return "\n\n".join(blocks)
