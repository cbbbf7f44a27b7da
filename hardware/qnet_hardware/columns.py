"""Four columns for a protocol run on a device: closed-form theory, Aer with the user's network
model, Aer with the calibrated model (the prediction) and the device, each with its standard
error, the model error of the prediction and the ISA report, in one shape for every command.

``qnet <command> --backend <device>`` calls :func:`four_columns` (through
:meth:`qnet_hardware.IBMRunner.four_columns`) with a function that reruns the command on another
runner; the JSON gets ``result["comparison"]``::

    {"quantities": ["fidelity", ...],
     "columns": {"theory": {q: {"value": v, "stderr": None}}, "network_model": {...},
                 "prediction": {...}, "device": {...}},
     "model_error": {q: e}, "agreement": {q: {"difference", "combined_stderr", "z"}},
     "budget": {...}, "isa": [...], "prediction_network": [...]}

The model error of a quantity is ``factor * mean budget / acceptance``: the mean over the
circuits of :func:`qnet_hardware.calibration.model_budget` (a bound on the total-variation
distance between device and model outcome distributions), times how far the estimator can move
per unit of it (:data:`SPECS`), over the post-selected acceptance where there is one.

>>> q = SPECS["blind"][0]
>>> cells = quantity_cells({"output_distribution": {"0": 0.8}, "runs": 100}, q)
>>> cells["value"], round(cells["stderr"], 6)
(0.8, 0.04)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qnet_hardware.calibration import CalibratedRunner

__all__ = ["COLUMNS", "NOTES", "SPECS", "Quantity", "four_columns", "quantity_cells"]

COLUMNS: tuple[str, ...] = ("theory", "network_model", "prediction", "device")


@dataclass(frozen=True)
class Quantity:
    """One compared quantity: where its value, standard error and closed form sit in the
    command's JSON (key paths), ``factor`` (how far it moves per unit of total-variation
    distance of each circuit's outcomes) and ``accept`` (the post-selection rate's path, or None)."""

    name: str
    value: tuple[str, ...]
    stderr: tuple[str, ...] | None
    theory: tuple[str, ...] | None
    factor: float
    accept: tuple[str, ...] | None = None
    shots: tuple[str, ...] | None = None


#: command -> compared quantities. Fidelity from XX/YY/ZZ parities moves by at most
#: (2 d_XX + 2 d_YY + 2 d_ZZ)/4 = 1.5 d; a probability by d; CHSH S (four correlators) by 8 d.
SPECS: dict[str, tuple[Quantity, ...]] = {
    "link": (Quantity("p_success", ("p_success",), ("p_success_stderr",),
                      ("theory", "p_success"), 1.0),
             Quantity("fidelity", ("fidelity",), ("fidelity_stderr",), ("theory", "fidelity"),
                      1.5, accept=("p_success",))),
    "swap": (Quantity("fidelity", ("fidelity",), ("fidelity_stderr",), ("theory",), 1.5),),
    "purify": (Quantity("p_success", ("p_success",), ("p_success_stderr",),
                        ("theory_p_success",), 1.0),
               Quantity("fidelity", ("fidelity",), ("fidelity_stderr",), ("theory",), 1.5,
                        accept=("p_success",))),
    "teleport": (Quantity("fidelity", ("fidelity",), ("fidelity_stderr",), ("theory",), 1.0),),
    "remote-cnot": (Quantity("fidelity", ("fidelity",), ("fidelity_stderr",), ("theory",), 1.0),),
    "qkd": (Quantity("S", ("S",), ("S_stderr",), ("theory", "S"), 8.0),
            *(Quantity(f"qber_{b}", ("qber", b), ("qber_stderr", b), ("theory", "qber", b), 1.0)
              for b in ("X", "Z", "D"))),
    "blind": (Quantity("p0", ("output_distribution", "0"), None, ("theory", "p0"), 1.0,
                       shots=("runs",)),),
    "chain": (Quantity("acceptance", ("device_form", "acceptance"),
                       ("device_form", "acceptance_stderr"), ("device_form", "acceptance_theory"),
                       1.0),
              Quantity("fidelity", ("fidelity",), ("fidelity_stderr",), ("theory", "fidelity"),
                       1.5, accept=("device_form", "acceptance"))),
}


#: command -> what makes the device's circuit differ from the network's physics (printed)
NOTES: dict[str, str] = {
    "link": "fiber loss, detector efficiency and dark counts are simulation-only (markers "
            "stripped on a device): the device and the prediction run the lossless circuit, "
            "theory and network model the network's",
    "chain": "on a device (and in the prediction) the chain runs in its device form: lossless "
             "links, waits scaled so the device's qubits play the memories (--memory device)",
}


def _get(result: Mapping[str, Any], path: Sequence[str] | None) -> Any:
    value: Any = result
    for key in path or ():
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value if path else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def quantity_cells(result: Mapping[str, Any], q: Quantity) -> dict[str, float | None]:
    """``{"value", "stderr"}`` of ``q`` in one command result (binomial stderr from ``shots``
    where the command reports none)."""
    value = _number(_get(result, q.value))
    stderr = _number(_get(result, q.stderr)) if q.stderr else None
    if stderr is None and q.shots is not None and value is not None:
        n = _number(_get(result, q.shots))
        stderr = math.sqrt(max(value * (1 - value), 0.0) / n) if n else None
    return {"value": value, "stderr": stderr}


def _isa_rows(reports: Sequence[Any]) -> list[dict[str, Any]]:
    rows = []
    for r in reports:
        d = r if isinstance(r, Mapping) else r.to_dict()
        qubits = sorted({q for qs in d["layout"].values() for q in qs})
        rows.append({"circuit": d["name"], "qubits": qubits, "two_qubit_gates": d["isa_two_qubit"],
                     "logical_two_qubit": d["logical_two_qubit"],
                     "routing_overhead": d["routing_overhead"], "depth": d["depth"],
                     "delay_rounding": d["delays"]})
    return rows


def four_columns(command: str, device_result: Mapping[str, Any], device: Any,
                 rerun: Callable[[Any], Mapping[str, Any]]) -> dict[str, Any]:
    """The comparison of ``command`` (see the module docstring). ``device_result`` is the
    command's JSON on ``device`` (an IBMRunner, run just before so ``device.reports`` holds its
    ISA reports); ``rerun(runner)`` runs the same command on another runner."""
    if command not in SPECS:
        raise ValueError(f"qnet {command} has no device comparison; commands with one: "
                         f"{', '.join(SPECS)}")
    form_isa = _get(device_result, ("device_form", "isa"))  # a chain: the bound rows' report
    isa = _isa_rows([form_isa] if isinstance(form_isa, Mapping) else list(device.reports))
    from qnet_circuits.run import AerRunner

    network_result = rerun(AerRunner())
    calibrated = CalibratedRunner(device)
    prediction = rerun(calibrated)
    results = {"network_model": network_result, "prediction": prediction,
               "device": device_result}
    budgets = calibrated.budgets
    mean_budget = {k: sum(b[k] for b in budgets) / len(budgets) for k in budgets[0]} if budgets else {}
    columns: dict[str, dict[str, Any]] = {c: {} for c in COLUMNS}
    model_error: dict[str, float | None] = {}
    agreement: dict[str, Any] = {}
    # a quantity the command did not report (BBM92 has no S, E91 no Z-basis QBER) is left out
    specs = [q for q in SPECS[command] if _get(device_result, q.value) is not None]
    for q in specs:
        columns["theory"][q.name] = {"value": _number(_get(device_result, q.theory)),
                                     "stderr": None}
        for name, res in results.items():
            columns[name][q.name] = quantity_cells(res, q)
        accept = _number(_get(prediction, q.accept)) if q.accept else 1.0
        total = mean_budget.get("total")
        model_error[q.name] = (q.factor * total / accept if total is not None and accept else None)
        d, p = columns["device"][q.name], columns["prediction"][q.name]
        if d["value"] is not None and p["value"] is not None:
            se = math.hypot(d["stderr"] or 0.0, p["stderr"] or 0.0)
            diff = d["value"] - p["value"]
            agreement[q.name] = {"difference": diff, "combined_stderr": se,
                                 "z": diff / se if se > 0 else None}
    return {"quantities": [q.name for q in specs], "columns": columns,
            "model_error": model_error, "agreement": agreement, "budget": mean_budget,
            "isa": isa, "device": device.name, "note": NOTES.get(command),
            "prediction_network": [_node_row(n) for n in calibrated.networks[0].nodes]
            if calibrated.networks else []}


def _node_row(node: Any) -> dict[str, Any]:
    return {"node": node.name, "t1_s": node.memory.t1_s, "t2_s": node.memory.t2_s,
            "gate_error": node.gate_error, "coupler_error": node.coupler_error,
            "readout_error": node.readout_error}
