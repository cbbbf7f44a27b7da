"""Shared helpers of the physics tests: printed-precision comparison and small numpy
qubit operators (little-endian, like Qiskit)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qnet_circuits import physics as ph


def printed(text: str) -> object:
    """pytest.approx with the tolerance implied by the printed digits (half a last unit)."""
    s = text.strip().lower()
    mant, _, exp = s.partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    e = int(exp) if exp else 0
    tol = 0.5 * 10.0 ** (e - decimals)
    return pytest.approx(float(s), abs=tol * (1 + 1e-9) + 1e-300)


# real where possible: real matrix products stay fast on a loaded machine
I2 = np.eye(2)
X = np.array([[0.0, 1.0], [1.0, 0.0]])
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1.0, -1.0])
H = np.array([[1.0, 1.0], [1.0, -1.0]]) / math.sqrt(2)
SDG = np.diag([1.0, -1j])


def op_on(n: int, ops: dict[int, np.ndarray]) -> np.ndarray:
    """Tensor operator on n qubits, little-endian (qubit 0 is the rightmost kron factor)."""
    out = np.array([[1.0]])
    for q in reversed(range(n)):
        out = np.kron(out, ops.get(q, I2))
    return out


def cnot(n: int, control: int, target: int) -> np.ndarray:
    p0 = np.diag([1.0, 0.0])
    p1 = np.diag([0.0, 1.0])
    return op_on(n, {control: p0}) + op_on(n, {control: p1, target: X})


def projector(n: int, qubit: int, bit: int) -> np.ndarray:
    return op_on(n, {qubit: np.diag([1.0 - bit, float(bit)])})


def partial_trace(rho: np.ndarray, n: int, keep: list[int]) -> np.ndarray:
    """Trace out all qubits not in ``keep``; result in little-endian order of ``keep``."""
    t = rho.reshape([2] * (2 * n))  # axis k (k < n) is qubit n-1-k of the row index
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    rows = list(letters[:n])
    cols = list(letters[n : 2 * n])
    for q in range(n):
        if q not in keep:
            cols[n - 1 - q] = rows[n - 1 - q]
    out_rows = "".join(rows[n - 1 - q] for q in reversed(keep))
    out_cols = "".join(cols[n - 1 - q] for q in reversed(keep))
    spec = "".join(rows) + "".join(cols) + "->" + out_rows + out_cols
    d = 2 ** len(keep)
    return np.einsum(spec, t).reshape(d, d)


def pair_state(*coeffs: tuple[float, float, float, float]) -> np.ndarray:
    """Tensor product of Bell-diagonal pairs; pair k occupies qubits (2k, 2k+1)."""
    rho = np.array([[1.0 + 0j]])
    for c in coeffs:
        rho = np.kron(ph.bell_diagonal_density_matrix(c), rho)
    return rho


def random_bell_diagonal(rng: np.random.Generator) -> tuple[float, float, float, float]:
    v = rng.dirichlet(np.ones(4))
    return (float(v[0]), float(v[1]), float(v[2]), float(v[3]))


# ---------------------------------------------------------------------------------------------
# density-matrix simulators used as independent cross-checks (numpy only)
# ---------------------------------------------------------------------------------------------

PAULIS = (I2, X, Y, Z)


def rx(theta: float) -> np.ndarray:
    return np.cos(theta / 2) * I2 - 1j * np.sin(theta / 2) * X


def evolve(rho: np.ndarray, u: np.ndarray) -> np.ndarray:
    return u @ rho @ u.conj().T


def depolarize_two(rho: np.ndarray, n: int, qa: int, qb: int, lam: float) -> np.ndarray:
    """Qiskit depolarizing_error(lam, 2) on qubits qa, qb: (1-lam) rho + lam Tr_ab(rho) I/4."""
    if lam == 0:
        return rho
    twirled = sum(evolve(rho, op_on(n, {qa: p, qb: r})) for p in PAULIS for r in PAULIS) / 16
    return (1 - lam) * rho + lam * twirled


def simulate_swap(c1, c2, lam=0.0, eps=0.0) -> np.ndarray:
    """Pairs (0,1), (2,3); CNOT(1->2), H(1), measure 1 -> m1, 2 -> m2; X^m2 Z^m1 on 3.
    Readout: each reported bit is flipped with probability eps. Returns rho of (0, 3)."""
    n = 4
    rho = pair_state(c1, c2)
    rho = depolarize_two(rho, n, 1, 2, lam)
    rho = evolve(rho, op_on(n, {1: H}) @ cnot(n, 1, 2))
    out = np.zeros((16, 16), complex)
    for m1, m2, f1, f2 in itertools.product((0, 1), repeat=4):
        weight = (eps if f1 else 1 - eps) * (eps if f2 else 1 - eps)
        proj = projector(n, 1, m1) @ projector(n, 2, m2)
        r1, r2 = m1 ^ f1, m2 ^ f2
        corr = op_on(n, {3: np.linalg.matrix_power(Z, r1) @ np.linalg.matrix_power(X, r2)})
        out += weight * evolve(evolve(rho, proj), corr)
    return partial_trace(out, n, [0, 3])


def simulate_purification(c1, c2, alice_angle=None, bob_angle=None, lam=0.0):
    """Pairs (a1,b1)=(0,1) kept, (a2,b2)=(2,3) sacrificed; optional Rx on each side, bilateral
    CNOT, depolarizing lam on (a1,a2) and on (b1,b2) after the CNOTs, keep iff bits agree.
    Returns (normalized rho of (0,1), success probability)."""
    n = 4
    rho = pair_state(c1, c2)
    if alice_angle is not None:
        rho = evolve(rho, op_on(n, {0: rx(alice_angle), 2: rx(alice_angle)}))
    if bob_angle is not None:
        rho = evolve(rho, op_on(n, {1: rx(bob_angle), 3: rx(bob_angle)}))
    rho = evolve(rho, cnot(n, 1, 3) @ cnot(n, 0, 2))
    rho = depolarize_two(depolarize_two(rho, n, 0, 2, lam), n, 1, 3, lam)
    kept = sum(evolve(rho, projector(n, 2, m) @ projector(n, 3, m)) for m in (0, 1))
    p = float(np.trace(kept).real)
    return partial_trace(kept, n, [0, 1]) / p, p
