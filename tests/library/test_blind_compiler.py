"""library.blind.compiler: gate programs compiled to the brickwork, exactly (Statevector)."""

from __future__ import annotations

import math

import pytest
from qiskit.quantum_info import Statevector

from qnet_circuits.library.blind import (
    MeasurementPattern,
    angle_index,
    brickwork_logical_circuit,
    brickwork_program,
    compile_to_brickwork,
    parse_program,
    program_circuit,
)

Q = math.pi / 4


PROGRAMS = [
    "h 0; t 0; h 0",
    "ry(3pi/4) 0; rz(pi/4) 0; sx 0",
    "x 0; cx 0 1",
    "h 0; cx 0 1",
    "x 1; cx 1 0",
    "h 0; h 1; cz 0 1; tdg 1; y 0",
    "h 0; t 0; cx 0 1; h 1; s 1; cx 1 0; t 0; h 0; rx(pi/4) 1; cx 0 1; h 0",
]


@pytest.mark.parametrize("program", PROGRAMS)
def test_compiled_brickwork_prepares_the_program_state_exactly(program: str) -> None:
    gates = parse_program(program)
    rows, cols, angles = compile_to_brickwork(gates)
    assert all(angle_index(a) * Q == pytest.approx(a) for a in angles.values())
    logical = Statevector(brickwork_logical_circuit(rows, cols, angles))
    target = Statevector(program_circuit(gates, rows))
    assert abs(logical.inner(target)) == pytest.approx(1.0, abs=1e-9)


def test_cnot_fits_one_brick_layer_and_deep_program_is_several_layers() -> None:
    assert compile_to_brickwork("x 0; cx 0 1")[:2] == (2, 13)
    rows, cols, _ = compile_to_brickwork(PROGRAMS[-1])
    assert rows == 2 and cols >= 29  # three CNOTs, each its own brick


def test_empty_programs_are_refused() -> None:
    for text in ("", " ; \n"):
        with pytest.raises(ValueError, match="empty program"):
            parse_program(text)
    with pytest.raises(ValueError, match="empty program"):
        brickwork_program([])
    with pytest.raises(ValueError, match="empty program"):
        MeasurementPattern(order=(), outputs=(0,), edges=(), flow=(), angles=())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo 0", "unsupported gate 'foo'"),
        ("cx 0 0", "two different qubits"),
        ("rz 0", "needs an angle"),
        ("h 0; cx 0 2", "1 or 2 qubits"),
    ],
)
def test_bad_programs_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        brickwork_program(text)
