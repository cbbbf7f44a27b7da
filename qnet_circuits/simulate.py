"""One-call repeater-chain simulation for notebooks: :func:`simulate` and :func:`sweep`.

:func:`simulate` schedules the chain (:func:`qnet_circuits.scheduler.schedule`), runs the template
circuit for every sampled realization in one Aer job (``parameter_binds``; memory T1/T2 through
:mod:`qnet_circuits.timed_noise`, gate/readout errors through :func:`qnet_circuits.noise.noisy_circuit`)
and estimates, from the delivered states themselves:

* the end-to-end Phi+ fidelity: from XX/YY/ZZ parities (each delivered pair is measured once, in the
  basis ``BASES[r % 3]``), or exactly per realization from the simulator's density matrix
  (``estimator="density_matrix"``, which also gives the spread over realizations);
* the delivery time (mean, percentiles) and the rate ``1/E[T]`` from the sampled timeline.

When the delivered state cannot depend on the timing (ideal memories, or ``timing="deterministic"``)
one circuit is run with many shots instead (stabilizer method when it is Clifford with Pauli noise).

Purification flags and photonic heralds are outcomes of circuits, so their statistics come from
trial runs: photonic attempt counts from runs of the heralded-link circuit (herald bits), and
purified pairs from runs of purification trials whose inputs have the sampled timing; a failed
trial costs its time and the pair is regenerated.

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
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit_aer import AerSimulator

from qnet_circuits import physics
from qnet_circuits.analysis import bell_fidelity, heralded_mask
from qnet_circuits.library.generation import heralded_link
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.network import Network
from qnet_circuits.noise import noisy_circuit
from qnet_circuits.results import Estimate, ShotData
from qnet_circuits.run import AerRunner, choose_method
from qnet_circuits.scheduler import (
    BASES,
    ChainPlan,
    LinkModel,
    PurificationPlan,
    PurifiedRecord,
    ScheduledChain,
    _block_size,
    emit_chain,
    emit_trials,
    link_models,
    record_attempts,
    record_duration,
    resolve_path,
    sample_timeline,
)
from qnet_circuits.timed_noise import angle_table, dilate_memory_waits
from qnet_circuits.timeline import Timeline, summarize_times

#: Largest width run with the density-matrix method for ``estimator="density_matrix"`` (a 12-qubit
#: density matrix with two rounds of purification loops ran for minutes per shot).
DENSITY_MATRIX_MAX_QUBITS = 10


@dataclass(frozen=True)
class ChainResult:
    """Result of :func:`simulate`.

    Attributes:
        fidelity: mean end-to-end Phi+ fidelity with its standard error.
        fidelity_spread: standard deviation of the fidelity over realizations (density-matrix
            estimator), else None.
        fidelity_per_realization: per-realization fidelities (density-matrix estimator) or None.
        delivery: delivery-time summary in s (``mean_s``, ``stderr_s``, ``std_s``, ``p50_s``,
            ``p90_s``, ``p99_s``).
        rate_hz: delivered pairs per second, ``1/E[T]`` (delta-method standard error).
        qubits: circuit width.
        realizations: realizations sampled (timeline) and pairs measured.
        method: Aer method used.
        wall_s: wall time of the whole call, in s.
        theory: closed forms that apply to this plan (see :func:`chain_theory`).
        timeline: the sampled timeline.
        plan, path: what was simulated.
        metadata: the circuit's metadata and run details.
    """

    fidelity: Estimate
    fidelity_spread: float | None
    fidelity_per_realization: np.ndarray | None
    delivery: dict[str, float]
    rate_hz: Estimate
    qubits: int
    realizations: int
    method: str
    wall_s: float
    theory: dict[str, Any]
    timeline: Timeline
    plan: ChainPlan
    path: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (the keys of ``qnet chain --json``)."""
        return {
            "fidelity": self.fidelity.value,
            "fidelity_stderr": self.fidelity.stderr,
            "fidelity_spread": self.fidelity_spread,
            "rate_hz": self.rate_hz.value,
            "rate_hz_stderr": self.rate_hz.stderr,
            "mean_delivery_time_s": self.delivery["mean_s"],
            "delivery_time_s": self.delivery,
            "qubits": self.qubits,
            "realizations": self.realizations,
            "method": self.method,
            "wall_s": self.wall_s,
            "theory": self.theory,
        }


# ---------------------------------------------------------------------------------------------
# seeds and running templates
# ---------------------------------------------------------------------------------------------


class _Seeds:
    """Independent numpy generators and 62-bit Aer seeds from one seed (Aer seeds binding b with
    seed + 2113 b, so runs must not start close to each other)."""

    def __init__(self, seed: int | None) -> None:
        self.root = np.random.SeedSequence(seed)

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self.root.spawn(1)[0])

    def aer(self) -> int:
        return int(self.root.spawn(1)[0].generate_state(1, dtype=np.uint64)[0] >> 2)


_SIMULATORS: dict[tuple[str, bool], AerSimulator] = {}


def _simulator(method: str, width: int = 0) -> AerSimulator:
    """Cached simulator. Parameter bindings run as parallel experiments on all cores, and
    narrow circuits skip Aer's per-experiment truncation and fusion passes (measured, 1,024-link
    chain on 2 cores: 53 -> 40 ms per binding with parallel experiments, 40 -> 33 ms without
    the passes; fusion only acts from 14 qubits on anyway)."""
    narrow = 0 < width < 14
    key = (method, narrow)
    if key not in _SIMULATORS:
        options: dict[str, Any] = {"max_parallel_experiments": 0}
        if narrow:
            options.update(fusion_enable=False, enable_truncation=False)
        _SIMULATORS[key] = AerSimulator(method=method, **options)
    return _SIMULATORS[key]


def prepare_template(
    circuit: QuantumCircuit, parameters: Sequence, values: np.ndarray, network: Network | None,
    method: str | None = None,
) -> tuple[QuantumCircuit, list[dict], str]:
    """Noisy, transpiled template and its ``parameter_binds`` (one dict) and Aer method.

    Memory waits go through :func:`~qnet_circuits.timed_noise.dilate_memory_waits`, the rest
    through the core :func:`~qnet_circuits.noise.noisy_circuit` (skipped when the network has no
    gate, readout or detector noise and the circuit no fiber markers: it would add nothing).
    """
    meta = circuit.metadata or {}
    slim = {k: meta[k] for k in ("nodes", "detectors", "dilation_ancilla", "pair") if k in meta}
    circuit.metadata = slim  # the passes deep-copy metadata; long chains carry a lot of it
    try:
        dilated, maps = dilate_memory_waits(circuit, network)
        noisy = noisy_circuit(dilated, network) if _core_noise_needed(dilated, network) else dilated
    finally:
        circuit.metadata = meta
    chosen = method or choose_method(noisy)
    sim = _simulator(chosen)
    basis = set(sim.configuration().basis_gates) | {"barrier", "measure", "reset", "quantum_channel"}
    needs = any(_op_names(noisy) - basis)
    ready = transpile(noisy, sim, optimization_level=0) if needs else noisy
    cols = {p.name: values[:, i] for i, p in enumerate(parameters)}
    cols.update(angle_table(maps, cols))
    binds: dict = {}
    for p in ready.parameters:
        if p.name not in cols:
            raise RuntimeError(f"no values for parameter {p.name}")
        binds[p] = np.asarray(cols[p.name], dtype=float)
    return ready, [binds] if binds else [], chosen


def _core_noise_needed(circuit: QuantumCircuit, network: Network | None) -> bool:
    if network is None:
        return "fiber_transit" in _op_names(circuit)
    if any(n.gate_error > 0 or n.readout_error > 0 for n in network.nodes):
        return True
    if any(lk.detector.dark_count_prob > 0 or lk.detector.efficiency < 1 for lk in network.links):
        return True
    return "fiber_transit" in _op_names(circuit)


def _op_names(circuit: QuantumCircuit) -> set[str]:
    names = set()
    for inst in circuit.data:
        names.add(inst.operation.name)
        for block in getattr(inst.operation, "blocks", ()):
            names |= _op_names(block)
    return names


#: Bindings per Aer call are capped so that bindings x operations stays below this (Aer copies the
#: circuit per binding: 600 bindings of a 20,000-operation template took 7.5 GB).
MAX_BOUND_OPERATIONS = 2_000_000


def _chunks(rows: int, ops: int) -> list[slice]:
    size = max(1, min(rows, MAX_BOUND_OPERATIONS // max(ops, 1)))
    return [slice(i, min(i + size, rows)) for i in range(0, rows, size)]


def run_rows(
    circuit: QuantumCircuit,
    parameters: Sequence,
    values: np.ndarray,
    network: Network | None,
    *,
    seed: int,
    method: str | None = None,
) -> tuple[list[tuple[list[str], dict]], str]:
    """Run a template once (one shot) per binding row: ``[(memory, data), ...]`` per row and the
    Aer method. Large tables run in chunks with independent seeds. When no parameter survives
    the noise passes (ideal memories), every row is the same circuit: one run, one shot per row
    (``data`` is then empty)."""
    rows = values.shape[0]
    ready, binds, chosen = prepare_template(circuit, parameters, values, network, method)
    sim = _simulator(chosen, ready.num_qubits)
    seeds = np.random.SeedSequence(seed).generate_state(max(1, rows), dtype=np.uint64) >> 2
    if not binds:
        result = sim.run(ready, shots=rows, memory=True, seed_simulator=int(seeds[0])).result()
        if not result.success:
            raise RuntimeError(f"Aer simulation failed ({chosen}): {result.status}")
        return [([m], {}) for m in result.get_memory(0)], chosen
    out: list[tuple[list[str], dict]] = []
    for k, rows_k in enumerate(_chunks(rows, ready.size())):
        chunk = [{p: v[rows_k] for p, v in binds[0].items()}]
        result = sim.run(ready, shots=1, memory=True, parameter_binds=chunk,
                         seed_simulator=int(seeds[k])).result()
        if not result.success:
            raise RuntimeError(f"Aer simulation failed ({chosen}): {result.status}")
        for b in range(rows_k.stop - rows_k.start):
            out.append((result.get_memory(b), dict(result.data(b))))
    return out, chosen


def row_memories(circuit: QuantumCircuit, parameters: Sequence, values: np.ndarray,
                 network: Network | None, *, seed: int, method: str | None = None,
                 ) -> tuple[list[str], str]:
    """One memory string per binding row (one shot each); see :func:`run_rows`."""
    out, chosen = run_rows(circuit, parameters, values, network, seed=seed, method=method)
    return [mem[0] for mem, _ in out], chosen


def _creg_columns(circuit: QuantumCircuit, name: str) -> tuple[int, int, int]:
    """(offset from the right of the memory string incl. spaces, size, total width)."""
    regs = list(circuit.cregs)
    width = sum(r.size for r in regs) + len(regs) - 1
    pos = 0
    for reg in reversed(regs):
        if reg.name == name:
            return pos, reg.size, width
        pos += reg.size + 1
    raise ValueError(f"no classical register {name!r}")


def register_bits(circuit: QuantumCircuit, memories: Sequence[str], name: str) -> np.ndarray:
    """Bits of register ``name`` from Aer memory strings: array (len(memories), size), column j =
    clbit j."""
    pos, size, width = _creg_columns(circuit, name)
    raw = np.frombuffer("".join(memories).encode("ascii"), dtype=np.uint8).reshape(len(memories), width)
    chunk = raw[:, pos : pos + size][:, ::-1]
    return (chunk - ord("0")).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# link record pools (photonic attempts, purification trials)
# ---------------------------------------------------------------------------------------------


def _link_key(link) -> tuple:
    return (link.scheme, link.fiber, link.alpha, link.detector, link.pair_probability,
            link.bsm_efficiency, link.preparation_time_s)


class _AttemptPool:
    """Attempt counts taken from the herald bits of heralded-link circuit runs (photonic level)."""

    def __init__(self, model: LinkModel, network: Network, seeds: _Seeds) -> None:
        self.model = model
        self.network = network
        self.seeds = seeds
        self.counts: list[int] = []
        self.pending = 0
        self.shots_run = 0
        self.successes = 0

    def _refill(self, need: int) -> None:
        p = max(self.model.p, 1e-9)
        shots = int(min(max(need / p * 1.3 + 200, 2000), 5_000_000))
        circuit = heralded_link(self.model.link, correction="dynamic")
        data = AerRunner().run([circuit], shots=shots, seed=self.seeds.aer() >> 31,
                               network=self.network)[0]
        ok = heralded_mask(data)
        self.shots_run += shots
        self.successes += int(ok.sum())
        for flag in ok:
            self.pending += 1
            if flag:
                self.counts.append(self.pending)
                self.pending = 0
        if not ok.any() and shots >= 5_000_000:
            raise ValueError(f"link {self.model.link.name} never heralded in {shots} photonic attempts")

    def take(self, size: int) -> list[int]:
        while len(self.counts) < size:
            self._refill(size - len(self.counts))
        out, self.counts = self.counts[:size], self.counts[size:]
        return out


class _PurificationPool:
    """Successful purified pairs of one level, from trial runs (inputs from the level below)."""

    def __init__(self, level: int, model: LinkModel, network: Network, plan: ChainPlan,
                 lower: Callable[[int], list[Any]], raw: Callable[[int], list[Any]],
                 seeds: _Seeds, rng: np.random.Generator) -> None:
        self.level = level
        self.model = model
        self.network = network
        self.plan = plan
        self.lower = lower
        self.raw = raw
        self.seeds = seeds
        self.rng = rng
        self.records: list[PurifiedRecord] = []
        self.fail_s = 0.0
        self.fail_attempts = 0
        self.trials = 0
        self.successes = 0

    def _refill(self, need: int) -> None:
        pur = self.plan.purification
        assert pur is not None
        n_trials = int(math.ceil(need / 0.5 * 1.15)) + 8
        block = max(1, min(64, n_trials))
        n_trials = -(-n_trials // block) * block
        kept = self.lower(n_trials)
        sac = self.lower(n_trials) if pur.scheme == "recurrence" else self.raw(n_trials)
        inputs = list(zip(kept, sac))
        tpl = emit_trials(self.network, self.model, self.plan, self.level, inputs, block)
        mems, _ = row_memories(tpl.circuit, tpl.parameters, tpl.values, self.network,
                               seed=self.seeds.aer())
        bits = register_bits(tpl.circuit, mems, "trial").reshape(len(mems), block, 2)
        # binding b, block k ran input b * block + k: the flattened order is the input order
        success = (bits[:, :, 0] == bits[:, :, 1]).reshape(-1)
        msg = self.model.message_s
        for idx, (kr, sr) in enumerate(inputs):
            dur = record_duration(kr, self.model) + record_duration(sr, self.model) + msg
            att = record_attempts(kr) + record_attempts(sr)
            self.trials += 1
            if success[idx]:
                self.successes += 1
                self.records.append(PurifiedRecord(kr, sr, self.fail_s + dur, self.fail_attempts + att))
                self.fail_s, self.fail_attempts = 0.0, 0
            else:
                self.fail_s += dur
                self.fail_attempts += att

    def take(self, size: int) -> list[PurifiedRecord]:
        while len(self.records) < size:
            self._refill(size - len(self.records))
        out, self.records = self.records[:size], self.records[size:]
        return out


class _Sampler:
    """Link sampler over pools (photonic attempt counts, purified records) per link physics."""

    def __init__(self, models: Sequence[LinkModel], network: Network, plan: ChainPlan,
                 seeds: _Seeds) -> None:
        self.models = list(models)
        self.top: dict[tuple, Callable[[int], list[Any]]] = {}
        self.pools: dict[tuple, list[Any]] = {}
        for mdl in self.models:
            key = _link_key(mdl.link)
            if key in self.top:
                continue
            rng = seeds.rng()
            if plan.link_level == "photonic":
                apool = _AttemptPool(mdl, network, seeds)
                raw = apool.take
                stats: list[Any] = [apool]
            else:
                def raw(size: int, mdl: LinkModel = mdl, rng: np.random.Generator = rng) -> list[int]:
                    return [int(x) for x in rng.geometric(mdl.p, size=size)]
                stats = []
            fn = raw
            pur = plan.purification
            if pur is not None:
                for level in range(1, pur.rounds + 1):
                    pool = _PurificationPool(level, mdl, network, plan, fn, raw, seeds, rng)
                    stats.append(pool)
                    fn = pool.take
            self.top[key] = fn
            self.pools[key] = stats

    def __call__(self, i: int, size: int, rng: np.random.Generator):
        mdl = self.models[i]
        recs = self.top[_link_key(mdl.link)](size)
        dur = np.array([record_duration(r, mdl) for r in recs])
        att = np.array([record_attempts(r) for r in recs], dtype=np.int64)
        return dur, att, recs

    def statistics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for stats in self.pools.values():
            for s in stats:
                if isinstance(s, _AttemptPool) and s.shots_run:
                    out["photonic_herald_probability"] = s.successes / s.shots_run
                    out["photonic_attempt_shots"] = s.shots_run
                elif isinstance(s, _PurificationPool) and s.trials:
                    out[f"purification_success_l{s.level}"] = s.successes / s.trials
                    out[f"purification_trials_l{s.level}"] = s.trials
        return out


# ---------------------------------------------------------------------------------------------
# theory
# ---------------------------------------------------------------------------------------------


def chain_theory(network: Network, path: Sequence[str], models: Sequence[LinkModel],
                 plan: ChainPlan, timeline: Timeline) -> dict[str, Any]:
    """Closed forms that apply to this plan (physics-reference sections 2, 4, 5, 9, 10).

    Keys (present only where the closed form applies): ``p_link``, ``cycle_time_s``,
    ``fidelity_ideal_memories`` (Bell-diagonal chain with noisy swaps, section 4, after
    purification for DEJMPS/BBPSSW without node noise, section 5), ``fidelity_two_link_dephasing``
    (section 10 E[F], two equal Werner links, pure dephasing), ``mean_delivery_time_s`` (section 2d
    / 10, exact when classical messages take no time: ``tau/p`` for one link, ``tau E[max of N
    geometric]`` for N equal links without purification or cutoff), ``plob_repeaterless`` and
    ``plob_chain`` (section 9, ebits per channel use over the total length) and
    ``pairs_per_channel_use`` (simulated: cycle time over mean delivery time); ``fidelity`` is the
    closed form that applies to this very plan (ideal memories, or the two-link dephasing form).
    """
    theory: dict[str, Any] = {
        "p_link": [m.p for m in models],
        "cycle_time_s": [m.cycle_time_s for m in models],
    }
    by_name = {nd.name: nd for nd in network.nodes}
    repeaters = [by_name[n] for n in path[1:-1]]
    lams = {r.gate_error for r in repeaters}
    epss = {r.readout_error for r in repeaters}
    uniform_noise = len(lams) <= 1 and len(epss) <= 1
    lam = lams.pop() if lams else 0.0
    eps = epss.pop() if epss else 0.0
    nodes = [by_name[n] for n in path]
    ideal_memories = all(n.memory.ideal for n in nodes)
    coeffs = [m.bell_coefficients() for m in models]
    pur = plan.purification
    node_noise_free = all(n.gate_error == 0 and n.readout_error == 0 for n in nodes)
    if pur is not None:
        if node_noise_free and plan.link_level == "state":
            coeffs = [_purified_coefficients(c, pur) for c in coeffs]
        else:
            coeffs = []
    if coeffs and uniform_noise and not (plan.link_level == "photonic" and pur is not None):
        theory["fidelity_ideal_memories"] = physics.chain_bell_diagonal(coeffs, lam, eps)[0]
    n = len(models)
    ps = {m.p for m in models}
    taus = {m.cycle_time_s for m in models}
    if len(ps) == 1 and len(taus) == 1 and pur is None and plan.cutoff_s is None and (
        plan.timing == "sampled"
    ):
        p, tau = ps.pop(), taus.pop()
        if n == 1:
            theory["mean_delivery_time_s"] = tau / p
        elif n <= 20 or p > 1e-4:
            theory["mean_delivery_time_s"] = tau * physics.expected_max_geometric(n, p)
        werner = [c for c in coeffs if abs(c[1] - c[2]) < 1e-12 and abs(c[2] - c[3]) < 1e-12]
        if n == 2 and pur is None and len(werner) == 2 and eps == 0 and not ideal_memories:
            mems = {nd.memory for nd in nodes}
            if len(mems) == 1:
                mem = mems.pop()
                if math.isinf(mem.t1_s):
                    mdl = models[0]
                    w = physics.werner_w(werner[0][0]) * physics.werner_w(werner[1][0]) * (1 - lam)
                    q = math.exp(-2 * tau / mem.t2_s)
                    lam_mean = physics.two_link_mean_dephasing(p, q)
                    lam_mean *= math.exp(-4 * mdl.herald_wait_s / mem.t2_s)
                    msg = max(models[0].message_s, models[1].message_s)
                    lam_mean *= math.exp(-2 * msg / mem.t2_s)
                    theory["fidelity_two_link_dephasing"] = physics.pauli_chain_fidelity(w, lam_mean)
    if ideal_memories and "fidelity_ideal_memories" in theory:
        theory["fidelity"] = theory["fidelity_ideal_memories"]
    elif "fidelity_two_link_dephasing" in theory:
        theory["fidelity"] = theory["fidelity_two_link_dephasing"]
    length = sum(m.link.fiber.length_km for m in models)
    eta_total = models[0].link.fiber.transmissivity_over(length)
    theory["total_length_km"] = length
    theory["plob_repeaterless"] = physics.plob(eta_total)
    theory["plob_chain"] = physics.plob_chain(eta_total, n)
    theory["pairs_per_channel_use"] = float(np.mean([m.cycle_time_s for m in models])) / float(
        timeline.delivery_s.mean()
    )
    return theory


def _purified_coefficients(coeffs, pur: PurificationPlan):
    if pur.protocol == "dejmps":
        if pur.scheme == "recurrence":
            return physics.dejmps_rounds(coeffs, pur.rounds)[-1][0]
        return physics.dejmps_pumping(coeffs, coeffs, pur.rounds)[-1][0]
    # BBPSSW: inputs twirled to Werner, re-twirl between rounds, none after the last one; on
    # Werner inputs a BBPSSW step equals a DEJMPS step (section 14), which gives the Bell-diagonal
    # (not Werner) output of the last round
    f0 = physics.twirl(coeffs)[0]
    if pur.scheme == "recurrence":
        f = physics.bbpssw_rounds(f0, pur.rounds - 1)[-1][0] if pur.rounds > 1 else f0
        return physics.dejmps(physics.werner_coefficients(f))[0]
    f = physics.bbpssw_pumping(f0, f0, pur.rounds - 1)[-1][0] if pur.rounds > 1 else f0
    return physics.dejmps(physics.werner_coefficients(f), physics.werner_coefficients(f0))[0]


# ---------------------------------------------------------------------------------------------
# simulate and sweep
# ---------------------------------------------------------------------------------------------


def _static(network: Network, path: Sequence[str], plan: ChainPlan) -> bool:
    """True when the delivered state cannot depend on the sampled timing."""
    if plan.timing == "deterministic":
        return True
    by_name = {nd.name: nd for nd in network.nodes}
    return all(by_name[n].memory.ideal for n in path)


def _fidelity_from_parities(bits: np.ndarray, basis_index: np.ndarray) -> Estimate:
    data = {}
    for k, b in enumerate(BASES):
        sel = bits[basis_index == k]
        data[b] = ShotData({"pair": sel}, int(sel.shape[0]), {"basis": b})
    return bell_fidelity(data, postselect=False)


def _rate(delivery_s: np.ndarray) -> Estimate:
    mean = float(delivery_s.mean())
    sd = float(delivery_s.std(ddof=1)) if delivery_s.size > 1 else 0.0
    return Estimate(1.0 / mean, sd / math.sqrt(delivery_s.size) / mean**2)


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


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
            ``"density_matrix"`` (exact per realization; small widths).
        block: realizations per circuit execution (default chosen by size).
        method: force an Aer method (default: chosen from the noisy circuit).
    """
    start = time.perf_counter()
    plan = plan or ChainPlan()
    _check_count("realizations", realizations)
    if estimator not in ("parities", "density_matrix"):
        raise ValueError(f"estimator must be 'parities' or 'density_matrix', got {estimator!r}")
    seeds = _Seeds(seed)
    route = resolve_path(network, source, target, path)
    models = link_models(network, route, plan)
    n = len(models)
    sampler = None
    if plan.link_level == "photonic" or plan.purification is not None:
        sampler = _Sampler(models, network, plan, seeds)
    static = _static(network, route, plan)
    timing_rng = seeds.rng()

    if static:
        count = 1 if plan.timing == "deterministic" else realizations
        timeline = sample_timeline(models, plan, count, timing_rng, sampler)
        one = Timeline(timeline.ready_s[:1], timeline.swap_s[:1], timeline.delivery_s[:1],
                       timeline.left_wait_s[:1], timeline.right_wait_s[:1], timeline.attempts[:1],
                       timeline.discards[:1], timeline.records[:1] if timeline.records else None)
        sched = emit_chain(network, route, models, plan, one, estimator="open", block=1)
        bound = sched.bound_circuit(0)
        fid, spread, per, chosen = _run_static(bound, network, realizations, estimator, seeds, method)
    else:
        k_block = block or _block_size(n, realizations, plan, estimator)
        total = -(-realizations // k_block) * k_block
        timeline = sample_timeline(models, plan, total, timing_rng, sampler)
        sched = emit_chain(network, route, models, plan, timeline, estimator=estimator, block=k_block)
        fid, spread, per, chosen = _run_bindings(sched, network, estimator, seeds, method)
    theory = chain_theory(network, route, models, plan, timeline)
    meta = dict(sched.metadata)
    meta["static"] = static
    meta["scheduled"] = sched
    if static:
        meta["circuit"] = bound
    if sampler is not None:
        meta.update(sampler.statistics())
    return ChainResult(
        fidelity=fid,
        fidelity_spread=spread,
        fidelity_per_realization=per,
        delivery=summarize_times(timeline.delivery_s),
        rate_hz=_rate(timeline.delivery_s),
        qubits=sched.width,
        realizations=int(timeline.realizations if not static else realizations),
        method=chosen,
        wall_s=time.perf_counter() - start,
        theory=theory,
        timeline=timeline,
        plan=plan,
        path=tuple(route),
        metadata=meta,
    )


def _check_density_matrix_width(estimator: str, width: int) -> None:
    if estimator == "density_matrix" and width > DENSITY_MATRIX_MAX_QUBITS:
        raise ValueError(
            f"estimator='density_matrix' handles at most {DENSITY_MATRIX_MAX_QUBITS} qubits "
            f"(this chain needs {width}); use estimator='parities'"
        )


def _run_static(bound: QuantumCircuit, network: Network, realizations: int, estimator: str,
                seeds: _Seeds, method: str | None):
    """One circuit for every realization: noise passes once, then one run per basis."""
    pair = [bound.qubits[i] for i in bound.metadata["pair"]]
    _check_density_matrix_width(estimator, bound.num_qubits)
    if estimator == "density_matrix":
        from qiskit_aer.library import SaveDensityMatrix

        ready, _, chosen = prepare_template(bound, [], np.zeros((1, 0)), network,
                                            method or "density_matrix")
        qc = ready.copy()
        qc.append(SaveDensityMatrix(2, label="rho"), pair)
        shots = 64 if bound.metadata.get("rejection_loops") else 1
        result = _simulator(chosen, qc.num_qubits).run(qc, shots=shots, seed_simulator=seeds.aer()).result()
        if not result.success:
            raise RuntimeError(f"Aer simulation failed ({chosen}): {result.status}")
        f = physics.fidelity_phi_plus(np.asarray(result.data(0)["rho"]))
        return Estimate(f, 0.0), 0.0, np.full(1, f), chosen
    ready, _, chosen = prepare_template(bound, [], np.zeros((1, 0)), network, method)
    shots = max(1, -(-realizations // 3))
    data = {}
    for basis, suffix in pauli_basis_circuits(bound.copy_empty_like(), bound.metadata["pair"]).items():
        # the basis change and the end nodes' readout noise, appended to the noisy circuit
        noisy_suffix = noisy_circuit(suffix, network)
        circ = ready.copy()
        circ.add_register(suffix.cregs[-1])
        circ.compose(noisy_suffix, inplace=True)
        result = _simulator(chosen, circ.num_qubits).run(circ, shots=shots, memory=True,
                                        seed_simulator=seeds.aer()).result()
        if not result.success:
            raise RuntimeError(f"Aer simulation failed ({chosen}): {result.status}")
        bits = register_bits(circ, result.get_memory(0), "pair")
        data[basis] = ShotData({"pair": bits}, shots, {"basis": basis})
    return bell_fidelity(data, postselect=False), None, None, chosen


def _run_bindings(sched: ScheduledChain, network: Network, estimator: str, seeds: _Seeds,
                  method: str | None):
    dm = estimator == "density_matrix"
    _check_density_matrix_width(estimator, sched.width)
    n_bind, k = sched.bindings, sched.block
    if not dm:
        mems, chosen = row_memories(sched.circuit, sched.parameters, sched.values, network,
                                    seed=seeds.aer(), method=method)
        bits = register_bits(sched.circuit, mems, "pair").reshape(n_bind, k, 2).reshape(-1, 2)
        # binding b, block kb measured realization b*k + kb in basis (b*k + kb) % 3
        basis_index = np.arange(n_bind * k) % 3
        return _fidelity_from_parities(bits, basis_index), None, None, chosen
    rows, chosen = run_rows(sched.circuit, sched.parameters, sched.values, network,
                            seed=seeds.aer(), method=method or "density_matrix")
    per = np.empty(n_bind * k)
    for b in range(n_bind):
        data = rows[b][1]
        for kb in range(k):  # realization b*k + kb (emission order)
            per[b * k + kb] = physics.fidelity_phi_plus(np.asarray(data[f"rho{kb}"]))
    mean = float(per.mean())
    sd = float(per.std(ddof=1)) if per.size > 1 else 0.0
    return Estimate(mean, sd / math.sqrt(per.size)), sd, per, chosen


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


__all__ = ["ChainResult", "chain_theory", "register_bits", "row_memories", "run_rows", "simulate", "sweep"]
