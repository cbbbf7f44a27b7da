"""The scheduler: a repeater chain on a path of a network as one timed multi-node circuit.

A :class:`ChainPlan` says how the chain runs: link generation on every segment (the scheme
comes from the network's links; ``link_level="state"`` prepares the closed-form heralded state
and samples attempt counts with the closed-form probability, ``"photonic"`` runs
:func:`~qnet_circuits.library.generation.heralded_link` attempts), optional purification of every
link (:class:`PurificationPlan`), a swapping strategy (``"sequential"``, ``"nested"``, ``"asap"``)
and an optional cutoff. :func:`schedule` samples the attempt counts of many realizations with the
seed (:mod:`qnet_circuits.timeline`), computes when every memory waits, and emits **one template
circuit** in which every wait is a ``Delay`` whose duration is a :class:`~qiskit.circuit.Parameter`;
the values of every realization form the binding table. ``ScheduledChain.realization_circuit(r)``
binds one row: an ordinary circuit with float Delays for the core noise pass, hardware or drawing.

Layout (width). Measured qubits are reset and reused: end nodes hold ``m`` qubits (``m = 1``, or
``rounds + 1`` / 2 with purification), and repeaters share two registers of ``m + 1`` qubits in
alternation (``r1_mem`` serves r1, r3, r5, ...; ``r2_mem`` serves r2, r4, ...), so the width is a
small constant for any number of links. Repeaters with different physics (memory, gate and
readout error) get registers of their own, so the noise pass (which reads the register-to-node
map ``metadata["nodes"]``) always applies the right node's physics; ``metadata["node_slots"]``
says which register holds each node's memories.

Corrections. Swap outcomes are tracked in the Pauli frame: a memory decoheres for its whole wait
first, then receives the correction of the swap to its left (a CX/CZ controlled by the measured
qubits, so a readout error at the repeater flips the correction as the record would) right
before its own Bell-state measurement; this equals applying the product of all corrections at
the end node when the last message arrives. The herald's own frame flip (Psi+ -> Phi+) is applied
after the herald wait, as in :func:`~qnet_circuits.library.generation.heralded_state`.

Heralds and purification flags that are outcomes of the circuit (photonic attempts,
purification) are sampled in the circuit: the delivered pair's last attempt (or purification
trial) is repeated in a ``while_loop`` until its heralds succeed with the same timing, which
samples the heralded state exactly (a rejection sampler, not physical time); the physical time of
the failures comes from separate trial runs (:mod:`qnet_circuits.simulate`).

>>> from qnet_circuits.network import chain
>>> sched = schedule(chain(4, 10.0), ChainPlan(link_fidelity=0.95), realizations=6, seed=1)
>>> sched.width, sched.realizations, [r.name for r in sched.circuit.qregs]
(8, 6, ['alice_mem', 'r1_mem', 'r2_mem', 'bob_mem', 'src_anc'])
>>> sched.metadata["node_slots"]["r3"]
'r1_mem'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from qiskit.circuit import (
    ClassicalRegister,
    Clbit,
    IfElseOp,
    Parameter,
    QuantumCircuit,
    QuantumRegister,
    Qubit,
)
from qiskit.circuit.classical import expr
from qiskit.circuit.library import StatePreparation

from qnet_circuits import physics
from qnet_circuits.library.generation import heralded_link, prepare_bell_diagonal, raw_heralded_state
from qnet_circuits.library.purification import PROTOCOLS, append_purification_step, append_twirl
from qnet_circuits.network import Link, Network, Node
from qnet_circuits.timeline import (
    STRATEGIES,
    ChainGeometry,
    Timeline,
    chain_timeline,
    chain_timeline_cutoff,
    check_cutoff,
    check_strategy,
    sample_attempts,
)

LinkLevel = Literal["state", "photonic"]
LINK_LEVELS: tuple[str, ...] = ("state", "photonic")
Timing = Literal["sampled", "deterministic"]
Estimator = Literal["parities", "density_matrix"]
ESTIMATORS: tuple[str, ...] = ("parities", "density_matrix")
#: measurement basis of the end pair per realization, cycling XX, YY, ZZ
BASES: tuple[str, ...] = ("XX", "YY", "ZZ")
_BASIS_ANGLES = {"XX": (0.0, -math.pi / 2), "YY": (math.pi / 2, 0.0), "ZZ": (0.0, 0.0)}


# ---------------------------------------------------------------------------------------------
# plans
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurificationPlan:
    """Purification of every elementary link before swapping.

    Attributes:
        protocol: ``"bbpssw"`` (Werner re-twirl between rounds) or ``"dejmps"``.
        rounds: purification rounds (>= 1).
        scheme: ``"recurrence"`` (round k purifies two round-(k-1) pairs) or ``"pumping"``
            (a fresh raw pair purifies the kept pair in every round).

    A failed step discards both of its pairs and regenerates them. Raw pairs of a step are made
    one after the other on the link; the kept pair waits for the sacrificed one, and both nodes
    wait one-way fiber delay for the other's flag.
    """

    protocol: str = "dejmps"
    rounds: int = 1
    scheme: str = "recurrence"

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(
                f"purification protocol must be one of {', '.join(PROTOCOLS)}, got {self.protocol!r}"
            )
        if isinstance(self.rounds, bool) or not isinstance(self.rounds, int) or self.rounds < 1:
            raise ValueError(f"rounds must be an integer >= 1, got {self.rounds!r}")
        if self.scheme not in ("recurrence", "pumping"):
            raise ValueError(f"scheme must be 'recurrence' or 'pumping', got {self.scheme!r}")

    @property
    def slots(self) -> int:
        """Memory qubits per node side during purification."""
        return self.rounds + 1 if self.scheme == "recurrence" else 2


@dataclass(frozen=True)
class ChainPlan:
    """How a repeater chain runs.

    Attributes:
        strategy: ``"sequential"`` (swaps along the path), ``"nested"`` (doubling) or ``"asap"``
            (each repeater swaps as soon as both of its memories hold a pair).
        link_level: ``"state"`` (closed-form heralded state and probability) or ``"photonic"``
            (photonic heralded-link attempts; short chains).
        link_fidelity: if set, every link delivers a Werner pair of this fidelity at the
            heralded-state level; timing (probability, cycle time) still comes from the scheme
            and length.
        purification: purify every link first, or None.
        cutoff_s: discard a stored pair after it waited this long (s), or None.
        timing: ``"sampled"`` (geometric attempt counts, many realizations) or
            ``"deterministic"`` (every link heralds after round(1/p) attempts; one realization).
    """

    strategy: str = "sequential"
    link_level: str = "state"
    link_fidelity: float | None = None
    purification: PurificationPlan | None = None
    cutoff_s: float | None = None
    timing: str = "sampled"

    def __post_init__(self) -> None:
        check_strategy(self.strategy)
        if self.link_level not in LINK_LEVELS:
            raise ValueError(f"link_level must be 'state' or 'photonic', got {self.link_level!r}")
        if self.link_fidelity is not None:
            f = self.link_fidelity
            if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0.25 <= f <= 1.0:
                raise ValueError(
                    f"link_fidelity must be a Werner fidelity in [0.25, 1], got {f!r}"
                )
            if self.link_level == "photonic":
                raise ValueError("link_fidelity applies to link_level='state' only")
        if self.purification is not None and not isinstance(self.purification, PurificationPlan):
            raise ValueError("purification must be a PurificationPlan or None")
        check_cutoff(self.cutoff_s)
        if self.timing not in ("sampled", "deterministic"):
            raise ValueError(f"timing must be 'sampled' or 'deterministic', got {self.timing!r}")
        if self.timing == "deterministic" and (
            self.purification is not None or self.link_level == "photonic" or self.cutoff_s
        ):
            raise ValueError(
                "timing='deterministic' applies to state-level links without purification or "
                "cutoff; use timing='sampled'"
            )

    @property
    def slots(self) -> int:
        return 1 if self.purification is None else self.purification.slots


# ---------------------------------------------------------------------------------------------
# links
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# records (what happened on a link; purification and photonic levels)
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# the emitter: Delays with Parameter durations, merged per idle period
# ---------------------------------------------------------------------------------------------


class _Emitter:
    """Accumulates each qubit's waits and writes one Delay per idle period before its next op."""

    def __init__(self, n_bind: int, owner: Callable[[Qubit], str]) -> None:
        self.n_bind = n_bind
        self.owner = owner
        self.pending: dict[Qubit, tuple[np.ndarray, list[str]]] = {}
        self.parameters: list[Parameter] = []
        self.values: list[np.ndarray] = []
        self.waits: list[tuple[str, str, str]] = []

    def wait(self, q: Qubit, seconds: float | np.ndarray, what: str) -> None:
        arr = np.broadcast_to(np.asarray(seconds, dtype=float), (self.n_bind,))
        if (arr < -1e-15).any():
            raise RuntimeError(f"negative wait for {what}")
        if q in self.pending:
            old, whats = self.pending[q]
            self.pending[q] = (old + arr, [*whats, what])
        else:
            self.pending[q] = (arr.copy(), [what])

    def flush(self, qc: QuantumCircuit, *qubits: Qubit) -> None:
        for q in qubits:
            item = self.pending.pop(q, None)
            if item is None:
                continue
            values, whats = item
            values = np.maximum(values, 0.0)
            if not values.any():
                continue
            param = Parameter(f"w{len(self.parameters)}")
            qc.delay(param, q, unit="s")
            self.parameters.append(param)
            self.values.append(values)
            self.waits.append((param.name, self.owner(q), "+".join(whats)))

    def flush_all(self, qc: QuantumCircuit) -> None:
        self.flush(qc, *list(self.pending))


# ---------------------------------------------------------------------------------------------
# layout
# ---------------------------------------------------------------------------------------------


def _physics_key(node: Node) -> tuple:
    return (node.memory, node.gate_error, node.readout_error)


def node_map(network: Network) -> dict[str, Node]:
    """``{name: node}`` (constant-time lookups for long paths)."""
    return {n.name: n for n in network.nodes}


@dataclass
class _Layout:
    registers: list[QuantumRegister]
    node_regs: list[QuantumRegister]  # per path node
    anc: QuantumRegister
    photon: QuantumRegister | None
    nodes_meta: dict[str, str]
    node_slots: dict[str, str]
    slot_owner: dict[Qubit, str]
    detectors: dict[str, str]

    def side(self, j: int, right_side: bool, m: int, n_links: int) -> list[Qubit]:
        """Working qubits of node ``v_j`` for the link on its right (``right_side``) or left."""
        reg = self.node_regs[j]
        if 0 < j < n_links and right_side:
            return list(reg[1 : m + 1])
        return list(reg[0:m])


def _ancillas_needed(models: Sequence[LinkModel], plan: ChainPlan) -> int:
    """Noiseless ancillas: 2 for mixed-state preparation or twirls, else 1 (the dilation
    ancilla of the memory-noise pass; one qubit fewer roughly halves the statevector's cost per
    operation at this width)."""
    if plan.purification is not None and plan.purification.protocol == "bbpssw":
        return 2
    if plan.link_level == "photonic":
        return 1
    for mdl in models:
        for framed in (True, False):
            rho = mdl.state(framed)
            kind = _prep_kind(rho)[0]
            if kind == "bell" or (kind == "general" and len(_eigen(rho)[0]) > 2):
                return 2
    return 1


def _layout(network: Network, path: list[str], models: list[LinkModel], plan: ChainPlan) -> _Layout:
    n = len(path) - 1
    m = plan.slots
    end_a, end_b = path[0], path[-1]
    regs: list[QuantumRegister] = []
    node_regs: list[QuantumRegister] = []
    nodes_meta: dict[str, str] = {}
    node_slots: dict[str, str] = {}
    owner: dict[Qubit, str] = {}
    a_reg = QuantumRegister(m, f"{end_a}_mem")
    regs.append(a_reg)
    nodes_meta[a_reg.name] = end_a
    groups: dict[tuple, QuantumRegister] = {}
    nodes = node_map(network)
    for j in range(1, n):
        node = nodes[path[j]]
        key = (_physics_key(node), j % 2)
        if key not in groups:
            reg = QuantumRegister(m + 1, f"{node.name}_mem")
            groups[key] = reg
            regs.append(reg)
            nodes_meta[reg.name] = node.name
        node_regs.append(groups[key])
    b_reg = QuantumRegister(m, f"{end_b}_mem")
    regs.append(b_reg)
    nodes_meta[b_reg.name] = end_b
    node_regs = [a_reg, *node_regs, b_reg]
    for j, name in enumerate(path):
        node_slots[name] = node_regs[j].name
    for reg in regs:
        for q in reg:
            owner[q] = nodes_meta[reg.name]
    anc = QuantumRegister(_ancillas_needed(models, plan), "src_anc")
    regs.append(anc)
    photon = None
    detectors: dict[str, str] = {}
    if plan.link_level == "photonic":
        width = max(6 if mdl.link.scheme == "midpoint" else 3 for mdl in models)
        photon = QuantumRegister(width, "photon")
        regs.append(photon)
        dets = {mdl.link.detector for mdl in models}
        if len(dets) > 1:
            raise ValueError(
                "link_level='photonic' needs the same detectors on every link of the path; use "
                "link_level='state' for mixed detectors"
            )
        if models[0].link.scheme != "midpoint":
            detectors[photon.name] = models[0].link.name
    return _Layout(regs, node_regs, anc, photon, nodes_meta, node_slots, owner, detectors)


# ---------------------------------------------------------------------------------------------
# emission of links, purification and swaps
# ---------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    qc: QuantumCircuit
    emitter: _Emitter
    layout: _Layout
    plan: ChainPlan
    network: Network
    flag_regs: dict[int, ClassicalRegister]
    herald_regs: dict[str, ClassicalRegister]
    bsm: ClassicalRegister

    def memory_t1_infinite(self, node: str) -> bool:
        return math.isinf(self.nodes[node].memory.t1_s)

    @property
    def nodes(self) -> dict[str, Node]:
        if not hasattr(self, "_nodes"):
            self._nodes = node_map(self.network)
        return self._nodes


def _emit_raw_state(ctx: _Ctx, mdl: LinkModel, qa: Qubit, qb: Qubit) -> None:
    """Heralded-state level: prepare the heralded pair, the herald wait, then the frame flip."""
    qc, em = ctx.qc, ctx.emitter
    target_node = mdl.left if mdl.frame_on_left else mdl.right
    framed_early = (not mdl.frame_x) or mdl.herald_wait_s == 0 or ctx.memory_t1_infinite(target_node)
    # X commutes with pure dephasing, so with T1 = inf the frame flip can come first (exact)
    _prepare_state(qc, qa, qb, list(ctx.layout.anc), mdl.state(framed_early))
    em.wait(qa, mdl.herald_wait_s, "herald")
    em.wait(qb, mdl.herald_wait_s, "herald")
    if not framed_early:
        target = qa if mdl.frame_on_left else qb
        em.flush(qc, target)
        qc.x(target)


def _replay(qc: QuantumCircuit, sub: QuantumCircuit, qmap: dict, cmap: dict) -> None:
    """Append ``sub`` into the current scope of ``qc`` (inside control-flow builders too)."""
    for inst in sub.data:
        op = inst.operation
        qs = [qmap[q] for q in inst.qubits]
        cs = [cmap[c] for c in inst.clbits]
        if isinstance(op, IfElseOp):
            target, value = op.condition
            if not isinstance(target, Clbit) or (len(op.blocks) > 1 and op.blocks[1] is not None):
                raise ValueError("photonic link circuits may only use if_test on single bits")
            body = op.blocks[0]
            inner_q = dict(zip(body.qubits, qs))
            inner_c = dict(zip(body.clbits, cs))
            with qc.if_test((cmap[target], value)):
                _replay(qc, body, inner_q, inner_c)
        else:
            qc.append(op, qs, cs)


def _herald_condition(regs: list[tuple[ClassicalRegister, str]]):
    """Expression that is true while some herald rule fails (2-bit registers)."""
    ok = None
    for reg, rule in regs:
        if reg.size != 2:
            raise ValueError(f"herald register {reg.name} must have 2 bits for the photonic loop")
        c0, c1 = reg[0], reg[1]
        if rule == "one_hot":
            e = expr.bit_xor(c0, c1)
        elif rule == "all_ones":
            e = expr.logic_and(c0, c1)
        elif rule == "equal":
            e = expr.logic_not(expr.bit_xor(c0, c1))
        elif rule == "all_zeros":
            e = expr.logic_not(expr.logic_or(c0, c1))
        else:
            raise ValueError(f"unknown herald rule {rule!r}")
        ok = e if ok is None else expr.logic_and(ok, e)
    return expr.logic_not(ok)


def _emit_photonic(ctx: _Ctx, mdl: LinkModel, qa: Qubit, qb: Qubit) -> None:
    """Photonic level: repeat the heralded-link attempt until its heralds succeed (rejection
    sampling of the heralded state; the attempt count itself comes from the timeline)."""
    qc = ctx.qc
    sub = heralded_link(mdl.link, correction="dynamic")
    photon = ctx.layout.photon
    assert photon is not None
    mem = {mdl.left: qa, mdl.right: qb}
    qmap: dict[Qubit, Qubit] = {}
    k = 0
    for reg in sub.qregs:
        if reg.name.endswith("_mem"):
            qmap[reg[0]] = mem[reg.name[: -len("_mem")]]
        else:
            for q in reg:
                qmap[q] = photon[k]
                k += 1
    cmap: dict[Clbit, Clbit] = {}
    prefix = mdl.link.name + "_"
    for creg in sub.cregs:
        key = creg.name[len(prefix):]
        if key not in ctx.herald_regs:
            ctx.herald_regs[key] = ClassicalRegister(creg.size, f"herald_{key}")
            qc.add_register(ctx.herald_regs[key])
        for a, b in zip(creg, ctx.herald_regs[key]):
            cmap[a] = b
    rules = [(ctx.herald_regs[h["register"][len(prefix):]], h["rule"]) for h in sub.metadata["heralds"]]
    used = [ctx.herald_regs[c.name[len(prefix):]] for c in sub.cregs]
    anc0 = ctx.layout.anc[0]
    for reg in used:  # clear the herald bits (a reset ancilla reads 0)
        for bit in reg:
            qc.measure(anc0, bit)
    with qc.while_loop(_herald_condition(rules)):
        qc.barrier(*ctx.layout.anc)
        qc.reset(qa)
        qc.reset(qb)
        qc.reset(photon)
        _replay(qc, sub, qmap, cmap)


def _emit_pair(ctx: _Ctx, mdl: LinkModel, qa: Qubit, qb: Qubit) -> None:
    if ctx.plan.link_level == "photonic":
        _emit_photonic(ctx, mdl, qa, qb)
    else:
        _emit_raw_state(ctx, mdl, qa, qb)
    pur = ctx.plan.purification
    if pur is not None and pur.protocol == "bbpssw" and not _is_werner_state(mdl.state(True)):
        # BBPSSW is defined on Werner pairs: twirl the heralded pair (after its frame flip)
        ctx.emitter.flush(ctx.qc, qa, qb)
        append_twirl(ctx.qc, qa, qb, list(ctx.layout.anc))


def _is_werner_state(rho: np.ndarray) -> bool:
    coeffs = _bell_diagonal(rho)
    return coeffs is not None and abs(coeffs[1] - coeffs[2]) < 1e-12 and abs(coeffs[2] - coeffs[3]) < 1e-12


def _flag_reg(ctx: _Ctx, level: int) -> ClassicalRegister:
    if level not in ctx.flag_regs:
        reg = ClassicalRegister(2, f"flags_l{level}")
        ctx.flag_regs[level] = reg
        ctx.qc.add_register(reg)
    return ctx.flag_regs[level]


def _step_waits(recipe_level: int, plan: PurificationPlan, records: list[Any], mdl: LinkModel) -> dict:
    """Per purification step (keyed by its position in the recipe tree), the kept pair's wait
    for the sacrificed pair (arrays over bindings)."""
    out: dict[tuple, np.ndarray] = {}

    def rec(level: int, path: tuple, recs: list[Any]) -> None:
        if level == 0:
            return
        kept = [r.kept for r in recs]
        sac = [r.sacrificed for r in recs]
        out[path] = np.array([record_duration(s, mdl) for s in sac])
        rec(level - 1, (*path, 0), kept)
        if plan.scheme == "recurrence":
            rec(level - 1, (*path, 1), sac)

    rec(recipe_level, (), records)
    return out


def _emit_purified(
    ctx: _Ctx,
    mdl: LinkModel,
    side_a: list[Qubit],
    side_b: list[Qubit],
    level: int,
    slot: int,
    waits: dict[tuple, np.ndarray],
    path: tuple = (),
    top_flags: Sequence[Clbit] | None = None,
) -> None:
    """A level-``level`` purified pair in ``slot`` (recursive), each step repeated until success;
    with ``top_flags`` the top step runs once and writes its flags there (trial circuits)."""
    plan = ctx.plan.purification
    assert plan is not None
    qc, em = ctx.qc, ctx.emitter
    if level == 0:
        _emit_pair(ctx, mdl, side_a[slot], side_b[slot])
        return
    other = slot + 1 if plan.scheme == "recurrence" else 1
    flags = list(_flag_reg(ctx, level)) if top_flags is None else list(top_flags)
    used = sorted({slot, *range(slot, slot + level + 1)} if plan.scheme == "recurrence" else {0, 1})

    def body() -> None:
        qc.barrier(*ctx.layout.anc)  # keeps the noiseless ancilla in scope for the noise passes
        for s in used:
            qc.reset(side_a[s])
            qc.reset(side_b[s])
        _emit_purified(ctx, mdl, side_a, side_b, level - 1, slot, waits, (*path, 0))
        if plan.scheme == "recurrence":
            _emit_purified(ctx, mdl, side_a, side_b, level - 1, other, waits, (*path, 1))
        else:
            _emit_pair(ctx, mdl, side_a[other], side_b[other])
        ka, kb = side_a[slot], side_b[slot]
        em.wait(ka, waits[path], f"purify{level}")
        em.wait(kb, waits[path], f"purify{level}")
        em.flush(qc, ka, kb, side_a[other], side_b[other])
        append_purification_step(
            qc, (ka, kb), (side_a[other], side_b[other]), flags, plan.protocol, reset=True
        )
        if plan.protocol == "bbpssw" and level < plan.rounds:
            append_twirl(qc, ka, kb, list(ctx.layout.anc))

    if top_flags is None:
        anc0 = ctx.layout.anc[0]
        qc.x(anc0)  # flags := (1, 0), so the loop runs at least once
        qc.measure(anc0, flags[0])
        qc.reset(anc0)
        qc.measure(anc0, flags[1])
        em.flush_all(qc)
        with qc.while_loop(expr.bit_xor(flags[0], flags[1])):
            body()
            em.flush_all(qc)
    else:
        body()
    em.wait(side_a[slot], mdl.message_s, "flags")
    em.wait(side_b[slot], mdl.message_s, "flags")


def _emit_link(
    ctx: _Ctx, mdl: LinkModel, side_a: list[Qubit], side_b: list[Qubit], records: list[Any] | None
) -> None:
    """The delivered pair of one link on (side_a[0], side_b[0])."""
    plan = ctx.plan.purification
    if plan is None:
        _emit_pair(ctx, mdl, side_a[0], side_b[0])
        return
    assert records is not None
    waits = _step_waits(plan.rounds, plan, records, mdl)
    _emit_purified(ctx, mdl, side_a, side_b, plan.rounds, 0, waits)


def _frame_swap(
    qc: QuantumCircuit, b: Qubit, c: Qubit, d: Qubit, bits: ClassicalRegister, measured: bool
) -> None:
    """Bell-state measurement on (b, c) at a repeater; the Pauli correction X^m2 Z^m1 reaches d.

    ``measured=True``: b and c are measured first and the correction is controlled by the
    measured qubits (a classically controlled gate; a readout flip flips it as it flips the
    record). ``measured=False`` (nodes without readout error): the deferred form, controlled
    gates before the qubits are reset, which is the same channel with two operations fewer.
    """
    qc.cx(b, c)
    qc.h(b)
    if measured:
        qc.measure(b, bits[0])
        qc.measure(c, bits[1])
    qc.cx(c, d)
    qc.cz(b, d)
    qc.reset(b)
    qc.reset(c)


# ---------------------------------------------------------------------------------------------
# the scheduled chain
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledChain:
    """A template circuit for many realizations, its binding table, timeline and metadata.

    Attributes:
        circuit: the template; ``block`` realizations are packed one after another (the chain
            delivers a pair, resets, and starts again); every wait is a Delay with a Parameter.
        parameters: the template's Parameters in the column order of ``values``.
        values: (bindings, parameters) binding table; binding b, block k is realization
            ``b * block + k``.
        block: realizations per circuit execution.
        timeline: the sampled timeline of every realization.
        models: the links in path order.
        path: node names from source to target.
        estimator: ``"parities"`` (the end pair of realization r is measured in basis
            ``BASES[r % 3]`` into bits 2k, 2k+1 of register ``pair``) or ``"density_matrix"``
            (``save_density_matrix`` labelled ``rho<k>``).
        metadata: the circuit's metadata (also on ``circuit.metadata``).
    """

    circuit: QuantumCircuit
    parameters: tuple[Parameter, ...]
    values: np.ndarray
    block: int
    timeline: Timeline
    models: tuple[LinkModel, ...]
    path: tuple[str, ...]
    plan: ChainPlan
    estimator: str
    metadata: dict[str, Any]

    @property
    def width(self) -> int:
        """Qubits in the circuit."""
        return self.circuit.num_qubits

    @property
    def bindings(self) -> int:
        return int(self.values.shape[0])

    @property
    def realizations(self) -> int:
        return self.bindings * self.block

    def binding_dict(self, rows: slice | None = None) -> dict[Parameter, np.ndarray]:
        """``{parameter: values}`` for Aer's ``parameter_binds``."""
        vals = self.values if rows is None else self.values[rows]
        return {p: vals[:, i] for i, p in enumerate(self.parameters)}

    def bound_circuit(self, binding: int) -> QuantumCircuit:
        """The template with binding row ``binding`` assigned (float Delays)."""
        if not 0 <= binding < self.bindings:
            raise ValueError(f"binding must be in [0, {self.bindings}), got {binding}")
        bound = self.circuit.assign_parameters(
            {p: float(self.values[binding, i]) for i, p in enumerate(self.parameters)}
        )
        bound.metadata = {
            **self.metadata,
            "binding": binding,
            "realizations_in_circuit": list(range(binding * self.block, (binding + 1) * self.block)),
            "attempts": self.timeline.attempts[binding * self.block : (binding + 1) * self.block].tolist(),
        }
        return bound


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


def geometry_of(models: Sequence[LinkModel]) -> ChainGeometry:
    """Cycle times and cumulative classical delays along the path."""
    delays = [0.0]
    for mdl in models:
        delays.append(delays[-1] + mdl.message_s)
    return ChainGeometry(tuple(m.cycle_time_s for m in models), tuple(delays))


LinkSampler = Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray, list[Any]]]


def state_sampler(models: Sequence[LinkModel]) -> LinkSampler:
    """Closed-form sampler: link i draws geometric attempt counts with its probability p."""

    def draw(i: int, size: int, rng: np.random.Generator):
        k = sample_attempts(models[i].p, size, rng)
        return k * models[i].cycle_time_s, k, [int(x) for x in k]

    return draw


def sample_timeline(
    models: Sequence[LinkModel],
    plan: ChainPlan,
    realizations: int,
    rng: np.random.Generator,
    sampler: LinkSampler | None = None,
) -> Timeline:
    """Sample the timeline of ``realizations`` realizations (vectorized without cutoff)."""
    geometry = geometry_of(models)
    draw = sampler or state_sampler(models)
    n = len(models)
    if plan.timing == "deterministic":
        k = np.array([[max(1, round(1.0 / m.p)) for m in models]], dtype=np.int64)
        ready = k * np.array([m.cycle_time_s for m in models])[None, :]
        return chain_timeline(ready, geometry, plan.strategy, attempts=k,
                              records=[[int(x) for x in k[0]]])
    if plan.cutoff_s is None:
        ready = np.zeros((realizations, n))
        att = np.zeros((realizations, n), dtype=np.int64)
        cols = []
        for i in range(n):
            ready[:, i], att[:, i], recs = draw(i, realizations, rng)
            cols.append(recs)
        records = [[cols[i][r] for i in range(n)] for r in range(realizations)]
        return chain_timeline(ready, geometry, plan.strategy, attempts=att, records=records)

    def generate(i: int, t: float) -> tuple[float, int, Any]:
        dur, k, recs = draw(i, 1, rng)
        return t + float(dur[0]), int(k[0]), recs[0]

    return chain_timeline_cutoff(generate, geometry, plan.strategy, plan.cutoff_s, realizations)


def _block_size(n_links: int, realizations: int, plan: ChainPlan, estimator: str) -> int:
    """Realizations per circuit: enough to amortize Aer's per-binding overhead, few enough to keep
    the template small (about 6000 operations per circuit)."""
    per = 30 * n_links * (2 ** (plan.purification.rounds if plan.purification else 0))
    k = max(1, 6000 // max(per, 1))
    if estimator == "density_matrix":
        k = min(k, 16)
    return int(min(k, realizations, 256))


def emit_chain(
    network: Network,
    path: Sequence[str],
    models: Sequence[LinkModel],
    plan: ChainPlan,
    timeline: Timeline,
    *,
    estimator: str = "parities",
    block: int | None = None,
) -> ScheduledChain:
    """Emit the template circuit for ``timeline`` (realizations packed ``block`` per binding)."""
    if estimator not in (*ESTIMATORS, "open"):
        raise ValueError(f"estimator must be 'parities' or 'density_matrix', got {estimator!r}")
    n = len(models)
    total = timeline.realizations
    k_block = block or _block_size(n, total, plan, estimator)
    if k_block < 1 or total % k_block:
        raise ValueError(f"block must divide the number of realizations ({total}), got {k_block}")
    n_bind = total // k_block
    layout = _layout(network, list(path), list(models), plan)
    qc = QuantumCircuit(*layout.registers, name=f"chain_{n}_{plan.strategy}")
    bsm = ClassicalRegister(2, "bsm")
    qc.add_register(bsm)
    pair = None
    if estimator == "parities":
        pair = ClassicalRegister(2 * k_block, "pair")
        qc.add_register(pair)
    em = _Emitter(n_bind, lambda q: layout.slot_owner.get(q, ""))
    ctx = _Ctx(qc, em, layout, plan, network, {}, {}, bsm)
    m = plan.slots
    basis_params: list[tuple[Parameter, Parameter]] = []
    basis_values: list[tuple[np.ndarray, np.ndarray]] = []
    for kb in range(k_block):
        rows = slice(kb, total, k_block)
        recs = timeline.records
        for i, mdl in enumerate(models):
            side_a = layout.side(i, True, m, n)
            side_b = layout.side(i + 1, False, m, n)
            link_recs = [recs[r][i] for r in range(kb, total, k_block)] if recs is not None else None
            _emit_link(ctx, mdl, side_a, side_b, link_recs)
            em.wait(side_a[0], timeline.left_wait_s[rows, i], "storage")
            em.wait(side_b[0], timeline.right_wait_s[rows, i], "storage")
            if i >= 1:
                b = layout.side(i, False, m, n)[0]
                c, d = side_a[0], side_b[0]
                em.flush(qc, b, c, d)
                _frame_swap(qc, b, c, d, bsm, ctx.nodes[path[i]].readout_error > 0)
        qa = layout.node_regs[0][0]
        qb = layout.node_regs[n][0]
        em.flush(qc, qa, qb)
        if estimator == "parities":
            assert pair is not None
            phi = Parameter(f"bx{kb}")
            theta = Parameter(f"by{kb}")
            for q in (qa, qb):
                qc.rx(phi, q)
                qc.ry(theta, q)
            qc.measure(qa, pair[2 * kb])
            qc.measure(qb, pair[2 * kb + 1])
            idx = np.arange(kb, total, k_block) % 3
            angles = np.array([_BASIS_ANGLES[b] for b in BASES])
            basis_params.append((phi, theta))
            basis_values.append((angles[idx, 0], angles[idx, 1]))
        elif estimator == "density_matrix":
            from qiskit_aer.library import SaveDensityMatrix

            qc.append(SaveDensityMatrix(2, label=f"rho{kb}"), [qa, qb])
        if kb < k_block - 1:
            qc.reset(qa)
            qc.reset(qb)
        em.flush_all(qc)
    params = list(em.parameters)
    cols = list(em.values)
    for (phi, theta), (vphi, vtheta) in zip(basis_params, basis_values):
        params += [phi, theta]
        cols += [vphi, vtheta]
    values = np.column_stack(cols) if cols else np.zeros((n_bind, 0))
    metadata = {
        "protocol": f"chain/{plan.strategy}",
        "path": list(path),
        "links": [mdl.link.name for mdl in models],
        "nodes": dict(layout.nodes_meta),
        "detectors": dict(layout.detectors),
        "node_slots": dict(layout.node_slots),
        "pair": [qc.find_bit(layout.node_regs[0][0]).index, qc.find_bit(layout.node_regs[n][0]).index],
        "heralds": [],
        "block": k_block,
        "estimator": estimator,
        "basis_cycle": list(BASES),
        "waits": tuple(em.waits),
        "waits_fields": ("parameter", "node", "what"),
        "dilation_ancilla": qc.find_bit(layout.anc[0]).index,
        "width": qc.num_qubits,
        "attempts": timeline.attempts,
        "link_level": plan.link_level,
        "rejection_loops": plan.link_level == "photonic" or plan.purification is not None,
    }
    qc.metadata = metadata
    return ScheduledChain(qc, tuple(params), values, k_block, timeline, tuple(models), tuple(path),
                          plan, estimator, metadata)


@dataclass(frozen=True)
class TrialTemplate:
    """Purification trials of one link: each trial runs the top step once (inner steps repeat
    until success) and writes its two flags to bits 2k, 2k+1 of register ``trial``.

    Attributes:
        circuit, parameters, values, block: as in :class:`ScheduledChain`.
    """

    circuit: QuantumCircuit
    parameters: tuple[Parameter, ...]
    values: np.ndarray
    block: int


def emit_trials(
    network: Network,
    model: LinkModel,
    plan: ChainPlan,
    level: int,
    inputs: Sequence[tuple[Any, Any]],
    block: int,
) -> TrialTemplate:
    """Template of level-``level`` purification trials on ``model``'s link, one per
    ``(kept_record, sacrificed_record)`` in ``inputs`` (``len(inputs)`` a multiple of ``block``)."""
    pur = plan.purification
    if pur is None or not 1 <= level <= pur.rounds:
        raise ValueError("emit_trials needs a purification plan and 1 <= level <= rounds")
    total = len(inputs)
    if block < 1 or total % block:
        raise ValueError(f"block must divide the number of trials ({total}), got {block}")
    n_bind = total // block
    path = [model.left, model.right]
    layout = _layout(network, path, [model], plan)
    qc = QuantumCircuit(*layout.registers, name=f"purification_trials_l{level}")
    bsm = ClassicalRegister(2, "bsm")
    trial = ClassicalRegister(2 * block, "trial")
    qc.add_register(bsm)
    qc.add_register(trial)
    em = _Emitter(n_bind, lambda q: layout.slot_owner.get(q, ""))
    ctx = _Ctx(qc, em, layout, plan, network, {}, {}, bsm)
    m = plan.slots
    side_a = layout.side(0, True, m, 1)
    side_b = layout.side(1, False, m, 1)
    sub_plan = PurificationPlan(pur.protocol, level, pur.scheme)
    for kb in range(block):
        recs = [PurifiedRecord(k, s, 0.0, 0) for k, s in inputs[kb::block]]
        waits = _step_waits(level, sub_plan, recs, model)
        _emit_purified(ctx, model, side_a, side_b, level, 0, waits,
                       top_flags=[trial[2 * kb], trial[2 * kb + 1]])
        em.flush_all(qc)
        if kb < block - 1:
            for q in (*side_a, *side_b):
                qc.reset(q)
    values = np.column_stack(em.values) if em.values else np.zeros((n_bind, 0))
    qc.metadata = {
        "protocol": f"purification_trials/{pur.protocol}/{pur.scheme}",
        "level": level,
        "nodes": dict(layout.nodes_meta),
        "detectors": dict(layout.detectors),
        "dilation_ancilla": qc.find_bit(layout.anc[0]).index,
        "block": block,
        "waits": tuple(em.waits),
        "waits_fields": ("parameter", "node", "what"),
    }
    return TrialTemplate(qc, tuple(em.parameters), values, block)


def schedule(
    network: Network,
    plan: ChainPlan | None = None,
    *,
    source: str | None = None,
    target: str | None = None,
    path: Sequence[str] | None = None,
    realizations: int = 1000,
    seed: int | None = None,
    estimator: str = "parities",
    block: int | None = None,
    sampler: LinkSampler | None = None,
) -> ScheduledChain:
    """Plan a repeater chain on ``network`` and emit its timed template circuit.

    Args:
        network: the network (links give schemes, lengths; nodes give memories and noise).
        plan: the protocol plan (default: sequential swapping of heralded-state links).
        source, target: end nodes (default: the network's first and last end nodes); or
        path: an explicit node path.
        realizations: realizations to sample (rounded up to a multiple of the block size;
            ``timing="deterministic"`` gives one).
        seed: seed of the attempt-count sampling.
        estimator: ``"parities"`` or ``"density_matrix"`` (see :class:`ScheduledChain`).
        block: realizations packed per circuit execution (default: chosen by size).
        sampler: draws link records (default: the closed-form geometric sampler; purification
            and photonic plans get theirs from :func:`qnet_circuits.simulate.simulate`).
    """
    plan = plan or ChainPlan()
    if isinstance(realizations, bool) or not isinstance(realizations, int) or realizations < 1:
        raise ValueError(f"realizations must be an integer >= 1, got {realizations!r}")
    route = resolve_path(network, source, target, path)
    models = link_models(network, route, plan)
    if (plan.purification is not None or plan.link_level == "photonic") and sampler is None:
        raise ValueError(
            "purification and photonic plans need link records from trial runs; use "
            "qnet_circuits.simulate.simulate (or pass sampler=)"
        )
    n = len(models)
    if plan.timing == "deterministic":
        realizations = 1
    k_block = block or _block_size(n, realizations, plan, estimator)
    total = -(-realizations // k_block) * k_block
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0]) if seed is not None else (
        np.random.default_rng()
    )
    timeline = sample_timeline(models, plan, total, rng, sampler)
    return emit_chain(network, route, models, plan, timeline, estimator=estimator, block=k_block)


__all__ = [
    "BASES",
    "ESTIMATORS",
    "LINK_LEVELS",
    "STRATEGIES",
    "ChainPlan",
    "LinkModel",
    "PurificationPlan",
    "PurifiedRecord",
    "ScheduledChain",
    "TrialTemplate",
    "emit_chain",
    "emit_trials",
    "geometry_of",
    "link_models",
    "record_attempts",
    "record_duration",
    "resolve_path",
    "sample_timeline",
    "schedule",
    "state_sampler",
]
