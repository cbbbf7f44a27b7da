"""``qnet link``: one heralded link, simulated beside the closed forms.

The protocol is :mod:`qnet_circuits.protocols.link`; this module maps the flags to
:class:`~qnet_circuits.protocols.link.LinkParams` and formats the result.

Example::

    qnet link --scheme single-click --alpha 0.1 --length-km 50 --json
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from qnet_circuits.cli.common import fmt, number, run_protocol
from qnet_circuits.library.options import CORRECTIONS
from qnet_circuits.network import SCHEMES

HELP = "heralded entanglement over one fiber link (single-click, double-click, midpoint source)"
DEFAULT_SHOTS = 20000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scheme", choices=SCHEMES, default="double-click")
    parser.add_argument("--length-km", type=number, default=20.0,
                        help="node-to-node distance in km; the station sits halfway (default 20)")
    parser.add_argument("--alpha", type=number, default=0.1,
                        help="single-click bright-state population in (0, 1) (default 0.1)")
    parser.add_argument("--detector-efficiency", type=number, default=1.0)
    parser.add_argument("--dark-count", type=number, default=0.0,
                        help="dark-count probability per detector per window")
    parser.add_argument("--attenuation", type=number, default=0.2, help="fiber loss in dB/km")
    parser.add_argument("--t1", type=number, default=math.inf, help="memory T1 in s (default inf)")
    parser.add_argument("--t2", type=number, default=math.inf, help="memory T2 in s (default inf)")
    parser.add_argument("--correction", choices=CORRECTIONS, default="dynamic",
                        help="Pauli-frame correction with if_test or deferred controlled gates")
    parser.add_argument("--satellite", action="store_true",
                        help="pair source on a satellite, two free-space downlinks (Micius optics; "
                             "with --scheme midpoint)")
    parser.add_argument("--altitude-km", type=number, default=500.0,
                        help="satellite altitude in km (with --satellite; default 500)")
    parser.add_argument("--elevation-deg", type=number, default=30.0,
                        help="satellite elevation seen from both nodes, (0, 90] (default 30)")


def params_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~qnet_circuits.protocols.link.LinkParams` the flags describe (validated)."""
    from qnet_circuits.protocols.link import LinkParams

    satellite = None
    if args.satellite:
        from qnet_circuits.network.free_space import SatelliteDownlinks

        satellite = SatelliteDownlinks(args.altitude_km, args.elevation_deg)
    elif args.altitude_km != 500.0 or args.elevation_deg != 30.0:
        raise ValueError("--altitude-km and --elevation-deg describe a satellite: add --satellite")
    return LinkParams(
        scheme=args.scheme,
        length_km=args.length_km,
        alpha=args.alpha,
        detector_efficiency=args.detector_efficiency,
        dark_count_prob=args.dark_count,
        attenuation_db_per_km=args.attenuation,
        t1_s=args.t1,
        t2_s=args.t2,
        correction=args.correction,
        satellite=satellite,
    )


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Run the link protocol with the context's runner, shots and seed; JSON-able result."""
    from qnet_circuits.protocols import link as protocol

    return run_protocol(protocol, params_from_args(args), ctx)


def render(result: dict) -> str:
    th = result["theory"]
    lines = [
        f"qnet link: {result['scheme']} over {result['length_km']:g} km "
        f"({result['shots']} attempts, {result['heralded_shots']} heralded, {result['method']})",
        f"{'':14}{'simulated':>22}{'theory':>14}",
        f"{'p_success':14}{fmt(result['p_success'], result['p_success_stderr']):>22}"
        f"{fmt(th['p_success']):>14}",
        f"{'fidelity':14}{fmt(result['fidelity'], result['fidelity_stderr']):>22}"
        f"{fmt(th.get('fidelity')):>14}",
    ]
    if "exact" in result:
        lines.append(f"{'exact (DM)':14}{fmt(result['exact']['fidelity']):>22}")
    lines.append(f"rate (theory): {th['rate_hz']:.4g} Hz at a cycle time of "
                 f"{th['cycle_time_s'] * 1e6:.4g} us")
    if th.get("note"):
        lines.append(f"note: {th['note']}")
    return "\n".join(lines)
