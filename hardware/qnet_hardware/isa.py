"""ISA circuits for an IBM device: markers stripped, delays on the device clock, node-aware layout.

:func:`to_isa` takes an ideal protocol circuit (as the builders of :mod:`qnet_circuits.library`
emit it) and returns an :class:`IsaCircuit`: the circuit in the device's instruction set, laid on
its qubits, plus an :class:`IsaReport` (two-qubit gate counts before and after, depth, layout,
delay rounding). Steps:

1. ``FiberTransit`` markers are removed (:func:`qnet_circuits.noise.strip_markers`): the fiber is
   simulation-only; on hardware the device's own noise is the noise.
2. Control flow is checked against the target: a dynamic circuit (``if_test``) on a device
   without ``if_else`` is refused with the fix (build it with ``correction="deferred"``).
3. Delays (memory waits, unit ``s``) are converted to samples of the device clock ``dt`` and
   rounded to the nearest multiple of its granularity (a delay shorter than half a step vanishes).
4. Layout ``"line"``: qubits ordered along the chain (:func:`qnet_hardware.layout.line_order`) and
   laid on a low-error line of coupled qubits; ``"auto"`` also transpiles with the preset layout
   and keeps whichever needs fewer two-qubit gates; ``"transpiler"`` uses only the preset.

>>> from qnet_circuits.library.swapping import swap_chain_circuit
>>> from qnet_hardware.devices import fake_backend
>>> isa = to_isa(swap_chain_circuit([None] * 3), fake_backend("fake_torino").target)
>>> isa.report.ideal_two_qubit, isa.report.isa_two_qubit, isa.report.layout_method
(5, 5, 'line')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from qiskit.circuit import ControlFlowOp, Delay, ParameterExpression, QuantumCircuit
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.transpiler import Target
from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

from qnet_circuits.noise import delay_seconds, strip_markers
from qnet_circuits.run import iter_operations
from qnet_hardware.devices import TimingConstraints, timing_constraints, unsupported_control_flow
from qnet_hardware.layout import (
    active_qubits,
    find_line,
    interaction_edges,
    layout_for_line,
    line_order,
    measurement_counts,
    register_layout,
    two_qubit_count,
)

__all__ = [
    "LAYOUTS",
    "DelayRounding",
    "bind_isa_rows",
    "IsaCircuit",
    "IsaReport",
    "check_control_flow",
    "delay_slots",
    "round_delays",
    "row_values",
    "to_isa",
]

Layout = Literal["auto", "line", "transpiler"]
LAYOUTS: tuple[str, ...] = ("auto", "line", "transpiler")


@dataclass(frozen=True)
class DelayRounding:
    """How the delays of a circuit were put on the device clock.

    Attributes:
        count: delays found (control-flow bodies included).
        dropped: delays that rounded to zero samples and were removed.
        max_error_s: largest |rounded - requested| duration, in seconds.
        total_requested_s: sum of the requested durations, in seconds.
    """

    count: int = 0
    dropped: int = 0
    max_error_s: float = 0.0
    total_requested_s: float = 0.0


@dataclass(frozen=True)
class IsaReport:
    """What transpilation did to one circuit (all counts over every control-flow branch).

    Attributes:
        name: circuit name.
        device: device name.
        logical_two_qubit: two-qubit gates in the circuit as built.
        ideal_two_qubit: two-qubit gates after translation to the device's basis on an
            all-to-all device (no routing), the count routing should not exceed.
        isa_two_qubit: two-qubit gates of the ISA circuit.
        routing_overhead: ``isa_two_qubit - ideal_two_qubit`` (0: no SWAP was needed).
        depth: depth of the ISA circuit.
        two_qubit_depth: depth counting two-qubit gates only.
        layout_method: ``"line"`` (node-aware line) or ``"transpiler"`` (preset layout).
        layout: register name -> physical qubit of each of its qubits (initial layout).
        final_layout: register name -> physical qubit at the end (after any routing).
        dynamic: True when the ISA circuit has control flow (``if_else``).
        delays: :class:`DelayRounding`.
        optimization_level: preset pass-manager level used.
    """

    name: str
    device: str
    logical_two_qubit: int
    ideal_two_qubit: int
    isa_two_qubit: int
    routing_overhead: int
    depth: int
    two_qubit_depth: int
    layout_method: str
    layout: Mapping[str, list[int]]
    final_layout: Mapping[str, list[int]]
    dynamic: bool
    delays: DelayRounding = field(default_factory=DelayRounding)
    optimization_level: int = 2

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        out = asdict(self)
        out["layout"] = {k: list(v) for k, v in self.layout.items()}
        out["final_layout"] = {k: list(v) for k, v in self.final_layout.items()}
        return out


@dataclass(frozen=True)
class IsaCircuit:
    """An ISA circuit ready for the device, the circuit it came from, and its report."""

    circuit: QuantumCircuit
    source: QuantumCircuit
    report: IsaReport


def check_control_flow(circuit: QuantumCircuit, target: Target, device: str) -> None:
    """Refuse control flow the device cannot run, naming the fix (ValueError)."""
    missing = unsupported_control_flow(circuit, target)
    if not missing:
        return
    if "if_else" in missing:
        raise ValueError(
            f"{device} does not run dynamic circuits (no if_else in its target) but circuit "
            f"{circuit.name!r} uses {', '.join(sorted(missing))}: build it with "
            "correction='deferred' (qnet: --correction deferred; runner.correction says which form "
            "a device takes)"
        )
    raise ValueError(
        f"{device} does not accept {', '.join(sorted(missing))} (circuit {circuit.name!r}): "
        "unroll loops to a bounded form before running on this device"
    )


def _round_block(
    circuit: QuantumCircuit, timing: TimingConstraints, stats: dict[str, float]
) -> QuantumCircuit:
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        op = inst.operation
        if isinstance(op, ControlFlowOp):
            blocks = [_round_block(block, timing, stats) for block in op.blocks]
            out.append(op.replace_blocks(blocks), inst.qubits, inst.clbits)
            continue
        if not isinstance(op, Delay):
            out.append(op, inst.qubits, inst.clbits)
            continue
        if isinstance(op.duration, ParameterExpression):
            raise ValueError(
                f"delay duration {op.duration} is a parameter: bind it before running on a device"
            )
        assert timing.dt_s is not None
        if op.unit == "dt":
            requested_s = float(op.duration) * timing.dt_s
        elif op.unit == "expr":  # pragma: no cover - stretch delays are not emitted by builders
            raise ValueError("stretch delays (unit 'expr') are not supported on devices")
        else:
            requested_s = delay_seconds(op)
        step = timing.granularity
        samples = math.floor(requested_s / timing.dt_s / step + 0.5) * step  # half up
        stats["count"] += 1
        stats["total"] += requested_s
        stats["max_error"] = max(stats["max_error"], abs(samples * timing.dt_s - requested_s))
        if samples <= 0:
            stats["dropped"] += 1
            continue
        out.append(Delay(samples, unit="dt"), inst.qubits, [])
    return out


def round_delays(
    circuit: QuantumCircuit, timing: TimingConstraints
) -> tuple[QuantumCircuit, DelayRounding]:
    """Delays converted to device samples (multiples of the granularity, nearest), and how.

    >>> qc = QuantumCircuit(1); _ = qc.delay(1e-6, 0, unit="s")
    >>> out, info = round_delays(qc, TimingConstraints(dt_s=2.2222e-10, granularity=16))
    >>> out.data[0].operation.duration, out.data[0].operation.unit, info.count
    (4496, 'dt', 1)
    """
    stats = {"count": 0, "dropped": 0, "max_error": 0.0, "total": 0.0}
    has_delay = any(True for _ in _delays(circuit))
    if not has_delay:
        return circuit, DelayRounding()
    if timing.dt_s is None:
        raise ValueError("the device has no clock (dt); remove the delays or use another device")
    out = _round_block(circuit, timing, stats)
    return out, DelayRounding(
        count=int(stats["count"]),
        dropped=int(stats["dropped"]),
        max_error_s=float(stats["max_error"]),
        total_requested_s=float(stats["total"]),
    )


def _delays(circuit: QuantumCircuit):
    return (op for op in iter_operations(circuit) if isinstance(op, Delay))


def _two_qubit_depth(circuit: QuantumCircuit) -> int:
    return circuit.depth(lambda inst: inst.operation.num_qubits == 2
                         and inst.operation.name not in ("barrier",))


_CONTROL_FLOW = frozenset({"if_else", "while_loop", "for_loop", "switch_case"})


def _ideal_count(circuit: QuantumCircuit, target: Target, level: int, seed: int) -> int:
    """Two-qubit gates after translation to the device basis with all-to-all coupling."""
    standard = get_standard_gate_name_mapping()
    basis = [n for n in target.operation_names if n in standard or n in _CONTROL_FLOW]
    pm = generate_preset_pass_manager(
        optimization_level=level, basis_gates=basis, seed_transpiler=seed
    )
    return two_qubit_count(pm.run(_no_delays(circuit)))  # delays move no gate (and have no dt here)


def _no_delays(circuit: QuantumCircuit) -> QuantumCircuit:
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        op = inst.operation
        if isinstance(op, ControlFlowOp):
            out.append(op.replace_blocks([_no_delays(b) for b in op.blocks]), inst.qubits, inst.clbits)
        elif not isinstance(op, Delay):
            out.append(op, inst.qubits, inst.clbits)
    return out


def _transpile(
    circuit: QuantumCircuit, target: Target, level: int, seed: int, initial_layout: list[int] | None
) -> QuantumCircuit:
    pm = generate_preset_pass_manager(
        optimization_level=level, target=target, initial_layout=initial_layout,
        seed_transpiler=seed,
    )
    return pm.run(circuit)


def _line_layout(circuit: QuantumCircuit, target: Target) -> list[int] | None:
    """Initial layout on a low-error physical line, or None (no chain order or no line)."""
    order = line_order(circuit)
    if order is None:
        return None
    used = active_qubits(circuit)
    order = [q for q in order if q in used] or order[:1]
    edges = interaction_edges(circuit)
    measured = measurement_counts(circuit)
    qubit_weights = [float(measured.get(q, 0)) for q in order]
    edge_weights = [
        float(edges.get((min(a, b), max(a, b)), 0)) for a, b in zip(order, order[1:])
    ]
    line = find_line(target, len(order), qubit_weights=qubit_weights, edge_weights=edge_weights)
    if line is None:
        return None
    return layout_for_line(order, line, circuit.num_qubits, target.num_qubits)


def _physical_maps(source: QuantumCircuit, isa: QuantumCircuit):
    layout = isa.layout
    if layout is None:
        trivial = {q: i for i, q in enumerate(source.qubits)}
        return trivial, trivial
    initial = layout.initial_index_layout(filter_ancillas=True)
    final = layout.final_index_layout(filter_ancillas=True)
    return (
        {q: initial[i] for i, q in enumerate(source.qubits)},
        {q: final[i] for i, q in enumerate(source.qubits)},
    )


def to_isa(
    circuit: QuantumCircuit,
    target: Target,
    *,
    device: str = "device",
    layout: Layout = "auto",
    optimization_level: int = 2,
    seed_transpiler: int = 11,
    parameters: bool | str = False,
) -> IsaCircuit:
    """The ISA circuit of ``circuit`` for ``target`` and its :class:`IsaReport` (module doc).

    Args:
        circuit: an ideal protocol circuit (markers allowed, parameters bound unless
            ``parameters``).
        target: the device target (``backend.target``).
        device: device name for reports and messages.
        layout: ``"auto"``, ``"line"`` or ``"transpiler"`` (module doc).
        optimization_level: preset pass-manager level, 0 to 3.
        seed_transpiler: seed of the stochastic transpiler passes (fixed: reproducible layouts).
        parameters: accept unbound gate parameters (a template whose values the Sampler binds
            per PUB row); Delay durations must still be numbers (:func:`round_delays`), unless
            ``parameters="delays"``: parameterized Delays stay (the transpiler writes them in
            ``dt``) for :func:`bind_isa_rows`, which binds and rounds them row by row.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    if optimization_level not in (0, 1, 2, 3):
        raise ValueError(f"optimization_level must be 0, 1, 2 or 3, got {optimization_level!r}")
    if circuit.parameters and not parameters:
        names = ", ".join(sorted(p.name for p in circuit.parameters))
        raise ValueError(f"circuit {circuit.name!r} has unbound parameters ({names}): bind them first")
    if circuit.num_qubits > target.num_qubits:
        raise ValueError(
            f"circuit {circuit.name!r} needs {circuit.num_qubits} qubits; {device} has "
            f"{target.num_qubits}"
        )
    stripped = strip_markers(circuit)
    stripped.metadata = dict(circuit.metadata or {})
    check_control_flow(stripped, target, device)
    timing = timing_constraints(target)
    slots: dict[int, Any] = {}
    if parameters == "delays":
        stripped, slots = _placeholder_delays(stripped, timing)
    timed, delay_info = round_delays(stripped, timing)
    if slots:  # the placeholders are exact and no physics: leave them out of the report
        delay_info = replace(delay_info, count=delay_info.count - len(slots),
                             total_requested_s=delay_info.total_requested_s
                             - sum(slots) * float(timing.dt_s or 0.0))

    ideal = _ideal_count(timed, target, optimization_level, seed_transpiler)
    method, isa = _best_layout(timed, target, layout, optimization_level, seed_transpiler, ideal,
                               circuit.name, device)
    if slots:
        isa = _restore_delays(isa, slots)
    isa.metadata = dict(circuit.metadata or {})
    isa_count = two_qubit_count(isa)
    initial_map, final_map = _physical_maps(timed, isa)
    report = IsaReport(
        name=circuit.name,
        device=device,
        logical_two_qubit=two_qubit_count(timed),
        ideal_two_qubit=ideal,
        isa_two_qubit=isa_count,
        routing_overhead=isa_count - ideal,
        depth=isa.depth(),
        two_qubit_depth=_two_qubit_depth(isa),
        layout_method=method,
        layout=register_layout(timed, initial_map),
        final_layout=register_layout(timed, final_map),
        dynamic=bool(_has_control_flow(isa)),
        delays=delay_info,
        optimization_level=optimization_level,
    )
    return IsaCircuit(circuit=isa, source=circuit, report=report)


def bind_isa_rows(isa: IsaCircuit, rows: list[dict[str, float]], target: Target) -> list[IsaCircuit]:
    """Bound copies of a template's ISA circuit (:func:`to_isa` with ``parameters="delays"``),
    one per row (``{parameter name: value}``), delays rounded to the device clock: one
    transpilation for a whole binding table. Each copy's report has that row's delay rounding.

    >>> from qiskit.circuit import Parameter
    >>> from qnet_hardware.devices import fake_backend
    >>> t = Parameter("t")
    >>> qc = QuantumCircuit(1, 1); _ = qc.x(0); _ = qc.delay(t, 0, unit="s"); _ = qc.measure(0, 0)
    >>> target = fake_backend("fake_manila").target
    >>> rows = bind_isa_rows(to_isa(qc, target, parameters="delays"), [{"t": 1e-6}, {"t": 0.0}], target)
    >>> [r.report.delays.count - r.report.delays.dropped for r in rows], rows[0].circuit.parameters
    ([1, 0], ParameterView([]))
    """
    timing = timing_constraints(target)
    template, delays = delay_slots(isa.circuit)
    if delays and timing.dt_s is None:
        raise ValueError("the device has no clock (dt); remove the delays or use another device")
    gates = [p for p in template.parameters if p not in {slot for slot, _, _ in delays}]
    out = []
    for row in rows:
        values, info = row_values(isa.circuit, gates, delays, row, timing)
        bound = template.assign_parameters(values)
        if info.dropped:
            bound = _without_empty_delays(bound)
        bound.metadata = dict(isa.circuit.metadata or {})
        out.append(IsaCircuit(bound, isa.source, replace(isa.report, delays=info)))
    return out


def row_values(circuit: QuantumCircuit, gates, delays, row: Mapping[str, float],
               timing: TimingConstraints) -> tuple[dict[Any, Any], DelayRounding]:
    """One binding row (``{parameter name: value}``) as values of a template's gate parameters
    (``gates``) and of its delay slots (``delays`` of :func:`delay_slots`: samples, rounded to
    the nearest multiple of the granularity, half up), and that row's :class:`DelayRounding`."""
    missing = sorted({p.name for p in circuit.parameters} - set(row))
    if missing:
        raise ValueError(f"binding row lacks values for {', '.join(missing)}")
    values: dict[Any, Any] = {p: float(row[p.name]) for p in gates}
    count, dropped, max_error, total = 0, 0, 0.0, 0.0
    step = timing.granularity
    for slot, duration, unit in delays:
        value = float(duration.bind({q: row[q.name] for q in duration.parameters}))
        requested_s = value * timing.dt_s if unit == "dt" else value  # 's' after transpiling
        samples = max(0, math.floor(requested_s / timing.dt_s / step + 0.5) * step)
        values[slot] = int(samples)
        count += 1
        total += requested_s
        max_error = max(max_error, abs(samples * timing.dt_s - requested_s))
        dropped += samples == 0
    return values, DelayRounding(count, int(dropped), float(max_error), float(total))


_UNIT_S = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}
#: Placeholder delays (in samples) stand for parameterized ones during transpilation: the
#: preset passes check that delays are whole samples, which a Parameter is not.
_PLACEHOLDER_BASE = 7_777_777


def _placeholder_delays(circuit: QuantumCircuit, timing: TimingConstraints):
    """``circuit`` with each parameterized Delay (top level) replaced by a placeholder Delay of a
    unique whole number of samples, and {placeholder samples: duration expression in dt}."""
    if timing.dt_s is None:
        raise ValueError("the device has no clock (dt); remove the delays or use another device")
    out = circuit.copy_empty_like()
    slots: dict[int, Any] = {}
    for inst in circuit.data:
        op = inst.operation
        if isinstance(op, Delay) and isinstance(op.duration, ParameterExpression):
            samples = (_PLACEHOLDER_BASE + len(slots)) * timing.granularity
            expr = op.duration if op.unit == "dt" else op.duration * (_UNIT_S[op.unit] / timing.dt_s)
            slots[samples] = expr
            out.append(Delay(samples, unit="dt"), inst.qubits, [])
        else:
            out.append(op, inst.qubits, inst.clbits)
    return out, slots


def _restore_delays(isa: QuantumCircuit, slots: dict[int, Any]) -> QuantumCircuit:
    """The placeholders of :func:`_placeholder_delays` back as parameterized Delays (in dt)."""
    out = isa.copy_empty_like()
    found = 0
    for inst in isa.data:
        op = inst.operation
        if isinstance(op, Delay) and op.unit == "dt" and op.duration in slots:
            out.append(Delay(slots[op.duration], unit="dt"), inst.qubits, [])
            found += 1
        else:
            out.append(op, inst.qubits, inst.clbits)
    if found != len(slots):
        raise RuntimeError(f"transpilation kept {found} of {len(slots)} parameterized delays")
    return out


def delay_slots(circuit: QuantumCircuit):
    """``circuit`` with each parameterized Delay's duration replaced by a Parameter in samples,
    and the (slot, duration expression, unit) of each (top level; bodies hold no waits)."""
    from qiskit.circuit import Parameter

    out = circuit.copy_empty_like()
    slots = []
    for inst in circuit.data:
        op = inst.operation
        if isinstance(op, Delay) and isinstance(op.duration, ParameterExpression):
            slot = Parameter(f"_samples{len(slots)}")
            slots.append((slot, op.duration, op.unit))
            out.append(Delay(slot, unit="dt"), inst.qubits, [])
        else:
            out.append(op, inst.qubits, inst.clbits)
    return out, slots


def _without_empty_delays(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` (modified in place) without its top-level Delays of zero duration."""
    data = circuit.data
    for i in reversed(range(len(data))):
        op = data[i].operation
        if isinstance(op, Delay) and op.duration == 0:
            del data[i]
    return circuit


def _best_layout(timed: QuantumCircuit, target: Target, layout: str, level: int, seed: int,
                 ideal: int, name: str, device: str) -> tuple[str, QuantumCircuit]:
    """The ISA candidate with the fewest two-qubit gates (then depth, then the line)."""
    candidates: list[tuple[str, QuantumCircuit]] = []
    if layout in ("auto", "line"):
        initial = _line_layout(timed, target)
        if initial is not None:
            candidates.append(("line", _transpile(timed, target, level, seed, initial)))
        if layout == "line" and not candidates:
            raise ValueError(
                f"circuit {name!r} cannot be laid on a line of {device} without SWAPs "
                "(its two-qubit interactions are not a chain, or no line is long enough); "
                "use layout='auto'"
            )
    if layout == "transpiler" or (layout == "auto" and not candidates):
        candidates.append(("transpiler", _transpile(timed, target, level, seed, None)))
    elif layout == "auto":
        # a line that routing still had to patch may lose to the preset layout: keep the better
        if two_qubit_count(candidates[0][1]) > ideal:
            candidates.append(("transpiler", _transpile(timed, target, level, seed, None)))
    return min(candidates, key=lambda c: (two_qubit_count(c[1]), c[1].depth(), c[0] != "line"))


def _has_control_flow(circuit: QuantumCircuit) -> bool:
    return any(isinstance(inst.operation, ControlFlowOp) for inst in circuit.data)
