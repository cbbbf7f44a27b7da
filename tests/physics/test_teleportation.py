"""Closed forms of qnet_circuits.physics: teleportation and the remote CNOT (sections 6 and 13),
against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import H, X, Z, cnot, evolve, op_on, partial_trace, printed, projector

# ---------------------------------------------------------------------------------------------
# 6. Teleportation
# ---------------------------------------------------------------------------------------------

CARDINAL = {
    "Z": [np.array([1, 0], complex), np.array([0, 1], complex)],
    "X": [np.array([1, 1], complex) / math.sqrt(2), np.array([1, -1], complex) / math.sqrt(2)],
    "Y": [np.array([1, 1j]) / math.sqrt(2), np.array([1, -1j]) / math.sqrt(2)],
}


def teleport_sim(coeffs, psi) -> float:
    """in=0, Alice=1, Bob=2; CNOT(0->1), H(0), measure 0 -> m1, 1 -> m2; X^m2 Z^m1 on Bob."""
    n = 3
    rho = np.kron(ph.bell_diagonal_density_matrix(coeffs), np.outer(psi, psi.conj()))
    rho = evolve(rho, op_on(n, {0: H}) @ cnot(n, 0, 1))
    out = sum(
        evolve(evolve(rho, projector(n, 0, m1) @ projector(n, 1, m2)),
               op_on(n, {2: np.linalg.matrix_power(Z, m1) @ np.linalg.matrix_power(X, m2)}))
        for m1 in (0, 1) for m2 in (0, 1)
    )
    bob = partial_trace(out, n, [2])
    return float(np.real(psi.conj() @ bob @ psi))


TELEPORT_TABLE = [(1.0, "1.000000"), (0.95, "0.966667"), (0.9, "0.933333"), (0.8, "0.866667"),
                  (0.75, "0.833333"), (0.5, "0.666667"), (0.25, "0.5")]


@pytest.mark.parametrize("f, expected", TELEPORT_TABLE)
def test_teleport_werner_table(f, expected):
    got = ph.teleport_fidelity_werner(f)
    assert got == printed(expected)
    for states in CARDINAL.values():
        for psi in states:
            assert teleport_sim(ph.werner_coefficients(f), psi) == pytest.approx(got, abs=1e-12)
    assert ph.teleport_fidelity_werner(0.5) == pytest.approx(ph.CLASSICAL_TELEPORT_FIDELITY)


@pytest.mark.parametrize(
    "coeffs, z, x, y, avg",
    [((0.9, 0, 0, 0.1), "1.0", "0.9", "0.9", "0.933333"),
     ((0.85, 0.05, 0.07, 0.03), "0.88", "0.92", "0.90", "0.9")],
)
def test_teleport_bell_diagonal(coeffs, z, x, y, avg):
    got = ph.teleport_fidelities_bell_diagonal(coeffs)
    assert (got["Z"], got["X"], got["Y"], got["average"]) == tuple(
        printed(v) for v in (z, x, y, avg)
    )
    sims = {b: [teleport_sim(coeffs, psi) for psi in states] for b, states in CARDINAL.items()}
    for b in "ZXY":
        assert sims[b] == pytest.approx([got[b]] * 2, abs=1e-12)
    assert np.mean([v for s in sims.values() for v in s]) == pytest.approx(got["average"])

def remote_cnot_channel(coeffs) -> tuple[float, float]:
    """Eisert et al. remote CNOT with a Bell-diagonal resource, simulated on the Choi state.

    Qubits: a=0 (control), b=1 (target), A'=2, B'=3, references ra=4, rb=5.
    Returns (process fidelity to CNOT, P(|c=1,t=1> | input |c=1,t=0>))."""
    n = 6
    # Phi+ on (a, ra) and on (b, rb): amplitude 1/2 on |a b 0 0 a b>
    psi = np.zeros(2**n)
    for a, b in itertools.product((0, 1), repeat=2):
        psi[a + 2 * b + 16 * a + 32 * b] = 0.5
    choi_in = np.outer(psi, psi.conj())

    def protocol(rho_ab_ref: np.ndarray) -> np.ndarray:
        res = ph.bell_diagonal_density_matrix(coeffs).real  # real for speed
        rho = _embed_resource(rho_ab_ref, res, n)
        rho = evolve(rho, cnot(n, 0, 2))
        out = np.zeros_like(rho)
        for m1 in (0, 1):
            fix = op_on(n, {3: np.linalg.matrix_power(X, m1)})
            r1 = evolve(evolve(rho, projector(n, 2, m1)), fix)
            r1 = evolve(r1, op_on(n, {3: H}) @ cnot(n, 3, 1))
            for m2 in (0, 1):
                out += evolve(evolve(r1, projector(n, 3, m2)),
                              op_on(n, {0: np.linalg.matrix_power(Z, m2)}))
        return out

    out = protocol(choi_in)
    target = cnot(n, 0, 1) @ psi
    # trace out A', B' implicitly via overlap with |target> (x) anything on 2, 3
    reduced = partial_trace(out, n, [0, 1, 4, 5])
    t_red = target.reshape([2] * n)
    # target has qubits 2, 3 in |0>: take that slice (axes: qubit q is axis n-1-q)
    t_vec = t_red[:, :, 0, 0, :, :].reshape(-1)
    f_pro = float(np.real(t_vec.conj() @ reduced @ t_vec))
    # |c=1, t=0> input: project references onto ra=1, rb=0 (Choi state -> that input)
    ref_proj = op_on(n, {4: np.diag([0.0, 1.0]), 5: np.diag([1.0, 0.0])})
    cond = evolve(out, ref_proj)
    one = np.diag([0.0, 1.0])
    p11 = float(np.real(np.trace(cond @ op_on(n, {0: one, 1: one}))))
    return f_pro, p11 / float(np.real(np.trace(cond)))


def _embed_resource(rho_other: np.ndarray, res: np.ndarray, n: int) -> np.ndarray:
    """rho_other acts on qubits (0,1,4,5) with 2,3 in |0>; replace qubits 2,3 by ``res``."""
    t = rho_other.reshape([2] * (2 * n))
    # keep the 2,3 = |0><0| block of rho_other (its qubits 2,3 are |00>)
    block = t[:, :, 0, 0, :, :, :, :, 0, 0, :, :]  # axes: q5 q4 (q3 q2) q1 q0 | same for cols
    r = res.reshape(2, 2, 2, 2)  # (q3, q2, q3', q2') little-endian: index q2 + 2*q3
    full = np.einsum("abcdefgh,ijkl->abijcdefklgh", block, r)
    return full.reshape(2**n, 2**n)


REMOTE_CNOT = [
    (1.0, "1.000000", "1.000000"), (0.95, "0.950000", "0.960000"),
    (0.9, "0.900000", "0.920000"), (0.8, "0.800000", "0.840000"), (0.5, "0.500000", "0.600000"),
]


@pytest.mark.parametrize("f, pro, avg", REMOTE_CNOT)
def test_remote_cnot_table(f, pro, avg):
    got = ph.remote_cnot_fidelities(f)
    assert got == (printed(pro), printed(avg))
    coeffs = ph.werner_coefficients(f)
    f_pro, p11 = remote_cnot_channel(coeffs)
    assert f_pro == pytest.approx(got[0], abs=1e-12)
    assert ph.remote_cnot_process_fidelity(coeffs) == pytest.approx(f)
    assert p11 == pytest.approx(ph.remote_cnot_flip_probability(coeffs), abs=1e-12)
    assert ph.remote_cnot_flip_probability(coeffs) == pytest.approx(f + (1 - f) / 3)


def test_remote_cnot_bell_diagonal_resource():
    c = (0.8, 0.05, 0.1, 0.05)
    f_pro, p11 = remote_cnot_channel(c)
    assert f_pro == pytest.approx(ph.remote_cnot_process_fidelity(c), abs=1e-12)
    assert p11 == pytest.approx(ph.remote_cnot_flip_probability(c), abs=1e-12)
    with pytest.raises(ValueError, match="fidelity"):
        ph.remote_cnot_fidelities(1.5)
