"""``qnet qkd``: E91 / BBM92 key distribution over a link, with or without an eavesdropper.

Runs :func:`qnet_circuits.protocols.qkd.run` and prints S, QBER, the asymptotic key rate and the
final key (length, match, abort reasons), next to the closed-form theory. The size of a run is
``--pairs`` (``--shots`` does not apply). Without ``--seed`` a fresh seed is drawn and reported.

Example::

    qnet qkd --protocol e91 --eavesdropper intercept-resend --pairs 100000 --json
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.library.options import EAVESDROPPERS, QKD_PROTOCOLS, QKD_SAMPLINGS, QKD_SOURCES

HELP = "E91/BBM92 key distribution with eavesdroppers: S, QBER, key rates, a shared secret key"
#: common options qkd does not use, and what does the job
IGNORED_OPTIONS = {"--shots": "qnet qkd counts distributed pairs: use --pairs N"}


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet qkd``."""
    parser.add_argument("--protocol", choices=QKD_PROTOCOLS, default="bbm92",
                        help="e91 (CHSH test, device-independent key) or bbm92 (Z/X bases)")
    parser.add_argument("--eavesdropper", choices=EAVESDROPPERS, default="none",
                        help="intercept-resend: random Z/X basis; intercept-resend-z: always Z")
    parser.add_argument("--intercept-fraction", type=_fraction, default=1.0,
                        help="fraction of pairs Eve intercepts, in [0, 1] (default 1)")
    parser.add_argument("--fidelity", type=_fraction, default=None,
                        help="Werner source fidelity to Phi+ (default 1; plain depolarizing "
                             "noise); with --source link the link's heralded state is used")
    parser.add_argument("--source", choices=QKD_SOURCES, default="werner",
                        help="werner: Werner pair of --fidelity at the link's rate; link: the "
                             "link's heralded state (closed form of its scheme)")
    parser.add_argument("--links", type=int, default=1,
                        help="links between Alice and Bob (> 1: a repeater chain of Werner links)")
    parser.add_argument("--length-km", type=_fraction, default=10.0,
                        help="node-to-node fiber length of each link in km (default 10)")
    parser.add_argument("--pairs", type=int, default=200_000,
                        help="number of distributed pairs (rounds), default 200000")
    parser.add_argument("--sampling", choices=QKD_SAMPLINGS, default="shots",
                        help="shots: run the setting circuits on the runner; exact: exact "
                             "distribution + multinomial counts (fast for large keys)")
    parser.add_argument("--p-z", type=_fraction, default=0.5,
                        help="BBM92 probability of the Z basis (0.5 symmetric)")
    parser.add_argument("--satellite", action="store_true",
                        help="pair source on a satellite, one free-space downlink to each node "
                             "(Micius optics; --altitude-km, --elevation-deg)")
    parser.add_argument("--altitude-km", type=_fraction, default=500.0,
                        help="satellite altitude in km (with --satellite; default 500)")
    parser.add_argument("--elevation-deg", type=_fraction, default=30.0,
                        help="satellite elevation seen from both nodes, (0, 90] (default 30)")


def params_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~qnet_circuits.protocols.qkd.QkdParams` the flags describe (validated)."""
    from qnet_circuits.protocols.qkd import QkdParams

    satellite = None
    if getattr(args, "satellite", False):
        from qnet_circuits.network.free_space import SatelliteDownlinks

        satellite = SatelliteDownlinks(args.altitude_km, args.elevation_deg)
    elif (getattr(args, "altitude_km", 500.0), getattr(args, "elevation_deg", 30.0)) != (500.0, 30.0):
        raise ValueError("--altitude-km and --elevation-deg describe a satellite: add --satellite")
    return QkdParams(
        protocol=args.protocol, eavesdropper=args.eavesdropper,
        intercept_fraction=args.intercept_fraction, fidelity=args.fidelity, source=args.source,
        links=args.links, length_km=args.length_km, pairs=args.pairs, sampling=args.sampling,
        p_z=args.p_z, satellite=satellite,
    )


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Run the protocol and return the JSON-able result (keys: S, S_stderr, qber, ...)."""
    from qnet_circuits.protocols import qkd as protocol

    params = params_from_args(args)
    result = protocol.run(params, runner=getattr(ctx, "runner", None), seed=getattr(ctx, "seed", None))
    if hasattr(ctx, "protocol_circuit"):  # the chain source exists only after the run
        ctx.protocol_circuit(protocol.circuits(params, source=result.source)[0])
    return result.to_dict()


def _fmt(value: Any, spec: str = ".4f") -> str:
    return "n/a" if value is None else format(value, spec)


def render(result: dict) -> str:
    """Human-readable summary of :func:`run`'s result."""
    th = result.get("theory", {})
    lines = [
        f"{result['protocol'].upper()} over {result['links']} link(s) of {result['length_km']} km, "
        f"source {result['source']}"
        + (f" F={th.get('fidelity')}" if th.get("fidelity") is not None else "")
        + f", eavesdropper {result['eavesdropper']}"
        + (f" (fraction {result['intercept_fraction']})" if result["eavesdropper"] != "none"
           else "")
        + f", {result['pairs']} pairs, seed {result['seed']}",
    ]
    sat = result.get("satellite")
    if sat:
        lines.append(f"  satellite source at {sat['altitude_km']:g} km, elevation "
                     f"{sat['elevation_deg']:g} deg: two downlinks of {sat['arm_km']:.0f} km, "
                     f"{sat['loss_db_per_arm']:.1f} dB each ({sat['loss_db_two_arms']:.1f} dB "
                     "for the pair)")
    if result.get("S") is not None:
        lines.append(
            f"  S = {result['S']:.4f} ± {result['S_stderr']:.4f}   (theory {_fmt(th.get('S'))}; "
            "local bound 2, Tsirelson 2.8284)"
        )
    for basis, q in result["qber"].items():
        qth = (th.get("qber") or {}).get(basis)
        lines.append(
            f"  QBER_{basis} = {q:.4f} ± {result['qber_stderr'][basis]:.4f}   (theory {_fmt(qth)})"
        )
    lines.append(
        f"  asymptotic key rate = {result['key_rate_asymptotic']:.4f} bit/sifted bit "
        f"(theory {_fmt(th.get('key_rate_asymptotic'))}), "
        f"{_fmt(result['secret_key_rate_hz'], '.1f')} bit/s at "
        f"{_fmt(result['delivery_rate_hz'], '.1f')} pairs/s"
    )
    if result["aborted"]:
        lines.append("  ABORTED: " + "; ".join(result["abort_reasons"]))
    else:
        fk = result["finite_key"]
        lines.append(
            f"  final key: {result['final_key_bits']} bits from {result['sifted_bits']} sifted, "
            f"keys match: {result['keys_match']}; finite-size penalty "
            f"{fk['sampling_penalty'] + fk['ec_penalty'] + fk['overhead']:.0f} bits "
            f"(sampling {fk['sampling_penalty']:.0f}, error correction {fk['ec_penalty']:.0f}, "
            f"security {fk['overhead']:.0f})"
        )
    guess = result["eve_guess_probability"]
    lines.append(f"  Eve guesses a sifted bit with probability {guess:.3f}")
    if th.get("note"):
        lines.append(f"  note: {th['note']}")
    return "\n".join(lines)
