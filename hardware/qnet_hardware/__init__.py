"""qnet-hardware: run qnet-circuits protocols on IBM devices, real or fake.

* :class:`IBMRunner` implements the core's Runner protocol on a device: ``IBMRunner("fake_torino")``
  runs locally on Aer with the device's noise, ``IBMRunner("ibm_torino")`` submits to IBM Quantum
  through the runtime Sampler (credentials from the environment or a saved account).
* :func:`to_isa` turns a protocol circuit into the device's instruction set with a node-aware
  line layout and reports two-qubit gate counts, depth and layout (:class:`IsaReport`).
* :mod:`qnet_hardware.report` prints hardware against ideal and simulated-network results.
* :func:`network_from_backend` builds the calibrated network model of a device on the qubits a
  layout chose; :class:`CalibratedRunner` runs it on Aer (the prediction of a device run), and
  :mod:`qnet_hardware.columns` sets theory, network model, prediction and device side by side.

The core reaches the runner through the entry point ``ibm`` of group ``qnet_circuits.runners``
(:func:`make_runner`), so ``qnet_circuits.run.get_runner("fake_torino")`` works without the core
importing this package.
"""

from qnet_hardware.calibration import CalibratedRunner, network_from_backend
from qnet_hardware.credentials import CredentialsError, credentials_available
from qnet_hardware.devices import (
    fake_backend,
    fake_device_names,
    fake_simulator,
    simulator_build_seconds,
    supports_dynamic,
    timing_constraints,
)
from qnet_hardware.isa import DelayRounding, IsaCircuit, IsaReport, round_delays, to_isa
from qnet_hardware.layout import find_line, line_order
from qnet_hardware.runner import IBMRunner, make_runner

__all__ = [
    "CalibratedRunner",
    "CredentialsError",
    "DelayRounding",
    "IBMRunner",
    "IsaCircuit",
    "IsaReport",
    "credentials_available",
    "fake_backend",
    "fake_device_names",
    "fake_simulator",
    "find_line",
    "line_order",
    "make_runner",
    "network_from_backend",
    "round_delays",
    "simulator_build_seconds",
    "supports_dynamic",
    "timing_constraints",
    "to_isa",
]
