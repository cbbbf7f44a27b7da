"""What every ``qnet`` subcommand shares: the run context, argument types and JSON output.

Import-light on purpose: ``qnet --help`` and ``qnet <cmd> --help`` load this module, and must not
load Qiskit, Aer or SciPy (numpy is looked up only where a result already holds numpy values).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Qiskit and the runners load only when a command runs
    from qiskit import QuantumCircuit

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
            from qiskit import qasm3

            from qnet_circuits.noise import strip_markers

            text = qasm3.dumps(strip_markers(circuit))
            try:
                self.qasm_path.write_text(text)
            except OSError as exc:  # a directory, a missing folder, /proc, no permission
                raise ValueError(f"--qasm {self.qasm_path}: cannot write the file "
                                 f"({exc.strerror or exc}); pass a writable file path") from None

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


def add_pair_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """``--fidelity F [F ...]`` or ``--bell-diagonal A B C D`` (repeatable), for the pair
    protocols (swap, purify, teleport, remote-cnot)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--fidelity", type=float, nargs="+", metavar="F",
                       help=f"Werner fidelity to Phi+ of {what}, each in [0, 1]")
    group.add_argument("--bell-diagonal", type=float, nargs=4, action="append",
                       metavar=("A", "B", "C", "D"),
                       help=f"Bell-diagonal coefficients (Phi+, Psi-, Psi+, Phi-) of {what}, "
                            ">= 0 and summing to 1; repeat once per pair")


def add_noise_arguments(parser: argparse.ArgumentParser, where: str) -> None:
    """``--gate-error`` and ``--readout-error`` of the nodes named by ``where``."""
    parser.add_argument("--gate-error", type=float, default=0.0,
                        help=f"two-qubit depolarizing lambda (Qiskit convention) after each "
                             f"two-qubit gate {where}, in [0, 1] (default 0)")
    parser.add_argument("--readout-error", type=float, default=0.0,
                        help=f"bit-flip probability of each measurement {where}, in [0, 1] "
                             "(default 0)")


def pair_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The pair and noise flags as the keyword arguments of a pair protocol's parameters."""
    return {"fidelity": args.fidelity, "bell_diagonal": args.bell_diagonal,
            "gate_error": args.gate_error, "readout_error": args.readout_error}


def check_output_path(option: str, path: Any) -> None:
    """Refuse an output path that cannot be a file before any work starts (one line, exit 2)."""
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{option} {p}: is a directory; pass a file path")
    if not p.parent.is_dir():
        raise ValueError(f"{option} {p}: the folder {p.parent} does not exist; create it first")


#: largest input file a command reads (bytes)
MAX_INPUT_BYTES = 16 * 2**20


def check_input_file(option: str, path: Any, max_bytes: int = MAX_INPUT_BYTES) -> Path:
    """``path`` if it is a regular file of at most ``max_bytes``; else a one-line ValueError
    naming the option and the path (missing, a directory, a device or pipe, too large)."""
    p = Path(path)
    if not p.exists():
        raise ValueError(f"{option} {p}: cannot read it (it does not exist); give an existing file")
    if not p.is_file():
        raise ValueError(f"{option} {p} is not a regular file; give a file")
    size = p.stat().st_size
    if size > max_bytes:
        raise ValueError(f"{option} {p} has {size} bytes; at most {max_bytes} are read")
    return p


def read_input_file(option: str, path: Any, max_bytes: int = MAX_INPUT_BYTES) -> str:
    """The UTF-8 text of an input file checked by :func:`check_input_file` (unreadable or not
    UTF-8: a one-line ValueError naming the option and the path)."""
    p = check_input_file(option, path, max_bytes)
    try:
        return p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{option} {p}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{option} {p} is not UTF-8 text") from None


def run_protocol(protocol: Any, params: Any, ctx: Any) -> dict:
    """Hand the ideal protocol circuit to the context (``--qasm``), run ``protocol`` with the
    context's runner, shots and seed, and return the result's JSON dict."""
    hook = getattr(ctx, "protocol_circuit", None)
    circuits = protocol.circuits(params) if callable(hook) else []
    if circuits:  # closed-form commands (compare-qkd) have none
        hook(circuits[0])
    result = protocol.run(params, runner=getattr(ctx, "runner", None),
                          shots=getattr(ctx, "shots", None), seed=getattr(ctx, "seed", None))
    return result.to_dict()


def _jsonable(value: Any) -> Any:
    # numpy values can only exist if numpy was imported: look it up instead of importing it
    np = sys.modules.get("numpy")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if np is not None:
        if isinstance(value, np.ndarray):
            return _jsonable(value.tolist())
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
    if isinstance(value, float) or (np is not None and isinstance(value, np.floating)):
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
