"""Distributed computing: a circuit split over network nodes, ebits from the network's links.

The circuit (OpenQASM 2/3 text or a named circuit) is placed on ``nodes`` parts (Kernighan-Lin
bisection, or ``placement``), every non-local CX/CZ group becomes an Eisert cat-entangler /
disentangler consuming one ebit, and the ebits come from a chain network ``n0 - n1 - ...``
(one processor per node; parts that are not neighbours get a pair swapped across the nodes in
between): physical heralded links of ``length_km`` (``link_fidelity``: Werner links instead),
memories with ``t1_s``/``t2_s`` during the herald, swap and message waits, node gate and readout
errors. Reported: ebits (against the reference: one per non-local gate), classical bits, depth and
width; the output against the monolithic circuit: the exact state fidelity (density matrix of the
noisy distributed circuit, small circuits) beside the closed form
(:func:`~qnet_circuits.physics.teleported_circuit_fidelity`: each teleported group is the ideal
group followed by its ebit's Pauli channel) and its lower bound ``prod A_k``; the total variation
distance of sampled outputs from the monolithic distribution, beside the closed-form TVD.

>>> r = run(DistributeParams(circuit="ghz:4", nodes=2, link_fidelity=0.9), shots=2000, seed=3)
>>> r.ebits, round(r.theory["fidelity"], 6), abs(r.fidelity - r.theory["fidelity"]) < 1e-9
(1, 0.9, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits.protocols.base import (
    Provenance,
    check_int,
    check_nonnegative,
    check_positive,
    check_probability,
    resolve_runner,
    resolve_shots,
)

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

    from qnet_circuits.run import Runner

DEFAULT_SHOTS = 2000
#: widest data register for the closed-form density-matrix arithmetic and the exact check
EXACT_MAX_DATA = 6
#: widest distributed circuit (fresh qubits + measurement records) for the exact density matrix
EXACT_MAX_WIDTH = 11
#: ways to sample the output (see DistributeParams.sampling)
SAMPLING = ("auto", "dynamic")
#: widest input circuit (its ideal output distribution is computed as a state vector)
MAX_DATA_QUBITS = 20


@dataclass(frozen=True)
class DistributeParams:
    """A distributed circuit on a chain network (validated; messages use the flag names).

    Attributes:
        circuit: a named circuit (``qft:N``, ``ghz:N``, ``adder:N``, ``random:N:GATES:SEED``);
            ignored when ``qasm`` is given.
        qasm: OpenQASM 2 or 3 source text, or None.
        nodes: number of processors (parts), 2 <= nodes <= qubits.
        placement: node of each qubit (tuple, qubit order), or None for graph partitioning.
        link_fidelity: Werner fidelity of every link, or None for the physical heralded state.
        length_km: node-to-node fiber length (km).
        t1_s, t2_s: memory T1/T2 of every node (s; inf: ideal).
        gate_error, readout_error: node two-qubit depolarizing / readout flip probability.
        dark_count_prob: detector dark-count probability per window (physical links).
        max_open: most open cat-entangled groups holding an ebit half at one node.
        data_waits: the data qubits idle (their node's T1/T2) while each ebit is made and its
            messages travel (sequential schedule; ``distribute(data_waits=True)``).
        sampling: ``"auto"`` (ideal ebits: the deferred equivalent; Bell-diagonal ebits on Aer:
            Pauli frames; finite T1 on Aer: the channel form; else the dynamic circuit) or
            ``"dynamic"`` (always the dynamic circuit
            with the network's noise: the honest mid-circuit form, one trajectory per shot).
        remote: ``"gates"`` (teleported gates only), ``"moves"`` (teleport the qubits) or
            ``"auto"`` (per non-local gate the cheaper in ebits; :mod:`~qnet_circuits.library.
            distributed.moves`).
        capacity: data qubits a node holds at once (None: its placed qubits plus one slot).
    """

    circuit: str = "qft:4"
    qasm: str | None = None
    nodes: int = 2
    placement: tuple[int, ...] | None = None
    link_fidelity: float | None = None
    length_km: float = 10.0
    t1_s: float = math.inf
    t2_s: float = math.inf
    gate_error: float = 0.0
    readout_error: float = 0.0
    dark_count_prob: float = 0.0
    max_open: int = 1
    source: str = "<qasm>"
    sampling: str = "auto"
    data_waits: bool = True
    remote: str = "auto"
    capacity: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.circuit, str):
            raise ValueError(f"--circuit must be a name such as qft:4 or ghz:3, got {self.circuit!r}")
        if self.qasm is not None and not isinstance(self.qasm, str):
            raise ValueError(f"--qasm must be OpenQASM 2 or 3 source text (or None), got "
                             f"{type(self.qasm).__name__} {self.qasm!r}")
        if self.qasm is not None and not self.qasm.strip():
            raise ValueError("--qasm input is empty; give an OpenQASM 2 or 3 circuit")
        if not isinstance(self.source, str):
            raise ValueError(f"source must be the name of the --qasm input (a str), got "
                             f"{self.source!r}")
        qc = self.build()
        if qc.num_qubits == 0:
            raise ValueError(f"--qasm {self.source}: the circuit has no qubits; declare a qubit "
                             "register")
        if qc.num_qubits > MAX_DATA_QUBITS:
            what = f"--qasm {self.source}" if self.qasm is not None else f"--circuit {self.circuit}"
            raise ValueError(f"{what} has {qc.num_qubits} qubits; at most {MAX_DATA_QUBITS} (the "
                             "monolithic reference output is a state vector of 2^n amplitudes)")
        object.__setattr__(self, "nodes", check_int("--nodes", self.nodes, minimum=2))
        if self.nodes > qc.num_qubits:
            raise ValueError(f"--nodes ({self.nodes}) exceeds the circuit's {qc.num_qubits} qubits; "
                             f"use at most {qc.num_qubits} nodes")
        if self.link_fidelity is not None:
            object.__setattr__(self, "link_fidelity",
                               check_probability("--link-fidelity", self.link_fidelity))
        object.__setattr__(self, "length_km", check_nonnegative("--length-km", self.length_km))
        object.__setattr__(self, "t1_s", check_positive("--t1", self.t1_s, allow_inf=True))
        object.__setattr__(self, "t2_s", check_positive("--t2", self.t2_s, allow_inf=True))
        for name, flag in (("gate_error", "--gate-error"), ("readout_error", "--readout-error"),
                           ("dark_count_prob", "--dark-count-prob")):
            object.__setattr__(self, name, check_probability(flag, getattr(self, name)))
        object.__setattr__(self, "max_open", check_int("--max-open", self.max_open, minimum=1))
        from qnet_circuits.library.distributed.moves import REMOTE

        if self.remote not in REMOTE:
            raise ValueError(f"--remote must be one of {', '.join(REMOTE)}, got {self.remote!r}")
        if self.capacity is not None:
            object.__setattr__(self, "capacity", check_int("--capacity", self.capacity, minimum=1))
        if self.sampling not in SAMPLING:
            raise ValueError(f"--sampling must be one of {', '.join(SAMPLING)}, got {self.sampling!r}")
        if self.t2_s > 2 * self.t1_s:
            raise ValueError(f"--t2 ({self.t2_s}) exceeds 2 * --t1 ({self.t1_s}); lower --t2")
        if self.placement is not None:
            if isinstance(self.placement, (str, bytes)) or not hasattr(self.placement, "__iter__"):
                raise ValueError(f"--placement must be one node number per qubit (e.g. 0,0,1,1), "
                                 f"got {self.placement!r}")
            p = tuple(self.placement)
            if len(p) != qc.num_qubits:
                raise ValueError(f"--placement names {len(p)} qubits but the circuit has "
                                 f"{qc.num_qubits}; give one node per qubit")
            bad = [v for v in p if isinstance(v, bool) or not (isinstance(v, int) and 0 <= v < self.nodes)]
            if bad:
                raise ValueError(f"--placement names unknown nodes {sorted(set(bad))}; nodes are "
                                 f"0..{self.nodes - 1}")
            object.__setattr__(self, "placement", p)

    def build(self) -> QuantumCircuit:
        """The input circuit (final measurements removed)."""
        from qnet_circuits.library.distributed.catalog import load_qasm, named_circuit

        qc = load_qasm(self.qasm, self.source) if self.qasm is not None else named_circuit(self.circuit)
        qc = qc.remove_final_measurements(inplace=False)
        _check_unitary(qc)
        return qc

    def network(self):
        """The chain ``n0 - n1 - ... - n<k-1>`` (every node a processor)."""
        from qnet_circuits.network import chain

        net = chain(self.nodes - 1, self.length_km, t1_s=self.t1_s, t2_s=self.t2_s,
                    gate_error=self.gate_error, readout_error=self.readout_error,
                    dark_count_prob=self.dark_count_prob, end_names=("n0", f"n{self.nodes - 1}"))
        return net

    @property
    def hosts(self) -> list[str]:
        return ["n0", *[f"r{i}" for i in range(1, self.nodes - 1)], f"n{self.nodes - 1}"]


def _check_unitary(qc) -> None:
    names = [i.operation.name for i in qc.data]
    odd = sorted({n for n in names if n in ("measure", "reset", "if_else", "while_loop", "for_loop",
                                            "switch_case", "box", "initialize")})
    if odd:
        raise ValueError(f"operations {odd} cannot be teleported (only unitary gates and final "
                         "measurements are distributed); remove them from the input circuit")


def _placement(params: DistributeParams) -> dict[int, int] | None:
    return None if params.placement is None else dict(enumerate(params.placement))


def circuits(params: DistributeParams) -> dict[str, Any]:
    """{"monolithic": input, "distributed": DistributedCircuit (reused qubits, dynamic),
    "fast": the deferred unitary equivalent (ideal ebits only)}."""
    from qnet_circuits.library.distributed import distribute

    qc = params.build()
    net = params.network()
    kw = {"network": net, "hosts": params.hosts, "link_fidelity": params.link_fidelity,
          "data_waits": params.data_waits, "remote": params.remote, "capacity": params.capacity}
    dist = distribute(qc, params.nodes, _placement(params), reuse=True, max_open=params.max_open, **kw)
    return {"monolithic": qc, "distributed": dist, "network": net}


def _idle_flips(dist, net) -> list[tuple[int, int, float]]:
    """The data waits as (operation index, qubit, Z probability) under their node's T2, then the
    open ebit halves' waits (T2 of b's node) as Z on their group's control before its first hit."""
    from qnet_circuits.physics.distributed import idle_z_probability

    hosts = (dist.circuit.metadata or {}).get("hosts") or []
    flips = [(i, q, idle_z_probability(t, net.node(hosts[n]).memory.t2_s))
             for (i, q, t), n in zip(dist.idles, dist.idle_nodes)]
    for _i, k, t in dist.open_waits:   # Z on an open b = Z on its control before the first hit
        group = dist.groups[k]
        first = min(i for i, _t, _p in group["hits"])
        t2 = net.node(hosts[dist.ebit_nodes[k][1]]).memory.t2_s
        flips.append((first, group["control"], idle_z_probability(t, t2)))
    return flips


def _ideal(dist, net=None) -> bool:
    quiet = net is None or all(p == 0.0 for _i, _q, p in _idle_flips(dist, net))
    return quiet and all(m["coefficients"][0] >= 1 - 1e-12 for m in dist.ebit_models)


def _model_state(dist, net):
    from qiskit.quantum_info import Operator

    from qnet_circuits import physics

    low = dist.lowered
    # a barrier stays as an identity so the groups' operation indices (into lowered.data) hold
    ops = [(np.eye(2), [low.find_bit(i.qubits[0]).index]) if i.operation.name == "barrier" else
           (Operator(i.operation).data, [low.find_bit(q).index for q in i.qubits]) for i in low.data]
    groups = [{"coefficients": m["coefficients"], **g} for g, m in zip(dist.groups, dist.ebit_models)]
    return physics.teleported_circuit_fidelity(dist.n_data_qubits, ops, groups, state=True,
                                               idles=_idle_flips(dist, net))


def _exact_fidelity(params: DistributeParams, qc, net) -> float | None:
    from qiskit.quantum_info import Statevector

    from qnet_circuits.library.distributed import distribute
    from qnet_circuits.run import heralded_density_matrix

    if qc.num_qubits > EXACT_MAX_DATA:
        return None
    fresh = distribute(qc, params.nodes, _placement(params), network=net, hosts=params.hosts,
                       link_fidelity=params.link_fidelity, max_open=params.max_open,
                       data_waits=params.data_waits, remote=params.remote, capacity=params.capacity)
    if fresh.qubits > EXACT_MAX_WIDTH:
        return None
    rho, _p = heralded_density_matrix(fresh.circuit, net, qubits=list(fresh.output_qubits))
    psi = Statevector(qc).data
    return float(np.real(psi.conj() @ rho.data @ psi))


def _pauli_exact(net) -> bool:
    """True when every ebit is exactly its Bell-diagonal model (no T1 decay on any memory)."""
    return all(math.isinf(node.memory.t1_s) for node in net.nodes)


def _sample(dist, net, runner, shots, seed, sampling: str, link_fidelity: float | None):
    """Counts of the data register (probabilities) and the form that produced them: ideal ebits ->
    the deferred equivalent; Pauli ebits on Aer -> Pauli frames (:func:`_frames`); finite T1 on
    Aer (``link_fidelity``: the value ``dist`` was made with) -> the channel form
    (:mod:`~qnet_circuits.protocols.distribute_channels`); otherwise (or ``sampling="dynamic"``)
    the dynamic circuit with the network's noise, one trajectory per shot."""
    from qiskit import ClassicalRegister

    from qnet_circuits.library.distributed import distribute
    from qnet_circuits.protocols.limits import check_width
    from qnet_circuits.run import AerRunner

    if not isinstance(runner, AerRunner):
        return _on_device(dist, runner, shots, seed, sampling)
    ideal = _ideal(dist, net)
    if sampling == "auto" and not ideal and _pauli_exact(net):
        return _frames(dist, net, runner, shots, seed)
    if sampling == "auto" and not ideal:
        from qnet_circuits.protocols.distribute_channels import sample_channels, supported

        if supported(dist):
            return sample_channels(dist, net, link_fidelity, runner, shots, seed)
    if ideal and sampling == "auto":
        circ = distribute(dist.lowered, max(dist.placement.values()) + 1, dict(dist.placement),
                          deferred=True, reuse=True, max_open=1, remote=dist.remote,
                          capacity=list(dist.capacity))
        form = "deferred (exact equivalent: ideal ebits)"
        circ, outputs = circ.circuit, circ.output_qubits
    else:
        circ, form = dist.circuit, "dynamic (if_test, measured and reset communication qubits)"
        outputs = dist.output_qubits
    check_width("the distributed circuit", circ.num_qubits,
                "use a smaller circuit, or --max-open 1 (the fewest communication qubits)")
    circ = circ.copy()
    out = ClassicalRegister(dist.n_data_qubits, "out")
    circ.add_register(out)
    circ.measure(list(outputs), out)
    counts = runner.counts([circ], shots=shots, seed=seed, network=None if ideal else net)[0]
    probs: dict[str, float] = {}
    for key, n in counts.items():
        data = key.split(" ")[0]
        probs[data] = probs.get(data, 0.0) + n / shots
    return probs, form


def _on_device(dist, runner, shots, seed, sampling):
    """A device runs the circuit with ideal ebits (H, CX on its qubits): its own noise is the
    noise, the network model does not apply. ``auto``: the deferred equivalent (no control flow
    needed); ``dynamic``: measured and reset communication qubits with ``if_test``."""
    from qiskit import ClassicalRegister

    from qnet_circuits.library.distributed import distribute

    deferred = sampling == "auto"
    made = distribute(dist.lowered, max(dist.placement.values()) + 1, dict(dist.placement),
                      deferred=deferred, reuse=True, max_open=1, remote=dist.remote,
                      capacity=list(dist.capacity))
    circ = made.circuit.copy()
    circ.add_register(ClassicalRegister(dist.n_data_qubits, "out"))
    circ.measure(list(made.output_qubits), circ.cregs[-1])
    counts = runner.counts([circ], shots=shots, seed=seed)[0]
    probs: dict[str, float] = {}
    for key, n in counts.items():
        data = key.split(" ")[0]
        probs[data] = probs.get(data, 0.0) + n / shots
    form = (f"device {runner.name}: ideal ebits on the device's qubits, "
            + ("deferred (no control flow)" if deferred else "dynamic (if_test)"))
    return probs, form


def _frames(dist, net, runner, shots, seed):
    """Pauli-frame sampling (exact for Bell-diagonal ebits): draw each shot's ebit errors, group
    equal patterns, run the monolithic circuit with each pattern's Paulis (one template, one
    binding per pattern) for that pattern's shot count on Aer."""
    from qnet_circuits.library.distributed.frames import frame_bindings, frame_template
    from qnet_circuits.physics.distributed import sample_pauli_patterns
    from qnet_circuits.run import progress
    from qnet_circuits.run.base import counts_from_bits

    noisy = [k for k, m in enumerate(dist.ebit_models) if m["coefficients"][0] < 1.0]
    root = np.random.SeedSequence(seed)
    rng = np.random.default_rng(root.spawn(1)[0])
    idles = [(i, q, p) for i, q, p in _idle_flips(dist, net) if p > 0]
    # long numpy calls (1e8 shots: seconds each): interruptible by Ctrl-C under a monitor
    patterns, counts = progress.interruptible(
        sample_pauli_patterns, [dist.ebit_models[k]["coefficients"] for k in noisy], shots, rng,
        z_flips=[p for _i, _q, p in idles])
    used = patterns.any(axis=0)   # slots no shot drew stay out of the template (identity)
    keep = [k for k, u in zip(noisy, used) if u]
    waits = [(i, q) for (i, q, _p), u in zip(idles, used[len(noisy):]) if u]
    template, order = frame_template(dist, keep, waits)
    angles = frame_bindings(patterns[:, used], len(keep))
    sizes = np.unique(counts)
    probs: dict[str, float] = {}
    for size, aer_seed in zip(sizes, root.generate_state(len(sizes), np.uint32) >> 1):
        rows = counts == size
        binds = {p: angles[rows, j] for j, p in enumerate(order)}
        for data in runner.run_bindings(template, binds, shots=int(size), seed=int(aer_seed)):
            for key, n in counts_from_bits(template, data.bits, data.shots).items():
                probs[key] = probs.get(key, 0.0) + n / shots
    form = (f"pauli-frames (exact equivalent: Bell-diagonal ebits, T1 = inf): {len(counts)} distinct "
            f"error patterns of {len(noisy)} noisy ebits and {len(idles)} data waits, each the "
            "monolithic circuit with its Paulis")
    return probs, form


def _channel_theory(dist, net, params, qc, ideal_probs, theory, model):
    """Finite T1: ``theory["exact_fidelity"]`` / ``["exact_tvd"]`` from the channel form's exact
    state (up to 10 data qubits; None beyond); returns the model fidelity (the dynamic circuit's
    where it was computed, else the channel form's)."""
    from qiskit.quantum_info import Statevector

    from qnet_circuits.protocols.distribute_channels import exact_state

    rho = exact_state(dist, net, params.link_fidelity)
    theory["exact_fidelity"] = theory["exact_tvd"] = None
    if rho is None:
        return model
    psi = Statevector(qc).data
    theory["exact_fidelity"] = float(np.real(psi.conj() @ rho @ psi))
    diag = np.real(np.diag(rho))
    exact = {format(i, f"0{qc.num_qubits}b"): float(v) for i, v in enumerate(diag) if v > 1e-15}
    theory["exact_tvd"] = _tvd(exact, ideal_probs)
    return theory["exact_fidelity"] if model is None else model


def _tvd(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in set(p) | set(q))


@dataclass(frozen=True)
class DistributeResult:
    """Resources and output quality of a distributed circuit (see the module docstring)."""

    params: DistributeParams
    resources: Mapping[str, Any]
    fidelity: float | None
    tvd: float
    tvd_sampling: float
    form: str
    theory: Mapping[str, Any]
    provenance: Provenance
    #: the device that sampled the outputs (None: Aer with the network model)
    device: str | None = None
    #: exact fidelity of the distributed circuit under the network model (small circuits)
    model_fidelity: float | None = None

    @property
    def ebits(self) -> int:
        return int(self.resources["ebits"])

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet distribute``."""
        p = self.params
        return {"command": "distribute", "circuit": p.circuit if p.qasm is None else p.source,
                "nodes": p.nodes, "link_fidelity": p.link_fidelity, "length_km": p.length_km,
                "t1_s": p.t1_s, "t2_s": p.t2_s, **self.resources,
                "fidelity": self.fidelity, "tvd": float(self.tvd), "tvd_sampling_scale": self.tvd_sampling,
                **self._sources(),
                "form": self.form, "theory": dict(self.theory), "shots": self.provenance.shots,
                "seed": self.provenance.seed, "provenance": self.provenance.to_dict()}


    def _sources(self) -> dict[str, Any]:
        """What ``fidelity`` and ``tvd`` are: the network model on Aer; on a device only the TVD
        is measured (the state is not), and the network-model value is ``model_fidelity``."""
        if self.device is None:
            return {"fidelity_source": "network model: exact density matrix of the distributed "
                                       "circuit under the network's noise (Aer)",
                    "tvd_source": "sampled on Aer with the network's noise"}
        return {"device": self.device, "model_fidelity": self.model_fidelity,
                "fidelity_source": f"not measured on {self.device} (a device samples outputs, not "
                                   "the state); model_fidelity is the network model's value, "
                                   "which ignores the device's noise",
                "tvd_source": f"measured on {self.device} (ideal ebits on its qubits, its own noise)"}


def _resources(dist, qc) -> dict[str, Any]:
    from qiskit import transpile

    from qnet_circuits.library.distributed import nonlocal_count
    from qnet_circuits.library.distributed.rewrite import BASIS

    low = transpile(qc, basis_gates=list(BASIS), optimization_level=0)
    return {**dist.to_dict(), "swap_classical_bits": 2 * dist.swaps,
            "reference_ebits": nonlocal_count(low, dist.placement),
            "monolithic_depth": low.depth(), "monolithic_qubits": qc.num_qubits}


def run(params: DistributeParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> DistributeResult:
    """Distribute, sample ``shots`` outputs, compare with the monolithic circuit and theory."""
    from qiskit.quantum_info import Statevector

    from qnet_circuits import physics
    from qnet_circuits.run import AerRunner

    shots = resolve_shots(shots, DEFAULT_SHOTS)
    backend = resolve_runner(runner)
    made = circuits(params)
    qc, dist, net = made["monolithic"], made["distributed"], made["network"]
    ideal_probs = Statevector(qc).probabilities_dict()
    probs, form = _sample(dist, net, backend, shots, seed, params.sampling, params.link_fidelity)
    pauli = physics.distributed_fidelity_bound([m["coefficients"] for m in dist.ebit_models]) \
        * math.prod(1 - p for _i, _q, p in _idle_flips(dist, net))
    theory: dict[str, Any] = {   # prod A_k bounds the fidelity only for Bell-diagonal ebits
        "fidelity_bound": pauli if _pauli_exact(net) else None,
        "fidelity_pauli_approximation": None if _pauli_exact(net) else pauli,
        "ebit_fidelities": [m["coefficients"][0] for m in dist.ebit_models],
        "fidelity": None, "tvd": None}
    if qc.num_qubits <= EXACT_MAX_DATA:
        rho = _model_state(dist, net)
        psi = Statevector(qc).data
        theory["fidelity"] = float(np.real(psi.conj() @ rho @ psi))
        diag = np.real(np.diag(rho))
        model = {format(i, f"0{qc.num_qubits}b"): float(v) for i, v in enumerate(diag) if v > 1e-15}
        theory["tvd"] = _tvd(model, ideal_probs)
    scale = 0.5 * sum(math.sqrt(p * (1 - p) / shots) for p in ideal_probs.values())
    device = None if isinstance(backend, AerRunner) else str(getattr(backend, "name", "device"))
    model = _exact_fidelity(params, qc, net)
    if not _pauli_exact(net):   # finite T1: the Pauli model above is approximate; this is exact
        model = _channel_theory(dist, net, params, qc, ideal_probs, theory, model)
    return DistributeResult(params, _resources(dist, qc), None if device else model,
                            _tvd(probs, ideal_probs), scale, form, theory,
                            Provenance.collect("distribute", backend, seed=seed, shots=shots),
                            device=device, model_fidelity=model)


__all__ = ["DEFAULT_SHOTS", "DistributeParams", "DistributeResult", "circuits", "run"]
