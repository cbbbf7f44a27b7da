"""Per-register bits of a Sampler result (a PUB's ``DataBin``), shaped as
:class:`~qnet_circuits.results.ShotData` expects them; no partial result is ever returned."""

from __future__ import annotations

from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit

__all__ = ["result_bits", "result_rows"]


def result_bits(circuit: QuantumCircuit, pub_data: Any, shots: int) -> dict[str, np.ndarray]:
    """Per-register uint8 arrays (shots, size) from a Sampler pub result's ``data`` (a DataBin).

    Column j is clbit j of the register (``BitArray.to_bool_array(order="little")``). Missing
    registers or a wrong shot count raise RuntimeError: no partial result is returned.
    """
    return result_rows(circuit, pub_data, shots, 1)[0]


def result_rows(circuit: QuantumCircuit, pub_data: Any, shots: int, rows: int) -> list[dict[str, np.ndarray]]:
    """Per-row register bits from the DataBin of a PUB with a binding table of ``rows`` rows
    (BitArrays of shape ``(rows,)``): row k is ``{register: uint8 (shots, size)}``."""
    out: list[dict[str, np.ndarray]] = [{} for _ in range(rows)]
    for reg in circuit.cregs:
        array = getattr(pub_data, reg.name, None)
        if array is None:
            raise RuntimeError(
                f"the result of circuit {circuit.name!r} lacks classical register {reg.name!r}"
            )
        bits = np.asarray(array.to_bool_array(order="little"), dtype=np.uint8)
        if bits.size != rows * shots * reg.size:
            raise RuntimeError(
                f"circuit {circuit.name!r} returned {bits.size // max(reg.size, 1)} shots for "
                f"register {reg.name!r}, expected "
                + (f"{shots}" if rows == 1 else f"{rows} rows of {shots}")
            )
        bits = bits.reshape(rows, shots, reg.size)
        for k in range(rows):
            out[k][reg.name] = bits[k]
    return out
