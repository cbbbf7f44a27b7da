"""What every ``qnet`` subcommand shares: the run context, argument types and JSON output."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from qiskit import QuantumCircuit, qasm3

from qnet_circuits.noise import strip_markers
from qnet_circuits.run import Runner


@dataclass
class Context:
    """Run context handed to a subcommand.

    Attributes:
        runner: executes circuits (``--backend``; Aer by default).
        shots: shots per circuit (``--shots``).
        seed: seed for every stochastic step (``--seed``), or None.
        backend: the backend name as given.
        qasm_path: where ``--qasm`` writes the ideal protocol circuit, or None.
    """

    runner: Runner
    shots: int
    seed: int | None
    backend: str = "aer"
    qasm_path: Path | None = None
    circuits: list[QuantumCircuit] = field(default_factory=list)

    def protocol_circuit(self, circuit: QuantumCircuit) -> None:
        """Record the ideal protocol circuit; with ``--qasm FILE`` it is written as OpenQASM 3
        (fiber markers removed: they are simulation-only; Delays stay as physical waits)."""
        self.circuits.append(circuit)
        if self.qasm_path is not None and len(self.circuits) == 1:
            self.qasm_path.write_text(qasm3.dumps(strip_markers(circuit)))

    @property
    def is_simulator(self) -> bool:
        """True for the local Aer runner (network noise applies)."""
        return getattr(self.runner, "name", "") == "aer"


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def number(text: str) -> float:
    """argparse type: a float (``inf`` allowed); range checks happen in the physics specs."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if math.isnan(value):
        raise argparse.ArgumentTypeError("NaN is not a valid value")
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if math.isnan(value):
            return None
        return value
    return value


def to_json(result: dict) -> str:
    """Deterministic JSON (sorted keys; inf as the string "inf")."""
    return json.dumps(_jsonable(result), indent=2, sort_keys=True)


def fmt(value: float | None, stderr: float | None = None, digits: int = 4) -> str:
    """``0.9123 ± 0.0031`` style text for tables."""
    if value is None:
        return "n/a"
    if stderr is None:
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"
    return f"{value:.{digits}f} ± {stderr:.{digits}f}"
