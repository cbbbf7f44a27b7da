"""Delivery-time law of a purified link jointly with its state, memories decohering (sections 5, 7).

Model (the scheduler's: :mod:`qnet_circuits.scheduler.emit`, the trial pools of
:mod:`qnet_circuits.protocols.chain.pools`). A raw pair heralds after ``G ~ Geometric(p)``
attempts of ``c`` lattice units each, in the state ``rho_0`` (after its herald wait and frame
flip; BBPSSW twirls it to Werner form when it is not Werner). A level-``k`` step takes a kept
level-``k-1`` pair (duration ``D_K``), then makes the sacrificed one (a level-``k-1`` pair for the
recurrence, a raw pair for pumping; duration ``D_S``) while the kept pair's two memories decay
for ``D_S`` (Aer's thermal relaxation, T1/T2 of its nodes); the step (DEJMPS rotations or none,
bilateral CNOT, flags measured, kept iff the recorded flags are equal; at nodes with gate or
readout error each local CNOT is followed by two-qubit depolarizing noise and each recorded flag
may be flipped, :func:`step_tensor`) succeeds with the probability of those decayed inputs;
BBPSSW re-twirls the kept pair below the last round; both memories then wait the one-way message
``s`` units for the flags. A failed step costs ``D_K + D_S + s`` and the step starts again with
fresh pairs (a renewal).

Everything is linear in the *weighted state* ``A_k(t) = E[rho ; D_k = t]`` (an unnormalized state
per lattice time; its trace is the pmf of ``D_k``). With Pauli vectors ``r_i = tr(rho sigma_i)``:

    B_k(t) = Msg Tw sum_{a + b + s = t} N(Decay_b A_{k-1}(a), S(b)),
    F_k(t) = (pmf_{k-1} * pmf_S)(t - s) - tr B_k(t),      A_k = B_k + F_k * A_k,

with ``N`` the step's bilinear map (unnormalized output, trace = success probability),
``Decay_b = sum_m e^{-lambda_m b} K_m`` (the relaxation of both memories, a sum of exponential
modes), ``Tw`` the twirl, ``Msg`` the flag wait. The bilinear convolutions and the renewal
``A_k = B_k / (1 - F_k)`` are evaluated with FFTs on a zero-padded lattice (exact up to floating
point); the lattice grows until the mass beyond it is below ``1e-13``.

>>> import numpy as np
>>> from qnet_circuits.physics import bell_diagonal_density_matrix, werner_coefficients
>>> rho = bell_diagonal_density_matrix(werner_coefficients(0.8))
>>> law = purified_link_law(rho, 0.5, 1, 1, [float("inf")] * 2, [float("inf")] * 2,
...                         "dejmps", 1, "recurrence")
>>> round(law["mean_units"], 6), round(float(law["measure"][:, 0].sum()), 9)  # (2/p + 1)/P_s, P_s = 0.768889
(6.50289, 1.0)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "MAX_LATTICE",
    "pauli_vector",
    "purified_link_law",
    "relaxation_modes",
    "node_pair",
    "step_tensor",
    "twirl_matrix",
]

#: lattice points per link up to which the law is computed (beyond: a ValueError saying so)
MAX_LATTICE = 1 << 17
_TAIL = 1e-13
_I2 = np.eye(2, dtype=complex)
_P = [_I2, np.array([[0, 1], [1, 0]], dtype=complex), np.array([[0, -1j], [1j, 0]]),
      np.diag([1.0 + 0j, -1.0])]
#: sigma_i for i = 4 a + b: Pauli a on the left memory (qubit 0, low bit), b on the right
SIGMA = np.array([np.kron(_P[b], _P[a]) for a in range(4) for b in range(4)])


def pauli_vector(rho: np.ndarray) -> np.ndarray:
    """``r_i = tr(rho sigma_i)`` (16 reals; ``r_0`` the trace, ``r_5 = <XX>``, ``r_15 = <ZZ>``).

    >>> pauli_vector(np.diag([0.5, 0, 0, 0.5]))[[0, 3, 12, 15]].tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    r = np.asarray(rho, dtype=complex)
    if r.shape != (4, 4):
        raise ValueError(f"rho must be a 4x4 density matrix, got shape {r.shape}")
    return np.real(np.einsum("kij,ji->k", SIGMA, r)) + 0.0


def _on(op: np.ndarray, k: int) -> np.ndarray:
    """``op`` on qubit ``k`` of four (little-endian)."""
    mats = [_I2] * 4
    mats[k] = op
    return np.kron(mats[3], np.kron(mats[2], np.kron(mats[1], mats[0])))


def _rx(theta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def node_pair(value: float | Sequence[float], name: str) -> tuple[float, float]:
    """``value`` as (Alice's, Bob's) probabilities: one number for both nodes, or two.

    >>> node_pair(0.1, "gate_error"), node_pair((0.1, 0.2), "gate_error")
    ((0.1, 0.1), (0.1, 0.2))
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        vals = (float(value), float(value))
    else:
        try:
            vals = tuple(float(v) for v in value)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a probability or two (Alice's, Bob's), "
                             f"got {value!r}") from None
        if len(vals) != 2:
            raise ValueError(f"{name} must be one probability or two (Alice's, Bob's), "
                             f"got {len(vals)}")
    for v in vals:
        if not (math.isfinite(v) and 0.0 <= v <= 1.0):
            raise ValueError(f"{name} must lie in [0, 1], got {v!r}")
    return vals  # type: ignore[return-value]


def _depolarize_pair(rho: np.ndarray, lam: float, qubits: tuple[int, int]) -> np.ndarray:
    """``(1 - lam) rho + lam I/4 (x) tr_qubits(rho)`` on two of four qubits (Aer's
    ``depolarizing_error(lam, 2)``), as ``(1 - lam) rho + lam/16 sum_P P rho P``."""
    if lam == 0.0:
        return rho
    ops = _pair_paulis(qubits)
    mixed = np.einsum("kab,...bc,kdc->...ad", ops, rho, ops.conj(), optimize=True)
    return (1.0 - lam) * rho + lam * mixed / 16.0


@functools.lru_cache(maxsize=4)
def _pair_paulis(qubits: tuple[int, int]) -> np.ndarray:
    """The 16 two-qubit Paulis on ``qubits`` of four, as 16 x 16 matrices."""
    return np.array([_on(pa, qubits[0]) @ _on(pb, qubits[1]) for pa in _P for pb in _P])


@functools.lru_cache(maxsize=16)
def step_tensor(protocol: str, gate_error: tuple[float, float] = (0.0, 0.0),
                readout_error: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """``N[o, i, j]``: Pauli vector ``o`` of the kept pair after one step (unnormalized: its trace
    is the success probability) from kept ``i`` and sacrificed ``j`` (qubits a1, b1, a2, b2 =
    0..3; DEJMPS: Rx(+pi/2) on a1, a2, Rx(-pi/2) on b1, b2; CX(a1, a2), CX(b1, b2); keep iff the
    recorded Z outcomes of a2, b2 agree, as
    :func:`qnet_circuits.library.purification.append_purification_step`).

    Node noise as :mod:`qnet_circuits.noise` applies it: ``gate_error`` = (Alice's, Bob's)
    two-qubit depolarizing lambda after each local CNOT, ``readout_error`` = (Alice's, Bob's)
    flip probability of each recorded flag. Flips mix the branches: the pair is kept with weight
    ``(1-e_A)(1-e_B) + e_A e_B`` where the flags agree and ``e_A(1-e_B) + (1-e_A)e_B`` where they
    differ.

    >>> t = step_tensor("bbpssw")
    >>> t.shape, float(t[0, 0, 0])  # two maximally mixed pairs: success 1/2
    ((16, 16, 16), 0.5)
    >>> float(step_tensor("dejmps", (0.0, 0.0), (0.1, 0.1))[0, 0, 0])  # still 1/2
    0.5
    """
    if protocol not in ("bbpssw", "dejmps"):
        raise ValueError(f"protocol must be 'bbpssw' or 'dejmps', got {protocol!r}")
    lam_a, lam_b = node_pair(gate_error, "gate_error")
    eps_a, eps_b = node_pair(readout_error, "readout_error")
    p0, p1 = np.diag([1.0 + 0j, 0.0]), np.diag([0.0 + 0j, 1.0])
    x = _P[1]
    u = np.eye(16, dtype=complex)
    if protocol == "dejmps":
        u = _on(_rx(math.pi / 2), 0) @ _on(_rx(math.pi / 2), 2) @ _on(_rx(-math.pi / 2), 1) @ _on(
            _rx(-math.pi / 2), 3)
    for c, t in ((0, 2), (1, 3)):
        u = (_on(p0, c) + _on(p1, c) @ _on(x, t)) @ u
    agree = _on(p0, 2) @ _on(p0, 3) + _on(p1, 2) @ _on(p1, 3)
    keep = (((1 - eps_a) * (1 - eps_b) + eps_a * eps_b) * agree
            + (eps_a * (1 - eps_b) + (1 - eps_a) * eps_b) * (np.eye(16) - agree))
    # every (kept i, sacrificed j) Pauli product at once; sacrificed on qubits 2, 3 (high)
    rho = np.einsum("jab,icd->ijacbd", SIGMA, SIGMA).reshape(256, 16, 16) / 16.0
    rho = u @ rho @ u.conj().T
    rho = _depolarize_pair(_depolarize_pair(rho, lam_a, (0, 2)), lam_b, (1, 3))
    kept = np.einsum("nhlhm->nlm", (keep @ rho).reshape(256, 4, 4, 4, 4))  # keep: diagonal
    out = np.real(np.einsum("kij,nji->kn", SIGMA, kept)).reshape(16, 16, 16)
    out[np.abs(out) < 1e-14] = 0.0
    out.setflags(write=False)
    return out


def twirl_matrix() -> np.ndarray:
    """The bilateral (U x U*) twirl on Pauli vectors: Werner with the same Phi+ fidelity,
    ``<XX> = -<YY> = <ZZ> = (<XX> - <YY> + <ZZ>)/3``.

    >>> (twirl_matrix() @ pauli_vector(np.diag([0.5, 0, 0, 0.5])))[[5, 10, 15]].round(6).tolist()
    [0.333333, -0.333333, 0.333333]
    """
    w = np.zeros((16, 16))
    w[0, 0] = 1.0
    for o, s in ((5, 1.0), (10, -1.0), (15, 1.0)):
        w[o, 5], w[o, 10], w[o, 15] = s / 3, -s / 3, s / 3
    return w


def _qubit_modes(t1: float, t2: float) -> list[tuple[float, np.ndarray]]:
    """One memory's relaxation on its Pauli index (I, X, Y, Z) as ``sum e^{-rate t} M``."""
    m0 = np.zeros((4, 4))
    m0[0, 0] = m0[3, 0] = 1.0  # amplitude damping pulls <Z> toward +1 (|0>)
    m1 = np.zeros((4, 4))
    m1[3, 3], m1[3, 0] = 1.0, -1.0
    m2 = np.diag([0.0, 1.0, 1.0, 0.0])
    modes = [(0.0, m0), (0.0 if math.isinf(t1) else 1.0 / t1, m1),
             (0.0 if math.isinf(t2) else 1.0 / t2, m2)]
    return modes


def relaxation_modes(t1: Sequence[float], t2: Sequence[float]) -> list[tuple[float, np.ndarray]]:
    """Both memories of a pair (left ``t1[0], t2[0]``, right ``t1[1], t2[1]``; s) waiting ``t``:
    ``Decay_t = sum_m e^{-rate_m t} K_m`` on Pauli vectors (modes of equal rate merged).

    >>> [round(r, 3) for r, _ in relaxation_modes([1.0, 1.0], [2.0, 2.0])]
    [0.0, 1.0, 0.5, 2.0, 1.5]
    """
    merged: dict[float, np.ndarray] = {}
    for ra, ma in _qubit_modes(t1[0], t2[0]):
        for rb, mb in _qubit_modes(t1[1], t2[1]):
            key = round(ra + rb, 12)
            merged[key] = merged.get(key, 0.0) + np.kron(ma, mb)
    return [(r, k) for r, k in merged.items() if np.any(k)]


def _decay(modes, t: float) -> np.ndarray:
    return sum(math.exp(-r * t) * k for r, k in modes)


def _subspace(r0: np.ndarray, maps: list[np.ndarray], tensor: np.ndarray) -> np.ndarray:
    """Orthonormal basis (16 x d) of the smallest space holding ``r0`` that the linear ``maps``
    and the bilinear ``tensor`` keep (the states a purified link can reach)."""
    basis = r0[:, None] / np.linalg.norm(r0)
    while True:
        vecs = [basis] + [m @ basis for m in maps]
        pair = np.einsum("oij,ia,jb->oab", tensor, basis, basis).reshape(16, -1)
        u, s, _ = np.linalg.svd(np.hstack([*vecs, pair]), full_matrices=False)
        new = u[:, s > 1e-12 * s[0]]
        if new.shape[1] == basis.shape[1]:
            return new
        basis = new


def _conv(x: np.ndarray, y: np.ndarray, n: int, size: int) -> np.ndarray:
    """Linear convolution along axis 0, first ``size`` entries (FFT of length ``n``)."""
    return np.fft.irfft(np.fft.rfft(x, n, axis=0) * np.fft.rfft(y, n, axis=0), n, axis=0)[:size]


def purified_link_law(
    raw_state: np.ndarray,
    p: float,
    cycle_units: int,
    message_units: int,
    t1_s: Sequence[float],
    t2_s: Sequence[float],
    protocol: str,
    rounds: int,
    scheme: str,
    twirl_raw: bool = False,
    unit_s: float = 1.0,
    gate_error: float | Sequence[float] = 0.0,
    readout_error: float | Sequence[float] = 0.0,
) -> dict[str, Any]:
    """Weighted state of a purified link over its delivery time, on a lattice of ``unit_s``.

    Args:
        raw_state: 4x4 density matrix of a raw pair at its herald (left memory = qubit 0).
        p: heralding probability per attempt; cycle_units: lattice units per attempt;
        message_units: lattice units of the one-way flag message.
        t1_s, t2_s: (left, right) memory T1 and T2 (s; ``inf`` for none).
        protocol, rounds, scheme: the purification plan; twirl_raw: BBPSSW twirls raw pairs.
        unit_s: seconds per lattice unit (the decay rates are ``unit_s / T``).
        gate_error, readout_error: the (left, right) nodes' two-qubit depolarizing lambda after
            each local CNOT and flag flip probability (one number: both), as
            :func:`step_tensor`; a flipped flag can keep a bad pair or restart a good one.

    Returns ``measure`` (lattice x 16: ``E[r ; D = t]``, column 0 the pmf), ``mean_units``,
    ``lost_mass`` (beyond the lattice), ``success`` (per level, the mean success probability of
    a step), ``size``.
    """
    if not (0.0 < p <= 1.0):
        raise ValueError(f"p must be in (0, 1], got {p!r}")
    if scheme not in ("recurrence", "pumping"):
        raise ValueError(f"scheme must be 'recurrence' or 'pumping', got {scheme!r}")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be an integer >= 1, got {rounds!r}")
    r0 = pauli_vector(raw_state)
    tw = twirl_matrix()
    if twirl_raw:
        r0 = tw @ r0
    modes = [(rate * unit_s, k) for rate, k in relaxation_modes(t1_s, t2_s)]
    tensor = step_tensor(protocol, node_pair(gate_error, "gate_error"),
                         node_pair(readout_error, "readout_error"))
    msg = _decay(modes, message_units)
    basis = _subspace(r0, [k for _, k in modes] + ([tw] if protocol == "bbpssw" else []), tensor)
    mean_attempts = (2.0 ** rounds if scheme == "recurrence" else rounds + 1.0) / p
    size = 1 << max(6, int(math.ceil(math.log2(8 * mean_attempts * cycle_units + 64))))
    if size > MAX_LATTICE:
        raise ValueError(
            f"the purified link's delivery time needs more than {MAX_LATTICE} lattice points "
            f"(p = {p:g}, {rounds} rounds, {cycle_units} points per attempt): no exact law at "
            "this size")
    while True:
        out = _law_on(r0, p, cycle_units, message_units, modes, msg, tensor, tw, basis, protocol,
                      rounds, scheme, size)
        if out["lost_mass"] < _TAIL or size >= MAX_LATTICE:
            break
        size *= 2
    if out["lost_mass"] >= 1e-9:
        raise ValueError(
            f"the purified link's delivery time needs more than {MAX_LATTICE} lattice points "
            f"(p = {p:g}, {rounds} rounds): no exact law at this size")
    return out


def _law_on(r0, p, cycle_units, message_units, modes, msg, tensor, tw, basis, protocol, rounds,
            scheme, size) -> dict[str, Any]:
    """:func:`purified_link_law` on a lattice of ``size`` points (reduced coordinates)."""
    d = basis.shape[1]
    red = np.einsum("oij,oa,ib,jc->abc", tensor, basis, basis, basis)  # N in the basis
    trace = basis[0]  # r_0 of a reduced vector
    kmaps = [(rate, basis.T @ k @ basis) for rate, k in modes]
    post = basis.T @ msg @ (tw if protocol == "bbpssw" else np.eye(16)) @ basis
    last = basis.T @ msg @ basis
    n_fft = 2 * size
    grid = np.arange(size, dtype=float)
    raw = np.zeros((size, d))
    g = np.arange(1, (size - 1) // cycle_units + 1)
    raw[g * cycle_units] = (p * (1.0 - p) ** (g - 1.0))[:, None] * (basis.T @ r0)[None, :]
    level, success = raw, []
    for k in range(1, rounds + 1):
        sac = level if scheme == "recurrence" else raw
        sac_f = None
        kept_f = np.fft.rfft(level, n_fft, axis=0)
        acc = np.zeros((kept_f.shape[0], d), dtype=complex)
        for rate, km in kmaps:
            sac_f = np.fft.rfft(sac * np.exp(-rate * grid)[:, None], n_fft, axis=0)
            acc += np.einsum("abc,fb,fc->fa", red, kept_f @ km.T, sac_f)
        conv = np.fft.irfft(acc, n_fft, axis=0)[:size]
        b = np.zeros((size, d))
        b[message_units:] = conv[: size - message_units] @ (post if k < rounds else last).T
        trial = np.zeros(size)
        trial[message_units:] = _conv(level @ trace, sac @ trace, n_fft, size)[: size - message_units]
        fail = trial - b @ trace
        success.append(float((b @ trace).sum() / trial.sum()))
        level = np.fft.irfft(np.fft.rfft(b, n_fft, axis=0)
                             / (1.0 - np.fft.rfft(fail, n_fft))[:, None], n_fft, axis=0)[:size]
    measure = level @ basis.T
    measure[measure[:, 0] < 1e-18] = 0.0  # floating-point noise of the FFTs where no mass is
    pmf = measure[:, 0]
    return {"measure": measure, "mean_units": float(grid @ pmf / pmf.sum()),
            "lost_mass": abs(1.0 - float(pmf.sum())), "success": success, "size": size}
