"""``qnet relay``: a trusted-node QKD relay, hop keys joined by one-time pads.

Every hop runs BBM92 end to end (``--shots`` pairs per hop), or with ``--protocol bb84-decoy``
decoy-state BB84 (``--pulses`` weak coherent pulses per hop, ``--decoy vacuum-weak|infinite|none``,
key length per Lim et al. 2014 or Ma et al. 2005 Section V); ``--satellite-hop K`` makes hop K
a satellite link. Bob recovers Alice's key through the trusted nodes' public XOR announcements,
and every trusted node could too (the security cost).
Prints per-hop keys and the relayed key beside the closed forms: the slowest hop's asymptotic
rate, the direct link over the whole length, and PLOB. The protocol is
:mod:`qnet_circuits.protocols.relay`.

Example::

    qnet relay --hops 4 --length-km 200 --json
    qnet relay --preset backbone          # ~2,000 km through 32 trusted nodes
    qnet relay --hops 20 --length-km 2000 --protocol bb84-decoy --json
    qnet relay --hops 3 --length-km 150 --protocol bb84-decoy --satellite-hop 2 --elevation-deg 60
    qnet relay --protocol bb84-decoy --graph net.yaml --route alice bob
"""

from __future__ import annotations

import argparse
from typing import Any

from qnet_circuits.cli.common import number, run_protocol

HELP = "trusted-node QKD relay: hop keys joined by one-time pads; rate vs slowest hop, direct, PLOB"
#: pairs per hop (``--shots``)
DEFAULT_SHOTS = 200_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet relay``."""
    parser.add_argument("--hops", type=int, default=None,
                        help="QKD links (hops - 1 trusted nodes); default 4")
    parser.add_argument("--length-km", type=number, default=None,
                        help="Alice-to-Bob fiber length, split equally (default 200)")
    parser.add_argument("--protocol", default="bbm92", help="hop protocol: bbm92 or bb84-decoy")
    parser.add_argument("--decoy", default="vacuum-weak",
                        help="bb84-decoy: vacuum-weak (default), infinite or none (GLLP)")
    parser.add_argument("--pulses", type=int, default=None,
                        help="bb84-decoy: weak coherent pulses per hop (default 1e10; --shots too)")
    parser.add_argument("--nu", type=number, default=0.1, help="bb84-decoy: weak decoy intensity")
    parser.add_argument("--channel", default="gys",
                        help="bb84-decoy hop channel: gys (Ma et al. Table I) or network (0.2 "
                             "dB/km fiber, ideal detector)")
    parser.add_argument("--key-length", default=None,
                        help="bb84-decoy key length: lim2014 (composable; default with "
                             "vacuum-weak) or ma2005 (Ma et al. 2005 Sec. V fluctuations)")
    parser.add_argument("--graph", metavar="FILE", default=None,
                        help="bb84-decoy along a network file's shortest path (--route SRC DST): "
                             "each edge's physics; channel: free_space edges are satellites")
    parser.add_argument("--route", nargs=2, metavar=("SRC", "DST"), default=None,
                        help="the relay's ends in --graph")
    parser.add_argument("--satellite-hop", type=int, action="append", default=None,
                        help="hop K (1-based) is a satellite link (repeatable)")
    parser.add_argument("--altitude-km", type=number, default=500.0,
                        help="satellite altitude in km (with --satellite-hop; default 500)")
    parser.add_argument("--elevation-deg", type=number, default=30.0,
                        help="satellite elevation seen from the ground, (0, 90] (default 30)")
    parser.add_argument("--fidelity", type=number, default=0.97, help="Werner fidelity of each hop's pairs")
    parser.add_argument("--preset", choices=("backbone",), default=None,
                        help="backbone: 2,000 km with 32 trusted nodes (33 hops)")


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Map the flags to :class:`~qnet_circuits.protocols.relay.RelayParams` and run."""
    from qnet_circuits.protocols import relay as protocol

    if args.preset == "backbone":
        if args.hops is not None or args.length_km is not None:
            raise ValueError("--preset backbone sets --hops 33 and --length-km 2000; drop them")
        geometry = dict(protocol.BACKBONE_2000KM)
    else:
        geometry = {"hops": 4 if args.hops is None else args.hops,
                    "length_km": 200.0 if args.length_km is None else args.length_km}
    if (args.graph is None) != (args.route is None):
        raise ValueError("--graph FILE and --route SRC DST go together")
    if args.graph is not None:
        if args.preset or args.hops is not None or args.length_km is not None or args.satellite_hop:
            raise ValueError("--graph takes the hops, lengths and satellites from the file's "
                             "path: drop --preset, --hops, --length-km and --satellite-hop")
        from qnet_circuits.network.io import load

        geometry = {"network": load(args.graph), "route": tuple(args.route)}
    sat = tuple(args.satellite_hop or ())
    if not sat and (args.altitude_km, args.elevation_deg) != (500.0, 30.0):
        raise ValueError("--altitude-km and --elevation-deg describe a satellite: add "
                         "--satellite-hop K")
    if args.protocol != "bb84-decoy" and args.pulses is not None:
        raise ValueError("--pulses counts BB84-decoy pulses: add --protocol bb84-decoy (bbm92 "
                         "counts pairs with --shots)")
    extra: dict[str, Any] = {}
    if args.protocol == "bb84-decoy":
        pulses = args.pulses if args.pulses is not None else args.shots
        extra = {"decoy": args.decoy, "nu": args.nu, "channel": args.channel,
                 "key_length": args.key_length,
                 "pulses": protocol.DEFAULT_PULSES if pulses is None else pulses}
    params = protocol.RelayParams(protocol=args.protocol, fidelity=args.fidelity,
                                  satellite_hops=sat, altitude_km=args.altitude_km,
                                  elevation_deg=args.elevation_deg, **extra, **geometry)
    if args.protocol == "bb84-decoy":  # pulses, not runner shots: --shots was mapped above
        hook = getattr(ctx, "protocol_circuit", None)
        if callable(hook):
            hook(protocol.circuits(params)[0])
        return protocol.run(params, runner=getattr(ctx, "runner", None),
                            seed=getattr(ctx, "seed", None)).to_dict()
    return run_protocol(protocol, params, ctx)


def _render_decoy(result: dict) -> str:
    th = result["theory"]
    bits = result["hop_key_bits"]
    sat = ""
    if result["satellite_hops"]:
        sat = f"; satellite hops {result['satellite_hops']}" + (
            f" at {result['altitude_km']:g} km, {result['elevation_deg']:g} deg"
            if result["altitude_km"] is not None else "")
    span = (f"{result['hops']} hops of {result['hop_length_km']:.1f} km" if not result["path"]
            else f"path {' - '.join(result['path'])} ({result['length_km']:g} km of fiber)")
    lines = [
        f"trusted-node relay: {span} ({len(result['trusted_nodes'])} trusted nodes{sat}), BB84 "
        f"decoy {result['decoy']} per hop, {result['pulses_per_hop']:.3g} pulses per hop at "
        f"{result['pulse_rate_hz']:.3g} Hz",
        f"  hop keys      {min(bits)} to {max(bits)} bits; relayed key {result['relayed_key_bits']} "
        f"bits (session {result['bottleneck_hop']} is the bottleneck); "
        + (f"keys match: {result['keys_match']}" if result["relayed_key_bits"] else
           "no relayed key (a session produced none)"),
        f"  key rate      {result['key_rate_hz']:.4g} bit/s (key length "
        f"{result['key_length_method'].split(' ')[0]})",
        f"  asymptotic    {result['asymptotic_rate_hz']:.4g} +- "
        f"{result['asymptotic_rate_hz_stderr'] or 0:.2g} bit/s simulated (slowest session)   "
        f"theory {th['relay_secret_key_rate_hz']:.4g} bit/s",
        f"  direct link   {th['direct_secret_key_rate_hz']:.4g} bit/s over {result['length_km']} km; "
        f"PLOB {th['plob_direct_hz']:.4g} bit/s",
        f"  key exposed to every trusted node: {', '.join(result['key_exposed_to']) or 'none'}",
    ]
    if result["path"]:
        lines += [f"  session {s['session']}: {s['kind']}, {s['length_km']:.1f} km, "
                  f"{s['loss_db']:.1f} dB, {s['final_key_bits']} key bits" for s in result["sessions"]]
    lines += [f"  note {s['session']}: {s['note']}" for s in result["sessions"] if s["note"]]
    return "\n".join(lines)


def render(result: dict) -> str:
    """Human-readable summary."""
    if result["protocol"] == "bb84-decoy":
        return _render_decoy(result)
    th = result["theory"]
    bits = result["hop_key_bits"]
    return "\n".join([
        f"trusted-node relay: {result['hops']} hops of {result['hop_length_km']:.1f} km "
        f"({result['trusted_nodes']} trusted nodes), {result['protocol']} per hop, "
        f"{result['pairs_per_hop']} pairs per hop",
        f"  hop keys      {min(bits)} to {max(bits)} bits; relayed key {result['relayed_key_bits']} "
        f"bits (hop {result['bottleneck_hop']} is the bottleneck); keys match: {result['keys_match']}",
        f"  key rate      {result['key_rate_hz']:.4g} bit/s (finite key)   theory "
        f"{th['relay_secret_key_rate_hz']:.4g} bit/s (asymptotic, slowest hop)",
        f"  direct link   {th['direct_secret_key_rate_hz']:.4g} bit/s over {result['length_km']} km; "
        f"PLOB {th['plob_direct_hz']:.4g} bit/s",
        f"  key exposed to every trusted node: {', '.join(result['key_exposed_to']) or 'none'}",
    ])
