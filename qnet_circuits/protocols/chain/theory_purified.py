"""The exact closed form of a chain whose links are purified, with memory T1/T2 (sections 5, 7, 10).

From the plan and the link models to :mod:`qnet_circuits.physics.purified_link` (each link's
delivery-time law jointly with its state, the scheduler's step order, success probabilities of
the decayed inputs and restarts) and :mod:`qnet_circuits.physics.chain_purified` (the chain DP).
Applies to heralded-state links (``link_level="state"``) and photonic links (their attempts
herald the same state with the same probability: memories wait the herald time, the herald's Z
correction commutes with T1/T2, then the same frame flip; same cycle time, messages and twirls)
without cutoff (with a cutoff: the renewal Markov chain of
:mod:`qnet_circuits.physics.chain_cutoff_purified`, exact while its states fit), nodes with or
without gate and readout error (each link's steps run by its two end nodes with their own errors,
:func:`~qnet_circuits.physics.purified_link.step_tensor`; each repeater's swap with its own,
:func:`~qnet_circuits.physics.chain_expected.swap_noise_factors`), and a lattice: every cycle
time and one-way message a multiple of a common unit
(``tau / q``, ``q <= 16``; exact for ``preparation_time_s = 0``, where the message is one cycle);
elsewhere ``fidelity_note`` says why there is none.

>>> from qnet_circuits.network import chain
>>> from qnet_circuits.scheduler import ChainPlan, PurificationPlan, link_models
>>> net = chain(2, 10.0, t1_s=2e-3, t2_s=1e-3)
>>> plan = ChainPlan(link_fidelity=0.9, purification=PurificationPlan("dejmps", 1))
>>> models = link_models(net, ["alice", "r1", "bob"], plan)
>>> out = purified_expected(models, plan, net.nodes, [5e-5, 5e-5])
>>> out["fidelity_method"], round(out["fidelity_expected"], 6), round(out["mean_delivery_time_s"], 9)
('exact', 0.515393, 0.000727872)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.network import Node
from qnet_circuits.physics.chain_cutoff_purified import purified_cutoff_oracle
from qnet_circuits.physics.chain_delivery import delivery_quantile
from qnet_circuits.physics.chain_expected import swap_noise_factors
from qnet_circuits.physics.chain_purified import MAX_LINKS, expected_purified_chain
from qnet_circuits.physics.purified_link import purified_link_law
from qnet_circuits.scheduler import ChainPlan, LinkModel, geometry_of
from qnet_circuits.scheduler.emit import _is_werner_state

__all__ = ["herald_state", "lattice_unit", "purified_expected"]

#: largest denominator q of the lattice unit tau / q
MAX_DENOMINATOR = 16


def herald_state(mdl: LinkModel, left: Node, right: Node) -> np.ndarray:
    """The raw pair when heralded, as the scheduler emits it: prepared, both memories waiting the
    herald time, then the frame flip (little-endian: the left memory is qubit 0)."""
    rho = mdl.state(False)
    hw = mdl.herald_wait_s
    if hw > 0:
        rho = physics.relax_density_matrix(rho, 0, hw, left.memory.t1_s, left.memory.t2_s)
        rho = physics.relax_density_matrix(rho, 1, hw, right.memory.t1_s, right.memory.t2_s)
    if mdl.frame_x:
        x = np.array([[0.0, 1.0], [1.0, 0.0]])
        flip = np.kron(np.eye(2), x) if mdl.frame_on_left else np.kron(x, np.eye(2))
        rho = flip @ rho @ flip
    return rho


def lattice_unit(times_s: Sequence[float]) -> float | None:
    """A common unit (s) of which every time is a positive integer multiple (``times[0] / q``,
    ``q <= 16``), or None.

    >>> round(lattice_unit([3e-4, 1e-4]), 12), lattice_unit([1.0, 2.0 ** 0.5])
    (0.0001, None)
    """
    for q in range(1, MAX_DENOMINATOR + 1):
        unit = times_s[0] / q
        ks = [t / unit for t in times_s]
        if all(round(k) >= 1 and abs(k - round(k)) < 1e-9 * max(1.0, k) for k in ks):
            return unit
    return None


def _why_not(models: Sequence[LinkModel], plan: ChainPlan, nodes: Sequence[Node]) -> str | None:
    if len(models) > MAX_LINKS:
        return f"purified chains have an exact oracle up to {MAX_LINKS} links"
    return None


def purified_expected(models: Sequence[LinkModel], plan: ChainPlan, nodes: Sequence[Node],
                      offsets_s: Sequence[float]) -> dict[str, Any]:
    """``fidelity_expected``, ``fidelity_method``, ``mean_delivery_time_s``, the delivery-time
    quantiles (``delivery_time_p50_s``, ``delivery_time_p90_s``, ``delivery_time_method``) and
    ``purification_success`` (per link, the mean success probability of each level's step);
    or ``fidelity_note``. ``offsets_s``: the classical offsets ``c_i`` of the strategy."""
    pur = plan.purification
    why = _why_not(models, plan, nodes)
    if why is not None:
        return {"fidelity_note": why}
    unit = lattice_unit([m.cycle_time_s for m in models] + [m.message_s for m in models
                                                           if m.message_s > 0])
    if unit is None:
        return {"fidelity_note": "purified links whose cycle times and messages share no small "
                                 "common unit (preparation_time_s): no exact oracle yet"}
    laws: dict[tuple, dict[str, Any]] = {}
    measures, success = [], []
    try:
        for i, mdl in enumerate(models):
            left, right = nodes[i], nodes[i + 1]
            key = (id(mdl.raw_rho), mdl.p, mdl.cycle_time_s, mdl.message_s, mdl.herald_wait_s,
                   mdl.frame_x, mdl.frame_on_left, left.memory, right.memory, left.gate_error,
                   right.gate_error, left.readout_error, right.readout_error)
            if key not in laws:
                twirl = pur.protocol == "bbpssw" and not _is_werner_state(mdl.state(True))
                laws[key] = purified_link_law(
                    herald_state(mdl, left, right), mdl.p, round(mdl.cycle_time_s / unit),
                    round(mdl.message_s / unit), (left.memory.t1_s, right.memory.t1_s),
                    (left.memory.t2_s, right.memory.t2_s), pur.protocol, pur.rounds, pur.scheme,
                    twirl, unit, gate_error=(left.gate_error, right.gate_error),
                    readout_error=(left.readout_error, right.readout_error))
            measures.append(laws[key]["measure"])
            success.append(laws[key]["success"])
        chain_args = (measures, unit, list(geometry_of(models).node_delay_s),
                      [nd.memory.t1_s for nd in nodes], [nd.memory.t2_s for nd in nodes],
                      plan.strategy)
        factors = [swap_noise_factors(nd.gate_error, nd.readout_error) for nd in nodes[1:-1]]
        if plan.cutoff_s is None:
            out = expected_purified_chain(*chain_args, factors, offsets_s)
        else:  # each link a renewal process: physics.chain_cutoff_purified
            out = purified_cutoff_oracle(*chain_args, plan.cutoff_s, factors)
    except ValueError as err:  # a lattice, a state space or an asap work estimate out of reach
        return {"fidelity_note": str(err)}
    times, pmf = out["delivery_times_s"], out["delivery_pmf"]
    res = {"fidelity_expected": out["fidelity"], "fidelity_method": out["method"],
           "mean_delivery_time_s": out["mean_delivery_time_s"],
           "delivery_time_p50_s": delivery_quantile(times, pmf, 0.5),
           "delivery_time_p90_s": delivery_quantile(times, pmf, 0.9),
           "delivery_time_method": out["method"], "purification_success": success}
    if plan.cutoff_s is not None:
        res["fidelity_error_bound"] = out["fidelity_error_bound"]
    return res
