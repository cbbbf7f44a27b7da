"""``qnet relay``: a trusted-node QKD relay, hop keys joined by one-time pads.

Every hop runs BBM92 end to end (``--shots`` pairs per hop); Bob recovers Alice's key through the
trusted nodes' public XOR announcements, and every trusted node could too (the security cost).
Prints per-hop keys and the relayed key beside the closed forms: the slowest hop's asymptotic
rate, the direct link over the whole length, and PLOB. The protocol is
:mod:`qnet_circuits.protocols.relay`.

Example::

    qnet relay --hops 4 --length-km 200 --json
    qnet relay --preset backbone          # ~2,000 km through 32 trusted nodes
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
    parser.add_argument("--protocol", default="bbm92", help="hop protocol: bbm92")
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
    params = protocol.RelayParams(protocol=args.protocol, fidelity=args.fidelity, **geometry)
    return run_protocol(protocol, params, ctx)


def render(result: dict) -> str:
    """Human-readable summary."""
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
