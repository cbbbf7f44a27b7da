"""library.blind.circuit and client: the server's circuit, exactly (deferred Statevector over
all secrets), its independence from the computation, qubit reuse, the server's view."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from qiskit import qasm3

from qnet_circuits import physics
from qnet_circuits.library.blind import (
    BlindProgram,
    ClientRuns,
    blind_circuit,
    brickwork_program,
    draw_runs,
    line_program,
)
from qnet_circuits.protocols.blind.batch import exact_output_distribution

Q = math.pi / 4


#: physics-reference section 11 table: (phi1, phi2) in units of pi/4
REFERENCE_ROWS = [(2, 2), (2, 6), (2, 1), (1, 1), (0, 3)]


def _runs(program: BlindProgram, theta, r) -> ClientRuns:
    theta = np.asarray(theta, dtype=np.int64)
    r = np.asarray(r, dtype=np.int64)
    zeros = np.zeros_like(theta)
    return ClientRuns(program, theta, r, zeros, zeros, zeros)


def test_line_through_the_blind_pattern_matches_table_for_all_256_secrets() -> None:
    grid = np.array(list(itertools.product(range(8), range(8), range(2), range(2))))
    theta = np.stack([grid[:, 0], grid[:, 1], (grid[:, 0] * 3) % 8], axis=1)
    r = np.stack([grid[:, 2], grid[:, 3], np.zeros(len(grid), dtype=int)], axis=1)
    for k1, k2 in REFERENCE_ROWS:
        prog = line_program(k1 * Q, k2 * Q)
        expected = physics.ubqc_line_p0(k1 * Q, k2 * Q)
        dists = exact_output_distribution(_runs(prog, theta, r))
        p0 = np.array([d.get("0", 0.0) for d in dists])
        assert np.allclose(p0, expected, atol=1e-9), (k1, k2)


def test_exact_brickwork_one_qubit_rotation_through_the_blind_pattern() -> None:
    prog = brickwork_program("h 0; t 0; h 0")  # 1 x 5 line: P(0) = cos^2(pi/8)
    runs = draw_runs(prog, 6, 11)
    for dist in exact_output_distribution(runs):
        assert dist["0"] == pytest.approx(math.cos(math.pi / 8) ** 2, abs=1e-9)


def test_joint_deltas_of_the_line_are_uniform_and_independent_of_the_computation() -> None:
    grid = np.array(list(itertools.product(range(8), range(8), range(2), range(2))))
    theta = np.stack([grid[:, 0], grid[:, 1], np.zeros(len(grid), dtype=int)], axis=1)
    r = np.stack([grid[:, 2], grid[:, 3], np.zeros(len(grid), dtype=int)], axis=1)
    seen = []
    for k1, k2 in [(2, 1), (0, 5), (7, 3)]:
        runs = _runs(line_program(k1 * Q, k2 * Q), theta, r)
        for b1 in (0, 1):
            bits = np.zeros((len(grid), 1, 3), dtype=int)
            bits[:, 0, 0] = b1
            d = runs.deltas(bits)[:, 0, :]
            counts = np.bincount(d[:, 0] * 8 + d[:, 1], minlength=64)
            assert (counts == 4).all()  # each (delta1, delta2) in A^2 exactly 4 times of 256
            seen.append(sorted(map(tuple, d)))
    assert all(s == seen[0] for s in seen)


def test_the_servers_circuit_does_not_depend_on_the_computation() -> None:
    a = brickwork_program("x 0; cx 0 1")
    b = brickwork_program("h 0; t 1; cx 1 0")
    assert (a.rows, a.columns) == (b.rows, b.columns)
    assert a.pattern.angles != b.pattern.angles
    assert qasm3.dumps(blind_circuit(a.pattern)) == qasm3.dumps(blind_circuit(b.pattern))
    line_a, line_b = line_program(0, Q).pattern, line_program(Q, 6 * Q).pattern
    assert qasm3.dumps(blind_circuit(line_a)) == qasm3.dumps(blind_circuit(line_b))


def test_qubit_reuse_keeps_the_brickwork_narrow() -> None:
    prog = brickwork_program("x 0; cx 0 1")
    assert prog.pattern.num_nodes == 26
    assert blind_circuit(prog.pattern).num_qubits <= 4
    assert blind_circuit(prog.pattern, correction="deferred").num_qubits <= 8
    assert blind_circuit(prog.pattern, link_fidelity=0.9).num_qubits <= 8
    assert blind_circuit(prog.pattern, correction="deferred").count_ops().get("if_else", 0) == 0
