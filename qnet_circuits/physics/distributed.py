"""Distributed circuits over noisy network ebits: the ebit's state and what it does to a gate.

Ebit (coefficients (A, B, C, D) on (Phi+, Psi-, Psi+, Phi-), i.e. Pauli I, Y, X, Z on the
remote half b of Phi+). The network delivers, per hop of the path, the Bell-diagonal part of the
framed heralded state (reference section 2; a bilateral Pauli twirl makes it exactly that), which
waits the herald time ``L/c`` in both memories (section 7); hops are swapped at the repeaters
(section 4, with the repeater's gate error as BSM depolarizing and its readout error); the two
end memories then wait the one-way path delay (swap outcomes), and b waits it again for the
cat-entangler bit. Waits keep a pair Bell-diagonal exactly when T1 is infinite (pure dephasing);
with finite T1 the functions keep the Bell-diagonal part (an approximation, documented).

Teleported gate (Eisert et al., PRA 62, 052317): a cat-entangled group ``CX(c, t_1) ...`` (or CZ)
through an ebit with a Pauli error on b equals the ideal group followed by a Pauli on the data:
X_b -> X on every CX target and Z on every CZ target (b carries c XOR 1), Z_b -> Z_c (it flips the
disentangler bit), Y_b -> both. A flipped cat-entangler bit (readout error at the control's node)
is an X_b, a flipped disentangler bit (readout error at the target node) a Z_b.

>>> teleported_gate_paulis((0.9, 0.02, 0.05, 0.03))
{'I': 0.9, 'target': 0.05, 'control_Z': 0.03, 'both': 0.02}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from qnet_circuits.physics.link import raw_heralded_state
from qnet_circuits.physics.memory import relax_density_matrix
from qnet_circuits.physics.states import (
    BellCoefficients,
    bell_coefficients,
    bell_diagonal_density_matrix,
    validate_bell_diagonal,
    werner_coefficients,
)
from qnet_circuits.physics.swapping import _convolve, swap_bell_diagonal

__all__ = [
    "distributed_fidelity_bound",
    "ebit_coefficients",
    "idle_z_probability",
    "link_pair_coefficients",
    "move_coefficients",
    "sample_pauli_patterns",
    "teleported_circuit_fidelity",
    "teleported_gate_paulis",
    "waited_coefficients",
]

_X = np.array([[0.0, 1.0], [1.0, 0.0]])
_Z = np.diag([1.0, -1.0])


def link_pair_coefficients(link, werner: float | None = None) -> BellCoefficients:
    """Bell-diagonal part of a link's framed heralded state (before the herald wait).

    ``werner``: a Werner fidelity that replaces the physical state. The coefficients do not
    depend on which end is called a (a SWAP leaves Bell-diagonal coefficients unchanged).
    """
    if werner is not None:
        return werner_coefficients(werner)
    _p, rho = raw_heralded_state(link)
    if link.scheme != "midpoint":
        x_b = np.kron(_X, np.eye(2))   # little-endian: qubit 1 (link.b) is the left factor
        rho = x_b @ rho @ x_b
    return _clean(bell_coefficients(rho))


def _clean(c: Sequence[float]) -> BellCoefficients:
    v = [min(max(float(x), 0.0), 1.0) for x in c]
    s = sum(v)
    return (v[0] / s, v[1] / s, v[2] / s, v[3] / s)


def waited_coefficients(coeffs: Sequence[float], t_a_s: float, t_b_s: float, memory_a,
                        memory_b) -> BellCoefficients:
    """Bell-diagonal part after qubit a waits ``t_a_s`` (``memory_a``: T1/T2) and b ``t_b_s``.

    Exact for T1 = inf: dephasing with ``lambda = e^{-t_a/T2a - t_b/T2b}`` moves weight
    (1 - lambda)/2 from Phi+ to Phi- and from Psi+ to Psi- (and back).

    >>> from qnet_circuits.network import Memory
    >>> m = Memory(t2_s=1.0)
    >>> tuple(round(x, 6) for x in waited_coefficients((1, 0, 0, 0), 0.1, 0.2, m, m))
    (0.870409, 0.0, 0.0, 0.129591)
    """
    c = validate_bell_diagonal(coeffs)
    if t_a_s == 0 and t_b_s == 0:
        return c
    rho = bell_diagonal_density_matrix(c)
    rho = relax_density_matrix(rho, 0, t_a_s, memory_a.t1_s, memory_a.t2_s)
    rho = relax_density_matrix(rho, 1, t_b_s, memory_b.t1_s, memory_b.t2_s)
    return _clean(bell_coefficients(rho))


def _path_delay(network, path: Sequence[str]) -> float:
    return sum(link.fiber.delay_s for link in network.links_on(list(path)))


def ebit_coefficients(network, path: Sequence[str], werner: float | None = None) -> dict:
    """The ebit between ``path[0]`` (control side, qubit a) and ``path[-1]`` (b), as consumed.

    Returns ``coefficients`` (after every wait and both readout flips: the Pauli weights the
    teleported gate sees), ``delivered`` (the pair at the end nodes before the cat-entangler
    wait), ``message_s`` (one-way classical delay along the path), ``hops`` and
    ``generation_s`` (herald wait of the slowest hop, plus the swap outcomes' path delay when
    swapped: the time from the request to a usable pair).

    >>> from qnet_circuits.network import chain
    >>> net = chain(2, 20.0, t2_s=0.1)
    >>> e = ebit_coefficients(net, ["alice", "r1", "bob"], werner=0.95)
    >>> round(e["coefficients"][0], 6), e["hops"], round(e["message_s"], 6)
    (0.898999, 2, 0.0002)
    """
    links = network.links_on(list(path))
    if not links:
        raise ValueError("path must name at least two nodes joined by links")
    total = None
    for k, link in enumerate(links):
        left, right = network.node(path[k]), network.node(path[k + 1])
        c = link_pair_coefficients(link, werner)
        wait = link.fiber.delay_s
        c = waited_coefficients(c, wait, wait, left.memory, right.memory)
        if total is None:
            total = c
        else:
            total = swap_bell_diagonal(total, c, bsm_depolarizing=left.gate_error,
                                       readout_error=left.readout_error)
    a, b = network.node(path[0]), network.node(path[-1])
    delay = _path_delay(network, path)
    if len(links) > 1:
        total = waited_coefficients(total, delay, delay, a.memory, b.memory)
    delivered = total
    total = waited_coefficients(total, 0.0, delay, a.memory, b.memory)   # b waits for m1
    flips = (1 - a.readout_error) * (1 - b.readout_error), a.readout_error * b.readout_error, \
        a.readout_error * (1 - b.readout_error), (1 - a.readout_error) * b.readout_error
    total = _convolve(total, flips)   # m1 flip = X_b (slot C), m2 flip = Z_b (slot D)
    generation = max(link.fiber.delay_s for link in links) + (delay if len(links) > 1 else 0.0)
    return {"coefficients": _clean(total), "delivered": delivered, "message_s": delay,
            "hops": len(links), "generation_s": generation}


def move_coefficients(network, path: Sequence[str], werner: float | None = None) -> dict:
    """The ebit of a qubit move from ``path[0]`` (qubit a) to ``path[-1]`` (b, the data slot).

    Teleporting a qubit through a pair with Pauli P on b delivers P on the moved qubit (the
    corrections X^m_x Z^m_z commute with P up to a phase), so (A, B, C, D) are the weights of
    I, Y, X, Z on it. As :func:`ebit_coefficients` (b waits the one-way path delay for the two
    bits), but both Bell-measurement bits are read at the sending node: a flipped m_x (the
    communication qubit a, ``readout_error`` of ``path[0]``) is an X; m_z is read on the data
    qubit, which is ideal like every data-qubit operation (no readout error).

    >>> from qnet_circuits.network import chain
    >>> e = move_coefficients(chain(1, 1.0, readout_error=0.1), ["alice", "bob"], werner=1.0)
    >>> tuple(round(x, 6) for x in e["coefficients"])
    (0.9, 0.0, 0.1, 0.0)
    """
    e = ebit_coefficients(network, path, werner)
    a, b = network.node(path[0]), network.node(path[-1])
    c = waited_coefficients(e["delivered"], 0.0, e["message_s"], a.memory, b.memory)
    r = a.readout_error
    return {**e, "coefficients": _clean(_convolve(c, (1 - r, 0.0, r, 0.0)))}


def teleported_gate_paulis(coeffs: Sequence[float]) -> dict[str, float]:
    """Pauli channel of one teleported group: ideal group, then with probability

    ``target``: X on each CX target / Z on each CZ target (weight C, X_b);
    ``control_Z``: Z on the control (D, Z_b); ``both``: the two together (B, Y_b); ``I``: A.
    """
    a, b, c, d = validate_bell_diagonal(coeffs)
    return {"I": a, "target": c, "control_Z": d, "both": b}


def distributed_fidelity_bound(ebits: Sequence[Sequence[float]]) -> float:
    """Lower bound on the output state fidelity: ``prod_k A_k`` (no ebit carried an error).

    The output is the mixture over the ebits' Pauli errors; the error-free branch alone has
    weight ``prod A_k`` and fidelity 1.

    >>> round(distributed_fidelity_bound([(0.9, 0.05, 0.03, 0.02)] * 2), 6)
    0.81
    """
    return float(math.prod(validate_bell_diagonal(c)[0] for c in ebits))


def _apply(rho: np.ndarray, n: int, matrix: np.ndarray, qubits: Sequence[int]) -> np.ndarray:
    """``U rho U^dag`` on ``qubits`` (Qiskit little-endian matrices; rho as a 2n-axis tensor)."""
    k = len(qubits)
    u = matrix.reshape([2] * (2 * k))
    axes = [n - 1 - q for q in reversed(qubits)]     # tensor axis of each matrix factor
    rho = np.tensordot(u, rho, axes=(list(range(k, 2 * k)), axes))
    rho = np.moveaxis(rho, list(range(k)), axes)
    bra = [n + a for a in axes]
    rho = np.tensordot(rho, u.conj(), axes=(bra, list(range(k, 2 * k))))
    return np.moveaxis(rho, list(range(2 * n - k, 2 * n)), bra)


def _paulied(rho, n, pauli, q, p):
    if p == 0.0:
        return rho
    return (1 - p) * rho + p * _apply(rho, n, pauli, [q])


def _moved(rho, n, q, coeffs):
    """A qubit move's Pauli channel on q: I, Y, X, Z with weights (A, B, C, D)."""
    a, b, c, d = validate_bell_diagonal(coeffs)
    out = a * rho
    for weight, pauli in ((b, _X @ _Z), (c, _X), (d, _Z)):
        if weight > 0:
            out = out + weight * _apply(rho, n, pauli, [q])
    return out


def _open(branches: dict, n: int, k: int, control: int, coeffs) -> dict:
    a, b, c, d = validate_bell_diagonal(coeffs)
    out: dict = {}
    for flags, rho in branches.items():
        for x, weight, pz in ((0, a + d, d / (a + d) if a + d else 0.0),
                              (1, b + c, b / (b + c) if b + c else 0.0)):
            if weight > 0:
                key = flags | {k} if x else flags
                out[frozenset(key)] = weight * _paulied(rho, n, _Z, control, pz)
    return out


def idle_z_probability(t_s: float, t2_s: float) -> float:
    """Z-flip probability of a qubit idle ``t_s`` under pure dephasing: ``(1 - e^{-t/T2}) / 2``.

    >>> round(idle_z_probability(0.1, 1.0), 6)
    0.047581
    """
    return 0.0 if t_s <= 0 or math.isinf(t2_s) else 0.5 * (1.0 - math.exp(-t_s / t2_s))


def teleported_circuit_fidelity(n_qubits: int, operations: Sequence[tuple[np.ndarray, Sequence[int]]],
                                groups: Sequence[Mapping], state: bool = False,
                                idles: Sequence[tuple[int, int, float]] = ()):
    """Exact output fidelity of a circuit whose teleported groups carry their ebits' Pauli errors.

    ``operations``: the monolithic circuit as (unitary, qubits) in order, from |0...0>.
    ``groups``: per ebit ``{"coefficients": (A, B, C, D), "control": c, "hits": [(i, t, "X"|"Z"),
    ...]}``: operation i is a gate of the group on target t; the error X_b puts the Pauli after
    every hit, Z_b puts Z_c before the first. A qubit move is ``{"coefficients": ..., "move": q,
    "at": i}``: q gets I, Y, X, Z with weights (A, B, C, D) just before operation i (before the
    teleported groups that open there). Exact density-matrix arithmetic over the joint
    distribution of the open groups' X errors (numpy; a few data qubits only).
    ``state=True`` returns the output density matrix (little-endian) instead of the fidelity.
    ``idles``: ``(i, q, p)``: qubit q dephases (Z with probability p) just before operation i
    (i = len(operations): at the end), e.g. data qubits waiting for an ebit.

    >>> cx = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]])
    >>> h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    >>> g = [{"coefficients": (0.9, 0.0, 0.1, 0.0), "control": 0, "hits": [(1, 1, "X")]}]
    >>> round(teleported_circuit_fidelity(2, [(h, [0]), (cx, [0, 1])], g), 6)
    0.9
    """
    n = n_qubits
    psi = np.zeros([2] * (2 * n), dtype=complex)
    psi[(0,) * (2 * n)] = 1.0
    branches = {frozenset(): psi}
    cats = [(k, g) for k, g in enumerate(groups) if "move" not in g]
    opens = {min(i for i, _t, _p in g["hits"]): k for k, g in cats}
    closes = {max(i for i, _t, _p in g["hits"]): k for k, g in cats}
    hits: dict[int, list[tuple[int, int, str]]] = {}
    for k, g in cats:
        for i, t, p in g["hits"]:
            hits.setdefault(i, []).append((k, t, p))
    ideal = np.zeros(2**n, dtype=complex)
    ideal[0] = 1.0
    waits: dict[int, list[tuple[int, float]]] = {}
    for i, q, p in idles:
        waits.setdefault(i, []).append((q, p))
    moves: dict[int, list[tuple[int, Sequence[float]]]] = {}
    for g in groups:
        if "move" in g:
            moves.setdefault(g["at"], []).append((g["move"], g["coefficients"]))
    for i, (matrix, qubits) in enumerate(operations):
        full = np.asarray(matrix, dtype=complex)
        for q, p in waits.get(i, []):
            branches = {f: _paulied(r, n, _Z, q, p) for f, r in branches.items()}
        for q, coeffs in moves.get(i, []):
            branches = {f: _moved(r, n, q, coeffs) for f, r in branches.items()}
        if i in opens:
            k = opens[i]
            branches = _open(branches, n, k, groups[k]["control"], groups[k]["coefficients"])
        branches = {f: _apply(r, n, full, qubits) for f, r in branches.items()}
        for k, t, p in hits.get(i, []):
            pauli = _X if p == "X" else _Z
            branches = {f: (_apply(r, n, pauli, [t]) if k in f else r) for f, r in branches.items()}
        if i in closes:
            k = closes[i]
            merged: dict = {}
            for f, r in branches.items():
                key = frozenset(f - {k})
                merged[key] = merged.get(key, 0) + r
            branches = merged
        ideal = _apply_vec(ideal, n, full, qubits)
    for q, p in waits.get(len(operations), []):
        branches = {f: _paulied(r, n, _Z, q, p) for f, r in branches.items()}
    for q, coeffs in moves.get(len(operations), []):
        branches = {f: _moved(r, n, q, coeffs) for f, r in branches.items()}
    rho = sum(branches.values()).reshape(2**n, 2**n)
    if state:
        return rho
    return float(np.real(ideal.conj() @ rho @ ideal))


def _apply_vec(vec: np.ndarray, n: int, matrix: np.ndarray, qubits: Sequence[int]) -> np.ndarray:
    k = len(qubits)
    t = vec.reshape([2] * n)
    axes = [n - 1 - q for q in reversed(qubits)]
    t = np.tensordot(matrix.reshape([2] * (2 * k)), t, axes=(list(range(k, 2 * k)), axes))
    return np.moveaxis(t, list(range(k)), axes).reshape(-1)


def sample_pauli_patterns(ebits: Sequence[Sequence[float]], shots: int, rng: np.random.Generator,
                          z_flips: Sequence[float] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Per-shot error patterns of the teleported groups, grouped: ``(patterns, counts)``.

    Column k < len(ebits) holds ebit k's Pauli on b as a slot code of (A, B, C, D): 0 none,
    1 Y_b (``both``), 2 X_b (``target``), 3 Z_b (``control_Z``); column len(ebits) + j holds 1
    when the extra dephasing location j (probability ``z_flips[j]``) applied its Z. Rows are
    the distinct patterns (sorted), ``counts`` how many of the ``shots`` drew each (sum = shots).

    >>> p, n = sample_pauli_patterns([(1, 0, 0, 0), (0, 0, 1, 0)], 5, np.random.default_rng(1))
    >>> p.tolist(), n.tolist()
    ([[0, 2]], [5])
    """
    cols = [rng.choice(4, size=shots, p=np.asarray(validate_bell_diagonal(c))) for c in ebits]
    cols += [(rng.random(shots) < p).astype(np.int64) for p in z_flips]
    if not cols:
        return np.zeros((1, 0), dtype=np.int64), np.array([shots])
    patterns, counts = np.unique(np.stack(cols, axis=1), axis=0, return_counts=True)
    return patterns, counts
