"""Repeater chains on your own network and plan: :func:`simulate` and :func:`sweep`.

:func:`simulate` schedules the chain (:func:`qnet_circuits.scheduler.schedule`), runs the template
circuit for every sampled realization through a :class:`~qnet_circuits.run.Runner`
(:meth:`~qnet_circuits.run.Runner.run_bindings`: memory T1/T2 as exact dilations, gate and
readout errors through the core noise pass) and estimates, from the delivered states themselves:

* the end-to-end Phi+ fidelity: from XX/YY/ZZ parities (each delivered pair is measured once, in the
  basis ``BASES[r % 3]``), or exactly per realization from the simulator's density matrix
  (``estimator="density_matrix"``, which also gives the spread over realizations);
* the delivery time (mean, percentiles) and the rate ``1/E[T]`` from the sampled timeline.

When the delivered state cannot depend on the timing (ideal memories, or ``timing="deterministic"``)
one circuit is run with many shots instead (stabilizer method when it is Clifford with Pauli noise).
Photonic attempt counts and purified pairs come from trial runs
(:mod:`qnet_circuits.protocols.chain.pools`).

>>> from qnet_circuits.network import chain
>>> res = simulate(chain(2, 10.0), ChainPlan(link_fidelity=0.9), realizations=600, seed=3)
>>> res.fidelity.within(0.813333, k=4)
True
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit import QuantumCircuit

from qnet_circuits import physics
from qnet_circuits.analysis import parity_fidelity
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.network import Network
from qnet_circuits.protocols.base import Provenance, resolve_runner
from qnet_circuits.protocols.chain.device import is_device, run_device_form
from qnet_circuits.protocols.chain.pools import ChainSeeds, TrialSampler, run_table, stacked
from qnet_circuits.protocols.chain.result import ChainResult
from qnet_circuits.protocols.chain.theory import chain_theory
from qnet_circuits.protocols.device_memory import check_memory_runner
from qnet_circuits.results import Estimate, ShotData
from qnet_circuits.run import AerRunner, Runner, progress
from qnet_circuits.scheduler import (
    BASES,
    ESTIMATORS,
    ChainPlan,
    ScheduledChain,
    block_size,
    emit_chain,
    link_models,
    resolve_path,
    sample_timeline,
)
from qnet_circuits.scheduler.device import check_correction
from qnet_circuits.timeline import Timeline, summarize_times

#: Largest width run with the density-matrix method for ``estimator="density_matrix"`` (a 12-qubit
#: density matrix with two rounds of purification loops ran for minutes per shot).
DENSITY_MATRIX_MAX_QUBITS = 10


@dataclass(frozen=True)
class _Run:
    """What one path of :func:`simulate` measured."""

    timeline: Timeline
    scheduled: ScheduledChain
    fidelity: Estimate
    spread: float | None
    per_realization: np.ndarray | None
    method: str
    circuit: QuantumCircuit | None = None
    device: dict[str, Any] | None = None
    partial: dict[str, int] | None = None


def simulate(
    network: Network,
    plan: ChainPlan | None = None,
    *,
    source: str | None = None,
    target: str | None = None,
    path: Sequence[str] | None = None,
    realizations: int = 3000,
    seed: int | None = None,
    estimator: str = "parities",
    block: int | None = None,
    method: str | None = None,
    runner: Runner | None = None,
    correction: str | None = None,
    memory: str = "device",
    time_scale: float | None = None,
) -> ChainResult:
    """Simulate a repeater chain and compare with the closed forms.

    Args:
        network: the network; plan: the protocol plan (default :class:`ChainPlan`).
        source, target, path: the end nodes or an explicit path (see
            :func:`qnet_circuits.scheduler.resolve_path`).
        realizations: sampled realizations = delivered pairs measured (>= 1; rounded up to a
            multiple of the packing block).
        seed: seed for the attempt counts, trial runs and the simulator.
        estimator: ``"parities"`` (each pair measured once in XX, YY or ZZ) or
            ``"density_matrix"`` (exact per realization; small widths; Aer only).
        block: realizations per circuit execution (default chosen by size).
        method: force an Aer method for the chain's runs (default: chosen from the noisy circuit).
        runner: the runner (default: a local :class:`~qnet_circuits.run.AerRunner`).
        correction: None (simulator form on Aer; ``"auto"`` elsewhere), or the device form
            (:mod:`qnet_circuits.scheduler.device`) with ``"auto"``, ``"dynamic"`` or ``"frame"``.
        memory, time_scale: ``"device"`` (waits times ``time_scale``, default device median T2 /
            network T2), ``"off"`` (no waits) or ``"injected"`` (T1/T2 as operations; also Aer).
    """
    start, plan = time.perf_counter(), plan or ChainPlan()
    _check_count("realizations", realizations)
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be 'parities' or 'density_matrix', got {estimator!r}")
    trials = resolve_runner(runner)
    form = _device_correction(trials, correction, estimator, memory, time_scale)
    main = _main_runner(trials, estimator, method)
    if is_device(trials):  # timing (attempts, failed trials) from the network's physics
        trials = AerRunner()
    seeds = ChainSeeds(seed)
    route = resolve_path(network, source, target, path)
    models = link_models(network, route, plan)
    sampler = None
    if plan.link_level == "photonic" or plan.purification is not None:
        sampler = TrialSampler(models, network, plan, seeds, trials)
    static = _static(network, route, plan)
    timing_rng = seeds.rng()
    args = (network, route, models, plan, realizations, estimator, seeds, main, timing_rng, sampler)
    if form is not None:
        run = _run_device(*args, static=static, correction=form, memory=memory, time_scale=time_scale)
    else:
        run = _run_static(*args) if static else _run_template(*args, block)
    meta = {**run.scheduled.metadata, "device_form": run.device, "static": static,
            "scheduled": run.scheduled, "circuit": run.circuit, "partial": run.partial}
    if sampler is not None:
        meta.update(sampler.statistics())
    timeline, n_real = run.timeline, run.timeline.realizations
    return ChainResult(
        fidelity=run.fidelity,
        fidelity_spread=run.spread,
        fidelity_per_realization=run.per_realization,
        delivery=summarize_times(timeline.delivery_s),
        rate_hz=_rate(timeline.delivery_s),
        qubits=run.scheduled.width,
        realizations=int((run.partial or {}).get("shots_done", realizations) if static else n_real),
        method=run.method,
        wall_s=time.perf_counter() - start,
        theory=chain_theory(network, route, models, plan, timeline),
        timeline=timeline,
        plan=plan,
        path=tuple(route),
        metadata=meta,
        provenance=Provenance.collect("chain", runner, seed=seed, shots=realizations),
    )


def _device_correction(runner: Runner, correction: str | None, estimator: str, memory: str,
                       time_scale: float | None) -> str | None:
    """The swap correction of the device form, or None for the simulator form (Aer, no
    ``correction``); refuses what the target cannot run."""
    check_memory_runner(memory, time_scale, runner)
    if correction is None and not is_device(runner) and memory != "injected":
        return None
    if estimator != "parities":
        raise ValueError(f"estimator={estimator!r} needs the local Aer runner and the simulator "
                         "form (density matrices are simulator-only); the device form (a device "
                         "runner, or correction=) measures parities: use estimator='parities'")
    dynamic = bool(getattr(runner, "dynamic", True))
    return check_correction(correction or "auto", dynamic, getattr(runner, "name", "the runner"))


def _run_device(network, route, models, plan, realizations, estimator, seeds: ChainSeeds,
                runner: Runner, timing_rng, sampler, *, static: bool, correction: str, memory: str,
                time_scale: float | None) -> _Run:
    dev = run_device_form(network, route, models, plan, realizations, seeds, runner, timing_rng,
                          sampler, static=static, correction=correction, memory=memory,
                          time_scale=time_scale)
    return _Run(dev.timeline, dev.scheduled, dev.fidelity, None, None, dev.method, dev.circuit,
                device=dev.summary)


def _main_runner(runner: Runner, estimator: str, method: str | None) -> Runner:
    """The runner of the chain's own circuits: ``runner``, with ``method`` (or the density-matrix
    method for that estimator, unless the runner fixes its method) when one is asked for."""
    forced = method or ("density_matrix" if estimator == "density_matrix" else None)
    if forced is None:
        return runner
    if not isinstance(runner, AerRunner):
        raise ValueError(
            f"estimator={estimator!r} with method={method!r} needs the local Aer runner (density "
            "matrices and Aer methods are simulator-only); use estimator='parities' and method=None"
        )
    if method is None and runner.method != "auto":
        return runner
    return runner.with_method(forced)


def _static(network: Network, path: Sequence[str], plan: ChainPlan) -> bool:
    """True when the delivered state cannot depend on the sampled timing."""
    if plan.timing == "deterministic":
        return True
    by_name = {nd.name: nd for nd in network.nodes}
    return all(by_name[n].memory.ideal for n in path)


def _check_density_matrix_width(estimator: str, width: int) -> None:
    if estimator == "density_matrix" and width > DENSITY_MATRIX_MAX_QUBITS:
        raise ValueError(
            f"estimator='density_matrix' handles at most {DENSITY_MATRIX_MAX_QUBITS} qubits "
            f"(this chain needs {width}); use estimator='parities'"
        )


def _run_static(network, route, models, plan, realizations, estimator, seeds: ChainSeeds,
                runner: Runner, timing_rng, sampler) -> _Run:
    """One circuit for every realization: the first realization's circuit, run once per basis
    with many shots (or once for its density matrix)."""
    count = 1 if plan.timing == "deterministic" else realizations
    with progress.partial_ok():  # the cutoff event loop keeps whole steps after a Ctrl-C
        # long numpy calls (1e8 timings: seconds each): interruptible under a monitor
        timeline = progress.interruptible(sample_timeline, models, plan, count, timing_rng,
                                          sampler)
    one = Timeline(timeline.ready_s[:1], timeline.swap_s[:1], timeline.delivery_s[:1],
                   timeline.left_wait_s[:1], timeline.right_wait_s[:1], timeline.attempts[:1],
                   timeline.discards[:1], timeline.records[:1] if timeline.records else None)
    sched = emit_chain(network, route, models, plan, one, estimator="open", block=1)
    bound = sched.bound_circuit(0)
    pair = bound.metadata["pair"]
    _check_density_matrix_width(estimator, bound.num_qubits)
    if estimator == "density_matrix":
        from qiskit_aer.library import SaveDensityMatrix

        qc = bound.copy()
        qc.append(SaveDensityMatrix(2, label="rho"), [bound.qubits[i] for i in pair])
        shots = 64 if bound.metadata.get("rejection_loops") else 1
        (data,) = runner.run_bindings(qc, {}, shots=shots, seed=seeds.child(), network=network)
        f = physics.fidelity_phi_plus(np.asarray(data.saved["rho"]))
        return _Run(timeline, sched, Estimate(f, 0.0), 0.0, np.full(1, f), data.metadata["method"],
                    bound)
    shots = max(1, -(-realizations // 3))
    data: dict[str, ShotData] = {}
    chosen = ""
    for basis, circ in pauli_basis_circuits(bound, pair).items():
        with progress.partial_ok():  # after Ctrl-C: the shot blocks every basis finished
            (rows,) = runner.run_bindings(circ, {}, shots=shots, seed=seeds.child(),
                                          network=network)
        data[basis] = ShotData({"pair": rows.bits["pair"]}, rows.shots, {"basis": basis})
        chosen = chosen or rows.metadata["method"]
    done = min(sum(d.shots for d in data.values()), realizations)
    partial = None
    if done < realizations or len(timeline.delivery_s) < count:  # Ctrl-C
        partial = {"shots_done": min(done, len(timeline.delivery_s)) if count > 1 else done,
                   "shots_requested": realizations}
    return _Run(timeline, sched, parity_fidelity(data), None, None, chosen, bound, partial=partial)


def _run_template(network, route, models, plan, realizations, estimator, seeds: ChainSeeds,
                  runner: Runner, timing_rng, sampler, block: int | None) -> _Run:
    """Every realization with its own timing: one template, one binding row per ``block``
    realizations, one shot per row."""
    k_block = block or block_size(len(models), realizations, plan, estimator)
    total = -(-realizations // k_block) * k_block
    with progress.partial_ok():  # the cutoff event loop keeps whole steps after a Ctrl-C
        timeline = sample_timeline(models, plan, total, timing_rng, sampler)
    if len(timeline.delivery_s) < total:  # Ctrl-C in the cutoff event loop: whole blocks of it
        kept = len(timeline.delivery_s) // k_block * k_block
        if kept == 0:
            raise progress.Interrupted("before a block of realizations had its timing")
        timeline = _first(timeline, kept)
    sched = emit_chain(network, route, models, plan, timeline, estimator=estimator, block=k_block)
    _check_density_matrix_width(estimator, sched.width)
    n_bind, k = sched.bindings, sched.block
    with progress.task(n_bind * k, unit="pairs", weight=k), progress.partial_ok():
        rows = run_table(runner, sched.circuit, sched.parameters, sched.values, seed=seeds.aer(),
                         network=network)
    chosen = rows[0].metadata["method"]
    partial = None
    if len(rows) < n_bind or n_bind * k < total:  # Ctrl-C: the finished rows' realizations
        partial = {"shots_done": min(len(rows) * k, realizations), "shots_requested": realizations}
        n_bind, timeline = len(rows), _first(timeline, len(rows) * k)
    if estimator != "density_matrix":
        bits = stacked(rows, "pair").reshape(n_bind, k, 2).reshape(-1, 2)
        # binding b, block kb measured realization b*k + kb in basis (b*k + kb) % 3
        basis_index = np.arange(n_bind * k) % 3
        return _Run(timeline, sched, _fidelity_from_parities(bits, basis_index), None, None, chosen,
                    partial=partial)
    per = np.empty(n_bind * k)
    for b in range(n_bind):
        for kb in range(k):  # realization b*k + kb (emission order)
            per[b * k + kb] = physics.fidelity_phi_plus(np.asarray(rows[b].saved[f"rho{kb}"]))
    mean = float(per.mean())
    sd = float(per.std(ddof=1)) if per.size > 1 else 0.0
    return _Run(timeline, sched, Estimate(mean, sd / math.sqrt(per.size)), sd, per, chosen,
                partial=partial)


def _first(timeline: Timeline, count: int) -> Timeline:
    """The first ``count`` realizations of ``timeline``."""
    return Timeline(timeline.ready_s[:count], timeline.swap_s[:count], timeline.delivery_s[:count],
                    timeline.left_wait_s[:count], timeline.right_wait_s[:count],
                    timeline.attempts[:count], timeline.discards[:count],
                    timeline.records[:count] if timeline.records else None)


def _fidelity_from_parities(bits: np.ndarray, basis_index: np.ndarray) -> Estimate:
    data = {}
    for k, b in enumerate(BASES):
        sel = bits[basis_index == k]
        data[b] = ShotData({"pair": sel}, int(sel.shape[0]), {"basis": b})
    return parity_fidelity(data)


def _rate(delivery_s: np.ndarray) -> Estimate:
    mean = float(delivery_s.mean())
    sd = float(delivery_s.std(ddof=1)) if delivery_s.size > 1 else 0.0
    return Estimate(1.0 / mean, sd / math.sqrt(delivery_s.size) / mean**2)


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def _progress_enabled(progress: bool | None) -> bool:
    if os.environ.get("QNET_QUICK") == "1":
        return False
    if progress is not None:
        return progress
    return sys.stderr.isatty()


def sweep(
    values: Iterable[Any],
    make: Callable[[Any], Network | tuple[Network, ChainPlan]],
    *,
    plan: ChainPlan | None = None,
    progress: bool | None = None,
    desc: str = "sweep",
    **kwargs: Any,
) -> list[ChainResult]:
    """Run :func:`simulate` for each value: ``make(value)`` returns a network, or a
    ``(network, plan)`` pair; ``kwargs`` go to :func:`simulate` (a given ``seed`` is spread into
    independent child seeds, one per point). A tqdm progress bar shows on a terminal, never with
    ``QNET_QUICK=1``.

    >>> from qnet_circuits.network import chain
    >>> out = sweep([1, 2], lambda n: chain(n, 10.0), plan=ChainPlan(link_fidelity=0.95),
    ...             realizations=300, seed=1, progress=False)
    >>> [r.path[-1] for r in out], out[1].qubits
    (['bob', 'bob'], 6)
    """
    from tqdm.auto import tqdm

    items = list(values)
    seed = kwargs.pop("seed", None)
    children = np.random.SeedSequence(seed).spawn(len(items)) if seed is not None else [None] * len(items)
    out = []
    for value, child in tqdm(list(zip(items, children)), desc=desc,
                             disable=not _progress_enabled(progress)):
        made = make(value)
        network, point_plan = made if isinstance(made, tuple) else (made, plan)
        point_seed = int(child.generate_state(1)[0]) if child is not None else None
        out.append(simulate(network, point_plan, seed=point_seed, **kwargs))
    return out


__all__ = ["DENSITY_MATRIX_MAX_QUBITS", "simulate", "sweep"]
