"""``qnet compare-qkd``: direct BB84, trusted-node relay, repeater chain and PLOB against distance.

Closed forms for every design at every length (:mod:`qnet_circuits.protocols.compare_qkd`);
``--shots N`` also simulates the direct link and one relay hop with N BB84 pulses per point and
prints those estimates beside the closed forms. ``--plot FILE`` draws the four curves.

Example::

    qnet compare-qkd --lengths 100,500,1000,2000 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import number, run_protocol

HELP = "key rate vs distance: direct BB84, trusted-node relay, repeater chain, PLOB bound"
#: common options this command ignores (refused, naming what does the job)
IGNORED_OPTIONS = {"--qasm": "compare-qkd evaluates closed forms and pulse statistics and builds "
                             "no circuit; use --plot FILE for a picture or --json for the numbers"}
#: no simulation unless --shots asks for pulses per point
DEFAULT_SHOTS = None


def _lengths(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated km, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet compare-qkd``."""
    parser.add_argument("--lengths", type=_lengths, default=(100.0, 500.0, 1000.0, 2000.0),
                        help="Alice-Bob distances in km, comma-separated")
    parser.add_argument("--relay-hop-km", type=number, default=80.0, help="longest trusted-node hop")
    parser.add_argument("--repeater-link-km", type=number, default=50.0,
                        help="longest elementary repeater link")
    parser.add_argument("--link-fidelity", type=number, default=0.99,
                        help="Werner fidelity of each repeater link")
    parser.add_argument("--pulse-rate-hz", type=number, default=1e9, help="channel uses per second")
    parser.add_argument("--decoy", default="vacuum-weak", help="none, vacuum-weak or infinite")
    parser.add_argument("--plot", metavar="FILE", default=None, help="draw the curves to FILE")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.compare_qkd.CompareParams` and run."""
    from qnet_circuits.protocols import compare_qkd as protocol

    params = protocol.CompareParams(
        lengths_km=args.lengths, relay_hop_km=args.relay_hop_km,
        repeater_link_km=args.repeater_link_km, link_fidelity=args.link_fidelity,
        pulse_rate_hz=args.pulse_rate_hz, method=args.decoy)
    if args.plot is None:
        return run_protocol(protocol, params, ctx)
    from qnet_circuits.cli.common import check_output_path

    check_output_path("--plot", args.plot)
    if not args.plot.lower().endswith((".png", ".svg", ".pdf")):
        raise ValueError(f"--plot {args.plot}: name a .png, .svg or .pdf file")
    result = protocol.run(params, shots=ctx.shots, seed=ctx.seed)
    import matplotlib

    matplotlib.use("Agg")
    ax = result.plot()
    try:
        ax.figure.savefig(args.plot, dpi=120, bbox_inches="tight")
    except (OSError, ValueError) as exc:  # a directory, a missing folder, an unknown extension
        raise ValueError(f"--plot {args.plot}: cannot write the image ({exc.__class__.__name__}: "
                         f"{exc}); pass a writable .png or .svg path") from None
    return {**result.to_dict(), "plot": args.plot}


def render(result: dict) -> str:
    """The table."""
    lines = [f"secret key rate in bit/s at {result['pulse_rate_hz']:.3g} channel uses per second "
             f"(BB84 decoy {result['decoy']}, relay hops <= {result['relay_hop_km']} km, repeater "
             f"links <= {result['repeater_link_km']} km of F {result['link_fidelity']})",
             f"  {'km':>7} {'direct BB84':>12} {'relay (hops)':>18} {'repeater (links)':>20} "
             f"{'PLOB':>11}"]
    for r in result["rows"]:
        bound = " >=" if not r["repeater_exact"] and r["repeater_hz"] > 0 else ""
        lines.append(
            f"  {r['length_km']:7.0f} {r['direct_bb84_hz']:12.4g} "
            f"{r['relay_bb84_hz']:12.4g} ({r['relay_hops']:3d}) "
            f"{bound}{r['repeater_hz']:11.4g} ({r['repeater_links']:3d}) {r['plob_hz']:11.4g}")
        for key in ("direct", "relay"):
            if f"{key}_bb84_sim_hz" in r:
                lines.append(f"  {'':7}   simulated {key}: {r[f'{key}_bb84_sim_hz']:.4g} ± "
                             f"{r[f'{key}_bb84_sim_hz_stderr']:.2g}   theory {r[f'{key}_bb84_hz']:.4g}")
    if "plot" in result:
        lines.append(f"wrote {result['plot']}")
    return "\n".join(lines)
