"""Reports: what transpilation did (ISA two-qubit gates, depth, layout) and hardware beside
ideal and simulated-network results.

>>> from qnet_circuits.results import Estimate
>>> print(side_by_side({"teleport F": {"ideal": 1.0, "hardware": Estimate(0.91, 0.01)}}))
quantity   | ideal  | hardware
---------- | ------ | ---------------
teleport F | 1.0000 | 0.9100 ± 0.0100
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qnet_circuits.results import Estimate
from qnet_hardware.isa import IsaReport

__all__ = ["isa_table", "side_by_side"]


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
