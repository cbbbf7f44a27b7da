"""Closed forms of physics.blind (UBQC over a noisy link) against independent enumerations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qnet_circuits import physics

Q = math.pi / 4


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
