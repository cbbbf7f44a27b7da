"""ISA preparation: markers stripped, delays on the device clock, dynamic-circuit check."""

from __future__ import annotations

import math

import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Delay

from qnet_circuits.library.markers import FiberTransit
from qnet_circuits.library.swapping import swap_circuit
from qnet_circuits.library.teleportation import teleport_circuit
from qnet_hardware.devices import TimingConstraints, fake_backend, supports_dynamic, timing_constraints
from qnet_hardware.isa import round_delays


def _delays(circuit: QuantumCircuit) -> list[Delay]:
    out = []
    for inst in circuit.data:
        op = inst.operation
        if op.name == "if_else":
            for block in op.blocks:
                out += _delays(block)
        elif isinstance(op, Delay):
            out.append(op)
    return out


def test_timing_constraints_come_from_the_target() -> None:
    manila = timing_constraints(fake_backend("fake_manila").target)
    assert manila.dt_s == pytest.approx(2.0 / 9.0 * 1e-9)
    assert manila.granularity == 16


def test_delays_are_rounded_to_the_granularity_inside_branches_too() -> None:
    timing = TimingConstraints(dt_s=1e-9, granularity=16)
    qc = QuantumCircuit(1, 1)
    qc.delay(1.01e-6, 0, unit="s")  # 1010 samples -> 1008 (nearest multiple of 16)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.delay(0.5, 0, unit="us")  # 500 -> 496 (31.25 steps)
    qc.delay(5e-9, 0, unit="s")  # 5 samples: rounds to 0 and is dropped
    out, info = round_delays(qc, timing)
    durations = [(d.duration, d.unit) for d in _delays(out)]
    assert durations == [(1008, "dt"), (496, "dt")]
    assert info.count == 3 and info.dropped == 1
    assert info.max_error_s == pytest.approx(5e-9)  # the dropped 5 ns
    assert info.total_requested_s == pytest.approx(1.515e-6)


def test_markers_are_stripped_and_delays_converted_for_the_device(manila) -> None:
    mem, photon = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "photon")
    qc = QuantumCircuit(mem, photon, ClassicalRegister(2, "out"),
                        metadata={"nodes": {"alice_mem": "alice"}})
    qc.h(0)
    qc.cx(0, 1)
    qc.append(FiberTransit(10.0, "alice_bob"), [1])
    qc.delay(2e-6, 0, unit="s")
    qc.measure([0, 1], [0, 1])
    isa = manila.prepare(qc)
    ops = isa.circuit.count_ops()
    assert "fiber_transit" not in ops
    (delay,) = _delays(isa.circuit)
    timing = timing_constraints(manila.target)
    assert delay.unit == "dt" and delay.duration % timing.granularity == 0
    assert abs(delay.duration * timing.dt_s - 2e-6) <= timing.granularity * timing.dt_s / 2
    assert isa.report.delays.count == 1
    assert isa.circuit.metadata["nodes"] == {"alice_mem": "alice"}


def test_a_memory_wait_decays_with_the_device_t1(manila) -> None:
    """A Delay is a real wait on the device: |1> held for T1 reads 1 with probability ~ 1/e."""
    reg, out = QuantumRegister(1, "alice_mem"), ClassicalRegister(1, "out")
    probe = QuantumCircuit(reg, out, metadata={"nodes": {"alice_mem": "alice"}})
    probe.x(0)
    probe.measure(0, 0)
    physical = manila.prepare(probe).report.layout["alice_mem"][0]
    t1 = manila.target.qubit_properties[physical].t1
    readout = manila.target["measure"][(physical,)].error
    wait = QuantumCircuit(reg, out, metadata={"nodes": {"alice_mem": "alice"}})
    wait.x(0)
    wait.delay(t1, 0, unit="s")
    wait.measure(0, 0)
    shots = 4000
    data = manila.run([wait], shots=shots, seed=21)[0]
    assert data.metadata["isa"]["layout"]["alice_mem"] == [physical]
    p1 = float(data["out"].mean())
    stderr = math.sqrt(p1 * (1 - p1) / shots)
    # readout error moves the read probability by at most its size; gate/measure time is tiny
    assert abs(p1 - math.exp(-1)) <= 4 * stderr + readout


def test_dynamic_circuits_are_refused_where_the_device_has_no_if_else(belem, manila) -> None:
    assert supports_dynamic(manila.target) and manila.correction == "dynamic"
    assert not supports_dynamic(belem.target) and belem.correction == "deferred"
    with pytest.raises(ValueError, match="correction='deferred'"):
        belem.run([swap_circuit(correction="dynamic")], shots=10)
    # the deferred form of the same protocol is accepted
    assert not belem.prepare(swap_circuit(correction="deferred")).report.dynamic
    assert manila.prepare(teleport_circuit("0")).report.dynamic


def test_while_loops_are_refused_with_the_fix(manila) -> None:
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    with qc.while_loop((qc.clbits[0], 1)):
        qc.x(0)
        qc.measure(0, 0)
    with pytest.raises(ValueError, match="while_loop"):
        manila.prepare(qc)
