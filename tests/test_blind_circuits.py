"""UBQC builders, exactly: brickwork geometry, compilation, the 3-qubit line over all (theta, r),
blindness by enumeration, trap detection per hit, the closed forms of physics.blind, bad input."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from qiskit import qasm3
from qiskit.quantum_info import Statevector

from qnet_circuits import physics
from qnet_circuits.analysis_blind import exact_acceptance, exact_output_distribution
from qnet_circuits.library.blind import (
    BlindProgram,
    ClientRuns,
    MeasurementPattern,
    angle_index,
    blind_circuit,
    brickwork_graph,
    brickwork_logical_circuit,
    brickwork_program,
    compile_to_brickwork,
    delta_multiset,
    draw_runs,
    line_program,
    parse_angle,
    parse_program,
    place_traps,
    program_circuit,
)

Q = math.pi / 4
#: physics-reference section 11 table: (phi1, phi2) in units of pi/4
REFERENCE_ROWS = [(2, 2), (2, 6), (2, 1), (1, 1), (0, 3)]


def _runs(program: BlindProgram, theta, r) -> ClientRuns:
    theta = np.asarray(theta, dtype=np.int64)
    r = np.asarray(r, dtype=np.int64)
    zeros = np.zeros_like(theta)
    return ClientRuns(program, theta, r, zeros, zeros, zeros)


# ---------------------------------------------------------------------------------------------
# geometry and compilation
# ---------------------------------------------------------------------------------------------


def test_brickwork_vertical_edges_follow_bfk_rule() -> None:
    rows, cols = 4, 13
    g = brickwork_graph(rows, cols)
    expected = set()
    for i in range(1, rows):  # BFK, 1-indexed: j = 3 mod 8 for odd i, j = 7 mod 8 for even i
        for j in range(1, cols + 1):
            if (j % 8 == 3 and i % 2 == 1) or (j % 8 == 7 and i % 2 == 0):
                for jj in (j, j + 2):
                    if jj <= cols:
                        expected.add(((i - 1, jj - 1), (i, jj - 1)))
    vertical = {tuple(sorted(e)) for e in g.edges if e[0][1] == e[1][1]}
    assert vertical == expected
    assert g.number_of_edges() == rows * (cols - 1) + len(expected)
    assert max(dict(g.degree).values()) == 3


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


# ---------------------------------------------------------------------------------------------
# blindness by enumeration
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", range(8))
def test_each_delta_occurs_exactly_twice_over_the_16_secrets(k: int) -> None:
    for s_x, s_z in itertools.product((0, 1), repeat=2):
        assert delta_multiset(k * Q, s_x, s_z) == {j: 2 for j in range(8)}


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


# ---------------------------------------------------------------------------------------------
# traps
# ---------------------------------------------------------------------------------------------


def test_traps_are_isolated_by_dummies_at_random_positions() -> None:
    prog = brickwork_program("x 0; cx 0 1", trap_rows=2)
    g = prog.pattern.graph()
    nodes = prog.pattern.nodes
    comp = {nodes[i] for i, c in enumerate(prog.computation) if c}
    positions = set()
    rng = np.random.default_rng(2)
    for _ in range(30):
        traps = place_traps(prog, 3, rng)
        positions.update(traps)
        labels = [nodes[t] for t in traps]
        assert not any(g.has_edge(a, b) for a, b in itertools.combinations(labels, 2))
        assert not any(n in comp for t in labels for n in g.neighbors(t))
        assert all(t < prog.pattern.num_measured for t in traps)
    assert len(positions) > 10
    runs = draw_runs(prog, 5, 3, traps=3)
    for k in range(5):
        for t in runs.traps(k):
            assert all(runs.role[k, j] == 2 for j in prog.pattern.neighbours(t))


@pytest.mark.parametrize("attack", ["z", "misreport"])
def test_exact_detection_is_certain_for_z_and_misreport(attack: str) -> None:
    prog = line_program(2 * Q, Q).with_trap_region(4)
    runs = draw_runs(prog, 12, 5, traps=2, attack=attack, attack_on="trap")
    assert np.allclose(exact_acceptance(runs), 0.0, atol=1e-12)


@pytest.mark.parametrize("attack", ["x", "y"])
def test_exact_detection_is_sin2_theta_and_one_half_on_average_for_x_and_y(attack: str) -> None:
    prog = line_program(2 * Q, Q).with_trap_region(2)  # trap at region position 2 or 3
    runs = draw_runs(prog, 8, 1, traps=1, attack=attack, attack_on="trap")
    theta = runs.theta.copy()
    theta[:, 2] = theta[:, 3] = np.arange(8)  # the trap's theta runs over all 8 angles
    runs = ClientRuns(prog, theta, runs.r, runs.role, runs.d, runs.dummy_delta, attack,
                      runs.attack_node)
    detection = 1 - exact_acceptance(runs)
    expected = np.array([physics.detection_given_hit(attack, k * Q) for k in range(8)])
    assert np.allclose(detection, expected, atol=1e-9)
    assert detection.mean() == pytest.approx(0.5, abs=1e-12)
    assert np.allclose(1 - physics.run_acceptance(runs), expected, atol=1e-12)


def test_trap_attack_does_not_touch_the_computation() -> None:
    prog = line_program(2 * Q, Q).with_trap_region(4)
    runs = draw_runs(prog, 6, 9, traps=2, attack="x", attack_on="trap")
    for dist in exact_output_distribution(runs):
        assert dist["0"] == pytest.approx(physics.ubqc_line_p0(2 * Q, Q), abs=1e-9)


# ---------------------------------------------------------------------------------------------
# closed forms of physics.blind
# ---------------------------------------------------------------------------------------------


def _pass_by_enumeration(supports, p_flip) -> float:
    qubits = sorted(set().union(*supports))
    total = 0.0
    for flips in itertools.product((0, 1), repeat=len(qubits)):
        f = dict(zip(qubits, flips))
        prob = math.prod(p_flip if x else 1 - p_flip for x in flips)
        if all(sum(f[q] for q in s) % 2 == 0 for s in supports):
            total += prob
    return total


def test_trap_pass_probability_against_flip_enumeration() -> None:
    w = physics.link_w(0.8)
    p_flip = (1 - w) / 2
    for supports in ([{0, 1, 2}], [{0, 1, 2}, {3, 2, 4}], [{0, 5}, {1, 5, 6}, {2, 6}]):
        assert physics.trap_pass_probability(supports, w) == pytest.approx(
            _pass_by_enumeration(supports, p_flip), abs=1e-12
        )
    assert physics.trap_pass_probability([{0, 1, 2, 3}], w) == pytest.approx((1 + w**4) / 2)


def _line_p0_depolarized(k1: int, k2: int, w: float) -> float:
    """Independent numpy model: depolarized |+_theta> inputs, CZs, adaptive measurements."""
    def ket(theta: float) -> np.ndarray:
        return np.array([1, np.exp(1j * theta)]) / math.sqrt(2)

    def proj(delta: float, b: int) -> np.ndarray:
        v = ket(delta) if b == 0 else ket(delta + math.pi)
        return np.outer(v, v.conj())

    cz = np.diag([1, 1, 1, -1])
    czz = np.kron(cz, np.eye(2)) @ np.kron(np.eye(2), cz)
    total = 0.0
    for t1, t2 in itertools.product(range(8), repeat=2):
        rhos = [w * np.outer(ket(t * Q), ket(t * Q).conj()) + (1 - w) * np.eye(2) / 2
                for t in (t1, t2, 0)]
        rho = czz @ np.kron(np.kron(rhos[0], rhos[1]), rhos[2]) @ czz
        for b1, b2, m3 in itertools.product((0, 1), repeat=3):
            phi2 = -k2 if b1 else k2
            op = np.kron(np.kron(proj((k1 + t1) * Q, b1), proj((phi2 + t2) * Q, b2)),
                         np.diag([1 - m3, m3]))
            if (m3 ^ b2) == 0:
                total += np.trace(op @ rho).real
    return total / 64


@pytest.mark.parametrize(("k1", "k2", "fidelity"), [(2, 2, 0.9), (2, 1, 0.8), (1, 3, 0.7)])
def test_line_under_link_noise_closed_form_against_density_matrices(k1, k2, fidelity) -> None:
    w = physics.link_w(fidelity)
    assert physics.line_p0_link(k1 * Q, k2 * Q, fidelity) == pytest.approx(
        _line_p0_depolarized(k1, k2, w), abs=1e-12
    )


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


def test_angles_must_be_multiples_of_pi_over_4() -> None:
    with pytest.raises(ValueError, match="phi1 must be a multiple of pi/4"):
        line_program(0.3, Q)
    with pytest.raises(ValueError, match="multiple of pi/4"):
        parse_program("rz(pi/8) 0")
    with pytest.raises(ValueError, match="multiple of pi/4"):
        MeasurementPattern.from_graph(nx.path_graph(2), {0: 0.1}, {0: 1}, [0], [1])
    assert parse_angle("-3*pi/4") == pytest.approx(-3 * Q)
    with pytest.raises(ValueError, match="cannot parse angle"):
        parse_angle("quarter")


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


def test_flow_violations_are_refused() -> None:
    g = nx.path_graph(3)
    with pytest.raises(ValueError, match="neighbour"):
        MeasurementPattern.from_graph(g, {0: 0, 1: 0}, {0: 2, 1: 2}, [0, 1], [2])
    with pytest.raises(ValueError, match="after it"):
        MeasurementPattern.from_graph(g, {1: 0, 0: 0}, {1: 0, 0: 1}, [1, 0], [2])
    g2 = nx.Graph([(0, 1), (1, 2), (1, 3), (3, 4)])
    with pytest.raises(ValueError, match="flow condition violated"):
        MeasurementPattern.from_graph(g2, {0: 0, 3: 0, 1: 0}, {3: 4, 0: 1, 1: 2},
                                      [3, 0, 1], [2, 4])


def test_traps_that_do_not_fit_the_graph_are_refused() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        draw_runs(brickwork_program("x 0; cx 0 1"), 3, traps=1)  # no room at all
    with pytest.raises(ValueError, match="do not fit"):
        draw_runs(line_program(0, 0).with_trap_region(5), 3, traps=4)  # path of 5: at most 3
    with pytest.raises(ValueError, match="attack_on"):
        draw_runs(line_program(0, 0), 3, attack="z", attack_on="trap")
    with pytest.raises(ValueError, match="link_fidelity"):
        blind_circuit(line_program(0, 0).pattern, link_fidelity=1.5)
