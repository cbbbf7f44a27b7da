"""``qnet bb84``: BB84 with weak coherent pulses and decoy states over fiber, with attacks.

Runs :func:`qnet_circuits.protocols.bb84.run`: the closed forms of Ma et al. (2005) (gains,
QBERs, single-photon bounds, key rate per pulse at the optimal mean photon number, maximal
distance, PLOB), a pulse-level simulation of ``--pulses`` pulses with the decoy estimates made
from it, and ``--rounds`` circuit-level single-photon rounds distilled into a key
(``--shots``, when given, sets the rounds). A distance with no key gives rate 0 and a note.

Example::

    qnet bb84 --length-km 50 --decoy vacuum-weak --preset gys --attack pns --json
"""

from __future__ import annotations

import argparse
from typing import Any

HELP = "BB84 with weak coherent pulses and decoy states (GLLP, vacuum+weak, infinite), PNS attack"
#: None: ``--shots`` is only passed on when given (it then sets the circuit-level rounds)
DEFAULT_SHOTS = None
DECOYS = ("none", "vacuum-weak", "infinite")
ATTACKS = ("none", "intercept-resend", "pns")


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _count(text: str) -> int:
    try:
        return int(float(text)) if float(text).is_integer() else int(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet bb84``."""
    parser.add_argument("--length-km", type=_number, default=50.0,
                        help="fiber length in km (default 50)")
    parser.add_argument("--decoy", choices=DECOYS, default="vacuum-weak",
                        help="none (GLLP), vacuum-weak (vacuum + one weak decoy) or infinite")
    parser.add_argument("--preset", choices=("gys",), default="gys",
                        help="channel of Ma et al. 2005 Table I (gys: alpha 0.21 dB/km, "
                             "eta_Bob 4.5%%, Y0 1.7e-6, e_detector 3.3%%, f 1.22)")
    parser.add_argument("--attack", choices=ATTACKS, default="none",
                        help="intercept-resend (circuit-level photons) or pns (photon-number "
                             "splitting on the pulses)")
    parser.add_argument("--mu", type=_number, default=None,
                        help="signal mean photon number (default: optimized for --decoy)")
    parser.add_argument("--nu", type=_number, default=0.1,
                        help="weak decoy intensity, below the signal's (default 0.1)")
    parser.add_argument("--pulses", type=_count, default=10**7,
                        help="weak coherent pulses simulated (default 1e7)")
    parser.add_argument("--rounds", type=_count, default=10**6,
                        help="circuit-level single-photon rounds (default 1e6)")
    parser.add_argument("--satellite", action="store_true",
                        help="Alice on a satellite, one free-space downlink to Bob (Micius optics;"
                             " loss from the beam model instead of alpha L)")
    parser.add_argument("--altitude-km", type=_number, default=500.0,
                        help="satellite altitude in km (with --satellite; default 500)")
    parser.add_argument("--elevation-deg", type=_number, default=30.0,
                        help="satellite elevation seen from Bob, (0, 90] (default 30)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Run the protocol and return its JSON-able result."""
    from qnet_circuits.protocols import bb84 as protocol

    satellite = None
    if args.satellite:
        from qnet_circuits.network.free_space import SatelliteDownlinks

        satellite = SatelliteDownlinks(args.altitude_km, args.elevation_deg)
    elif (args.altitude_km, args.elevation_deg) != (500.0, 30.0):
        raise ValueError("--altitude-km and --elevation-deg describe a satellite: add --satellite")
    params = protocol.Bb84Params(length_km=args.length_km, decoy=args.decoy, preset=args.preset,
                                 mu=args.mu, nu=args.nu, attack=args.attack, pulses=args.pulses,
                                 rounds=args.rounds, satellite=satellite)
    result = protocol.run(params, runner=getattr(ctx, "runner", None),
                          shots=getattr(ctx, "shots", None), seed=getattr(ctx, "seed", None))
    if hasattr(ctx, "protocol_circuit"):
        ctx.protocol_circuit(protocol.circuits(params)[0])
    return result.to_dict()


def _est(d: dict | None, spec: str = ".4e") -> str:
    if not d or d.get("value") is None:
        return "n/a"
    err = d.get("stderr")
    return f"{d['value']:{spec}}" + ("" if err is None else f" ± {err:{spec}}")


def _f(x: Any, spec: str = ".4e") -> str:
    return "n/a" if x is None else format(x, spec)


def _pulses(result: dict) -> str:
    """``N`` pulses, or ``n of N`` after a Ctrl-C stopped the pulse simulation."""
    done = result.get("pulses_done", result["pulses"])
    return f"{done} of {result['pulses']}" if done != result["pulses"] else f"{done}"


def render(result: dict) -> str:
    """Human-readable summary of :func:`run`'s result."""
    th = result["theory"]
    att = th.get("attack", {})
    sat = result.get("satellite")
    where = (f"a {sat['loss_db']:.1f} dB satellite downlink ({sat['slant_range_km']:.0f} km slant "
             f"range, {sat['altitude_km']:g} km altitude, {sat['elevation_deg']:g} deg)"
             if sat else f"{result['length_km']:g} km")
    lines = [f"BB84 over {where} ({result['preset']}), decoy "
             f"{result['decoy']}, mu = {result['mu']:.4f}, nu = {result['nu']:g}, attack "
             f"{result['attack']}, {_pulses(result)} pulses, seed {result['seed']}"]
    for label in result["gains"]:
        ref = att.get(f"gain_{label}", th[f"gain_{label}"])
        lines.append(f"  gain {label:6s} {_est(result['gains'][label])}   (theory {_f(ref)})")
    for label, q in result["qbers"].items():
        if label != "vacuum":
            ref = att.get(f"qber_{label}", th[f"qber_{label}"])
            lines.append(f"  QBER {label:6s} {_est(q, '.4f')}   (theory {_f(ref, '.4f')})")
    lines.append(f"  Y1 = {_f(result['y1'])} (theory {_f(att.get('y1_estimated', th['y1_estimated']))};"
                 f" exact {th['y1']:.4e}), e1 = {_f(result['e1'], '.4f')}")
    lines.append(f"  key rate {_f(result['key_rate'])} ± {_f(result.get('key_rate_stderr'))} "
                 "bit/pulse (theory "
                 f"{_f(att.get('key_rate', th['key_rate']))}); optimal: "
                 + ", ".join(f"{m} {_f(r)}" for m, r in th["key_rate_optimal"].items())
                 + f"; PLOB {th['plob_fiber']:.4e} (fiber), {th['plob_with_eta_bob']:.4e} "
                 + (f"(with eta_Bob); maximal distance {_f(th['max_distance_km'], '.1f')} km" if not sat
                    else f"(downlink); largest downlink loss {_f(th['max_distance_km'], '.1f')} dB"))
    if result["attack"] == "pns":
        lines.append(f"  Eve knows {result['eve_known_fraction']:.3f} of the sifted bits; a "
                     f"single-photon analysis would keep {result['naive_key_fraction']:.3f}")
    c = result["circuit"]
    lines.append(f"  circuits: {c['rounds']} photons, gain {c['gain']:.4e} (theory "
                 f"{c['theory']['gain']:.4e}), QBER {_f(c['qber'], '.4f')} (theory "
                 f"{c['theory']['qber']:.4f}), final key {c.get('final_key_bits', 0)} bits"
                 + (f", keys match {c['keys_match']}" if "keys_match" in c else ""))
    lines += [f"  note: {n}" for n in ([c["note"]] if c["note"] else []) + result["notes"]]
    return "\n".join(lines)
