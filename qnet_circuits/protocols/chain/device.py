"""Running a chain in its device form (:mod:`qnet_circuits.scheduler.device`) on any runner.

:func:`run_device_form` emits the plan without ``while_loop`` (heralds and purification flags
post-selected; swap corrections by ``if_test`` or a software Pauli frame), runs it through the
runner and estimates the Phi+ fidelity of the accepted shots and the acceptance rate. On a device
the waits of ideal memories are removed (:func:`~qnet_circuits.scheduler.device.strip_ideal_waits`);
with ``memory="device"`` the other waits are multiplied by ``time_scale`` (default: the device's
median T2 over the path's shortest memory T2, :func:`~qnet_circuits.scheduler.device.memory_scale`),
so the device's own qubits play the network's memories (effective T1/T2 = device T1/T2 over the
scale, reported); ``memory="off"`` removes every wait; ``memory="injected"`` removes every wait
and applies the network's T1/T2 as explicit operations instead
(:func:`~qnet_circuits.scheduler.inject.inject_memory`: amplitude damping by an ancilla dilation
with reset, dephasing as a Pauli Z sampled per realization), on top of the device's own noise;
photonic links then also carry their fiber loss as an exact beam-splitter dilation
(:func:`~qnet_circuits.scheduler.inject.inject_fiber`) and classical dark counts, so the
acceptance follows the network's closed form (not the lossless one).
On Aer ``"injected"`` runs the same circuit with the network's memories made ideal (the other
network noise still passes), so it reproduces the network model within statistics.

Sampled realizations. When the delivered state cannot depend on the timing (ideal memories, or
deterministic timing) one circuit per basis runs with many shots. Otherwise every realization is
one row of the template's binding table, one shot each; the runner decides how rows run: Aer
binds them natively, IBM devices get bound circuits (parameterized Delays are refused by IBM's
dynamic-circuit stack and by the local fake-device sampler), transpiled once and split into as
few jobs as the device's circuit limit allows (see ``qnet_hardware.IBMRunner.run_bindings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qnet_circuits.analysis import parity_fidelity, proportion
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.network import Network
from qnet_circuits.protocols.device_memory import (
    MEMORY_MODES,
    injected_network,
    is_device,
    memory_summary,
    run_injected,
    wait_scale,
)
from qnet_circuits.results import Estimate, ShotData
from qnet_circuits.run import Runner
from qnet_circuits.scheduler import BASES, emit_chain, sample_timeline
from qnet_circuits.scheduler.device import (
    acceptance_theory,
    accepted,
    delay_parameters,
    frame_corrected,
    strip_ideal_waits,
)
from qnet_circuits.scheduler.inject import (
    add_dark_counts,
    dark_count_sites,
    inject_dark_counts,
    inject_fiber,
    inject_memory,
    or_dark_counts,
)
from qnet_circuits.timeline import Timeline


@dataclass(frozen=True)
class DeviceRun:
    """What the device form measured: the fidelity of the accepted shots, the acceptance rate
    (with its closed form), and the circuits' report."""

    timeline: Timeline
    scheduled: Any
    fidelity: Estimate
    acceptance: Estimate
    shots: int
    accepted: int
    method: str
    circuit: Any
    summary: dict[str, Any]


def run_device_form(network, route, models, plan, realizations: int, seeds, runner: Runner,
                    timing_rng, sampler, *, static: bool, correction: str, memory: str = "device",
                    time_scale: float | None = None) -> DeviceRun:
    """Sample the timeline, emit the device form and run it; see the module docstring."""
    count = 1 if plan.timing == "deterministic" else realizations
    timeline = sample_timeline(models, plan, count, timing_rng, sampler)
    on_device = is_device(runner)
    scale = wait_scale(network, route, runner, memory, time_scale)
    waits = {"scale": scale, "everything": memory == "off"}
    injected = memory == "injected"
    dynamic = injected and correction == "dynamic"  # dark counts sampled in the circuit
    frame_rng = np.random.default_rng(seeds.child()) if injected else None
    passed = injected_network(network) if injected else network
    if static:
        sched = _emit(runner, on_device, network, route, models, plan, timeline, "open",
                      correction)
        circuit = sched.bound_circuit(0)
        if on_device and not injected:
            circuit = strip_ideal_waits(circuit, network, **waits)
        pair = circuit.metadata["pair"]
        shots = max(1, -(-realizations // 3))
        bits: dict[str, list[np.ndarray]] = {}
        method = ""
        for circ in pauli_basis_circuits(circuit, pair).values():
            if injected:  # one row per shot, each with its own sampled Z frames
                rows = [run_injected(runner, circ, network, shots=shots, seed=seeds.child(),
                                     rng=frame_rng, dark_counts=dynamic)]
            else:
                rows = runner.run_bindings(circ, {}, shots=shots, seed=seeds.child(),
                                           network=passed)
            for name in rows[0].bits:
                bits.setdefault(name, []).extend(r.bits[name] for r in rows)
            method = method or rows[0].metadata["method"]
            report = rows[0].metadata.get("isa")
        flat = {k: np.concatenate(v) for k, v in bits.items()}
        basis_index = np.repeat(np.arange(3), shots)
    else:
        sched = _emit(runner, on_device, network, route, models, plan, timeline, "parities",
                      correction)
        circuit, table = _device_template(sched, network, on_device, waits, frame_rng, dynamic)
        rows = runner.run_bindings(circuit, table, shots=1, seed=seeds.child(), network=passed)
        flat = {k: np.concatenate([r.bits[k] for r in rows]) for k in rows[0].bits}
        if dynamic:
            flat = or_dark_counts(flat, circuit.metadata.get("dark_counts", []))
        basis_index = np.arange(len(rows)) % 3
        method = rows[0].metadata["method"]
        report = rows[0].metadata.get("isa")
        circuit = sched.bound_circuit(0)
    meta = sched.metadata
    if injected and not dynamic:  # dark counts stay classical: OR-ed into the detector bits
        flat = add_dark_counts(flat, dark_count_sites(sched.circuit, network), frame_rng)
    letters_all = np.array([BASES[i][1] for i in basis_index])
    mask = accepted(flat, meta["accept"])
    pair_bits = frame_corrected(flat["pair"], letters_all, flat, meta["frames"])
    total = int(mask.size)
    n_ok = int(mask.sum())
    theory = acceptance_theory(models, plan, device=on_device and not injected, network=network)
    if n_ok == 0:
        raise ValueError(f"no shot of {total} passed the heralds and flags; raise --shots "
                         f"(acceptance closed form: {theory})")
    fidelity = _fidelity(pair_bits[mask], basis_index[mask])
    summary = {
        "correction": correction,
        "acceptance": n_ok / total,
        "acceptance_stderr": proportion(n_ok, total).stderr,
        "acceptance_theory": theory,
        "acceptance_theory_device": on_device and not injected,
        "shots": total,
        "accepted": n_ok,
        "post_selected": [list(a) for a in meta["accept"]],
        "frame_registers": list(meta["frames"]),
        "realizations_sampled": int(timeline.realizations),
        "isa": report,
        **memory_summary(network, route, runner, memory, scale),
    }
    return DeviceRun(timeline, sched, fidelity, proportion(n_ok, total), total, n_ok, method,
                     circuit, summary)


def _emit(runner: Runner, on_device: bool, network, route, models, plan, timeline,
          estimator: str, correction: str):
    """The device form's template. On a device every repeater gets its own register where the
    runner takes that width (``runner.max_width``): the interactions of the chain then form a line
    that the device's coupling map holds without routing, while the two alternating registers
    of the constant-width form close a 4-cycle from 4 links on, which a heavy-hex device cannot
    hold without SWAPs (``emit_chain``'s ``reuse``). On Aer the constant-width form runs."""
    args = (network, route, models, plan, timeline)
    if on_device:
        sched = emit_chain(*args, estimator=estimator, block=1, correction=correction, reuse=False)
        fits = sched.circuit.num_qubits <= int(getattr(runner, "max_width", 0) or 0)
        if fits and _partners_at_most_two(sched.circuit):
            return sched
    return emit_chain(*args, estimator=estimator, block=1, correction=correction)


def _partners_at_most_two(circuit) -> bool:
    """True when no qubit has two-qubit gates with more than two others (control-flow bodies
    included): the interactions are paths (a line layout holds them). Links prepared through
    the shared source ancillas (Werner links, for one) fail this: each ancilla meets every link,
    and the ancilla pair and the link qubit form a triangle, which no heavy-hex device (a
    bipartite graph) holds without SWAPs; those keep the constant-width form."""
    partners: dict[int, set[int]] = {}

    def walk(block, outer: list[int]) -> None:
        for inst in block.data:
            qs = [outer[block.find_bit(q).index] for q in inst.qubits]
            blocks = getattr(inst.operation, "blocks", None)
            if blocks:
                for body in blocks:
                    walk(body, qs)
            elif len(qs) == 2 and inst.operation.name not in ("barrier", "delay"):
                partners.setdefault(qs[0], set()).add(qs[1])
                partners.setdefault(qs[1], set()).add(qs[0])

    walk(circuit, list(range(circuit.num_qubits)))
    return all(len(p) <= 2 for p in partners.values())


def _device_template(sched, network: Network, on_device: bool, waits: dict, frame_rng,
                     dark: bool = False):
    """The template run on the runner and its binding table: memories injected as operations
    (``frame_rng`` given; ``dark``: the dark counts sampled in the circuit, for ``if_test``
    corrections), or on a device the ideal waits stripped and the others scaled."""
    circuit, params, values = sched.circuit, list(sched.parameters), sched.values
    if frame_rng is not None:
        rows = values.shape[0]
        circuit, names = inject_memory(inject_fiber(circuit, network), network,
                                       {p.name: values[:, i] for i, p in enumerate(params)},
                                       rows=rows, rng=frame_rng)
        if dark:
            circuit, names = inject_dark_counts(circuit, network, names, rows=rows, rng=frame_rng)
        return circuit, {p: names[p.name] for p in circuit.parameters}
    if on_device:
        circuit = strip_ideal_waits(circuit, network, **waits)
        kept, timed = {p.name for p in circuit.parameters}, delay_parameters(circuit)
        cols = [i for i, p in enumerate(params) if p.name in kept]
        params, values = [params[i] for i in cols], values[:, cols].copy()
        for i, p in enumerate(params):
            if p.name in timed:
                values[:, i] *= waits["scale"]
    return circuit, {p: values[:, i] for i, p in enumerate(params)}


def _fidelity(bits: np.ndarray, basis_index: np.ndarray) -> Estimate:
    data = {}
    for k, b in enumerate(BASES):
        sel = bits[basis_index == k]
        if sel.shape[0] == 0:
            raise ValueError(f"no accepted shot was measured in {b}; raise --shots")
        data[b] = ShotData({"pair": sel}, int(sel.shape[0]), {"basis": b})
    return parity_fidelity(data)


__all__ = ["MEMORY_MODES", "DeviceRun", "is_device", "run_device_form"]
