"""Purification circuits (BBPSSW, DEJMPS, pumping) against physics-reference section 5.

Exact checks: the core's ``heralded_density_matrix`` (measurements deferred, flags post-selected
as projectors) gives the kept pair and the success probability. Statistical checks: the core
runner, herald post-selection and parity estimators, 4 standard errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.analysis import (
    bell_coefficients_from_parities,
    bell_fidelity,
    herald_rule_mask,
    proportion,
    success_probability,
)
from qnet_circuits.library.generation import bell_diagonal_pair
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.library.purification import append_twirl, purification_circuit
from qnet_circuits.network import chain
from qnet_circuits.run import AerRunner, heralded_density_matrix

K_SIGMA = 4.0
W = physics.werner_coefficients


def exact(qc, network=None):
    rho, p = heralded_density_matrix(qc, network)
    return physics.bell_coefficients(rho.data), p


def run_bases(circuits, shots, seed, network=None):
    """Run XX, YY, ZZ copies of every circuit in one runner call; per circuit a basis->data map."""
    batches = [pauli_basis_circuits(qc, qc.metadata["pair"]) for qc in circuits]
    flat = [c for b in batches for c in b.values()]
    data = AerRunner().run(flat, shots=shots, seed=seed, network=network)
    return [dict(zip(b, data[3 * i : 3 * i + 3], strict=True)) for i, b in enumerate(batches)]


def pooled_success(by_basis) -> object:
    """Herald success over the three basis runs (independent runs of the same circuit)."""
    hits = sum(int(success_probability(d).value * d.shots + 0.5) for d in by_basis.values())
    return proportion(hits, sum(d.shots for d in by_basis.values()))


def round_success(by_basis, round_k: int):
    """Conditional success of round k: its steps' flags agree, given their inputs' flags agreed."""
    hits = trials = 0
    for data in by_basis.values():
        for step in data.metadata["steps"]:
            if step["round"] != round_k:
                continue
            given = np.ones(data.shots, dtype=bool)
            for reg in step["depends_on"]:
                given &= herald_rule_mask(data[reg], "equal")
            ok = herald_rule_mask(data[step["register"]], "equal")
            trials += int(given.sum())
            hits += int((given & ok).sum())
    return proportion(hits, trials)


# ------------------------------------------------------------------------------ exact: 1 round

# (input, protocol, expected (A, B, C, D) or F, expected p): section 5 "circuit checks" rows
SINGLE_ROUND_ROWS = [
    (0.6, "bbpssw", 0.620438, 0.608889),
    (0.7, "bbpssw", 0.735294, 0.68),
    (0.9, "bbpssw", 0.926396, 0.875556),
    (0.7, "dejmps", 0.735294, 0.68),
    ((0.7, 0.2, 0.06, 0.04), "dejmps", (0.646341, 0.005854, 0.006341, 0.341463), 0.82),
    ((0.6, 0.05, 0.3, 0.05), "dejmps", (0.665138, 0.055046, 0.169725, 0.110092), 0.545),
    ((0.8, 0.0, 0.0, 0.2), "dejmps", (0.941176, 0.0, 0.058824, 0.0), 0.68),
]


@pytest.mark.parametrize(("inp", "protocol", "expected", "p"), SINGLE_ROUND_ROWS)
def test_single_round_rows_exact(inp, protocol, expected, p):
    coeffs, p_succ = exact(purification_circuit([inp], protocol=protocol))
    assert p_succ == pytest.approx(p, abs=5e-7)
    if isinstance(expected, float):
        assert coeffs[0] == pytest.approx(expected, abs=5e-7)
        theory_f, theory_p = physics.bbpssw(inp)
        assert coeffs[0] == pytest.approx(theory_f, abs=1e-9)
        assert p_succ == pytest.approx(theory_p, abs=1e-9)
    else:
        assert np.allclose(coeffs, expected, atol=5e-7)
        theory_c, theory_p = physics.dejmps(inp)
        assert np.allclose(coeffs, theory_c, atol=1e-9)
        assert p_succ == pytest.approx(theory_p, abs=1e-9)


def test_unequal_inputs_exact():
    c1, c2 = (0.9, 0.05, 0.03, 0.02), (0.7, 0.2, 0.06, 0.04)
    coeffs, p = exact(purification_circuit([c1, c2], protocol="dejmps"))
    assert np.allclose(coeffs, (0.744186, 0.002791, 0.003023, 0.25), atol=5e-7)
    assert p == pytest.approx(0.86, abs=1e-9)
    # BBPSSW on Werner inputs, a good pair with a bad one can lower F
    for f1, f2, f_out, n in ((0.9, 0.7, 0.833333, 0.76), (0.99, 0.6, 0.81406, None)):
        coeffs, p = exact(purification_circuit([f1, f2], protocol="bbpssw"))
        assert coeffs[0] == pytest.approx(f_out, abs=5e-6)
        assert (coeffs[0], p) == pytest.approx(physics.bbpssw(f1, f2), abs=1e-9)
        if n is not None:
            assert p == pytest.approx(n, abs=1e-9)
    # BBPSSW twirls non-Werner inputs first: (c1, c2) act as Werner 0.9 and 0.7
    coeffs, p = exact(purification_circuit([c1, c2], protocol="bbpssw"))
    assert (coeffs[0], p) == pytest.approx(physics.bbpssw(0.9, 0.7), abs=1e-9)


def test_twirl_is_exact_in_circuit():
    """(0.7, 0.2, 0.06, 0.04) twirls to (0.7, 0.1, 0.1, 0.1): the whole density matrix."""
    for coeffs in ((0.7, 0.2, 0.06, 0.04), (0.5, 0.0, 0.5, 0.0)):
        qc = bell_diagonal_pair(coeffs)
        append_twirl(qc, qc.qubits[0], qc.qubits[1], qc.qubits[2:])
        rho, _ = heralded_density_matrix(qc)
        target = physics.bell_diagonal_density_matrix(physics.twirl(coeffs))
        assert np.allclose(rho.data, target, atol=1e-9)


def test_same_direction_dejmps_lands_in_the_wrong_frame():
    """Rx(+pi/2) on both sides: the output is the DEJMPS output with X on one qubit (Psi+ frame),
    so the Phi+ fidelity collapses although the success probability is unchanged."""
    c = (0.7, 0.2, 0.06, 0.04)
    right, p_right = exact(purification_circuit([c], protocol="dejmps"))
    wrong, p_wrong = exact(purification_circuit([c], protocol="dejmps", rotations="same"))
    theory, n = physics.dejmps_same_direction(c)
    assert np.allclose(wrong, theory, atol=1e-9)
    assert p_wrong == pytest.approx(n, abs=1e-9) and p_wrong == pytest.approx(p_right)
    assert wrong[2] == pytest.approx(right[0], abs=1e-9)  # A' shows up as C' (Psi+)
    assert wrong[0] < 0.01 < right[0]
    # with Werner 0.8 input the same mistake gives Phi+ fidelity ~0.01 instead of 0.838
    wrong_w, _ = exact(purification_circuit([0.8], protocol="dejmps", rotations="same"))
    assert wrong_w[0] == pytest.approx(physics.dejmps_same_direction(W(0.8))[0][0], abs=1e-9)
    assert wrong_w[2] == pytest.approx(0.838150, abs=5e-7)


def test_reuse_gives_the_same_state_as_fresh_qubits():
    for proto in ("dejmps", "bbpssw"):
        a, pa = exact(purification_circuit([(0.7, 0.2, 0.06, 0.04)], protocol=proto))
        b, pb = exact(purification_circuit([(0.7, 0.2, 0.06, 0.04)], protocol=proto, reuse=False))
        assert np.allclose(a, b, atol=1e-9) and pa == pytest.approx(pb, abs=1e-9)


# ------------------------------------------------------------------ exact: several rounds

# iteration table from Werner F = 0.8 (section 5)
BBPSSW_TABLE = [(0.838150, 0.768889), (0.873585, 0.807485), (0.904540, 0.845651)]
DEJMPS_TABLE = [
    ((0.838150, 0.011561, 0.011561, 0.138728), 0.768889),
    ((0.943639, 0.004308, 0.026026, 0.026026), 0.744596),
    ((0.987974, 0.001503, 0.001503, 0.009020), 0.901313),
]


def test_iteration_table_round_by_round_exact():
    """Each round's circuit applied to the previous round's exact output reproduces the table
    (rounds 1-3), so the recurrence maps of the circuits are the section 5 maps."""
    state = W(0.8)
    for (f, p), theory in zip(BBPSSW_TABLE, physics.bbpssw_rounds(0.8, 3), strict=True):
        coeffs, p_succ = exact(purification_circuit([state], protocol="bbpssw"))
        assert (coeffs[0], p_succ) == pytest.approx((f, p), abs=5e-6)
        assert (coeffs[0], p_succ) == pytest.approx(theory, abs=1e-9)
        state = coeffs  # not Werner: the next circuit twirls it first
    state = W(0.8)
    for (c, p), (tc, tp) in zip(DEJMPS_TABLE, physics.dejmps_rounds(W(0.8), 3), strict=True):
        coeffs, p_succ = exact(purification_circuit([state], protocol="dejmps"))
        assert np.allclose(coeffs, c, atol=5e-6) and p_succ == pytest.approx(p, abs=5e-6)
        assert np.allclose(coeffs, tc, atol=1e-9) and p_succ == pytest.approx(tp, abs=1e-9)
        state = coeffs


@pytest.mark.parametrize("protocol", ["bbpssw", "dejmps"])
def test_two_round_recurrence_circuit_exact(protocol):
    """The full nested circuit (4 raw pairs, twirl between rounds for BBPSSW): round-2 row and
    overall success p1^2 p2."""
    coeffs, p = exact(purification_circuit([0.8], protocol=protocol, rounds=2, reuse=False))
    if protocol == "bbpssw":
        (_, p1), (f2, p2) = physics.bbpssw_rounds(0.8, 2)
        assert coeffs[0] == pytest.approx(f2, abs=1e-9)
    else:
        (_, p1), (c2, p2) = physics.dejmps_rounds(W(0.8), 2)
        assert np.allclose(coeffs, c2, atol=1e-9)
    assert p == pytest.approx(p1**2 * p2, abs=1e-9)


@pytest.mark.parametrize("protocol", ["bbpssw", "dejmps"])
def test_pumping_exact(protocol):
    """Kept pair F = 0.9 pumped twice with fresh Werner 0.7 pairs; success = p1 p2."""
    coeffs, p = exact(
        purification_circuit([0.9, 0.7, 0.7], protocol=protocol, rounds=2, pumping=True,
                             reuse=False)
    )
    if protocol == "bbpssw":
        (_, p1), (f2, p2) = physics.bbpssw_pumping(0.9, 0.7, 2)
        assert coeffs[0] == pytest.approx(f2, abs=1e-9)
    else:
        (_, p1), (c2, p2) = physics.dejmps_pumping(W(0.9), W(0.7), 2)
        assert np.allclose(coeffs, c2, atol=1e-9)
    assert p == pytest.approx(p1 * p2, abs=1e-9)
    # the reusing circuit (2 qubits per node) gives the same one-round state
    a, pa = exact(purification_circuit([0.9, 0.7], protocol=protocol, pumping=True))
    b, pb = exact(purification_circuit([0.9, 0.7], protocol=protocol, pumping=True, reuse=False))
    assert np.allclose(a, b, atol=1e-9) and pa == pytest.approx(pb, abs=1e-9)


def test_noisy_local_cnots_dejmps_anchor():
    """Section 5 noisy table (lambda = 0.02 after each local CNOT): rounds 1-2 from Werner 0.8
    give 0.822792 and 0.906794 (noise from the nodes' gate_error via the noise pass)."""
    net = chain(1, 1.0, gate_error=0.02)
    c1, p1 = exact(purification_circuit([0.8], protocol="dejmps"), net)
    assert c1[0] == pytest.approx(0.822792, abs=5e-7)
    theory, tp = physics.dejmps(W(0.8), cnot_depolarizing=0.02)
    assert np.allclose(c1, theory, atol=1e-9) and p1 == pytest.approx(tp, abs=1e-9)
    c2, _ = exact(purification_circuit([0.8], protocol="dejmps", rounds=2, reuse=False), net)
    assert c2[0] == pytest.approx(0.906794, abs=5e-7)


# ------------------------------------------------------------------------------- statistics


def test_single_round_statistics_within_4_sigma():
    """BBPSSW Werner 0.7, DEJMPS (0.7, 0.2, 0.06, 0.04) (all four coefficients) and DEJMPS with
    unequal inputs: fidelity/coefficients and success probability within 4 standard errors."""
    c1, c2 = (0.9, 0.05, 0.03, 0.02), (0.7, 0.2, 0.06, 0.04)
    circuits = [
        purification_circuit([0.7], protocol="bbpssw"),
        purification_circuit([c2], protocol="dejmps"),
        purification_circuit([c1, c2], protocol="dejmps"),
    ]
    runs = run_bases(circuits, shots=6000, seed=70_001)
    f_bb, p_bb = physics.bbpssw(0.7)
    assert bell_fidelity(runs[0]).within(f_bb, K_SIGMA)
    assert pooled_success(runs[0]).within(p_bb, K_SIGMA)
    for by_basis, args in ((runs[1], (c2,)), (runs[2], (c1, c2))):
        theory, n = physics.dejmps(*args)
        est = bell_coefficients_from_parities(by_basis)
        for key, value in zip("ABCD", theory, strict=True):
            assert est[key].within(value, K_SIGMA), (key, est[key], value)
        assert pooled_success(by_basis).within(n, K_SIGMA)


@pytest.mark.parametrize(("protocol", "rounds", "shots"), [
    ("bbpssw", 2, 4000),
    ("dejmps", 2, 4000),
    ("dejmps", 3, 1500),
    pytest.param("bbpssw", 3, 2500, marks=pytest.mark.slow),
])
def test_recurrence_statistics_within_4_sigma(protocol, rounds, shots):
    """The nested circuit with qubit reuse: final fidelity, overall success and each round's
    conditional success against the iteration table."""
    qc = purification_circuit([0.8], protocol=protocol, rounds=rounds)
    assert qc.num_qubits == 2 * (rounds + 1) + 2
    (by_basis,) = run_bases([qc], shots=shots, seed=80_000 + 1013 * rounds)
    if protocol == "bbpssw":
        table = physics.bbpssw_rounds(0.8, rounds)
        f_final = table[-1][0]
    else:
        table = physics.dejmps_rounds(W(0.8), rounds)
        f_final = table[-1][0][0]
    ps = [p for _, p in table]
    total = np.prod([p ** (2 ** (rounds - k)) for k, p in enumerate(ps, start=1)])
    assert bell_fidelity(by_basis).within(f_final, K_SIGMA)
    assert pooled_success(by_basis).within(float(total), K_SIGMA)
    for k, p in enumerate(ps, start=1):
        assert round_success(by_basis, k).within(p, K_SIGMA), (k, round_success(by_basis, k), p)


def test_pumping_statistics_within_4_sigma():
    qc = purification_circuit([0.8], protocol="dejmps", rounds=3, pumping=True)
    assert qc.num_qubits == 6  # 2 per node + 2 ancillas, whatever the number of rounds
    (by_basis,) = run_bases([qc], shots=6000, seed=90_001)
    table = physics.dejmps_pumping(W(0.8), W(0.8), 3)
    assert bell_fidelity(by_basis).within(table[-1][0][0], K_SIGMA)
    assert pooled_success(by_basis).within(float(np.prod([p for _, p in table])), K_SIGMA)


# -------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("inputs", "kwargs", "match"),
    [
        ([1.3], {}, r"inputs\[0\] fidelity must be in \[0, 1\]"),
        (-0.2, {}, r"fidelity must be in \[0, 1\]"),
        ([(0.8, -0.1, 0.2, 0.1)], {}, ">= 0"),
        ([(0.8, 0.1, 0.1, 0.1)], {}, "sum to 1"),
        ([0.8], {"rounds": 0}, "rounds must be an integer >= 1"),
        ([0.8], {"rounds": 1.5}, "rounds must be an integer >= 1"),
        ([0.8], {"protocol": "bbpsw"}, "protocol must be"),
        ([0.8, 0.7, 0.6], {}, "inputs must list 1 pair spec"),
        ((0.8, 0.1, 0.05, 0.05), {}, "got 4"),  # a bare 4-tuple is 4 Werner pairs: wrap it
        ([0.8], {"protocol": "bbpssw", "rotations": "same"}, "dejmps' only"),
        ([0.8], {"protocol": "dejmps", "twirl_inputs": True}, "bbpssw' only"),
    ],
)
def test_bad_input_raises_value_error(inputs, kwargs, match):
    with pytest.raises(ValueError, match=match):
        purification_circuit(inputs, **kwargs)


def test_metadata_names_flags_and_dependencies():
    qc = purification_circuit([0.8], protocol="bbpssw", rounds=2)
    steps = qc.metadata["steps"]
    assert [s["register"] for s in steps] == ["flags_r1_0", "flags_r1_1", "flags_r2_0"]
    assert steps[2]["depends_on"] == ["flags_r1_0", "flags_r1_1"]
    assert all(h["rule"] == "equal" for h in qc.metadata["heralds"])
    assert qc.metadata["nodes"] == {"alice_mem": "alice", "bob_mem": "bob"}
