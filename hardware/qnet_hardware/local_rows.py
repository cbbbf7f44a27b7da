"""The rows of one binding template on the local Aer simulator: prepared once, bound cheaply.

A chain with T1/T2 memories runs every sampled realization as its own bound ISA circuit (one
shot each; :meth:`qnet_hardware.IBMRunner.run_bindings`). Measured on FakeTorino (4-link chain,
4,000 rows): about 26 ms per row, almost none of it simulation. Per bound circuit Aer
(``AerBackend._compile``) inlined the ``if_else`` corrections into marks and jumps, ran the
noise model's ``RelaxationNoisePass`` (a new ``thermal_relaxation_error``, with its Kraus checks,
for every one of the ~46,000 Delays), then added each of those errors to a deep copy of the noise
model and rebuilt every circuit instruction by instruction; our side rebuilt each bound circuit
once more and walked it twice (duration, active qubits).

:class:`LocalRows` does the same work once per template and per distinct wait:

* the template is compiled by Aer's own compiler (``compile_circuit``: the same marks and jumps)
  **before** binding, so each row is the compiled template with its parameters assigned;
* after every top-level Delay of a row (the waits of inlined bodies included, as Aer's pass sees
  them) the relaxation error of the noise model's own ``RelaxationNoisePass`` is placed as Aer
  places it (``QuantumErrorLocation`` right after the Delay), computed once per (qubit, duration
  in samples): a 4-link chain's 46,000 waits take 180-290 distinct values on the 4 ns grid of
  FakeTorino;
* each job's noise model is the restricted device model without the pass, plus those errors,
  registered under their ids exactly as Aer registers them.

Aer then simulates the same instructions with the same errors in the same order: the bits are
identical, seed for seed, to those of the bound circuits (``hardware/tests/test_hw_local_rows.py``
compares them). Anything this module does not model (multi-qubit Delays, other custom noise
passes) makes :func:`local_rows` return None and the runner falls back to the bound circuits.

>>> from qiskit import QuantumCircuit
>>> from qiskit.circuit import Parameter
>>> from qnet_hardware import IBMRunner
>>> runner = IBMRunner("fake_manila")
>>> t = Parameter("t")
>>> qc = QuantumCircuit(1, 1); _ = qc.x(0); _ = qc.delay(t, 0, unit="s"); _ = qc.measure(0, 0)
>>> rows = local_rows(runner.prepare_template_delays(qc), runner.target,
...                   runner.simulator().options.noise_model)
>>> circuits, infos = rows.bind([{"t": 1e-6}, {"t": 1e-6}, {"t": 0.0}])
>>> len(rows.errors), [i.dropped for i in infos]
(1, [0, 0, 1])
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from qiskit.circuit import CircuitInstruction, Delay, ParameterExpression, QuantumCircuit
from qiskit.transpiler import Target

from qnet_hardware.cost import Schedule
from qnet_hardware.devices import restricted_noise_model, timing_constraints
from qnet_hardware.isa import DelayRounding, IsaCircuit, delay_slots, row_values
from qnet_hardware.layout import active_qubits

__all__ = ["LocalRows", "local_rows"]


def _relaxation_pass(noise_model: Any) -> Any | None:
    """The noise model's only custom pass if it is Aer's ``RelaxationNoisePass`` on Delays;
    False when it has passes this module does not reproduce; None when it has none."""
    from qiskit_aer.noise.passes import RelaxationNoisePass

    passes = list(getattr(noise_model, "_custom_noise_passes", []) or [])
    if not passes:
        return None
    if len(passes) != 1 or type(passes[0]) is not RelaxationNoisePass:
        return False
    return passes[0]


class LocalRows:
    """One template (:func:`qnet_hardware.isa.to_isa` with ``parameters="delays"``) prepared for
    the local Aer simulator; see the module docstring. Build it with :func:`local_rows`."""

    def __init__(self, template: IsaCircuit, target: Target, noise_model: Any,
                 relaxation: Any | None) -> None:
        from qiskit_aer.backends.aer_compiler import compile_circuit

        self.template = template
        self.timing = timing_constraints(target)
        self.circuit, self.delays = delay_slots(template.circuit)
        slots = {slot for slot, _, _ in self.delays}
        self.gates = [p for p in self.circuit.parameters if p not in slots]
        (self.compiled,) = compile_circuit([self.circuit])
        self.delay_positions = [i for i, inst in enumerate(self.compiled.data)
                                if isinstance(inst.operation, Delay)]
        self.delay_qubits = {i: [self.compiled.find_bit(q).index
                                 for q in self.compiled.data[i].qubits]
                             for i in self.delay_positions}
        self.schedule = Schedule(self.circuit, target)
        self.used = sorted(active_qubits(template.circuit))
        self.noise_model = noise_model
        self.relaxation = relaxation
        self.errors: dict[tuple[int, int], Any] = {}
        self.row_errors: list[list[tuple[int, int]]] = []
        self.row_slots: list[dict[str, int]] = []

    def bind(self, rows: Sequence[Mapping[str, float]]) -> tuple[list[QuantumCircuit],
                                                                  list[DelayRounding]]:
        """The Aer-ready circuit of each row (``{parameter name: value}``) and its delay rounding
        (as :func:`qnet_hardware.isa.bind_isa_rows` rounds it); :attr:`row_errors` gets the
        relaxation errors of each row, in circuit order."""
        circuits, infos = [], []
        self.row_errors, self.row_slots = [], []
        for row in rows:
            values, info = row_values(self.template.circuit, self.gates, self.delays, row,
                                      self.timing)
            circuit, keys = self._row_circuit(values)
            circuits.append(circuit)
            self.row_errors.append(keys)
            self.row_slots.append({slot.name: values[slot] for slot, _, _ in self.delays})
            infos.append(info)
        return circuits, infos

    def seconds(self) -> list[float]:
        """Per-shot device duration (s) of each row of the last :meth:`bind`
        (:class:`qnet_hardware.cost.Schedule` of the template, the row's delays in samples)."""
        return [self.schedule.seconds(slots) for slots in self.row_slots]

    def _row_circuit(self, values: Mapping[Any, Any]) -> tuple[QuantumCircuit, list]:
        from qiskit_aer.noise.noise_model import QuantumErrorLocation

        # a shallow copy (operations shared, as QuantumCircuit.copy deep-copies Aer's Python
        # marks and jumps per row) assigned in place: the template's parameters live in each
        # copy's own instruction data, so the template stays unbound (the tests check the rows)
        bound = self.compiled.copy_empty_like(vars_mode="drop")
        bound._data = self.compiled._data.copy(copy_instructions=False)
        if values:
            bound.assign_parameters(values, inplace=True)
        data = bound.data
        keys = []
        for i in reversed(self.delay_positions):
            inst = data[i]
            samples = int(inst.operation.duration)
            if samples == 0:  # a wait that rounds to nothing: removed, as on the device
                del data[i]
                continue
            if self.relaxation is None:
                continue
            key = (samples, self.delay_qubits[i][0])
            error = self._error(key)
            if error is not None:
                keys.append(key)
                data.insert(i + 1, CircuitInstruction(QuantumErrorLocation(error), inst.qubits, ()))
        return bound, keys[::-1]

    def _error(self, key: tuple[int, int]) -> Any:
        """The relaxation error after a Delay of ``key = (samples, qubit)``, computed once."""
        if key not in self.errors:
            samples, qubit = key
            self.errors[key] = self.relaxation._thermal_relaxation_error(
                Delay(samples, unit="dt"), [qubit])
        return self.errors[key]

    def job_noise_model(self, rows: Sequence[int]) -> Any:
        """The noise model of a job of the bound rows ``rows`` (indices into the last
        :meth:`bind`): the device's errors on the qubits they use, no relaxation pass (its errors
        are in the circuits), and the relaxation errors those rows meet, registered under their
        ids in order of appearance, as ``AerBackend._assemble_noise_model`` registers them."""
        if self.noise_model is None:
            return None
        out = copy.deepcopy(restricted_noise_model(self.noise_model, self.used))
        out._custom_noise_passes = []
        for k in rows:
            for key in self.row_errors[k]:
                error = self.errors[key]
                if error.id not in out._default_quantum_errors:
                    out.add_all_qubit_quantum_error(error, error.id)
        return out


def local_rows(template: IsaCircuit, target: Target, noise_model: Any) -> LocalRows | None:
    """:class:`LocalRows` of ``template`` under ``noise_model`` (the local simulator's), or None
    where they would not reproduce Aer's own handling: custom noise passes other than one
    ``RelaxationNoisePass``, a Delay on several qubits, a parameterized Delay that Aer's compiler
    moved or did not keep, or no device clock."""
    relaxation = _relaxation_pass(noise_model) if noise_model is not None else None
    if relaxation is False or timing_constraints(target).dt_s is None:
        return None
    rows = LocalRows(template, target, noise_model, relaxation)
    compiled = rows.compiled
    if any(len(compiled.data[i].qubits) != 1 for i in rows.delay_positions):
        return None
    kept = [compiled.data[i].operation.duration for i in rows.delay_positions]
    params = [d for d in kept if isinstance(d, ParameterExpression)]
    if len(params) != len(rows.delays):
        return None
    return rows
