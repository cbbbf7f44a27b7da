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


def add_memory_arguments(parser: argparse.ArgumentParser) -> None:
    """``--memory`` and ``--time-scale``: what plays the network's memories on a device
    (``qnet chain``, ``qnet switch``; :mod:`qnet_circuits.protocols.device_memory`)."""
    parser.add_argument("--memory", choices=("device", "off", "injected"), default="device",
                        help="on a device: its qubits play the memories over scaled waits "
                             "(default), no waits at all (off), or the network's T1/T2 as "
                             "explicit operations (injected; also on Aer)")
    parser.add_argument("--time-scale", type=number, default=None,
                        help="on a device: factor on every memory wait (default: the device's "
                             "median T2 over the memory T2)")


def memory_lines(dev: dict, *, fiber: bool = True) -> list[str]:
    """The memory report of a device run (``device_memory``/``device_form`` keys), as text;
    ``fiber``: the circuits have photonic links (their injected loss is named too)."""
    if dev.get("time_scale") is not None:
        return [f"memory on the device: waits x {dev['time_scale']:.4g}, effective T1/T2 "
                f"{fmt(dev['effective_t1_s'])} / {fmt(dev['effective_t2_s'])} s"]
    if dev.get("memory") == "injected":
        rest = ("; fiber loss as a beam splitter with a vacuum mode; dark counts classical"
                if fiber else "")
        return [f"network physics injected as operations: memory T1/T2 "
                f"{fmt(dev['injected_t1_s'])} / {fmt(dev['injected_t2_s'])} s (ancilla "
                f"dilation + sampled Z frames){rest}"]
    if dev.get("memory") == "off":
        return ["memory on the device: off (no waits)"]
    return []


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
    if callable(hook):
        circuits = protocol.circuits(params)
        if circuits:  # closed-form comparisons (compare-qkd) have no circuit
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


# ---------------------------------------------------------------------------------------------
# the cost guard of device runs (--dry-run, --max-device-seconds)
# ---------------------------------------------------------------------------------------------

#: The commands that run their circuits on ``--backend fake_<device>`` or an IBM device, and so
#: take the cost guard (:func:`add_device_arguments`).
DEVICE_COMMANDS: tuple[str, ...] = ("link", "swap", "purify", "teleport", "remote-cnot", "qkd",
                                    "blind", "chain", "dense-coding", "sense", "ghz",
                                    "distribute", "bb84", "demo", "switch")


def add_device_arguments(parser: argparse.ArgumentParser) -> None:
    """``--dry-run`` and ``--max-device-seconds`` (see :func:`run_guarded`)."""
    parser.add_argument("--dry-run", action="store_true",
                        help="on a device: build and transpile everything, print circuits, jobs, "
                             "shots, two-qubit gates and the estimated device time; submit nothing")
    parser.add_argument("--max-device-seconds", type=number, default=None, metavar="S",
                        help="on a device: refuse the run when its estimated device time "
                             "exceeds S seconds")


def run_guarded(module: Any, args: argparse.Namespace, ctx: Context) -> dict:
    """Run a command with the cost guard. Without ``--dry-run``/``--max-device-seconds`` it just
    runs (a device run's jobs and ids are added as ``device_jobs``; every runtime job of the
    command goes into one ``Batch``, ``IBMRunner.batch_mode``). Otherwise the command first
    runs on the runner's dry-run twin (``IBMRunner.costing``: every circuit transpiled and its job
    accounted, nothing submitted, sampled locally so every later job is built too); ``--dry-run``
    returns that estimate (``dry_run``); ``--max-device-seconds S`` refuses an estimate over S
    (ValueError naming it) and otherwise runs for real (on a fake device the local dry run is the
    run: same circuits, seeds and noise)."""
    dry, limit = getattr(args, "dry_run", False), getattr(args, "max_device_seconds", None)
    runner = ctx.runner
    if not dry and limit is None:
        with _batch_mode(runner):
            result = module.run(args, ctx)
        ledger = getattr(runner, "ledger", None)
        if ledger is not None and ledger.jobs:
            result["device_jobs"] = ledger.summary()
        return result
    if limit is not None and not (limit > 0 and math.isfinite(limit)):
        raise ValueError(f"--max-device-seconds must be a finite number of seconds > 0, got {limit}")
    if not callable(getattr(runner, "costing", None)):
        raise ValueError("--dry-run and --max-device-seconds estimate a device's time: use "
                         "--backend fake_<device> (e.g. fake_torino) or an IBM device name")
    costing = runner.costing()
    from dataclasses import replace

    result = module.run(args, replace(ctx, runner=costing))
    cost = costing.ledger.summary()
    if dry:
        return {"command": args.command, "backend": ctx.backend, "dry_run": cost}
    if cost["estimated_device_s"] > limit:
        raise ValueError(f"the estimated device time is {cost['estimated_device_s']:.1f} s "
                         f"({cost['jobs']} jobs, {cost['shots']} shots), over "
                         f"--max-device-seconds {limit:g}; lower --shots or raise the limit")
    if not getattr(runner, "is_fake", False):
        with _batch_mode(runner):
            result = module.run(args, ctx)
        cost = {**cost, "job_ids": runner.ledger.summary()["job_ids"]}
    result["device_cost"] = cost
    return result


def _batch_mode(runner: Any) -> Any:
    """The runner's ``batch_mode()`` (one runtime Batch for the whole command), or a no-op."""
    from contextlib import nullcontext

    mode = getattr(runner, "batch_mode", None)
    return mode() if callable(mode) else nullcontext()


def cost_lines(cost: dict, *, dry: bool) -> list[str]:
    """The cost report of a device run (or a dry run) as text lines."""
    head = "dry run (nothing submitted)" if dry else "device jobs"
    lines = [
        f"{head} on {cost['device']}: {cost['jobs']} jobs, {cost['circuits']} circuits, "
        f"{cost['shots']} shots, {cost['two_qubit_gates']} two-qubit gates per shot summed over "
        "circuits",
        f"estimated device time {cost['estimated_device_s']:.1f} s (longest circuit "
        f"{1e6 * cost['max_circuit_s']:.1f} us per shot + rep_delay {1e6 * cost['rep_delay_s']:.0f}"
        f" us per shot, {cost['job_overhead_s']:g} s per job)",
    ]
    ids = [i for entry in cost.get("job_ids") or [] for i in entry.split(", ")]
    if len(ids) > cost["jobs"]:  # a fake device runs each circuit as its own local Aer job
        lines.append(f"local job ids ({len(ids)} local Aer jobs, one per circuit of the fake "
                     f"device; a real device takes the {cost['jobs']} job(s) above): "
                     f"{', '.join(ids)}")
    elif ids:
        lines.append(f"job ids: {', '.join(ids)}")
    return lines


def render_result(module: Any, result: dict) -> str:
    """A command's text output, with the device cost report where there is one."""
    if "dry_run" in result:
        return "\n".join(cost_lines(result["dry_run"], dry=True))
    text = module.render(result)
    cost = result.get("device_cost") or result.get("device_jobs")
    if cost:
        text += "\n" + "\n".join(cost_lines(cost, dry=False))
    return text


def render_comparison(comparison: dict) -> str:
    """The four columns of a device run (``result["comparison"]``, from ``qnet_hardware.columns``)
    as text: one row per quantity, ``value ± stderr`` per column, the prediction's model error,
    then the ISA report of each circuit."""
    names = ("theory", "network_model", "prediction", "device")
    header = ["quantity", "theory", "network model", "prediction (calibrated)", "device",
              "model error"]
    rows = []
    for q in comparison["quantities"]:
        cells = [comparison["columns"][c].get(q, {}) for c in names]
        err = comparison["model_error"].get(q)
        rows.append([q, *(fmt(c.get("value"), c.get("stderr")) for c in cells),
                     "n/a" if err is None else f"± {err:.4f}"])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [f"on {comparison['device']}: theory, Aer with the network model, Aer with the "
             "device's calibrated model, the device"]
    lines += ["  " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
              for r in [header, *rows]]
    if comparison.get("note"):
        lines.append(f"  note: {comparison['note']}")
    groups: dict[tuple, list[dict]] = {}
    for row in comparison["isa"]:  # circuits laid alike (bases, settings) share one line
        key = (tuple(row["qubits"]), row["two_qubit_gates"], row["routing_overhead"])
        groups.setdefault(key, []).append(row)
    for (qubits, gates, routing), rows_ in groups.items():
        depths = sorted({r["depth"] for r in rows_})
        depth = str(depths[0]) if len(depths) == 1 else f"{depths[0]}-{depths[-1]}"
        count = sum(r["delay_rounding"]["count"] for r in rows_)
        worst = max(r["delay_rounding"]["max_error_s"] for r in rows_)
        more = f" (and {len(rows_) - 1} more alike)" if len(rows_) > 1 else ""
        lines.append(f"  ISA {rows_[0]['circuit']}{more}: qubits {list(qubits)}, {gates} "
                     f"two-qubit gates ({routing} from routing), depth {depth}, {count} delays "
                     f"rounded (max {worst:.2g} s)")
    return "\n".join(lines)
