"""Reports: what transpilation did (ISA two-qubit gates, depth, layout) and hardware beside
ideal and simulated-network results.

>>> from qnet_circuits.results import Estimate
>>> print(side_by_side({"teleport F": {"ideal": 1.0, "hardware": Estimate(0.91, 0.01)}}))
quantity   | ideal  | hardware
---------- | ------ | ---------------
teleport F | 1.0000 | 0.9100 ± 0.0100
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qiskit.transpiler import Target

from qnet_circuits.network import Network, chain
from qnet_circuits.results import Estimate
from qnet_hardware.isa import IsaReport
from qnet_hardware.layout import qubit_errors

__all__ = ["DeviceCalibration", "device_calibration", "device_network", "isa_table", "side_by_side"]


def _cell(value: Estimate | float | int | str | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, Estimate):
        return f"{value.value:.4f} ± {value.stderr:.4f}"
    if isinstance(value, str):
        return value
    return f"{float(value):.4f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(str(h).ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines.append(" | ".join("-" * w for w in widths))
    lines += [" | ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def side_by_side(
    rows: Mapping[str, Mapping[str, Estimate | float | int | str | None]],
    columns: Sequence[str] | None = None,
) -> str:
    """A text table: one row per quantity, one column per source (``ideal``, ``network``,
    ``hardware``, ...); estimates print as ``value ± stderr``, missing cells as ``n/a``."""
    if not rows:
        raise ValueError("rows must hold at least one quantity")
    if columns is None:
        seen: dict[str, None] = {}
        for cells in rows.values():
            for key in cells:
                seen.setdefault(key, None)
        columns = list(seen)
    body = [[name, *(_cell(cells.get(c)) for c in columns)] for name, cells in rows.items()]
    return _table(["quantity", *columns], body)


def isa_table(reports: Sequence[IsaReport]) -> str:
    """A text table of ISA reports: two-qubit gates (as built, ideal on the device basis, ISA),
    routing overhead, depth, layout method and the physical qubits of each register."""
    if not reports:
        raise ValueError("reports must hold at least one IsaReport (run or prepare a circuit)")
    header = ["circuit", "device", "2q built", "2q ideal", "2q ISA", "extra", "depth", "layout",
              "qubits"]
    body = []
    for r in reports:
        qubits = " ".join(f"{reg}={'/'.join(map(str, q))}" for reg, q in r.layout.items())
        body.append([r.name, r.device, str(r.logical_two_qubit), str(r.ideal_two_qubit),
                     str(r.isa_two_qubit), str(r.routing_overhead), str(r.depth),
                     r.layout_method, qubits])
    return _table(header, body)


@dataclass(frozen=True)
class DeviceCalibration:
    """Mean calibration of the physical qubits a circuit uses.

    Attributes:
        qubits: the physical qubits.
        t1_s, t2_s: mean T1 and T2, in seconds (T2 capped at 2 T1).
        readout_error: mean readout error probability.
        two_qubit_error: mean reported two-qubit gate error (average infidelity) over the
            couplers between those qubits.
    """

    qubits: tuple[int, ...]
    t1_s: float
    t2_s: float
    readout_error: float
    two_qubit_error: float

    @property
    def depolarizing_parameter(self) -> float:
        """Two-qubit depolarizing parameter with the same average infidelity: 4/3 of the error
        (``1 - F_avg = lambda (d - 1)/d`` with d = 4)."""
        return min(1.0, 4.0 * self.two_qubit_error / 3.0)


def device_calibration(target: Target, report: IsaReport) -> DeviceCalibration:
    """The mean calibration of the physical qubits in ``report.layout`` (from ``target``)."""
    qubits = tuple(sorted({q for qs in report.layout.values() for q in qs}))
    if not qubits:
        raise ValueError("report.layout holds no physical qubit")
    readout, edge_error = qubit_errors(target)
    props = target.qubit_properties
    t1s = [props[q].t1 for q in qubits if props and props[q] is not None and props[q].t1]
    t2s = [props[q].t2 for q in qubits if props and props[q] is not None and props[q].t2]
    chosen = set(qubits)
    edges = [e for (a, b), e in edge_error.items() if a in chosen and b in chosen]
    t1 = sum(t1s) / len(t1s) if t1s else math.inf
    t2 = min(sum(t2s) / len(t2s), 2 * t1) if t2s else min(math.inf, 2 * t1)
    return DeviceCalibration(
        qubits=qubits,
        t1_s=float(t1),
        t2_s=float(t2),
        readout_error=float(sum(readout.get(q, 0.0) for q in qubits) / len(qubits)),
        two_qubit_error=float(sum(edges) / len(edges)) if edges else 0.0,
    )


def device_network(
    calibration: DeviceCalibration, n_links: int = 1, end_names: tuple[str, str] = ("alice", "bob")
) -> Network:
    """A chain network whose nodes carry the device's mean calibration: the network model of
    the same device (T1/T2 memories, depolarizing local two-qubit gates, readout flips), to set
    the modeled physics beside the device's own noise. Links are ideal (0 km): in this model the
    entangling gate between two nodes is a noiseless link, unlike on the chip."""
    return chain(
        n_links,
        0.0,
        t1_s=calibration.t1_s,
        t2_s=calibration.t2_s,
        gate_error=calibration.depolarizing_parameter,
        readout_error=calibration.readout_error,
        end_names=end_names,
    )
