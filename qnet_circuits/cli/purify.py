"""``qnet purify``: BBPSSW or DEJMPS purification (recurrence or pumping), post-selected on flags.

Inputs: ``--fidelity F [F ...]`` or ``--bell-diagonal A B C D`` (repeat once per pair). One pair
spec is used for every raw pair; otherwise list the raw pairs (recurrence: 2**rounds in leaf
order, e.g. kept then sacrificed for one round; pumping: the initial pair then one fresh pair
per round, or two specs = initial and the fresh pair used in every round).

Noise: ``--gate-error`` after each local CNOT and ``--readout-error`` on each measurement, at
both nodes. The noisy closed form covers gate error (section 5: each depolarized CNOT fully
randomizes both pairs); with readout error there is no closed form (``theory`` is null), and
the flip also hits the fidelity measurement at the nodes.

Example::

    qnet purify --protocol dejmps --fidelity 0.8 --rounds 2 --json
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.analysis import herald_rule_mask, heralded_mask, proportion
from qnet_circuits.cli.swap import (
    add_noise_arguments,
    add_pair_arguments,
    check_noise,
    node_network,
    pair_estimates,
    pair_inputs,
    record_protocol,
    run_bases,
    shots_and_seed,
)
from qnet_circuits.library.purification import PROTOCOLS, purification_circuit
from qnet_circuits.results import Estimate

HELP = "BBPSSW/DEJMPS purification (recurrence or pumping): fidelity and success vs theory"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``qnet purify``."""
    add_pair_arguments(parser, "the raw pairs")
    add_noise_arguments(parser, "at Alice and Bob (local CNOTs, flag measurements)")
    parser.add_argument("--protocol", choices=PROTOCOLS, default="dejmps",
                        help="bbpssw (twirl to Werner between rounds) or dejmps (default)")
    parser.add_argument("--rounds", type=int, default=1, help="purification rounds, >= 1")
    parser.add_argument("--pumping", action="store_true",
                        help="pumping: a fresh pair purifies the kept pair every round "
                             "(default: recurrence, 2**rounds raw pairs)")


def _expand(inputs: list, rounds: int, pumping: bool) -> list:
    if pumping and len(inputs) == 2 and rounds > 1:
        return [inputs[0]] + [inputs[1]] * rounds
    needed = rounds + 1 if pumping else 2**rounds
    if len(inputs) == 1:
        return inputs * needed
    if len(inputs) != needed:
        scheme = "pumping: 1, 2 (initial, fresh) or rounds+1" if pumping else "1 or 2**rounds"
        raise ValueError(
            f"--fidelity/--bell-diagonal must give {scheme} pairs ({needed} for "
            f"--rounds {rounds}), got {len(inputs)}"
        )
    return inputs


def _step_theory(protocol: str, c1, c2, lam: float) -> tuple[tuple, float]:
    """One step: BBPSSW twirls both inputs to Werner (DEJMPS rotations leave Werner states
    unchanged, so the DEJMPS map with Werner inputs is the BBPSSW map, noise included)."""
    if protocol == "bbpssw":
        c1, c2 = physics.twirl(c1), physics.twirl(c2)
    return physics.dejmps(c1, c2, cnot_depolarizing=lam)


def theory(qc, protocol: str, inputs: list, lam: float) -> tuple[tuple, float, dict[str, float]]:
    """Closed-form output coefficients, overall success and each step's conditional success."""
    steps = qc.metadata["steps"]
    step_p: dict[str, float] = {}
    if qc.metadata["scheme"] == "pumping":
        kept = inputs[0]
        for step, fresh in zip(steps, inputs[1:], strict=True):
            kept, p = _step_theory(protocol, kept, fresh, lam)
            step_p[step["register"]] = p
    else:
        level = list(inputs)
        for k in range(1, qc.metadata["rounds"] + 1):
            names = [s["register"] for s in steps if s["round"] == k]
            nxt = []
            for i, name in enumerate(names):
                out, p = _step_theory(protocol, level[2 * i], level[2 * i + 1], lam)
                step_p[name] = p
                nxt.append(out)
            level = nxt
        kept = level[0]
    return tuple(kept), float(np.prod(list(step_p.values()))), step_p


def step_success(by_basis, register: str, depends_on: list[str]) -> Estimate:
    """Conditional success of one step: its flags agree, given its inputs' flags agreed
    (pooled over the three basis runs, which are independent)."""
    hits = trials = 0
    for data in by_basis.values():
        given = np.ones(data.shots, dtype=bool)
        for reg in depends_on:
            given &= herald_rule_mask(data[reg], "equal")
        ok = herald_rule_mask(data[register], "equal")
        trials += int(given.sum())
        hits += int((given & ok).sum())
    return proportion(hits, trials)


def run(args: argparse.Namespace, ctx: Any) -> dict:
    """Build, run and analyse the purification; JSON-able result."""
    lam, eps = check_noise(args)
    if isinstance(args.rounds, bool) or not isinstance(args.rounds, int) or args.rounds < 1:
        raise ValueError(f"--rounds must be an integer >= 1, got {args.rounds}")
    inputs = _expand(pair_inputs(args, default=[0.8]), args.rounds, args.pumping)
    qc = purification_circuit(inputs, protocol=args.protocol, rounds=args.rounds,
                              pumping=args.pumping)
    record_protocol(ctx, qc)
    network = node_network(["alice", "bob"], ["alice", "bob"], lam, eps)
    (by_basis,) = run_bases(ctx, [qc], network)
    shots, seed = shots_and_seed(ctx)
    kept = sum(int(heralded_mask(d).sum()) for d in by_basis.values())
    p_success = proportion(kept, sum(d.shots for d in by_basis.values()))
    coeffs, p_theory, step_p = theory(qc, args.protocol, inputs, lam)
    closed = eps == 0.0
    steps = []
    for s in qc.metadata["steps"]:
        est = step_success(by_basis, s["register"], s["depends_on"])
        steps.append({
            "register": s["register"],
            "round": s["round"],
            "p_success": est.value,
            "p_success_stderr": est.stderr,
            "theory": step_p[s["register"]] if closed else None,
        })
    return {
        "command": "purify",
        "protocol": args.protocol,
        "scheme": "pumping" if args.pumping else "recurrence",
        "rounds": args.rounds,
        "raw_pairs": len(inputs),
        "inputs": [list(c) for c in inputs],
        "gate_error": lam,
        "readout_error": eps,
        **pair_estimates(by_basis),
        "p_success": p_success.value,
        "p_success_stderr": p_success.stderr,
        "kept_shots": kept,
        "theory": coeffs[0] if closed else None,
        "theory_coefficients": list(coeffs) if closed else None,
        "theory_p_success": p_theory if closed else None,
        "theory_note": None if closed else "no closed form with readout error",
        "steps": steps,
        "shots": shots,
        "seed": seed,
        "method": by_basis["XX"].metadata.get("method"),
    }


def render(result: dict) -> str:
    """Human-readable summary."""
    def th(x, spec=".6f"):
        return "n/a" if x is None else format(x, spec)

    lines = [
        f"{result['protocol'].upper()} {result['scheme']}, {result['rounds']} round(s), "
        f"{result['raw_pairs']} raw pairs, gate error {result['gate_error']}, readout error "
        f"{result['readout_error']}, {result['shots']} shots per basis",
        f"  fidelity   {result['fidelity']:.4f} ± {result['fidelity_stderr']:.4f}   theory "
        f"{th(result['theory'])}",
        f"  p_success  {result['p_success']:.4f} ± {result['p_success_stderr']:.4f}   theory "
        f"{th(result['theory_p_success'])}",
    ]
    for s in result["steps"]:
        lines.append(
            f"    round {s['round']} {s['register']}: p = {s['p_success']:.4f} ± "
            f"{s['p_success_stderr']:.4f}   theory {th(s['theory'])}"
        )
    if result.get("theory_note"):
        lines.append(f"  note: {result['theory_note']}")
    return "\n".join(lines)
