"""``qnet qkd``: E91 / BBM92 key distribution over a link, with or without an eavesdropper.

Runs :func:`qnet_circuits.analysis_qkd.simulate_qkd` and prints S, QBER, the asymptotic key rate
and the final key (length, match, abort reasons), next to the closed-form theory.

Example::

    qnet qkd --protocol e91 --eavesdropper intercept-resend --pairs 100000 --json
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.analysis_qkd import SAMPLINGS, simulate_qkd, source_circuit
from qnet_circuits.library.qkd import EAVESDROPPERS, PROTOCOLS, protocol_settings, qkd_round
from qnet_circuits.library.qkd import setting_circuits as _setting_circuits
from qnet_circuits.network import chain

HELP = "E91/BBM92 key distribution with eavesdroppers: S, QBER, key rates, a shared secret key"


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet qkd``."""
    parser.add_argument("--protocol", choices=PROTOCOLS, default="bbm92",
                        help="e91 (CHSH test, device-independent key) or bbm92 (Z/X bases)")
    parser.add_argument("--eavesdropper", choices=EAVESDROPPERS, default="none",
                        help="intercept-resend: random Z/X basis; intercept-resend-z: always Z")
    parser.add_argument("--intercept-fraction", type=_fraction, default=1.0,
                        help="fraction of pairs Eve intercepts, in [0, 1] (default 1)")
    parser.add_argument("--fidelity", type=_fraction, default=None,
                        help="Werner source fidelity to Phi+ (default 1; plain depolarizing "
                             "noise); with --source link the link's heralded state is used")
    parser.add_argument("--source", choices=("werner", "link"), default="werner",
                        help="werner: Werner pair of --fidelity at the link's rate; link: the "
                             "link's heralded state (closed form of its scheme)")
    parser.add_argument("--links", type=int, default=1,
                        help="number of links between Alice and Bob (1 today)")
    parser.add_argument("--length-km", type=_fraction, default=10.0,
                        help="node-to-node fiber length of each link in km (default 10)")
    parser.add_argument("--pairs", type=int, default=200_000,
                        help="number of distributed pairs (rounds), default 200000")
    parser.add_argument("--sampling", choices=SAMPLINGS, default="shots",
                        help="shots: run the setting circuits on the runner; exact: exact "
                             "distribution + multinomial counts (fast for large keys)")
    parser.add_argument("--p-z", type=_fraction, default=0.5,
                        help="BBM92 probability of the Z basis (0.5 symmetric)")


def _validate(args: argparse.Namespace) -> None:
    f = args.intercept_fraction
    if math.isnan(f) or not 0.0 <= f <= 1.0:
        raise ValueError(f"--intercept-fraction must be in [0, 1] (a fraction of pairs), got {f}")
    if args.pairs < 1:
        raise ValueError(f"--pairs must be >= 1, got {args.pairs}")
    if args.links < 1:
        raise ValueError(f"--links must be >= 1, got {args.links}")
    if args.links > 1 and args.source == "link":
        raise ValueError(
            "--source link is the heralded state of one link; across --links > 1 the chain "
            "delivers Werner links of --fidelity end to end (drop --source link)"
        )
    if not args.length_km >= 0 or math.isinf(args.length_km):
        raise ValueError(f"--length-km must be a finite number >= 0, got {args.length_km}")
    if args.source == "link" and args.fidelity is not None:
        raise ValueError("--fidelity sets a Werner source; drop it with --source link")
    if args.fidelity is not None and not 0.25 <= args.fidelity <= 1.0:
        raise ValueError(f"--fidelity must be in [0.25, 1] (Werner fidelity), got {args.fidelity}")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Run the protocol and return the JSON-able result (keys: S, S_stderr, qber, ...)."""
    _validate(args)
    if args.sampling == "exact" and not getattr(ctx, "is_simulator", True):
        raise ValueError(
            "--sampling exact computes the circuits' exact distribution locally (Aer); use "
            "--sampling shots to run on --backend " + str(getattr(ctx, "backend", ""))
        )
    network = chain(args.links, args.length_km)
    link = network.links[0]
    fidelity = None if args.source == "link" else (1.0 if args.fidelity is None else args.fidelity)
    seed = getattr(ctx, "seed", None)
    if seed is None:  # a fresh seed, reported in the result so the run can be repeated
        seed = int(np.random.SeedSequence().entropy % (2**31))
    settings = protocol_settings(args.protocol, args.p_z)
    source, chain_info, delivery = None, None, None
    if args.links > 1:
        source, chain_info = _chain_source(network, fidelity, seed)
        delivery = chain_info["delivery_rate_hz"]
        fidelity = chain_info["fidelity_end_theory"]  # the chain delivers an exact Werner state
    if hasattr(ctx, "protocol_circuit"):
        src = source if source is not None else source_circuit(fidelity, link)
        round_qc = qkd_round(src, eavesdropper=args.eavesdropper,
                             intercept_fraction=args.intercept_fraction)
        ctx.protocol_circuit(_setting_circuits(round_qc, settings)[0])
    report = simulate_qkd(
        args.protocol,
        pairs=args.pairs,
        seed=seed,
        fidelity=fidelity,
        link=link,
        network=network,
        eavesdropper=args.eavesdropper,
        intercept_fraction=args.intercept_fraction,
        sampling=args.sampling,
        runner=getattr(ctx, "runner", None),
        p_z=args.p_z,
        source=source,
        delivery_rate_hz=delivery,
    )
    out = report.to_dict()
    if chain_info is not None:
        out["chain"] = chain_info
    out["links"] = args.links
    out["length_km"] = args.length_km
    out["source"] = args.source
    return out


def _chain_source(network, link_fidelity: float, seed: int) -> tuple[Any, dict]:
    """The end-to-end pair of a repeater chain of Werner links (ideal memories and swaps).

    The scheduler emits the chain as one circuit; with ideal memories the delivered state does not
    depend on the sampled timing, so that one circuit is the QKD source, and the sampled timeline
    gives the delivery rate. The closed form (reference section 4) is a Werner state of fidelity
    ``chain_fidelity([F] * n)``.
    """
    from qnet_circuits.protocols.chain import simulate
    from qnet_circuits.scheduler import ChainPlan

    result = simulate(network, ChainPlan(link_fidelity=link_fidelity), realizations=2000,
                      seed=seed)
    n = len(network.links)
    info = {
        "fidelity_end_theory": physics.chain_fidelity([link_fidelity] * n),
        "fidelity_end": result.fidelity.value,
        "fidelity_end_stderr": result.fidelity.stderr,
        "delivery_rate_hz": result.rate_hz.value,
        "delivery_rate_hz_stderr": result.rate_hz.stderr,
        "qubits": result.qubits,
    }
    return result.metadata["circuit"], info


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
    return "\n".join(lines)
