"""``qnet blind``: universal blind quantum computation with traps, over an ideal or noisy link.

Each run draws fresh client secrets (theta, r, trap positions, dummy bits); the server's circuit
is the same for all runs. Reports the decoded output distribution (accepted runs) against the
ideal one, the acceptance rate against the closed form, and a uniformity test of the angles the
server saw.

Examples::

    qnet blind --program line --angles pi/2,pi/4 --json
    qnet blind --program cnot --traps 2 --server deviate-z --shots 4000
    qnet blind --program "h 0; t 0; cx 0 1; h 1" --link-fidelity 0.9
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.analysis_blind import (
    chi_square_uniform,
    classical_fidelity,
    delta_counts,
    distribution,
    ideal_distribution,
    run_protocol,
    tvd,
)
from qnet_circuits.library.blind import (
    BlindProgram,
    blind_circuit,
    brickwork_program,
    draw_runs,
    line_program,
    parse_angle,
)

HELP = "blind quantum computation (UBQC) with trap verification and dishonest servers"

#: Built-in programs (gate strings compiled to the brickwork); "line" is the 3-qubit line.
PROGRAMS: dict[str, str] = {
    "cnot": "x 0; cx 0 1",
    "bell": "h 0; cx 0 1",
    "rotations": "h 0; t 0; h 0",
    "deep": "h 0; t 0; cx 0 1; h 1; s 1; cx 1 0; t 0; h 0; rx(pi/4) 1; cx 0 1; h 0",
}
SERVERS: dict[str, str | None] = {
    "honest": None,
    "deviate-x": "x",
    "deviate-y": "y",
    "deviate-z": "z",
    "misreport": "misreport",
}
DEFAULT_SHOTS = 4000
MAX_RUNS = 1000


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
    parser.add_argument("--correction", choices=("dynamic", "deferred"), default="dynamic",
                        help="dynamic (if_test) or deferred (controlled phases, no control flow)")


def _program(args: argparse.Namespace) -> tuple[BlindProgram, list[float] | None, str]:
    name = args.program.strip()
    if not name:
        raise ValueError("--program is empty: give line, cnot, bell, rotations, deep or gates")
    if name == "line":
        text = args.angles if args.angles is not None else "pi/2,pi/4"
        parts = [p for p in text.split(",") if p.strip()]
        if len(parts) != 2:
            raise ValueError(f"--angles needs two angles PHI1,PHI2 for the line, got {text!r}")
        angles = [parse_angle(p) for p in parts]
        try:
            prog = line_program(*angles)
        except ValueError as exc:
            raise ValueError(f"--angles: {exc}") from None
        return prog, angles, "line"
    if args.angles is not None:
        raise ValueError("--angles applies to --program line only; put angles in the gates, "
                         "e.g. 'rz(pi/4) 0'")
    text = PROGRAMS.get(name, name)
    try:
        prog = brickwork_program(text)
    except ValueError as exc:
        raise ValueError(f"--program: {exc}") from None
    return prog, None, text


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Run the protocol; JSON keys include output_distribution, ideal_distribution, tvd,
    accepted_fraction, detection_probability_theory."""
    if args.traps < 0:
        raise ValueError(f"--traps must be >= 0, got {args.traps}")
    if args.link_fidelity is not None and not 0.25 <= args.link_fidelity <= 1.0:
        raise ValueError(f"--link-fidelity must be in [0.25, 1] (Werner), got {args.link_fidelity}")
    attack = SERVERS[args.server]
    if attack is not None and args.traps == 0:
        raise ValueError(f"--server {args.server} is only detectable with traps; add --traps 1 or more")
    prog, angles, text = _program(args)
    if args.traps:
        region = args.trap_region if args.trap_region is not None else (
            2 if prog.rows is not None else 5)
        prog = prog.with_trap_region(region)
    elif args.trap_region is not None:
        raise ValueError("--trap-region needs --traps >= 1")
    shots = getattr(ctx, "shots", None) or DEFAULT_SHOTS
    if shots < 1:
        raise ValueError(f"--shots must be >= 1, got {shots}")
    seed = getattr(ctx, "seed", None)
    seed = 1 if seed is None else int(seed)
    runs = min(shots, MAX_RUNS)
    per_run = math.ceil(shots / runs)
    client = draw_runs(prog, runs, np.random.default_rng(seed), traps=args.traps, attack=attack)
    if hasattr(ctx, "protocol_circuit"):
        qc = blind_circuit(prog.pattern, correction=args.correction,
                           link_fidelity=args.link_fidelity, deviating=attack is not None)
        one = draw_runs(prog, 1, np.random.default_rng(seed), traps=args.traps, attack=attack)
        ctx.protocol_circuit(qc.assign_parameters({p: v[0] for p, v in one.bindings(qc).items()}))
    res = run_protocol(prog, client, shots_per_run=per_run, link_fidelity=args.link_fidelity,
                       correction=args.correction, runner=getattr(ctx, "runner", None),
                       seed=seed + 1)
    acc = res.acceptance()
    ideal = ideal_distribution(prog)
    accepted_any = bool(res.accepted.any())
    out_dist = distribution(res.outputs_flat(accepted_only=True)) if accepted_any else {}
    predicted_accept = float(physics.run_acceptance(client, args.link_fidelity).mean())
    measured = prog.pattern.num_measured
    counts = delta_counts(res.deltas()[:, 0, :])  # one shot per run: independent draws
    chi2, chi2_p = chi_square_uniform(counts)
    result: dict[str, Any] = {
        "program": text,
        "pattern": prog.pattern.name,
        "rows": prog.rows,
        "columns": prog.columns,
        "vertices": prog.pattern.num_nodes,
        "measured_positions": measured,
        "circuit_qubits": res.circuit.num_qubits,
        "angles": angles,
        "traps": args.traps,
        "server": args.server,
        "link_fidelity": args.link_fidelity,
        "correction": args.correction,
        "runs": runs,
        "shots_per_run": per_run,
        "shots": runs * per_run,
        "seed": seed,
        "output_distribution": out_dist,
        "ideal_distribution": ideal,
        "tvd": tvd(out_dist, ideal) if accepted_any else None,
        "classical_fidelity": classical_fidelity(out_dist, ideal) if accepted_any else None,
        "accepted_fraction": acc.value,
        "accepted_fraction_stderr": acc.stderr,
        "acceptance_theory": predicted_accept,
        "detection_probability": 1.0 - acc.value,
        "detection_probability_theory": 1.0 - predicted_accept,
        "detection_probability_formula": (
            physics.single_attack_detection(attack, args.traps, measured)
            if attack is not None else None
        ),
        "delta_counts": [int(c) for c in counts],
        "delta_uniformity_chi2": chi2,
        "delta_uniformity_p": chi2_p,
    }
    if angles is not None:
        result["theory"] = {
            "p0_ideal": physics.ubqc_line_p0(*angles),
            "p0": physics.line_p0_link(*angles, args.link_fidelity),
        }
    return result


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
