"""How a chain's device form grows on a device: ISA two-qubit gates, depth and width per link count.

The scheduler resets and reuses measured qubits (repeaters alternate between two registers), so a
chain of any length is a circuit of constant width; the two-qubit gates (2N - 1 logical: one Bell
pair per link, one CX per swap) and the depth grow linearly in the number of links N. On a device
the router adds SWAPs whose number the transpiler's stochastic layout chooses per circuit, so the
ISA count grows linearly on average with a per-circuit scatter (:func:`linear_fit` reports both).

>>> rows = chain_isa_scale("fake_torino", [2, 3])
>>> [(r.links, r.width, r.ideal_two_qubit) for r in rows]
[(2, 5, 3), (3, 7, 5)]
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from qnet_circuits.network import chain
from qnet_circuits.scheduler import ChainPlan, emit_chain, link_models, resolve_path, sample_timeline


@dataclass(frozen=True)
class ScaleRow:
    """One chain on the device: logical width, physical qubits used, two-qubit gates (ideal and
    ISA), ISA depth, and the transpilation time in s."""

    links: int
    width: int
    physical_qubits: int
    ideal_two_qubit: int
    isa_two_qubit: int
    depth: int
    transpile_s: float

    def to_dict(self) -> dict:
        return asdict(self)


def chain_circuit(links: int, *, length_km: float = 25.0, correction: str = "dynamic",
                  seed: int = 1, reuse: bool = True):
    """The device form (one realization, sequential swapping, state-level links) of a chain of
    ``links`` links of ``length_km`` km; ``reuse``: repeaters alternate between two registers
    (constant width), else each has its own (a line; ``emit_chain``)."""
    net = chain(links, length_km)
    route = resolve_path(net)
    plan = ChainPlan()
    models = link_models(net, route, plan)
    timeline = sample_timeline(models, plan, 1, np.random.default_rng(seed), None)
    sched = emit_chain(net, route, models, plan, timeline, estimator="open", block=1,
                       correction=correction, reuse=reuse)
    return sched.bound_circuit(0)


def chain_isa_scale(backend, links: Sequence[int], *, reuse: bool = True,
                    **runner_options) -> list[ScaleRow]:
    """:class:`ScaleRow` for each link count on ``backend`` (a name or an
    :class:`~qnet_hardware.IBMRunner`); the correction form is the device's (dynamic where it
    runs ``if_else``, else the software frame); ``reuse`` as in :func:`chain_circuit`."""
    from qnet_hardware.runner import IBMRunner

    runner = backend if isinstance(backend, IBMRunner) else IBMRunner(backend, **runner_options)
    correction = "dynamic" if runner.dynamic else "frame"
    rows = []
    for n in links:
        circuit = chain_circuit(int(n), correction=correction, reuse=reuse)
        start = time.perf_counter()
        report = runner.prepare(circuit).report
        used = {q for qs in report.layout.values() for q in qs}
        rows.append(ScaleRow(int(n), circuit.num_qubits, len(used), report.ideal_two_qubit,
                             report.isa_two_qubit, report.depth, time.perf_counter() - start))
    return rows


def linear_fit(x: Sequence[float], y: Sequence[float]) -> dict[str, float]:
    """Least-squares line through (x, y): slope, intercept, R^2 and the largest |residual|
    relative to the fitted value.

    >>> fit = linear_fit([1, 2, 3], [2, 4, 6])
    >>> round(fit["slope"], 6), round(fit["r2"], 6)
    (2.0, 1.0)
    """
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    slope, intercept = np.polyfit(xa, ya, 1)
    fitted = slope * xa + intercept
    ss_res = float(np.sum((ya - fitted) ** 2))
    ss_tot = float(np.sum((ya - ya.mean()) ** 2))
    return {"slope": float(slope), "intercept": float(intercept),
            "r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0,
            "max_rel_residual": float(np.max(np.abs(ya - fitted) / np.abs(fitted)))}


__all__ = ["ScaleRow", "chain_circuit", "chain_isa_scale", "linear_fit"]
