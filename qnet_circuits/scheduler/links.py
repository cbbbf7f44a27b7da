"""Links of a path as the scheduler sees them (:class:`LinkModel`: closed-form heralding
probability, timing and heralded state), their exact state preparation, and link records.

>>> from qnet_circuits.network import chain
>>> models = link_models(chain(2, 10.0), ["alice", "r1", "bob"], ChainPlan())
>>> [(m.left, m.right) for m in models], round(models[0].bell_coefficients()[0], 6)
([('alice', 'r1'), ('r1', 'bob')], 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import QuantumCircuit, Qubit
from qiskit.circuit.library import StatePreparation

from qnet_circuits import physics
from qnet_circuits.library.generation import prepare_bell_diagonal
from qnet_circuits.network import Link, Network, Node
from qnet_circuits.physics.link import raw_heralded_state
from qnet_circuits.scheduler.plan import ChainPlan

_X = np.array([[0.0, 1.0], [1.0, 0.0]])
_SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=float)


@dataclass(frozen=True)
class LinkModel:
    """One segment of the path with the quantities the scheduler needs.

    Attributes:
        link: the network link.
        left, right: node names in path order.
        p: heralding probability per attempt (closed form).
        cycle_time_s: time per attempt, in s.
        herald_wait_s: time a memory holds its qubit before the herald arrives, in s.
        message_s: one-way classical delay between the two nodes, in s.
        raw_rho: heralded state before the frame flip, little-endian (left, right).
        frame_x: whether the right memory gets X after the herald (Psi+ -> Phi+).
        werner: Werner fidelity override, or None.
    """

    link: Link
    left: str
    right: str
    p: float
    cycle_time_s: float
    herald_wait_s: float
    message_s: float
    raw_rho: np.ndarray = field(repr=False, compare=False)
    frame_x: bool
    werner: float | None = None

    @classmethod
    def build(cls, link: Link, left: str, right: str, werner: float | None) -> LinkModel:
        p, rho = raw_heralded_state(link)
        frame_x = link.scheme != "midpoint"
        # heralded_state's convention puts the frame flip on link.b
        if link.a != left:
            rho = _SWAP @ rho @ _SWAP
        if werner is not None:
            rho = physics.bell_diagonal_density_matrix(physics.werner_coefficients(werner))
            frame_x = False
        hw = link.fiber.delay_s  # every scheme: memories wait L/c after the last emission
        return cls(link, left, right, float(p), link.cycle_time_s, hw, link.fiber.delay_s, rho,
                   frame_x, werner)

    @property
    def frame_on_left(self) -> bool:
        """The frame flip acts on link.b's memory; True when that memory is the left one."""
        return self.link.b == self.left

    def state(self, framed: bool) -> np.ndarray:
        """The prepared state: raw, or with the frame flip already applied (``framed``)."""
        if not (framed and self.frame_x):
            return self.raw_rho
        x = np.kron(np.eye(2), _X) if self.frame_on_left else np.kron(_X, np.eye(2))
        return x @ self.raw_rho @ x

    def bell_coefficients(self) -> physics.BellCoefficients:
        """Bell-diagonal part (A, B, C, D) of the delivered (framed) state."""
        rho = self.state(True)
        key = np.ascontiguousarray(rho).tobytes()
        if key not in _COEFF_CACHE:
            if len(_COEFF_CACHE) > 256:
                _COEFF_CACHE.clear()
            _COEFF_CACHE[key] = physics.bell_coefficients(rho)
        return _COEFF_CACHE[key]


_COEFF_CACHE: dict[bytes, physics.BellCoefficients] = {}


def _is_pure_phi_plus(rho: np.ndarray) -> bool:
    return abs(physics.fidelity_phi_plus(rho) - 1.0) < 1e-12


def _bell_diagonal(rho: np.ndarray) -> physics.BellCoefficients | None:
    coeffs = physics.bell_coefficients(rho)
    if np.allclose(physics.bell_diagonal_density_matrix(coeffs), rho, atol=1e-12):
        return tuple(min(max(float(c), 0.0), 1.0) for c in coeffs)  # type: ignore[return-value]
    return None


_PREP_CACHE: dict[bytes, tuple[str, Any]] = {}


def _prep_kind(rho: np.ndarray) -> tuple[str, Any]:
    """How to prepare ``rho``: ``("phi+", None)``, ``("psi+", None)``, ``("bell", coeffs)`` or
    ``("general", None)`` (cached by the matrix bytes; long chains repeat one state)."""
    key = np.ascontiguousarray(rho).tobytes()
    if key not in _PREP_CACHE:
        psi_plus = np.zeros((4, 4))
        psi_plus[np.ix_([1, 2], [1, 2])] = 0.5
        if _is_pure_phi_plus(rho):
            kind: tuple[str, Any] = ("phi+", None)
        elif np.allclose(rho, psi_plus, atol=1e-12):
            kind = ("psi+", None)
        else:
            coeffs = _bell_diagonal(rho)
            kind = ("bell", coeffs) if coeffs is not None else ("general", None)
        if len(_PREP_CACHE) > 256:
            _PREP_CACHE.clear()
        _PREP_CACHE[key] = kind
    return _PREP_CACHE[key]


def _prepare_state(
    qc: QuantumCircuit, qa: Qubit, qb: Qubit, anc: Sequence[Qubit], rho: np.ndarray
) -> None:
    """Exact preparation of the two-qubit state ``rho`` (little-endian (qa, qb)) on memories."""
    kind, coeffs = _prep_kind(rho)
    if kind == "phi+":
        qc.h(qa)
        qc.cx(qa, qb)
        return
    if kind == "psi+":
        qc.h(qa)
        qc.x(qb)
        qc.cx(qa, qb)
        return
    if kind == "bell":
        prepare_bell_diagonal(qc, qa, qb, list(anc), coeffs)
        return
    # general: a purification on one ancilla (rank <= 2, e.g. single-click without dark counts)
    # or two, traced out by reset
    vals, vecs = _eigen(rho)
    n_anc = 1 if len(vals) <= 2 else 2
    state = np.zeros(4 * 2**n_anc, dtype=complex)
    for k, (val, vec) in enumerate(zip(vals, vecs.T)):
        state[4 * k : 4 * k + 4] = math.sqrt(val) * vec
    qc.append(StatePreparation(state), [qa, qb, *anc[:n_anc]])
    for a in anc[:n_anc]:
        qc.reset(a)


def _eigen(rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nonzero eigenvalues (normalized) and their eigenvectors (columns)."""
    vals, vecs = np.linalg.eigh(rho)
    keep = vals > 1e-14
    vals = vals[keep] / vals[keep].sum()
    return vals, vecs[:, keep]


@dataclass(frozen=True)
class PurifiedRecord:
    """Successful purification of a pair: its two inputs and the time it took.

    Attributes:
        kept, sacrificed: records of the two input pairs (an int attempt count for raw pairs).
        total_s: time from the start until the purified pair is known on both sides, including
            failed trials.
        attempts: raw attempts consumed, including failed trials.
    """

    kept: Any
    sacrificed: Any
    total_s: float
    attempts: int


def record_duration(record: Any, model: LinkModel) -> float:
    """Generation time (s) of a record: attempts times the cycle time for a raw pair."""
    if isinstance(record, PurifiedRecord):
        return record.total_s
    return int(record) * model.cycle_time_s


def record_attempts(record: Any) -> int:
    if isinstance(record, PurifiedRecord):
        return record.attempts
    return int(record)


def node_map(network: Network) -> dict[str, Node]:
    """``{name: node}`` (constant-time lookups for long paths)."""
    return {n.name: n for n in network.nodes}


def resolve_path(
    network: Network,
    source: str | None = None,
    target: str | None = None,
    path: Sequence[str] | None = None,
) -> list[str]:
    """The node path: ``path`` as given (validated), else the shortest path from ``source`` to
    ``target`` (defaults: the first and last end nodes of the network)."""
    if path is not None:
        p = [str(x) for x in path]
        if len(p) < 2:
            raise ValueError("path must list at least two nodes (zero links is not a chain)")
        nodes = node_map(network)
        for name in p:
            if name not in nodes:
                network.node(name)  # raises the unknown-node error
        if len(set(p)) != len(p):
            raise ValueError(f"path visits a node twice: {p}")
        return p
    ends = [n.name for n in network.nodes if n.role == "end"]
    src = source if source is not None else (ends[0] if ends else None)
    dst = target if target is not None else (ends[-1] if len(ends) > 1 else None)
    if src is None or dst is None:
        raise ValueError("give source and target (the network has no two end nodes)")
    return network.path(src, dst)


def link_models(network: Network, path: Sequence[str], plan: ChainPlan) -> list[LinkModel]:
    """One :class:`LinkModel` per segment of ``path``."""
    models = []
    links = {frozenset((lk.a, lk.b)): lk for lk in network.links}
    nodes = node_map(network)
    cache: dict[tuple, LinkModel] = {}
    for u, v in zip(path[:-1], path[1:]):
        if u not in nodes or v not in nodes:
            network.node(u)
            network.node(v)
        link = links.get(frozenset((u, v)))
        if link is None:
            raise ValueError(f"nodes {u!r} and {v!r} are not connected by a link")
        if link.modes > 1:
            raise ValueError(
                f"link {link.name} has modes={link.modes}: the chain scheduler runs one mode per "
                "link; set modes=1 (multiplexed links are modeled by physics.link_theory and routing)"
            )
        key = (link.scheme, link.fiber, link.alpha, link.detector, link.pair_probability,
               link.bsm_efficiency, link.preparation_time_s, link.a == u)
        if key in cache:  # same physics: reuse the closed forms, keep the link and node names
            base = cache[key]
            mdl = LinkModel(link, u, v, base.p, base.cycle_time_s, base.herald_wait_s,
                            base.message_s, base.raw_rho, base.frame_x, base.werner)
        else:
            mdl = LinkModel.build(link, u, v, plan.link_fidelity)
            cache[key] = mdl
        if not mdl.p > 0:
            raise ValueError(
                f"link {link.name} never heralds (success probability 0): shorten it or raise "
                "the detector efficiency"
            )
        models.append(mdl)
    return models


__all__ = [
    "LinkModel",
    "PurifiedRecord",
    "link_models",
    "node_map",
    "record_attempts",
    "record_duration",
    "resolve_path",
]
