"""The purified link's law (physics.purified_link) and the purified chain (physics.chain_purified):
exact checks of the step map, twirl and relaxation against the library circuits and the memory
channel; ideal memories reproduce the section 5 closed forms and the renewal delivery time; a
brute-force enumeration (explicit density matrices, the library's step circuit) on a tiny chain."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix, Operator, random_density_matrix

from qnet_circuits import physics
from qnet_circuits.library.purification import append_purification_step, append_twirl
from qnet_circuits.physics.chain_expected import chain_fidelity_from_waits, pair_correlations
from qnet_circuits.physics.chain_purified import expected_purified_chain
from qnet_circuits.physics.purified_link import (
    SIGMA,
    pauli_vector,
    purified_link_law,
    relaxation_modes,
    step_tensor,
    twirl_matrix,
)

INF = math.inf


@functools.lru_cache(maxsize=2)
def _step_operator(protocol: str) -> np.ndarray:
    qc = QuantumCircuit(4, 2)
    append_purification_step(qc, (qc.qubits[0], qc.qubits[1]), (qc.qubits[2], qc.qubits[3]),
                             qc.clbits, protocol, reset=False)
    qc.remove_final_measurements(inplace=True)
    return Operator(qc).data


def circuit_step(kept: np.ndarray, sac: np.ndarray, protocol: str) -> np.ndarray:
    """The library's step on (kept, sacrificed), flags equal: the unnormalized kept pair."""
    u = _step_operator(protocol)
    out = (u @ np.kron(sac, kept) @ u.conj().T).reshape(4, 4, 4, 4)
    # keep flags 00 (high index 0) and 11 (high index 3), trace out the sacrificed qubits
    return out[0, :, 0, :] + out[3, :, 3, :]


def from_vector(r: np.ndarray) -> np.ndarray:
    return np.einsum("k,kij->ij", r, SIGMA) / 4.0


def relax(rho, t, t1, t2):
    """Both memories wait ``t`` (an unnormalized state keeps its trace)."""
    tr = np.trace(rho).real
    rho = physics.relax_density_matrix(rho / tr, 0, t, t1[0], t2[0])
    return tr * physics.relax_density_matrix(rho, 1, t, t1[1], t2[1])


@pytest.mark.parametrize("protocol", ["dejmps", "bbpssw"])
def test_step_tensor_is_the_library_circuit(protocol):
    tensor = step_tensor(protocol)
    for seed in (1, 2, 3):
        a = random_density_matrix(4, seed=seed).data
        b = random_density_matrix(4, seed=seed + 10).data
        out = np.einsum("oij,i,j->o", tensor, pauli_vector(a), pauli_vector(b))
        np.testing.assert_allclose(from_vector(out), circuit_step(a, b, protocol), atol=1e-12)


def test_step_tensor_on_bell_diagonal_pairs_is_the_dejmps_map():
    c1, c2 = (0.7, 0.2, 0.06, 0.04), (0.8, 0.1, 0.05, 0.05)
    r = np.einsum("oij,i,j->o", step_tensor("dejmps"),
                  pauli_vector(physics.bell_diagonal_density_matrix(c1)),
                  pauli_vector(physics.bell_diagonal_density_matrix(c2)))
    coeffs, p = physics.dejmps(c1, c2)
    assert r[0] == pytest.approx(p, abs=1e-12)
    np.testing.assert_allclose(physics.bell_coefficients(from_vector(r) / r[0]), coeffs, atol=1e-12)


def test_twirl_matrix_is_the_library_twirl():
    qc = QuantumCircuit(4)
    append_twirl(qc, qc.qubits[0], qc.qubits[1], qc.qubits[2:])
    rho = random_density_matrix(4, seed=7).data
    full = DensityMatrix(np.kron(np.diag([1.0, 0, 0, 0]), rho)).evolve(qc)
    pair = full.data.reshape(4, 4, 4, 4)[0, :, 0, :]  # ancillas reset to |00>
    np.testing.assert_allclose(from_vector(twirl_matrix() @ pauli_vector(rho)), pair, atol=1e-12)


def test_relaxation_modes_are_the_memory_channel():
    t1, t2 = (2.0, 1.5), (1.0, 3.0)
    modes = relaxation_modes(t1, t2)
    rho = random_density_matrix(4, seed=4).data
    for t in (0.0, 0.3, 2.5):
        decay = sum(math.exp(-r * t) * k for r, k in modes)
        np.testing.assert_allclose(from_vector(decay @ pauli_vector(rho)), relax(rho, t, t1, t2),
                                   atol=1e-12)


def _fidelity(r: np.ndarray) -> float:
    return float((r[0] + r[5] - r[10] + r[15]) / 4.0 / r[0])


@pytest.mark.parametrize("protocol,scheme", [("dejmps", "recurrence"), ("dejmps", "pumping"),
                                             ("bbpssw", "recurrence"), ("bbpssw", "pumping")])
def test_ideal_memories_give_the_section_5_closed_forms(protocol, scheme):
    c0 = (0.75, 0.15, 0.06, 0.04)
    rho = physics.bell_diagonal_density_matrix(c0)
    w = physics.werner_coefficients
    for rounds in (1, 2):
        law = purified_link_law(rho, 0.4, 1, 1, (INF, INF), (INF, INF), protocol, rounds, scheme,
                                twirl_raw=protocol == "bbpssw")
        total = law["measure"].sum(axis=0)
        assert law["lost_mass"] < 1e-12
        if protocol == "dejmps":
            steps = (physics.dejmps_rounds(c0, rounds) if scheme == "recurrence"
                     else physics.dejmps_pumping(c0, c0, rounds))
        else:  # Werner inputs, re-twirl between rounds, none after the last
            f0 = physics.twirl(c0)[0]
            f = [f0]
            for _ in range(rounds - 1):
                f.append(physics.bbpssw(f[-1], f0 if scheme == "pumping" else None)[0])
            last = physics.dejmps(w(f[-1]), w(f0) if scheme == "pumping" else None)
            steps = [*((None, physics.bbpssw(x, f0 if scheme == "pumping" else None)[1])
                       for x in f[:-1]), last]
        expected = steps[-1][0]
        np.testing.assert_allclose(physics.bell_coefficients(from_vector(total)), expected,
                                   atol=1e-12)
        np.testing.assert_allclose(law["success"], [p for _, p in steps], atol=1e-12)
        # renewal: E[D_k] = (E[D_kept] + E[D_sac] + msg) / P_k, raw E[D_0] = 1/p
        d0, d = 1 / 0.4, 1 / 0.4
        for _, p in steps:
            d = (d + (d if scheme == "recurrence" else d0) + 1) / p
        assert law["mean_units"] == pytest.approx(d, rel=1e-11)


def test_a_lattice_finer_than_the_cycle_shifts_the_law_exactly():
    rho = physics.bell_diagonal_density_matrix(physics.werner_coefficients(0.85))
    args = ((2e-3, 3e-3), (1e-3, 2e-3), "dejmps", 2, "recurrence")
    coarse = purified_link_law(rho, 0.5, 1, 1, *args, unit_s=1e-4)
    fine = purified_link_law(rho, 0.5, 3, 3, *args, unit_s=1e-4 / 3)
    m = fine["measure"]
    assert np.abs(np.delete(m, np.s_[::3], axis=0)).max() < 1e-16  # mass only on the coarse grid
    n = min(len(coarse["measure"]), len(m[::3]))
    np.testing.assert_allclose(m[::3][:n], coarse["measure"][:n], atol=1e-14)


def test_the_decay_matters_and_the_lattice_limit_is_a_clear_error():
    rho = physics.bell_diagonal_density_matrix(physics.werner_coefficients(0.9))
    ideal = purified_link_law(rho, 0.3, 1, 1, (INF, INF), (INF, INF), "dejmps", 1, "recurrence")
    noisy = purified_link_law(rho, 0.3, 1, 1, (10.0, 10.0), (5.0, 5.0), "dejmps", 1,
                              "recurrence")
    assert _fidelity(noisy["measure"].sum(0)) < _fidelity(ideal["measure"].sum(0)) - 0.05
    assert noisy["success"][0] < ideal["success"][0] - 0.01
    with pytest.raises(ValueError, match="lattice points"):
        purified_link_law(rho, 1e-4, 1, 1, (INF, INF), (INF, INF), "dejmps", 3, "recurrence")


# --- brute force: explicit density matrices, the library circuit, enumerated timings ---------

def brute_link(rho0, p, rounds, scheme, protocol, t1, t2, tmax, gmax):
    """``{t: unnormalized rho}`` of the purified link, by enumeration (times in cycles, the
    message one cycle, the memories' T1/T2 in cycles)."""
    raw = {g: p * (1 - p) ** (g - 1) * rho0 for g in range(1, gmax + 1)}
    level = raw
    tw = np.eye(16) if protocol == "dejmps" else twirl_matrix()
    for k in range(1, rounds + 1):
        sac_law = level if scheme == "recurrence" else raw
        good: dict[int, np.ndarray] = {}
        trial: dict[int, float] = {}
        for a, ka in level.items():
            for b, sb in sac_law.items():
                t = a + b + 1
                if t > tmax:
                    continue
                out = circuit_step(relax(ka, b, t1, t2), sb, protocol)
                if k < rounds:
                    out = from_vector(tw @ pauli_vector(out))
                good[t] = good.get(t, 0) + relax(out, 1, t1, t2)
                trial[t] = trial.get(t, 0) + np.trace(ka).real * np.trace(sb).real
        fail = {t: trial[t] - np.trace(good[t]).real for t in trial}
        total = dict(good)
        term = dict(good)
        while term:  # A = sum_j F^{*j} * B, truncated at tmax
            nxt: dict[int, np.ndarray] = {}
            for s, f in fail.items():
                for t, x in term.items():
                    if s + t <= tmax:
                        nxt[s + t] = nxt.get(s + t, 0) + f * x
            term = {t: x for t, x in nxt.items() if np.abs(x).max() > 1e-16}
            for t, x in term.items():
                total[t] = total.get(t, 0) + x
        level = total
    return level


@pytest.mark.parametrize("protocol,rounds,scheme,tmax", [("dejmps", 1, "recurrence", 60),
                                                         ("bbpssw", 2, "pumping", 100)])
def test_brute_force_enumeration_of_a_two_link_chain(protocol, rounds, scheme, tmax):
    p, t1, t2 = 0.9, (30.0, 20.0), (12.0, 16.0)  # memories in cycles
    rho0 = relax(physics.bell_diagonal_density_matrix((0.85, 0.08, 0.05, 0.02)), 0.5, t1, t2)
    twirl = protocol == "bbpssw"
    start = from_vector(twirl_matrix() @ pauli_vector(rho0)) if twirl else rho0
    brute = brute_link(start, p, rounds, scheme, protocol, t1, t2, tmax=tmax, gmax=10)
    law = purified_link_law(rho0, p, 1, 1, t1, t2, protocol, rounds, scheme, twirl_raw=twirl)
    m = law["measure"]
    for t, x in brute.items():
        np.testing.assert_allclose(pauli_vector(x), m[t], atol=1e-10)
    # the chain: two links, every node's memory T1 = 30, T2 = 12 cycles
    t1n, t2n = [30.0] * 3, [12.0] * 3
    brute = brute_link(start, p, rounds, scheme, protocol, (30.0, 30.0), (12.0, 12.0), tmax, 10)
    law = purified_link_law(rho0, p, 1, 1, (30.0, 30.0), (12.0, 12.0), protocol, rounds, scheme,
                            twirl_raw=twirl)
    num = den = tsum = 0.0
    for r0, x0 in brute.items():
        for r1, x1 in brute.items():
            w = np.trace(x0).real * np.trace(x1).real
            swap = max(r0, r1)
            t_del = swap + 1  # the repeater's outcome reaches the farther end one hop later
            corr = [pair_correlations(x0 / np.trace(x0).real), pair_correlations(x1 / np.trace(x1).real)]
            f = chain_fidelity_from_waits(corr, [t_del - r0, swap - r1], [swap - r0, t_del - r1],
                                          t1n, t2n)
            num, den, tsum = num + w * f, den + w, tsum + w * t_del
    out = expected_purified_chain([law["measure"]] * 2, 1.0, [0.0, 1.0, 2.0], t1n, t2n,
                                  "sequential", delivery_offsets_s=[1.0, 1.0])
    assert den > 1 - 1e-7  # the enumeration holds nearly all the mass
    assert out["fidelity"] == pytest.approx(num / den, abs=1e-6)
    assert out["mean_delivery_time_s"] == pytest.approx(tsum / den, rel=1e-6)
    ideal = chain_fidelity_from_waits([pair_correlations(start)] * 2, [0, 0], [0, 0], t1n, t2n)
    assert out["fidelity"] < ideal - 0.02  # the waits matter
