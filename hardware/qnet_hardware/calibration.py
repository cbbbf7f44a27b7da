"""The calibrated network model: a :class:`~qnet_circuits.network.Network` from a device's
calibration on the physical qubits a layout chose, and the runner that predicts a device run.

How per-qubit calibration becomes per-node physics (:func:`network_from_backend`), for each node
and the physical qubits it was given:

* ``memory``: the median T1 and the median T2 over the node's qubits, in s (T2 capped at 2 T1);
* ``readout_error``: the median of ``target["measure"][(q,)].error`` over the node's qubits;
* ``gate_error`` (two-qubit gates inside the node) and ``coupler_error`` (gates to another node):
  ``4/3`` of the median reported two-qubit error (an average gate infidelity, as Aer's device
  model reads it) over the used couplers: those with both ends in the node, respectively one end
  in it. ``4/3`` turns an average infidelity into the depolarizing lambda of the same average
  (``1 - F_avg = 3 lambda / 4`` for two qubits). A node without such a coupler takes the other
  kind; without any, 0. ``couplers=None`` uses every coupler of the target between given qubits.

:class:`CalibratedRunner` runs a circuit the way the device would get it (same transpilation,
same layout: :meth:`~qnet_hardware.IBMRunner.prepare`), builds that network on those qubits
(registers outside ``metadata["nodes"]``, ancillas and detectors, become nodes of their own)
and runs the logical circuit on Aer with the network's noise passes, every measurement with its
readout error (no verification readout is ideal on a chip). That is the prediction.

>>> from qnet_hardware.devices import fake_backend
>>> net = network_from_backend(fake_backend("fake_manila"), qubits={"alice": [0], "bob": [1]})
>>> [n.name for n in net.nodes], round(net.node("alice").coupler_error, 5)
(['alice', 'bob'], 0.01177)
>>> try:
...     network_from_backend(fake_backend("fake_manila"), qubits={"alice": [7]})
... except ValueError as exc:
...     print(str(exc)[:60])
qubits: node 'alice' names physical qubit 7, but fake_manila
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit
from qiskit.providers import BackendV2

from qnet_circuits.network import Fiber, Link, Memory, Network, Node
from qnet_circuits.noise import strip_markers
from qnet_circuits.results import ShotData
from qnet_circuits.run import AerRunner
from qnet_circuits.run.base import binding_table, check_circuits, check_shots, circuit_seeds
from qnet_hardware.isa import bind_isa_rows
from qnet_hardware.layout import qubit_errors

__all__ = ["CalibratedRunner", "model_budget", "network_from_backend", "prediction_circuit",
           "used_couplers"]

Couplers = Iterable[tuple[int, int]]
#: bound rows of a binding table whose model budget is computed (their mean is reported)
BUDGET_ROWS = 8


def _check_qubits(qubits: Any, n_qubits: int, device: str) -> dict[str, list[int]]:
    if isinstance(qubits, Mapping):
        groups = {str(k): v for k, v in qubits.items()}
    elif isinstance(qubits, Sequence) and not isinstance(qubits, str):
        groups = {f"q{q}": [q] for q in qubits}
    else:
        raise ValueError("qubits must map node names to physical qubits ({'alice': [0], ...}) "
                         f"or list physical qubits, got {qubits!r}")
    if not groups:
        raise ValueError("qubits must name at least one node and its physical qubits")
    out: dict[str, list[int]] = {}
    for name, qs in groups.items():
        qs = [qs] if isinstance(qs, (int, np.integer)) else list(qs)
        if not qs:
            raise ValueError(f"qubits: node {name!r} has no physical qubit; give at least one")
        for q in qs:
            if isinstance(q, bool) or not isinstance(q, (int, np.integer)):
                raise ValueError(f"qubits: node {name!r} names {q!r}; physical qubits are integers")
            if not 0 <= q < n_qubits:
                raise ValueError(f"qubits: node {name!r} names physical qubit {q}, but {device} "
                                 f"has qubits 0..{n_qubits - 1}; pick qubits of the device")
        out[name] = [int(q) for q in qs]
    return out


def _median(values: Sequence[float], default: float) -> float:
    return float(np.median(values)) if len(values) else default


def network_from_backend(backend: BackendV2, qubits: Mapping[str, Sequence[int]] | Sequence[int],
                         *, couplers: Couplers | None = None,
                         links: Iterable[tuple[str, str]] | None = None) -> Network:
    """A Network whose nodes carry the device's calibration on ``qubits`` (module docstring).

    Args:
        backend: a BackendV2 (fake or real IBM device); its ``target`` holds the calibration.
        qubits: node name -> the physical qubits it uses (a plain list: one node ``q<i>`` each).
        couplers: the physical qubit pairs the circuit's two-qubit gates use (None: every coupler
            of the target between given qubits).
        links: (a, b) node pairs to link by ideal 0 km links (None: consecutive nodes); links
            only name the pairs (detector registers), the calibrated noise sits on the nodes.

    Raises ValueError naming ``qubits`` for an unknown qubit or one without calibration.
    """
    target = backend.target
    groups = _check_qubits(qubits, target.num_qubits, backend.name)
    readout, edge_error = qubit_errors(target)
    props = target.qubit_properties or [None] * target.num_qubits
    chosen = {q for qs in groups.values() for q in qs}
    if couplers is None:
        used = {e: v for e, v in edge_error.items() if e[0] in chosen and e[1] in chosen}
    else:
        used = {}
        for a, b in couplers:
            key = (min(a, b), max(a, b))
            if key not in edge_error:
                raise ValueError(f"couplers: ({a}, {b}) is not a coupler of {backend.name}")
            used[key] = edge_error[key]
    nodes = []
    for i, (name, qs) in enumerate(groups.items()):
        missing = [q for q in qs if q not in readout]
        if missing:
            raise ValueError(f"qubits: physical qubit {missing[0]} of node {name!r} has no "
                             f"calibrated measurement on {backend.name}; pick another qubit")
        inside = [v for e, v in used.items() if e[0] in qs and e[1] in qs]
        across = [v for e, v in used.items() if (e[0] in qs) != (e[1] in qs)]
        lam_in = 4.0 / 3.0 * _median(inside, _median(across, 0.0))
        lam_out = 4.0 / 3.0 * _median(across, _median(inside, 0.0))
        t1 = _median([props[q].t1 for q in qs if props[q] is not None and props[q].t1], math.inf)
        t2 = _median([props[q].t2 for q in qs if props[q] is not None and props[q].t2], math.inf)
        role = "end" if i in (0, len(groups) - 1) else "repeater"
        nodes.append(Node(name, role, Memory(t1, min(t2, 2 * t1)), gate_error=min(1.0, lam_in),
                          readout_error=_median([readout[q] for q in qs], 0.0),
                          coupler_error=min(1.0, lam_out)))
    names = list(groups)
    pairs = list(links) if links is not None else list(zip(names[:-1], names[1:]))
    return Network(tuple(nodes), tuple(Link(a, b, Fiber(0.0)) for a, b in pairs))


def used_couplers(isa: QuantumCircuit) -> set[tuple[int, int]]:
    """The physical qubit pairs of every two-qubit gate of an ISA circuit (control flow included)."""
    out: set[tuple[int, int]] = set()

    def walk(circuit: QuantumCircuit, phys: list[int]) -> None:
        for inst in circuit.data:
            qs = [phys[circuit.find_bit(q).index] for q in inst.qubits]
            blocks = getattr(inst.operation, "blocks", ())
            for block in blocks:
                walk(block, qs)
            if len(qs) == 2 and not blocks and inst.operation.name not in ("barrier", "measure"):
                out.add((min(qs), max(qs)))

    walk(isa, list(range(isa.num_qubits)))
    return out


def prediction_circuit(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` as the calibrated model sees it: every register owned by a node (registers
    outside ``metadata["nodes"]`` become nodes named after themselves), no ideal readout and no
    fiber markers (stripped on a device too)."""
    meta = dict(circuit.metadata or {})
    nodes = dict(meta.get("nodes", {}))
    taken = set(nodes.values())
    for reg in circuit.qregs:
        if reg.name not in nodes:
            nodes[reg.name] = reg.name if reg.name not in taken else f"{reg.name}_q"
    meta["nodes"] = nodes
    meta.pop("ideal_measurements", None)
    out = strip_markers(circuit)  # fiber markers are simulation-only: the device never sees them
    out.metadata = meta
    return out


def _relaxation_infidelity(t_s: float, t1_s: float | None, t2_s: float | None) -> float:
    """Average infidelity of a qubit's T1/T2 decay over ``t_s``: (3 - 2 e^{-t/T2} - e^{-t/T1})/6."""
    d1 = math.exp(-t_s / t1_s) if t1_s else 1.0
    d2 = math.exp(-t_s / t2_s) if t2_s else 1.0
    return (3.0 - 2.0 * d2 - d1) / 6.0


def model_budget(isa: Any, backend: BackendV2, network: Network,
                 nodes: Mapping[str, str]) -> dict[str, float]:
    """What the calibrated model leaves out of one circuit, as error probabilities (a first-order
    bound on the total-variation distance between the device's and the model's outcome
    distributions: each mis-modeled error event moves probability by at most its own).

    Terms (keys): ``one_qubit`` (every single-qubit ISA gate's reported error: the model has
    none), ``two_qubit_spread`` (each ISA two-qubit gate's error minus the model's median for
    the nodes, in absolute value), ``routing`` (ISA two-qubit gates beyond the logical ones, at
    the median error: SWAPs the model does not run), ``non_pauli`` (the T1/T2 part of each
    two-qubit gate, which the model replaces by depolarizing of equal average infidelity),
    ``readout`` (each measured qubit's error minus its node's median, plus half the asymmetry
    where the target states it), ``memory`` (each Delay's decay on its own qubit against the
    node's median T1/T2); ``total`` is their sum. ``nodes``: register -> node name.
    """
    target, circuit, report = backend.target, isa.circuit, isa.report
    props = target.qubit_properties or [None] * target.num_qubits
    owner: dict[int, Node] = {}
    for reg_name, qs in report.layout.items():
        name = nodes.get(reg_name, reg_name)
        for q in qs:
            try:
                owner[q] = network.node(name)
            except ValueError:
                continue
    errs = [n.gate_error * 0.75 for n in network.nodes] or [0.0]
    median_2q = float(np.median(errs))
    terms = dict.fromkeys(("one_qubit", "two_qubit_spread", "routing", "non_pauli", "readout",
                           "memory"), 0.0)

    def t12(q: int) -> tuple[float | None, float | None]:
        p = props[q]
        return (p.t1, p.t2) if p is not None else (None, None)

    def walk(block: QuantumCircuit, phys: list[int]) -> None:
        for inst in block.data:
            op, qs = inst.operation, [phys[block.find_bit(q).index] for q in inst.qubits]
            for sub in getattr(op, "blocks", ()):
                walk(sub, qs)
            if op.name in ("barrier", "reset") or getattr(op, "blocks", ()):
                continue
            inst_props = target[op.name].get(tuple(qs)) if op.name in target else None
            err = float(getattr(inst_props, "error", None) or 0.0)
            if op.name == "measure":
                node = owner.get(qs[0])
                terms["readout"] += abs(err - (node.readout_error if node else err))
                p01 = getattr(inst_props, "prob_meas1_prep0", None)
                p10 = getattr(inst_props, "prob_meas0_prep1", None)
                if p01 is not None and p10 is not None:
                    terms["readout"] += abs(p01 - p10) / 2.0
            elif op.name == "delay":
                node = owner.get(qs[0])
                t = float(op.duration) * (target.dt or 0.0) if op.unit == "dt" else 0.0
                if node is not None and t > 0:
                    terms["memory"] += abs(_relaxation_infidelity(t, *t12(qs[0]))
                                           - _relaxation_infidelity(t, node.memory.t1_s,
                                                                    node.memory.t2_s))
            elif len(qs) == 1:
                terms["one_qubit"] += err
            elif len(qs) == 2:
                a, b = owner.get(qs[0]), owner.get(qs[1])
                if a is not None and a is b:
                    model = a.gate_error * 0.75
                elif a is not None and b is not None:
                    model = 0.75 * (a.coupler_error + b.coupler_error) / 2.0
                else:
                    model = median_2q
                terms["two_qubit_spread"] += abs(err - model)
                dur = float(getattr(inst_props, "duration", None) or 0.0)
                terms["non_pauli"] += sum(_relaxation_infidelity(dur, *t12(q)) for q in qs)

    walk(circuit, list(range(circuit.num_qubits)))
    extra = abs(report.isa_two_qubit - report.logical_two_qubit)
    terms["routing"] = extra * median_2q
    terms["total"] = sum(terms.values())
    return terms


class CalibratedRunner:
    """Aer with the calibrated network model of ``device`` (an :class:`~qnet_hardware.IBMRunner`):
    the prediction of what the device returns. Protocols treat it as a device (the same circuit
    forms, corrections and memory scaling as on ``device``); the ``network`` they pass is
    replaced by :func:`network_from_backend` on the qubits the device's layout picks (its links
    kept by name, lossless, as fiber markers are stripped on a device)."""

    def __init__(self, device: Any, *, method: str = "auto") -> None:
        self.device = device
        self.aer = AerRunner(method=method)
        self.name = f"calibrated:{device.name}"
        self.reports: list[Any] = []
        self.networks: list[Network] = []
        #: :func:`model_budget` of each circuit of the last run (what the model leaves out)
        self.budgets: list[dict[str, float]] = []

    dynamic = property(lambda self: self.device.dynamic)
    correction = property(lambda self: self.device.correction)
    target = property(lambda self: self.device.target)
    median_coherence_s = property(lambda self: self.device.median_coherence_s)
    max_width = property(lambda self: self.device.max_width)  # the device's circuit form
    method = property(lambda self: self.aer.method)

    def model(self, circuit: QuantumCircuit, network: Network | None = None,
              *, template: bool = False) -> tuple[QuantumCircuit, Network, Any]:
        """The prediction circuit, its calibrated network and the ISA circuit it is laid as."""
        isa = (self.device.prepare_template_delays(circuit) if template
               else self.device.prepare(circuit))
        pc = prediction_circuit(circuit)
        regs = {r.name: r for r in circuit.qregs}
        groups: dict[str, list[int]] = {}
        for reg_name, node in pc.metadata["nodes"].items():
            if reg_name in regs:
                groups.setdefault(node, []).extend(isa.report.layout.get(reg_name, []))
        groups = {k: v for k, v in groups.items() if v}
        links = None
        if network is not None:
            links = [(lk.a, lk.b) for lk in network.links if lk.a in groups and lk.b in groups]
        net = network_from_backend(self.device.backend, groups,
                                   couplers=used_couplers(isa.circuit) or None, links=links)
        return pc, net, isa

    def run(self, circuits: Sequence[QuantumCircuit], *, shots: int, seed: int | None = None,
            network: Network | None = None) -> list[ShotData]:
        """Each circuit on Aer with its own calibrated network (per-circuit seeds as AerRunner)."""
        shots = check_shots(shots)
        circuits = check_circuits(circuits)
        out: list[ShotData] = []
        self.reports, self.networks, self.budgets = [], [], []
        for qc, s in zip(circuits, circuit_seeds(seed, len(circuits)), strict=True):
            pc, net, isa = self.model(qc, network)
            self.reports.append(isa.report)
            self.networks.append(net)
            self.budgets.append(model_budget(isa, self.device.backend, net, pc.metadata["nodes"]))
            (data,) = self.aer.run([pc], shots=shots, seed=s, network=net)
            data.metadata.update(isa=isa.report.to_dict(), calibrated=True,
                                 backend=self.name)
            out.append(data)
        return out

    def run_bindings(self, circuit: QuantumCircuit, bindings: Mapping[Any, Sequence[float]], *,
                     shots: int, seed: Any = None, network: Network | None = None) -> list[ShotData]:
        """One row per binding, bound and run as circuits (Delays become the calibrated T1/T2)."""
        shots = check_shots(shots)
        table = binding_table(circuit, bindings)
        if isinstance(seed, np.random.SeedSequence):
            seed = int(seed.generate_state(1)[0])
        pc, net, isa = self.model(circuit, network, template=bool(circuit.parameters))
        self.reports, self.networks = [isa.report], [net]
        params = list(table.columns)
        self.budgets = self._row_budgets(isa, net, pc, table, params)
        rows = [pc.assign_parameters({p: float(table.columns[p][k]) for p in params})
                if params else pc for k in range(table.rows)]
        data = self.aer.run(rows, shots=shots, seed=seed, network=net)
        for k, d in enumerate(data):
            d.metadata.update(isa=isa.report.to_dict(), calibrated=True, backend=self.name, row=k)
        return data

    def _row_budgets(self, isa: Any, net: Network, pc: QuantumCircuit, table: Any,
                     params: list[Any]) -> list[dict[str, float]]:
        """:func:`model_budget` of up to :data:`BUDGET_ROWS` rows, spread over the table (each
        bound on the device clock as the device would run it)."""
        nodes = pc.metadata["nodes"]
        if not isa.circuit.parameters:
            return [model_budget(isa, self.device.backend, net, nodes)]
        picks = sorted({int(k) for k in np.linspace(0, table.rows - 1, min(BUDGET_ROWS,
                                                                             table.rows))})
        rows = [{p.name: float(table.columns[p][k]) for p in params} for k in picks]
        bound = bind_isa_rows(isa, rows, self.device.target)
        return [model_budget(b, self.device.backend, net, nodes) for b in bound]
