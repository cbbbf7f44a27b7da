"""IBM devices: fake devices from ``qiskit_ibm_runtime.fake_provider`` (cached), capability checks.

A fake device carries a snapshot of a real device's target (basis, coupling map, calibrated
errors, T1/T2, timing). Its Aer simulator (``AerSimulator.from_backend``: the device's noise
model) takes seconds to build for a 127/133-qubit device (measured here: FakeTorino 6.5 s,
FakeSherbrooke 4.5 s, FakeManilaV2 0.4 s), so it is built once per process and reused.

>>> is_fake_name("fake_torino"), is_fake_name("ibm_torino")
(True, False)
>>> backend = fake_backend("fake_manila")
>>> backend.name, supports_dynamic(backend.target), supports_dynamic(fake_backend("fake_belem").target)
('fake_manila', True, False)
"""

from __future__ import annotations

import copy
import functools
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from qiskit.circuit import ControlFlowOp, QuantumCircuit
from qiskit.providers import BackendV2
from qiskit.transpiler import Target
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel

__all__ = [
    "TimingConstraints",
    "control_flow_names",
    "fake_backend",
    "fake_device_names",
    "fake_simulator",
    "is_fake_name",
    "is_ibm_name",
    "restricted_noise_model",
    "simulator_build_seconds",
    "supports_dynamic",
    "timing_constraints",
    "unsupported_control_flow",
]

_IBM_NAME = re.compile(r"^ibmq?_[a-z0-9_]+$")
_LOCK = threading.Lock()
_SIMULATORS: dict[str, AerSimulator] = {}
_BUILD_SECONDS: dict[str, float] = {}
_RESTRICTED: OrderedDict[tuple[int, frozenset[int]], NoiseModel] = OrderedDict()
_RESTRICTED_MAX = 64


def is_fake_name(name: str) -> bool:
    """True for a fake-device name (``fake_<device>``)."""
    return isinstance(name, str) and name.lower().startswith("fake_")


def is_ibm_name(name: str) -> bool:
    """True for a real IBM device name (``ibm_<device>``, e.g. ``ibm_torino``)."""
    return isinstance(name, str) and bool(_IBM_NAME.match(name))


def _snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", camel).lower()


@functools.cache
def _fake_classes() -> dict[str, type]:
    from qiskit_ibm_runtime import fake_provider
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    out: dict[str, type] = {}
    for attr in dir(fake_provider):
        cls = getattr(fake_provider, attr)
        if not (isinstance(cls, type) and issubclass(cls, FakeBackendV2)) or cls is FakeBackendV2:
            continue
        if not attr.startswith("Fake"):
            continue
        keys = {"fake_" + _snake(attr[4:])}
        backend_name = getattr(cls, "backend_name", None)
        if isinstance(backend_name, str):
            keys.add(backend_name.lower())
        for key in keys:
            out.setdefault(key, cls)
    return out


def fake_device_names() -> list[str]:
    """Every accepted fake-device name (``fake_torino``, ``fake_manila``, ``fake_manila_v2``, ...)."""
    return sorted(_fake_classes())


@functools.cache
def fake_backend(name: str) -> BackendV2:
    """The fake device called ``name`` (e.g. ``"fake_torino"``), built once per process."""
    key = name.lower() if isinstance(name, str) else name
    classes = _fake_classes()
    if key not in classes:
        close = [n for n in classes if isinstance(key, str) and key[5:] and key[5:] in n]
        hint = f" (did you mean {', '.join(close[:3])}?)" if close else ""
        raise ValueError(
            f"unknown fake device {name!r}{hint}; use one of qnet_hardware.fake_device_names(), "
            "e.g. fake_torino, fake_sherbrooke, fake_manila"
        )
    return classes[key]()


def fake_simulator(name: str) -> AerSimulator:
    """The Aer simulator with the fake device's noise model, built once per process (cached)."""
    backend = fake_backend(name)
    key = backend.name
    with _LOCK:
        sim = _SIMULATORS.get(key)
        if sim is None:
            start = time.perf_counter()
            sim = AerSimulator.from_backend(backend)
            _BUILD_SECONDS[key] = time.perf_counter() - start
            _SIMULATORS[key] = sim
    return sim


def restricted_noise_model(noise_model: NoiseModel, qubits: Iterable[int]) -> NoiseModel:
    """The part of ``noise_model`` that acts on ``qubits`` only (cached per model and qubit set).

    Aer serializes the whole noise model on every run: for a 133-qubit device that costs about
    5 s per run (measured, FakeTorino), while a circuit laid on a few qubits only needs their
    errors. Errors on other qubits never act on such a circuit, so the restricted model gives
    the same outcome distribution (the tests compare both). Aer's automatic method may differ
    (a model restricted to qubits with reset-type relaxation is stabilizer-simulable).
    """
    keep = frozenset(int(q) for q in qubits)
    key = (id(noise_model), keep)
    with _LOCK:
        cached = _RESTRICTED.get(key)
        if cached is not None:
            _RESTRICTED.move_to_end(key)
            return cached
    needed = ("_local_quantum_errors", "_local_readout_errors", "_noise_qubits",
              "_default_quantum_errors", "_default_readout_error")
    if not all(hasattr(noise_model, name) for name in needed):  # pragma: no cover - Aer changed
        return noise_model
    out = copy.copy(noise_model)
    out._local_quantum_errors = {
        gate: {qs: err for qs, err in by_qubits.items() if keep.issuperset(qs)}
        for gate, by_qubits in noise_model._local_quantum_errors.items()
    }
    out._local_quantum_errors = {g: d for g, d in out._local_quantum_errors.items() if d}
    out._local_readout_errors = {
        qs: err for qs, err in noise_model._local_readout_errors.items() if keep.issuperset(qs)
    }
    out._noise_qubits = set(noise_model._noise_qubits) & keep
    out._noise_instructions = set(noise_model._noise_instructions)
    out._basis_gates = set(noise_model._basis_gates)
    out._custom_noise_passes = list(noise_model._custom_noise_passes)
    with _LOCK:
        _RESTRICTED[key] = out
        while len(_RESTRICTED) > _RESTRICTED_MAX:
            _RESTRICTED.popitem(last=False)
    return out


def simulator_build_seconds() -> dict[str, float]:
    """Wall time (s) spent building each cached fake-device simulator in this process."""
    return dict(_BUILD_SECONDS)


def supports_dynamic(target: Target) -> bool:
    """True when the device runs dynamic circuits (``if_else`` is in its target)."""
    return "if_else" in target.operation_names


def control_flow_names(circuit: QuantumCircuit) -> set[str]:
    """Names of the control-flow operations in ``circuit`` (nested bodies included)."""
    names: set[str] = set()
    for inst in circuit.data:
        op = inst.operation
        if isinstance(op, ControlFlowOp):
            names.add(op.name)
            for block in op.blocks:
                names |= control_flow_names(block)
    return names


def unsupported_control_flow(circuit: QuantumCircuit, target: Target) -> set[str]:
    """Control-flow operations of ``circuit`` that ``target`` does not accept."""
    return {n for n in control_flow_names(circuit) if n not in target.operation_names}


@dataclass(frozen=True)
class TimingConstraints:
    """A device's clock: sample time ``dt_s`` (s) and the granularity of durations (in dt).

    Attributes:
        dt_s: duration of one sample, in seconds (None when the device has no clock).
        granularity: durations (delays included) must be multiples of this many samples.
        min_length: shortest pulse, in samples (delays shorter than one granularity step vanish).
    """

    dt_s: float | None
    granularity: int = 1
    min_length: int = 1


def timing_constraints(target: Target) -> TimingConstraints:
    """The timing constraints of ``target`` (dt in seconds, granularity in samples)."""
    dt = target.dt
    granularity, min_length = 1, 1
    try:
        tc = target.timing_constraints()
        granularity, min_length = int(tc.granularity), int(tc.min_length)
    except (AttributeError, TypeError):  # pragma: no cover - older targets
        pass
    return TimingConstraints(dt_s=float(dt) if dt else None, granularity=max(granularity, 1),
                             min_length=max(min_length, 1))
