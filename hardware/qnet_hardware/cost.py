"""Estimated device time of what a run submits: the cost guard (``--dry-run``,
``--max-device-seconds``).

The estimate for one job of ``circuits`` ISA circuits (a binding table counts one circuit per row),
``shots`` shots each::

    device_s = JOB_OVERHEAD_S + sum over circuits of shots * (circuit_s + rep_delay_s)

* ``circuit_s``: the per-shot duration of the scheduled ISA circuit, :func:`circuit_seconds`: an
  as-soon-as-possible schedule over the device's qubits with the target's gate, measure and reset
  durations (virtual RZ: 0), Delays at their rounded length, an ``if_else`` waiting for its
  condition's measurement plus :data:`FEEDFORWARD_S`, then lasting its longest branch;
* ``rep_delay_s``: the device's default repetition delay (``backend.default_rep_delay``; 250 us on
  current IBM devices) inserted between shots (IBM's "dynamic repetition rate" guide);
* :data:`JOB_OVERHEAD_S` per job: loading and preparing the QPU. IBM's usage-estimate guide reports
  ``usage_estimation`` = 4.1 quantum seconds for a two-qubit Bell circuit at the default 4,096 shots,
  of which 4,096 x (250 us + a few us) ~ 1.05 s are shots: about 3 s is per-job overhead.

The real usage can differ (queueing is not usage; IBM's own estimate appears per job after
submission, ``job.usage_estimation``); this figure is a guard, not a bill.

>>> from qiskit import QuantumCircuit
>>> from qnet_hardware import IBMRunner
>>> runner = IBMRunner("fake_manila")
>>> qc = QuantumCircuit(2, 2); _ = qc.h(0); _ = qc.cx(0, 1); _ = qc.measure([0, 1], [0, 1])
>>> isa = runner.prepare(qc)
>>> 1e-6 < circuit_seconds(isa.circuit, runner.target) < 1e-5
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import ControlFlowOp, Delay, ParameterExpression, QuantumCircuit
from qiskit.transpiler import Target

#: Fixed QPU time per job (s); see the module docstring.
JOB_OVERHEAD_S = 3.0
#: Latency of a classically conditioned branch after its measurement (s), an assumption.
FEEDFORWARD_S = 1e-6
#: Repetition delay used when the backend states none (s).
DEFAULT_REP_DELAY_S = 250e-6

__all__ = [
    "DEFAULT_REP_DELAY_S",
    "FEEDFORWARD_S",
    "JOB_OVERHEAD_S",
    "CostLedger",
    "JobCost",
    "Schedule",
    "account",
    "circuit_seconds",
    "rep_delay_seconds",
]


def _duration(op: Any, qubits: Sequence[int], target: Target) -> float:
    if isinstance(op, Delay):
        if op.unit == "dt":
            return float(op.duration) * float(target.dt or 0.0)
        scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}[op.unit]
        return float(op.duration) * scale
    if op.name in ("barrier",) or op.name not in target.operation_names:
        return 0.0
    try:
        props = target[op.name].get(tuple(qubits))
    except KeyError:
        return 0.0
    return float(props.duration or 0.0) if props is not None else 0.0


#: One step of a compiled schedule: (qubits, clbits written by a measure, clbits read,
#: duration in s or the name of a Delay's duration Parameter (in dt), control-flow bodies).
_Step = tuple[tuple[int, ...], tuple[Any, ...], tuple[Any, ...], "float | str", "list | None"]


class Schedule:
    """The as-soon-as-possible schedule of an ISA circuit, compiled once (see the module
    docstring): :meth:`seconds` evaluates it, for a template whose top-level Delays have a
    Parameter as duration (in ``dt``) with those parameters' values, so the rows of a binding
    table are costed without building each bound circuit.

    >>> from qiskit.circuit import Parameter
    >>> from qnet_hardware.devices import fake_backend
    >>> target = fake_backend("fake_manila").target
    >>> t = Parameter("t"); qc = QuantumCircuit(1); _ = qc.delay(t, 0, unit="dt")
    >>> round(Schedule(qc, target).seconds({"t": 4500}) * 1e6, 3)
    1.0
    """

    def __init__(self, circuit: QuantumCircuit, target: Target) -> None:
        self.dt = float(target.dt or 0.0)
        index = {q: i for i, q in enumerate(circuit.qubits)}
        self.steps = self._compile(circuit, [index[q] for q in circuit.qubits], target)

    def _compile(self, block: QuantumCircuit, outer: list[int], target: Target) -> list[_Step]:
        local = {q: outer[i] for i, q in enumerate(block.qubits)}
        steps: list[_Step] = []
        for inst in block.data:
            qs = tuple(local[q] for q in inst.qubits)
            op = inst.operation
            written = tuple(inst.clbits) if op.name == "measure" else ()
            if isinstance(op, ControlFlowOp):
                bodies = [self._compile(body, list(qs), target) for body in op.blocks]
                steps.append((qs, written, tuple(inst.clbits), 0.0, bodies))
            elif isinstance(op, Delay) and isinstance(op.duration, ParameterExpression):
                if op.unit != "dt" or len(op.duration.parameters) != 1:
                    raise ValueError("a parameterized Delay must be one Parameter in dt")
                (param,) = op.duration.parameters
                steps.append((qs, written, tuple(inst.clbits), param.name, None))
            else:
                steps.append((qs, written, tuple(inst.clbits), _duration(op, qs, target), None))
        return steps

    def seconds(self, values: Mapping[str, float] | None = None) -> float:
        """Per-shot duration (s), Delay parameters at ``values`` (samples of ``dt``)."""
        values = values or {}
        qubit_t: dict[int, float] = {}
        clbit_t: dict[Any, float] = {}

        def walk(steps: list[_Step], start: float) -> float:
            end = start
            for qs, written, read, duration, bodies in steps:
                begin = max([start] + [qubit_t.get(q, start) for q in qs]
                            + [clbit_t.get(c, 0.0) for c in read])
                if bodies is not None:
                    begin += FEEDFORWARD_S
                    saved = dict(qubit_t)
                    longest = 0.0
                    for body in bodies:
                        qubit_t.clear()
                        qubit_t.update(saved)
                        longest = max(longest, walk(body, begin) - begin)
                    qubit_t.clear()
                    qubit_t.update(saved)
                    finish = begin + longest
                elif isinstance(duration, str):
                    finish = begin + float(values[duration]) * self.dt
                else:
                    finish = begin + duration
                for q in qs:
                    qubit_t[q] = finish
                for c in written:
                    clbit_t[c] = finish
                end = max(end, finish)
            return end

        return walk(self.steps, 0.0)


def circuit_seconds(circuit: QuantumCircuit, target: Target) -> float:
    """Per-shot duration (s) of an ISA circuit on ``target``: as-soon-as-possible schedule (see the
    module docstring)."""
    return Schedule(circuit, target).seconds()


def rep_delay_seconds(backend: Any) -> float:
    """The backend's default repetition delay in s (:data:`DEFAULT_REP_DELAY_S` if unstated)."""
    value = getattr(backend, "default_rep_delay", None)
    if value is None and hasattr(backend, "configuration"):
        try:
            value = getattr(backend.configuration(), "default_rep_delay", None)
        except Exception:  # noqa: BLE001 - a backend without a configuration
            value = None
    return float(value) if value else DEFAULT_REP_DELAY_S


@dataclass(frozen=True)
class JobCost:
    """One job as it is (or would be) submitted: circuits (binding rows counted), shots per
    circuit, two-qubit gates per shot summed over its circuits, the longest per-shot circuit
    duration, the estimate (s) and the job id (None in a dry run)."""

    circuits: int
    shots: int
    two_qubit_gates: int
    max_circuit_s: float
    estimate_s: float
    job_id: str | None = None


@dataclass
class CostLedger:
    """The jobs of a run, in submission order, and their sum (see the module docstring)."""

    device: str
    rep_delay_s: float
    jobs: list[JobCost] = field(default_factory=list)

    def add(self, durations: Sequence[float], two_qubit: Sequence[int], shots: int,
            job_id: str | None = None) -> JobCost:
        """Record a job of circuits with per-shot ``durations`` (s) and two-qubit counts."""
        estimate = JOB_OVERHEAD_S + sum(shots * (d + self.rep_delay_s) for d in durations)
        job = JobCost(len(durations), int(shots), int(sum(two_qubit)),
                      float(max(durations, default=0.0)), float(estimate), job_id)
        self.jobs.append(job)
        return job

    @property
    def device_seconds(self) -> float:
        return float(sum(j.estimate_s for j in self.jobs))

    def summary(self) -> dict[str, Any]:
        """JSON-ready totals and the per-job list."""
        return {
            "device": self.device,
            "jobs": len(self.jobs),
            "circuits": sum(j.circuits for j in self.jobs),
            "shots": sum(j.circuits * j.shots for j in self.jobs),
            "two_qubit_gates": sum(j.two_qubit_gates for j in self.jobs),
            "max_circuit_s": max((j.max_circuit_s for j in self.jobs), default=0.0),
            "rep_delay_s": self.rep_delay_s,
            "job_overhead_s": JOB_OVERHEAD_S,
            "estimated_device_s": self.device_seconds,
            "job_ids": [j.job_id for j in self.jobs if j.job_id is not None],
            "per_job": [asdict(j) for j in self.jobs],
        }


def account(ledger: CostLedger, pubs: Sequence[tuple[Any, Any]], shots: int,
            job_ids: Sequence[str], target: Target, per_job: int, *, dry_run: bool,
            seconds: Sequence[float] | None = None) -> None:
    """Record ``pubs`` (``(IsaCircuit, values or None)``) in ``ledger`` as a device takes them:
    chunks of ``per_job`` PUBs, one job each, a binding table counting one circuit per row;
    ``job_ids[i]`` is the id PUB i ran under (ignored in a dry run: nothing was submitted).
    ``seconds[i]``, when given, is PUB i's per-shot duration (:meth:`Schedule.seconds` of its
    template row), else :func:`circuit_seconds` of its circuit."""
    for start in range(0, len(pubs), per_job):
        durations: list[float] = []
        two_qubit: list[int] = []
        for k, (isa, values) in enumerate(pubs[start : start + per_job], start):
            rows = 1 if values is None else int(np.atleast_2d(np.asarray(values)).shape[0])
            each = circuit_seconds(isa.circuit, target) if seconds is None else seconds[k]
            durations += [each] * rows
            two_qubit += [isa.report.isa_two_qubit] * rows
        ids = sorted(set(job_ids[start : start + per_job]))
        ledger.add(durations, two_qubit, shots, None if dry_run else ", ".join(ids))
