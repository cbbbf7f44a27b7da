"""Closed forms that apply to a chain plan (physics-reference sections 2, 4, 5, 9, 10).

>>> from qnet_circuits.scheduler import ChainPlan, link_models, sample_timeline
>>> from qnet_circuits.network import chain
>>> net, plan = chain(2, 10.0), ChainPlan(link_fidelity=0.9)
>>> models = link_models(net, ["alice", "r1", "bob"], plan)
>>> tl = sample_timeline(models, plan, 50, np.random.default_rng(0))
>>> round(chain_theory(net, ["alice", "r1", "bob"], models, plan, tl)["fidelity"], 6)
0.813333
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.network import Network, Node
from qnet_circuits.physics.chain_cutoff import cutoff_chain_oracle
from qnet_circuits.physics.chain_delivery import delivery_quantile, delivery_time_distribution
from qnet_circuits.physics.chain_exact import MAX_EXACT_LINKS, mean_delivery_time
from qnet_circuits.physics.chain_expected import (
    MAX_LINKS,
    chain_fidelity_from_waits,
    expected_chain_fidelity,
    pair_correlations,
    swap_noise_factors,
)
from qnet_circuits.physics.chain_unequal import unequal_chain_fidelity
from qnet_circuits.physics.max_plus import max_plus_law, max_plus_mean, max_plus_quantile
from qnet_circuits.scheduler import ChainPlan, LinkModel, PurificationPlan
from qnet_circuits.scheduler.sample import geometry_of
from qnet_circuits.timeline import ChainGeometry, Timeline, delivery_times, swap_times


def chain_theory(network: Network, path: Sequence[str], models: Sequence[LinkModel],
                 plan: ChainPlan, timeline: Timeline) -> dict[str, Any]:
    """Closed forms that apply to this plan (physics-reference sections 2, 4, 5, 9, 10).

    Keys (present only where the closed form applies): ``p_link``, ``cycle_time_s``,
    ``fidelity_ideal_memories`` (Bell-diagonal chain with noisy swaps, section 4, each repeater
    with its own gate and readout error, after purification for DEJMPS/BBPSSW, section 5, at
    nodes with gate and readout error too), ``fidelity_two_link_dephasing``
    (section 10 E[F], two equal Werner links, pure dephasing), ``mean_delivery_time_s``
    (exact, :mod:`qnet_circuits.physics.chain_exact`, with the classical messages of the swaps,
    up to 14 equal links without purification or cutoff; beyond, ``mean_delivery_time_bounds_s``;
    unequal cycle times without a cutoff: the law of :mod:`qnet_circuits.physics.max_plus`, with
    ``delivery_time_p50_s`` and ``delivery_time_p90_s``),
    ``plob_repeaterless`` and
    ``plob_chain`` (section 9, ebits per channel use over the total length) and
    ``pairs_per_channel_use`` (simulated: cycle time over mean delivery time); ``fidelity`` is the
    closed form that applies to this very plan (ideal memories, else ``fidelity_expected``: the
    exact average over herald times with memory T1/T2, :func:`expected_fidelity`, else the two-link
    dephasing form), and ``fidelity_method`` says ``"exact"`` or ``"approx"``.
    """
    theory: dict[str, Any] = {
        "p_link": [m.p for m in models],
        "cycle_time_s": [m.cycle_time_s for m in models],
    }
    by_name = {nd.name: nd for nd in network.nodes}
    nodes = [by_name[n] for n in path]
    repeaters = nodes[1:-1]
    lams = [r.gate_error for r in repeaters]
    epss = [r.readout_error for r in repeaters]
    uniform_noise = len(set(lams)) <= 1 and len(set(epss)) <= 1
    lam = lams[0] if lams and uniform_noise else 0.0
    eps = epss[0] if epss and uniform_noise else 0.0
    coeffs = [m.bell_coefficients() for m in models]
    pur = plan.purification
    if pur is not None:  # each link purified by its two end nodes, with their gate/readout error
        coeffs = [_purified_coefficients(c, pur, nodes[i], nodes[i + 1])
                  for i, c in enumerate(coeffs)]
    if coeffs:  # photonic links herald the same states as the state level
        theory["fidelity_ideal_memories"] = physics.chain_bell_diagonal(coeffs, lams, epss)[0]
    theory.update(_delivery_and_dephasing(models, plan, nodes, coeffs, lam, eps))
    ideal_memories = all(n.memory.ideal for n in nodes)
    expected = expected_fidelity(models, plan, nodes, timeline)
    theory.update(expected)
    if ideal_memories and "fidelity_ideal_memories" in theory:
        theory["fidelity"] = theory["fidelity_ideal_memories"]
        theory["fidelity_method"] = "exact"
    elif "fidelity_expected" in theory:
        theory["fidelity"] = theory["fidelity_expected"]
    elif "fidelity_two_link_dephasing" in theory:
        theory["fidelity"] = theory["fidelity_two_link_dephasing"]
        theory["fidelity_method"] = "exact"
    length = sum(m.link.fiber.length_km for m in models)
    eta_total = models[0].link.fiber.transmissivity_over(length)
    theory["total_length_km"] = length
    theory["plob_repeaterless"] = physics.plob(eta_total)
    theory["plob_chain"] = physics.plob_chain(eta_total, len(models))
    theory["pairs_per_channel_use"] = float(np.mean([m.cycle_time_s for m in models])) / float(
        timeline.delivery_s.mean()
    )
    return theory


def _delivery_and_dephasing(models: Sequence[LinkModel], plan: ChainPlan, nodes: Sequence[Node],
                            coeffs: list, lam: float, eps: float) -> dict[str, float]:
    """``mean_delivery_time_s`` (equal links, no purification or cutoff, sampled timing) and
    ``fidelity_two_link_dephasing`` (two equal Werner links, pure dephasing, no readout error)."""
    out: dict[str, float] = {}
    n = len(models)
    ps = {m.p for m in models}
    taus = {m.cycle_time_s for m in models}
    if not (len(ps) == 1 and len(taus) == 1 and plan.purification is None and plan.cutoff_s is None
            and plan.timing == "sampled"):
        return out
    p, tau = ps.pop(), taus.pop()
    if n <= MAX_EXACT_LINKS:
        offsets = classical_offsets(geometry_of(models), plan.strategy)
        out["mean_delivery_time_s"] = mean_delivery_time([p] * n, offsets, tau)
    if n <= MAX_LINKS and p > 1e-4:
        offsets = classical_offsets(geometry_of(models), plan.strategy)
        law = delivery_time_distribution([p] * n, offsets, tau)
        summary = _delivery_summary(law["times_s"], law["pmf"], law["mean_s"], "exact")
        out.update({k: v for k, v in summary.items() if k not in out})
    elif n > MAX_EXACT_LINKS and (n <= 20 or p > 1e-4):
        # beyond the exact range: bounds from the smallest and largest classical offset
        offsets = classical_offsets(geometry_of(models), plan.strategy)
        base = tau * physics.expected_max_geometric(n, p)
        out["mean_delivery_time_bounds_s"] = [base + min(offsets), base + max(offsets)]
    werner = [c for c in coeffs if abs(c[1] - c[2]) < 1e-12 and abs(c[2] - c[3]) < 1e-12]
    ideal_memories = all(nd.memory.ideal for nd in nodes)
    mems = {nd.memory for nd in nodes}
    if not (n == 2 and len(werner) == 2 and eps == 0 and not ideal_memories and len(mems) == 1):
        return out
    mem = mems.pop()
    if math.isinf(mem.t1_s):
        mdl = models[0]
        w = physics.werner_w(werner[0][0]) * physics.werner_w(werner[1][0]) * (1 - lam)
        q = math.exp(-2 * tau / mem.t2_s)
        lam_mean = physics.two_link_mean_dephasing(p, q)
        lam_mean *= math.exp(-4 * mdl.herald_wait_s / mem.t2_s)
        msg = max(models[0].message_s, models[1].message_s)
        lam_mean *= math.exp(-2 * msg / mem.t2_s)
        out["fidelity_two_link_dephasing"] = physics.pauli_chain_fidelity(w, lam_mean)
    return out


def stored_link_correlations(mdl: LinkModel, left: Node, right: Node) -> tuple[float, ...]:
    """:func:`~qnet_circuits.physics.chain_expected.pair_correlations` of link ``mdl``'s pair when
    it is heralded: the raw state, both memories waiting the herald time, then the frame flip
    (as the scheduler emits it; X commutes with pure dephasing, so its order matters only with T1).
    """
    from qnet_circuits.protocols.chain.theory_purified import herald_state

    return pair_correlations(herald_state(mdl, left, right))


def expected_fidelity(models: Sequence[LinkModel], plan: ChainPlan, nodes: Sequence[Node],
                      timeline: Timeline) -> dict[str, Any]:
    """``fidelity_expected`` (the end-to-end fidelity averaged over the geometric herald times,
    memory T1/T2, classical delays, noisy swaps; :mod:`qnet_circuits.physics.chain_expected`),
    ``fidelity_method`` (``"exact"`` or ``"approx"``) and, for approx, ``fidelity_approx_error``
    and ``fidelity_block_attempts`` (attempts grouped per lattice step).

    Applies to links without purification (unequal cycle times with a cutoff through the Markov
    chain of :mod:`qnet_circuits.physics.chain_cutoff`, exact while it fits; without a cutoff
    through the max-plus DP of :mod:`qnet_circuits.physics.chain_unequal`, with the delivery-time
    law; state level, or photonic level:
    the photonic attempts herald the same state with the same probability), up to
    :data:`~qnet_circuits.physics.chain_expected.MAX_LINKS` links; with a cutoff it comes from
    the Markov chain of the event loop (:mod:`qnet_circuits.physics.chain_cutoff`), which also
    gives ``mean_delivery_time_s`` and the delivery-time quantiles.
    With ``timing="deterministic"`` it is the fidelity of the one realization.

    >>> from qnet_circuits.network import chain
    >>> from qnet_circuits.scheduler import link_models
    >>> net, plan = chain(3, 20.0, t1_s=2e-3, t2_s=1e-3), ChainPlan(strategy="asap")
    >>> path = ["alice", "r1", "r2", "bob"]
    >>> out = expected_fidelity(link_models(net, path, plan), plan, net.nodes, None)
    >>> out["fidelity_method"], round(out["fidelity_expected"], 6)
    ('exact', 0.398393)
    """
    taus = {m.cycle_time_s for m in models}
    n = len(models)
    if plan.purification is not None:  # purified links: physics.chain_purified
        from qnet_circuits.protocols.chain.theory_purified import purified_expected

        return purified_expected(models, plan, nodes,
                                 classical_offsets(geometry_of(models), plan.strategy))
    if not (plan.purification is None and n <= MAX_LINKS):
        return {}
    corr = [stored_link_correlations(m, nodes[i], nodes[i + 1]) for i, m in enumerate(models)]
    t1 = [nd.memory.t1_s for nd in nodes]
    t2 = [nd.memory.t2_s for nd in nodes]
    factors = [swap_noise_factors(nd.gate_error, nd.readout_error) for nd in nodes[1:-1]]
    if plan.timing == "deterministic":
        f = chain_fidelity_from_waits(corr, timeline.left_wait_s[0], timeline.right_wait_s[0],
                                      t1, t2, factors)
        return {"fidelity_expected": f, "fidelity_method": "exact"}
    args = (corr, [m.p for m in models], [m.cycle_time_s for m in models],
            list(geometry_of(models).node_delay_s), t1, t2, plan.strategy, factors, plan.cutoff_s)
    try:
        if len(taus) > 1 and plan.cutoff_s is None:  # max-plus DP on the links' own lattices
            return _unequal_no_cutoff(models, plan, args[:8])
        # sequential with a cutoff: one moment vector per state (None: out of its reach)
        out = _sequential_cutoff(args) if plan.strategy == "sequential" else None
        if out is None and len(taus) > 1:  # unequal cycle times: the Markov chain on a common grid
            out = cutoff_chain_oracle(*args)
        elif out is None:
            out = expected_chain_fidelity(*args[:2], taus.pop(), *args[3:])
    except ValueError as err:  # the cutoff oracle out of reach, or a chain that never delivers
        return {"fidelity_note": str(err)}
    res = {"fidelity_expected": out["fidelity"], "fidelity_method": out["method"]}
    if "approx_error" in out:
        res["fidelity_approx_error"] = out["approx_error"]
        res["fidelity_block_attempts"] = out["block"]
    if "delivery_pmf" in out:  # the cutoff oracle: the delivery-time law of the same chain
        res.update(_delivery_summary(out["delivery_times_s"], out["delivery_pmf"],
                                     out["mean_delivery_time_s"], out["method"]))
        if "mean_delivery_time_error_s" in out:
            res["mean_delivery_time_error_s"] = out["mean_delivery_time_error_s"]
    return res


def _unequal_no_cutoff(models: Sequence[LinkModel], plan: ChainPlan, args: tuple) -> dict[str, Any]:
    """Unequal cycle times, no cutoff: ``fidelity_expected`` from
    :func:`~qnet_circuits.physics.chain_unequal.unequal_chain_fidelity` (exact, or blocks of
    attempts with ``fidelity_approx_error`` beyond its work limit) and the delivery-time law
    of ``T = max_i (tau_i G_i + c_i)`` (:func:`~qnet_circuits.physics.max_plus.max_plus_law`;
    the mean and p50 / p90 from the slowest link's tail, ``max_plus_mean`` and
    ``max_plus_quantile``, when the law is too large). Beyond their size limits, one-line
    notes."""
    res: dict[str, Any] = {}
    try:
        out = unequal_chain_fidelity(*args)
        res.update({"fidelity_expected": out["fidelity"], "fidelity_method": out["method"]})
        if "approx_error" in out:
            res["fidelity_approx_error"] = out["approx_error"]
            res["fidelity_block_attempts"] = out["block"]
    except ValueError as err:
        res["fidelity_note"] = str(err)
    ps, taus = [m.p for m in models], [m.cycle_time_s for m in models]
    offsets = classical_offsets(geometry_of(models), plan.strategy)
    try:
        law = max_plus_law(ps, taus, offsets, max_points=2_000_000)
        res.update(_delivery_summary(law["times_s"], law["pmf"], law["mean_s"], "exact"))
    except ValueError:
        try:
            res.update({"mean_delivery_time_s": max_plus_mean(ps, taus, offsets),
                        "delivery_time_p50_s": max_plus_quantile(ps, taus, offsets, 0.5),
                        "delivery_time_p90_s": max_plus_quantile(ps, taus, offsets, 0.9),
                        "delivery_time_method": "exact"})
        except ValueError as err:
            res["delivery_time_note"] = str(err)
    return res


def _sequential_cutoff(args) -> dict[str, Any] | None:
    """:func:`~qnet_circuits.physics.chain_cutoff_sequential.sequential_cutoff_oracle` for a
    sequential plan with a cutoff (exact for longer chains than the tensor oracle), or None when
    there is no cutoff or its states do not fit (the tensor oracle or blocks take over)."""
    corr, p, taus, delays, t1, t2, _, factors, cutoff_s = args
    if cutoff_s is None:
        return None
    from qnet_circuits.physics.chain_cutoff_sequential import sequential_cutoff_oracle

    try:
        return sequential_cutoff_oracle(corr, p, taus, delays, t1, t2, factors, cutoff_s)
    except ValueError as err:
        if "states" in str(err) or "multiples" in str(err):
            return None
        raise


def _delivery_summary(times_s, pmf, mean_s: float, method: str) -> dict[str, Any]:
    """``mean_delivery_time_s``, ``delivery_time_p50_s``, ``delivery_time_p90_s`` and
    ``delivery_time_method`` of a delivery-time pmf (inverted-cdf quantiles)."""
    return {"mean_delivery_time_s": float(mean_s),
            "delivery_time_p50_s": delivery_quantile(times_s, pmf, 0.5),
            "delivery_time_p90_s": delivery_quantile(times_s, pmf, 0.9),
            "delivery_time_method": method}


def classical_offsets(geometry: ChainGeometry, strategy: str) -> list[float]:
    """Per link, the offset ``c_i`` (s) with ``T = max_i (R_i + c_i)`` (no cutoff).

    Every strategy's swap and delivery times are max-plus linear in the herald times, so ``c_i`` is
    the delivery time when link ``i`` heralds at 0 and every other link at ``-inf``.

    >>> g = ChainGeometry.uniform(2, cycle_time_s=1.0, hop_delay_s=0.25)
    >>> classical_offsets(g, "sequential")
    [0.25, 0.25]
    """
    n = geometry.n_links
    ready = np.full((n, n), -np.inf)
    np.fill_diagonal(ready, 0.0)
    with np.errstate(invalid="ignore"):
        swaps = swap_times(ready, geometry, strategy)
        t = delivery_times(ready, swaps, geometry)
    return [float(x) for x in t]


def _purified_coefficients(coeffs, pur: PurificationPlan, left: Node | None = None,
                           right: Node | None = None):
    """Bell-diagonal output of one link's purification (section 5), the steps run by the link's
    end nodes with their gate and readout error (:func:`qnet_circuits.physics.dejmps`). BBPSSW:
    inputs twirled to Werner, re-twirl between rounds, none after the last one (on Werner inputs
    a BBPSSW step equals a DEJMPS step, section 14), which gives the Bell-diagonal (not Werner)
    output of the last round. Without nodes: noiseless steps."""
    left, right = left or Node("left"), right or Node("right")
    raw = 2**pur.rounds if pur.scheme == "recurrence" else pur.rounds + 1
    rounds = physics.purification_rounds(
        pur.protocol, [coeffs] * raw, pur.rounds, pur.scheme == "pumping",
        (left.gate_error, right.gate_error), (left.readout_error, right.readout_error))
    return rounds[-1][0][0]


__all__ = ["chain_theory", "classical_offsets", "expected_fidelity", "stored_link_correlations"]
