"""``qnet blind``: universal blind quantum computation with traps, over an ideal or noisy link.

Each run draws fresh client secrets (theta, r, trap positions, dummy bits); the server's circuit
is the same for all runs. Reports the decoded output distribution (accepted runs) against the
ideal one, the acceptance rate against the closed form, and a uniformity test of the angles the
server saw. The protocol is :mod:`qnet_circuits.protocols.blind`; this module maps the flags to
its parameters and formats the result.

Examples::

    qnet blind --program line --angles pi/2,pi/4 --json
    qnet blind --program cnot --traps 2 --server deviate-z --shots 4000
    qnet blind --program "h 0; t 0; cx 0 1; h 1" --link-fidelity 0.9
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.library.options import BLIND_PROGRAMS, BLIND_SERVERS, CORRECTIONS

HELP = "blind quantum computation (UBQC) with trap verification and dishonest servers"

#: Built-in programs (gate strings compiled to the brickwork); "line" is the 3-qubit line.
PROGRAMS = BLIND_PROGRAMS
SERVERS = BLIND_SERVERS
DEFAULT_SHOTS = 4000
#: the seed when ``--seed`` is not given (the command has always been reproducible by default)
DEFAULT_SEED = 1


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet blind``."""
    parser.add_argument(
        "--program", default="line",
        help="line (3-qubit line), " + ", ".join(PROGRAMS)
        + ", or gates like 'h 0; t 0; cx 0 1' (1-2 qubits, angles k*pi/4) compiled to a brickwork",
    )
    parser.add_argument("--angles", default=None,
                        help="measurement angles of --program line: PHI1,PHI2 (e.g. pi/2,pi/4; "
                             "multiples of pi/4; default pi/2,pi/4)")
    parser.add_argument("--traps", type=int, default=0, help="trap qubits per run (default 0)")
    parser.add_argument("--trap-region", type=int, default=None,
                        help="room for traps: extra brickwork rows (default 2), or measured "
                             "positions of a separate path for the line (default 5)")
    parser.add_argument("--server", choices=tuple(SERVERS), default="honest",
                        help="honest, or deviate with X/Y/Z on one uniformly chosen position, "
                             "or misreport one bit")
    parser.add_argument("--link-fidelity", type=_number, default=None,
                        help="Werner fidelity of the client-server link (teleported states); "
                             "default: ideal channel")
    parser.add_argument("--correction", choices=CORRECTIONS, default="dynamic",
                        help="dynamic (if_test) or deferred (controlled phases, no control flow)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Run the protocol; JSON keys include output_distribution, ideal_distribution, tvd,
    accepted_fraction, detection_probability_theory."""
    from qnet_circuits.protocols import blind as protocol

    params = protocol.BlindParams(
        program=args.program, angles=args.angles, traps=args.traps, trap_region=args.trap_region,
        server=args.server, link_fidelity=args.link_fidelity, correction=args.correction,
    )
    seed = getattr(ctx, "seed", None)
    seed = DEFAULT_SEED if seed is None else int(seed)
    shots = getattr(ctx, "shots", None) or DEFAULT_SHOTS
    if hasattr(ctx, "protocol_circuit"):
        ctx.protocol_circuit(protocol.circuits(params, seed=seed)[0])
    result = protocol.run(params, runner=getattr(ctx, "runner", None), shots=shots, seed=seed)
    return result.to_dict()


def _dist(d: dict) -> str:
    return ", ".join(f"{k}: {v:.4f}" for k, v in sorted(d.items())) or "(no accepted runs)"


def render(result: dict) -> str:
    """Human-readable summary of :func:`run`'s result."""
    size = (f"{result['rows']}x{result['columns']} brickwork" if result["rows"] is not None
            else result["pattern"])
    link = ("ideal link" if result["link_fidelity"] is None
            else f"Werner link F={result['link_fidelity']}")
    lines = [
        f"UBQC '{result['program']}' on a {size} ({result['vertices']} vertices, "
        f"{result['circuit_qubits']} circuit qubits), {link}, server {result['server']}, "
        f"{result['traps']} trap(s), {result['runs']} runs x {result['shots_per_run']} shots",
        f"  output (accepted): {_dist(result['output_distribution'])}",
        f"  ideal:             {_dist(result['ideal_distribution'])}",
    ]
    if result["tvd"] is not None:
        lines.append(f"  TVD = {result['tvd']:.4f}, classical fidelity = "
                     f"{result['classical_fidelity']:.4f}")
    if "theory" in result:
        lines.append(f"  P(out=0) theory {result['theory']['p0']:.4f} "
                     f"(ideal link {result['theory']['p0_ideal']:.4f})")
    lines.append(
        f"  accepted {result['accepted_fraction']:.4f} ± {result['accepted_fraction_stderr']:.4f}"
        f" (theory {result['acceptance_theory']:.4f}); rejected "
        f"{result['detection_probability']:.4f} (theory "
        f"{result['detection_probability_theory']:.4f})"
    )
    lines.append(
        f"  server's angles: chi-square {result['delta_uniformity_chi2']:.2f} (7 dof), "
        f"p = {result['delta_uniformity_p']:.3f} (uniform = blind)"
    )
    return "\n".join(lines)
