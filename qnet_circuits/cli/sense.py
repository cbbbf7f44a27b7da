"""``qnet sense``: GHZ sensing from network Bell pairs against independent sensors.

The protocol is :mod:`qnet_circuits.protocols.sensing`.

Example::

    qnet sense --nodes 4 --phase 0.3 --json
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from qnet_circuits.cli.common import number, run_protocol

HELP = "GHZ sensing from network Bell pairs: parity readout, variance vs k against 1/k^2 and 1/k"
DEFAULT_SHOTS = 4000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet sense``."""
    parser.add_argument("--nodes", type=int, default=4, help="sensor nodes N >= 2")
    parser.add_argument("--phase", type=number, default=0.3, help="phase per node (rad), 0 < N phase < pi")
    parser.add_argument("--fidelity", type=number, default=1.0, help="Werner fidelity of each link")
    parser.add_argument("--wait", type=number, default=0.0, help="memory wait per sensor (s)")
    parser.add_argument("--t2", type=number, default=math.inf, help="memory T2 (s)")
    parser.add_argument("--shots-per-estimate", type=int, default=100, help="shots per phase estimate")
    parser.add_argument("--oscillation-points", type=int, default=12, help="phases in the parity scan")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.sensing.SenseParams` and run."""
    from qnet_circuits.protocols import sensing as protocol

    params = protocol.SenseParams(nodes=args.nodes, phase=args.phase, fidelity=args.fidelity,
                                  wait_s=args.wait, t2_s=args.t2,
                                  shots_per_estimate=args.shots_per_estimate,
                                  oscillation_points=args.oscillation_points)
    return run_protocol(protocol, params, ctx)


def render(result: dict) -> str:
    """Human-readable summary."""
    return "\n".join([
        f"{result['nodes']}-node GHZ sensing, phase {result['phase']}, link F {result['fidelity']}, "
        f"{result['batches']} estimates of {result['shots_per_estimate']} shots",
        f"  parity    {result['parity']:.4f} ± {result['parity_stderr']:.4f}   theory "
        f"{result['theory_parity']:.6f}",
        f"  variance  {result['variance']:.3e} ± {result['variance_stderr']:.2e}   theory "
        f"{result['theory_variance']:.3e} (HL {result['heisenberg_variance']:.3e})",
        f"  independent variance {result['independent_variance']:.3e}   theory "
        f"{result['theory_independent_variance']:.3e} (SQL {result['sql_variance']:.3e})",
        f"  crossover N (closed form): {result['theory_crossover_nodes']}",
    ])
