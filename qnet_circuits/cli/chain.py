"""``qnet chain``: a repeater chain of N links as one timed circuit, beside the closed forms.

Every link has the same scheme and length (``--length-km`` per segment); memories are ideal unless
``--t1``/``--t2`` are given; ``--link-fidelity F`` makes every link deliver a Werner pair of
fidelity F at the heralded-state level (timing still from the scheme and length). ``--shots`` is
the number of sampled realizations (delivered pairs).

Example::

    qnet chain --links 4 --length-km 25 --t2 0.1 --strategy asap --json
"""

from __future__ import annotations

import argparse
import math

from qnet_circuits.cli.common import (
    Context,
    add_memory_arguments,
    fmt,
    memory_lines,
    number,
    positive_int,
)
from qnet_circuits.library.options import CHAIN_ESTIMATORS, CHAIN_LINK_LEVELS, CHAIN_PURIFICATIONS
from qnet_circuits.network import SCHEMES
from qnet_circuits.timeline import STRATEGIES

HELP = "repeater chain: heralded links, purification, swapping, cutoff; fidelity, rate, delivery time"
DEFAULT_SHOTS = 3000


def _lengths(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated lengths in km, got {text!r}"
                                         ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--links", type=positive_int, default=None,
                        help="number of links (default 2, or one per --link-lengths value)")
    parser.add_argument("--length-km", type=number, default=25.0,
                        help="length of each link in km (default 25)")
    parser.add_argument("--link-lengths", type=_lengths, default=None, metavar="KM,KM,...",
                        help="unequal links: one length per link in km, comma-separated "
                             "(e.g. 20,40,20; replaces --length-km)")
    parser.add_argument("--scheme", choices=SCHEMES, default="double-click")
    parser.add_argument("--strategy", choices=STRATEGIES, default="sequential")
    parser.add_argument("--purify", choices=CHAIN_PURIFICATIONS, default="none")
    parser.add_argument("--rounds", type=positive_int, default=1,
                        help="purification rounds per link (default 1)")
    parser.add_argument("--t1", type=number, default=math.inf, help="memory T1 in s (default inf)")
    parser.add_argument("--t2", type=number, default=math.inf, help="memory T2 in s (default inf)")
    parser.add_argument("--cutoff", type=number, default=None,
                        help="discard a stored pair after this many seconds (default: none)")
    parser.add_argument("--link-fidelity", type=number, default=None, metavar="F",
                        help="Werner links of fidelity F at the heralded-state level")
    parser.add_argument("--link-level", choices=CHAIN_LINK_LEVELS, default="state",
                        help="heralded-state level (default) or photonic attempts (short chains)")
    parser.add_argument("--alpha", type=number, default=0.1,
                        help="single-click bright-state population (default 0.1)")
    parser.add_argument("--detector-efficiency", type=number, default=1.0)
    parser.add_argument("--dark-count", type=number, default=0.0,
                        help="dark-count probability per detector per window (default 0; "
                             "single- and double-click links)")
    parser.add_argument("--estimator", choices=CHAIN_ESTIMATORS, default="parities",
                        help="XX/YY/ZZ parities of the delivered pairs, or exact density matrices")
    parser.add_argument("--correction", choices=("auto", "dynamic", "frame"), default=None,
                        help="device form of the plan (no while_loop, heralds post-selected): "
                             "if_test swaps (dynamic) or a software Pauli frame (frame); auto "
                             "(the default on a device) picks from the target's if_else")
    add_memory_arguments(parser)


def run(args: argparse.Namespace, ctx: Context) -> dict:
    from qnet_circuits.protocols import chain as protocol

    params = protocol.ChainParams(
        links=args.links or (len(args.link_lengths) if args.link_lengths else 2),
        length_km=args.length_km,
        link_lengths_km=args.link_lengths,
        scheme=args.scheme,
        strategy=args.strategy,
        purification=args.purify,
        rounds=args.rounds,
        t1_s=args.t1,
        t2_s=args.t2,
        cutoff_s=args.cutoff,
        link_fidelity=args.link_fidelity,
        link_level=args.link_level,
        alpha=args.alpha,
        detector_efficiency=args.detector_efficiency,
        dark_count_prob=args.dark_count,
        estimator=args.estimator,
        correction=args.correction,
        memory=args.memory,
        time_scale=args.time_scale,
    )
    result = protocol.run(params, runner=ctx.runner, shots=ctx.shots, seed=ctx.seed)
    if ctx.qasm_path is not None:
        ctx.protocol_circuit(result.protocol_circuit())
    return {"command": "chain", **result.to_dict(), "backend": ctx.backend}


def _span(result: dict) -> str:
    """``4 x 25 km`` or, for unequal links, ``3 links of 20 + 40 + 20 km``."""
    lengths = result.get("link_lengths_km")
    if lengths:
        return f"{len(lengths)} links of {' + '.join(f'{x:g}' for x in lengths)} km"
    return f"{result['links']} x {result['length_km']:g} km"


def render(result: dict) -> str:
    th = result["theory"]
    head = (
        f"qnet chain: {_span(result)}, {result['scheme']}, "
        f"{result['strategy']} swapping"
        + (f", {result['purify']} x{result['rounds']}" if result["purify"] != "none" else "")
        + f" ({result['realizations']} pairs, {result['qubits']} qubits, {result['method']})"
    )
    lines = [
        head,
        f"{'':26}{'simulated':>22}{'closed form':>14}",
        f"{'fidelity':26}{fmt(result['fidelity'], result['fidelity_stderr']):>22}"
        f"{fmt(th.get('fidelity')):>14}",
    ]
    if "fidelity_ideal_memories" in th and th.get("fidelity") != th["fidelity_ideal_memories"]:
        lines.append(f"{'  with ideal memories':26}{'':>22}{fmt(th['fidelity_ideal_memories']):>14}")
    if th.get("fidelity_method") == "approx":
        note = f"approximate: blocks of {th['fidelity_block_attempts']} attempts, error about " \
            f"{th['fidelity_approx_error']:.1g}" if "fidelity_approx_error" in th else "approximate"
        lines.append(f"{'  closed form is':26}{'':>22}  {note}")
    if result.get("fidelity_spread") is not None:
        lines.append(f"{'  spread (std)':26}{result['fidelity_spread']:>22.4f}")
    d = result["delivery_time_s"]
    lines += [
        f"{'mean delivery time (ms)':26}{fmt(1e3 * d['mean_s'], 1e3 * d['stderr_s']):>22}"
        f"{fmt(_ms(th.get('mean_delivery_time_s'))):>14}",
        f"{'  p50 / p90 / p99 (ms)':26}{1e3 * d['p50_s']:.4g} / {1e3 * d['p90_s']:.4g} / "
        f"{1e3 * d['p99_s']:.4g}" + _quantile_theory(th),
        f"{'rate (Hz)':26}{fmt(result['rate_hz'], result['rate_hz_stderr']):>22}",
        f"pairs per channel use {th['pairs_per_channel_use']:.4g}; PLOB bound: repeaterless "
        f"{th['plob_repeaterless']:.4g}, ideal {result['links']}-segment chain {th['plob_chain']:.4g}",
        _delivery_note(th),
        f"wall time {result['wall_s']:.2f} s",
    ]
    if result.get("device_form") is not None:
        lines += _device_lines(result["device_form"], result.get("backend", "aer"))
    return "\n".join(lines)


def _quantile_theory(th: dict) -> str:
    """`` (closed form p50 / p90)`` where the delivery-time law is known."""
    if "delivery_time_p50_s" not in th:
        return ""
    return (f"  (closed form {1e3 * th['delivery_time_p50_s']:.4g} / "
            f"{1e3 * th['delivery_time_p90_s']:.4g})")


def _device_lines(dev: dict, backend: str) -> list[str]:
    """The device form's acceptance beside its closed form, and the ISA report."""
    where = "lossless device circuit" if dev["acceptance_theory_device"] else "network model"
    lines = [
        f"device form on {backend}: {dev['correction']} correction, {dev['accepted']} of "
        f"{dev['shots']} shots accepted",
        f"{'acceptance':26}{fmt(dev['acceptance'], dev['acceptance_stderr']):>22}"
        f"{fmt(dev['acceptance_theory']):>14}  ({where})",
    ]
    lines += memory_lines(dev)
    isa = dev.get("isa")
    if isa:
        used = sorted({q for qs in isa["layout"].values() for q in qs})
        lines.append(f"ISA: {len(used)} qubits, {isa['isa_two_qubit']} two-qubit gates "
                     f"(ideal {isa['ideal_two_qubit']}), depth {isa['depth']}, layout "
                     f"{isa['layout_method']}, {isa['delays']['count']} delays "
                     f"(max rounding {isa['delays']['max_error_s']:.2g} s)")
    return lines


def _delivery_note(th: dict) -> str:
    """What the closed-form delivery time is: exact with the swaps' classical messages, bounds,
    or none for this plan."""
    if th.get("mean_delivery_time_s") is not None:
        if th.get("mean_delivery_time_error_s") is not None:
            return ("closed-form delivery time: approximate (blocks of attempts), error about "
                    f"{1e3 * th['mean_delivery_time_error_s']:.1g} ms; classical messages included")
        return ("closed-form delivery time: exact, geometric link generation with the swaps' "
                "classical messages (and the cutoff, if any)")
    if th.get("delivery_time_note"):
        return f"closed-form delivery time: none ({th['delivery_time_note']})"
    bounds = th.get("mean_delivery_time_bounds_s")
    if bounds:
        return (f"closed-form delivery time: between {1e3 * bounds[0]:.4g} and {1e3 * bounds[1]:.4g}"
                " ms (beyond the exact range; classical messages included)")
    return "closed-form delivery time: none for this plan (purification, cutoff or unequal links)"


def _ms(value: float | None) -> float | None:
    return None if value is None else 1e3 * value
