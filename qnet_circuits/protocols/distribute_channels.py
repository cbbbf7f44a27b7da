"""Exact fast path of ``protocols.distribute`` for any memory (finite T1): the channel form.

Each teleported group of the dynamic circuit acts on the data as a fixed channel (its ebit is one
fixed two-qubit state: :mod:`qnet_circuits.library.distributed.channels` says why), so the
dynamic circuit's output is exactly the monolithic circuit with those channels in place and the
data waits as thermal-relaxation channels. The channels come from the small gadgets' Choi states,
computed once by the exact density-matrix path (:func:`~qnet_circuits.run.heralded_density_matrix`,
the same noise pass as the dynamic circuit): the cat-entangler ``F`` per ordered pair of parts,
the cat-disentangler ``G`` per target part, and each foldable group's whole channel on its
control and targets. The template runs on Aer through the runner: the density-matrix method up to
:data:`~qnet_circuits.run.DENSITY_MATRIX_MAX_QUBITS` qubits (every shot from one exact state),
statevector with sampled Kraus trajectories beyond; both are exact in distribution.

>>> from qnet_circuits.protocols.distribute import DistributeParams, circuits
>>> made = circuits(DistributeParams(circuit="ghz:3", nodes=2, link_fidelity=0.95, t1_s=0.01,
...                                  t2_s=0.01, length_km=20.0))
>>> form = channel_form(made["distributed"], made["network"], 0.95)
>>> form.template.num_qubits, form.folded, form.unfolded, form.template.cregs[0].name
(3, 1, 0, 'out')
>>> rho = channel_state(made["distributed"], made["network"], 0.95)
>>> round(float(rho.trace().real), 9), rho.shape
(1.0, (8, 8))
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Instruction
from qiskit.circuit.library import UnitaryGate
from qiskit.quantum_info import Choi, Kraus, Operator, SuperOp
from qiskit_aer.noise import QuantumError

__all__ = ["ChannelForm", "channel_form", "channel_kraus", "channel_state", "exact_fidelity", "exact_state",
           "fuse", "sample_channels", "supported"]


@dataclass(frozen=True)
class ChannelForm:
    """The channel template (data measured into ``out``) and how it was built."""

    template: QuantumCircuit
    folded: int
    unfolded: int
    waits: int
    moves: int = 0


def _kraus(channel) -> list[np.ndarray]:
    """Kraus operators of a qiskit channel (Kraus, SuperOp, Choi) from its Choi matrix's
    eigenvectors, keeping every eigenvalue above 1e-14 of the largest (qiskit's own conversion
    drops those below 1e-8, a trace loss the 1e-9 checks would see)."""
    choi = Choi(channel)
    d_in, d_out = choi.dim
    values, vectors = np.linalg.eigh((choi.data + choi.data.conj().T) / 2)
    keep = values > 1e-14 * max(values.max(), 1e-300)
    return [math.sqrt(v) * vec.reshape((d_out, d_in), order="F")
            for v, vec in zip(values[keep], vectors.T[keep])]


def channel_kraus(choi_state: np.ndarray, n_in: int, n_out: int) -> list[np.ndarray]:
    """Kraus operators of the channel whose normalized Choi state is ``choi_state`` (the input's
    references are the most significant qubits), ordered by weight (Aer tries the first ones
    first)."""
    choi = Choi(choi_state * 2**n_in, input_dims=(2,) * n_in, output_dims=(2,) * n_out)
    return sorted(_kraus(choi), key=lambda k: -float(np.linalg.norm(k) ** 2))


def _instruction(ops: list[np.ndarray]) -> Instruction:
    """A ``kraus`` instruction with the fewest Kraus operators (the Choi matrix's rank), heaviest
    first: Aer's trajectory sampler computes one norm per operator until it picks one."""
    minimal = _kraus(Kraus(list(ops)))
    return Kraus(sorted(minimal, key=lambda k: -float(np.linalg.norm(k) ** 2))).to_instruction()


def _discard_slot(ops: list[np.ndarray]) -> Instruction:
    """``F`` (control -> (control, b)) as a map on (control, slot): discard the slot first (it
    enters in |0>): Kraus ``K (I x <y|_slot)``, the y = 0 ones first."""
    bra = [np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])]
    return _instruction([k @ np.kron(bra[y], np.eye(2)) for y in (0, 1) for k in ops])


def _reset_slot(ops: list[np.ndarray]) -> Instruction:
    """``G`` ((control, b) -> control) as a map on (control, slot) leaving the slot in |0>:
    Kraus ``|0>_slot x K``."""
    ket = np.array([[1.0], [0.0]])
    return _instruction([np.kron(ket, k) for k in ops])


def _fold(block: QuantumCircuit, net, n_support: int) -> Instruction:
    """The channel on the support of a block (:func:`~qnet_circuits.library.distributed.channels.
    block_circuit`, slot last, entering in |0>): its super-operator by matrix products (the
    noise pass turns its waits into the same relaxation channels), the slot traced out."""
    from qnet_circuits.noise import noisy_circuit

    dim = 2**n_support
    ops = _kraus(SuperOp(noisy_circuit(block, net)))
    return _instruction([k[y * dim:(y + 1) * dim, :dim] for y in (0, 1) for k in ops])


def _state(circuit: QuantumCircuit, network, qubits) -> np.ndarray:
    from qnet_circuits.run import heralded_density_matrix

    rho, p = heralded_density_matrix(circuit, network, qubits=qubits)
    if abs(p - 1.0) > 1e-9:
        raise RuntimeError(f"a distributed-circuit gadget lost probability ({p}); it heralds nothing")
    return rho.data


def supported(dist) -> bool:
    """True when ``dist`` is built from teleported groups and qubit moves only: one group or
    move per ebit and every non-local CX/CZ of the lowered circuit (under the placement at that
    time: moves make it time dependent) a hit of one group (no other remote operation)."""
    if dist.lowered is None or len(dist.groups) != dist.ebits or len(dist.ebit_models) != dist.ebits:
        return False
    low, where = dist.lowered, dict(dist.placement)
    hits = {i for g in dist.groups for i, _t, _p in g.get("hits", ())}
    moves: dict[int, list] = {}
    for m in dist.moves:
        moves.setdefault(m["at"], []).append(m)
    for i, inst in enumerate(low.data):
        for m in moves.get(i, []):
            if where[m["move"]] != m["from"]:
                return False
            where[m["move"]] = m["to"]
        qs = [low.find_bit(q).index for q in inst.qubits]
        remote = len(qs) == 2 and where[qs[0]] != where[qs[1]]
        if remote != (i in hits) or (remote and inst.operation.name not in ("cx", "cz")):
            return False
    return True


def channel_form(dist, net, link_fidelity: float | None) -> ChannelForm:
    """The channel template of ``dist``, made by ``distribute(..., network=net,
    link_fidelity=link_fidelity)`` (None: the physical heralded links; give the same value)."""
    from qnet_circuits.library.distributed.channels import (
        block_circuit,
        cat_gadget,
        channel_template,
        disentangler_gadget,
        move_gadget,
        spans,
    )

    hosts = (dist.circuit.metadata or {}).get("hosts")
    cats: dict[tuple[int, int], list[np.ndarray]] = {}
    uncats: dict[int, Instruction] = {}
    moved: dict[tuple[int, int], Instruction] = {}
    opens, closes, folded, moves = {}, {}, {}, {}
    for k, g in enumerate(dist.groups):
        if "move" in g:
            pair = dist.ebit_nodes[k]
            if pair not in moved:
                qc, keep = move_gadget(net, hosts, link_fidelity, *pair)
                moved[pair] = _instruction(channel_kraus(_state(qc, net, keep), 1, 1))
            moves[k] = moved[pair]
    for span in spans(dist):
        pair = dist.ebit_nodes[span.group]
        if pair not in cats:
            qc, keep = cat_gadget(net, hosts, link_fidelity, *pair)
            cats[pair] = channel_kraus(_state(qc, net, keep), 1, 2)
        if pair[1] not in uncats:
            qc, keep = disentangler_gadget(hosts[pair[1]] if hosts else None)
            uncats[pair[1]] = _reset_slot(channel_kraus(_state(qc, net, keep), 2, 1))
        opens[span.group], closes[span.group] = _discard_slot(cats[pair]), uncats[pair[1]]
        if span.foldable:
            block = block_circuit(dist, span, opens[span.group], closes[span.group], net)
            folded[span.group] = _fold(block, net, len(span.support))
    rest = [k for k in opens if k not in folded]
    template = channel_template(dist, {k: opens[k] for k in rest}, {k: closes[k] for k in rest},
                                folded, moves, net)
    waits = sum(1 for inst in template.data if inst.operation.name in ("delay", "quantum_channel"))
    return ChannelForm(template, len(folded), len(rest), waits, len(moves))


def channel_state(dist, net, link_fidelity: float | None) -> np.ndarray:
    """Exact output density matrix of the data (little-endian) of the channel form, by the
    density-matrix path: for small widths (data + unfolded groups' slots)."""
    form = channel_form(dist, net, link_fidelity)
    bare = form.template.remove_final_measurements(inplace=False)
    bare.metadata = form.template.metadata
    return _state(bare, net, list(range(dist.n_data_qubits)))


def exact_state(dist, net, link_fidelity: float | None) -> np.ndarray | None:
    """The channel form's exact data density matrix (the fused circuit on Aer's density-matrix
    method), or None when it is wider than :data:`~qnet_circuits.run.DENSITY_MATRIX_MAX_QUBITS`
    or not :func:`supported`."""
    from qnet_circuits.noise import noisy_circuit
    from qnet_circuits.run import DENSITY_MATRIX_MAX_QUBITS

    if dist.n_data_qubits > DENSITY_MATRIX_MAX_QUBITS or not supported(dist):
        return None
    form = channel_form(dist, net, link_fidelity)
    if form.template.num_qubits > DENSITY_MATRIX_MAX_QUBITS:
        return None
    fused = fuse(noisy_circuit(form.template.remove_final_measurements(inplace=False), net))
    return _state(fused, None, list(range(dist.n_data_qubits)))


def exact_fidelity(dist, net, link_fidelity: float | None, psi: np.ndarray) -> float | None:
    """``<psi|rho|psi>`` of :func:`exact_state` (None where it is None)."""
    rho = exact_state(dist, net, link_fidelity)
    return None if rho is None else float(np.real(psi.conj() @ rho @ psi))


def sample_channels(dist, net, link_fidelity: float | None, runner, shots: int, seed,
                    method: str | None = None):
    """Output probabilities of the data register from the channel form on Aer (``runner``: an
    :class:`~qnet_circuits.run.AerRunner`) and the form's label. The network's channels are put
    in (:func:`~qnet_circuits.noise.noisy_circuit`) and runs on at most two qubits composed
    (:func:`fuse`); ``method`` None: the density-matrix method up to
    :data:`~qnet_circuits.run.DENSITY_MATRIX_MAX_QUBITS` qubits (every shot from one exact
    state), else statevector Kraus trajectories with Aer's shot branching (shots share a state
    until a channel's sampled Kraus operator differs; exact in distribution, and safe here: the
    circuit has no readout error, the one Aer's branching drops)."""
    from qnet_circuits.noise import noisy_circuit
    from qnet_circuits.run import DENSITY_MATRIX_MAX_QUBITS, AerRunner

    form = channel_form(dist, net, link_fidelity)
    fused = fuse(noisy_circuit(form.template, net))
    width = fused.num_qubits
    if method is None:
        method = "density_matrix" if width <= DENSITY_MATRIX_MAX_QUBITS else "statevector"
    options = dict(runner.backend_options)
    if method == "statevector" and "noise_model" not in options:   # a model may hold readout errors
        options.setdefault("shot_branching_enable", True)
    counts = AerRunner(method, **options).counts([fused], shots=shots, seed=seed, network=None)[0]
    probs: dict[str, float] = {}
    for key, n in counts.items():
        probs[key] = probs.get(key, 0.0) + n / shots
    label = (f"channels (exact equivalent: every ebit a fixed state, finite T1): "
             f"{dist.ebits - form.moves} teleported groups as fixed channels ({form.folded} "
             f"folded onto their qubits, "
             f"{form.unfolded} with a slot qubit for b), {form.moves} qubit moves as fixed "
             f"one-qubit channels, {form.waits} memory waits as relaxation "
             f"channels, no mid-circuit measurement; fused into {len(fused.data) - width} blocks "
             f"on {width} qubits, Aer {method}")
    return probs, label


class _Block:
    """Consecutive operations on at most two qubits composed into one map (unitary while no
    channel joins)."""

    def __init__(self, qubits) -> None:
        self.qubits: list = list(qubits)
        self.unitary: Operator | None = Operator(np.eye(2 ** len(self.qubits)))
        self.channel: SuperOp | None = None

    def widen(self, qubit) -> None:
        self.qubits.append(qubit)   # the new qubit is the most significant
        if self.unitary is not None:
            self.unitary = Operator(np.eye(2)).tensor(self.unitary)
        else:
            self.channel = SuperOp(np.eye(4)).tensor(self.channel)

    def add(self, op, qubits) -> None:
        pos = [self.qubits.index(q) for q in qubits]
        channel = _channel_of(op)
        if channel is None and self.unitary is not None:
            self.unitary = self.unitary.compose(Operator(op), qargs=pos)
            return
        if self.channel is None:
            self.channel, self.unitary = SuperOp(self.unitary), None
        self.channel = self.channel.compose(channel if channel is not None else SuperOp(Operator(op)),
                                            qargs=pos)

    def instruction(self) -> Instruction:
        if self.unitary is not None:
            return UnitaryGate(self.unitary.data, check_input=False)
        return _instruction(_kraus(self.channel))


def _channel_of(op) -> SuperOp | None:
    """The super-operator of a noise or Kraus instruction (None for a gate)."""
    if op.name == "kraus":
        return SuperOp(Kraus(list(op.params)))
    error = op if isinstance(op, QuantumError) else getattr(op, "_quantum_error", None)
    return None if error is None else SuperOp(error.to_quantumchannel())


def fuse(noisy: QuantumCircuit) -> QuantumCircuit:
    """``noisy`` (channels in place, measurements last) with runs of operations on at most two
    qubits composed into one unitary or one minimal Kraus instruction each, exactly: Aer's
    trajectories then pay about two passes per block instead of one per operation. An operation
    joins the latest block of its qubits when the two-qubit limit allows and no later operation
    touches them."""
    out = QuantumCircuit(*noisy.qregs, *noisy.cregs, name=noisy.name)
    blocks: list[_Block] = []
    latest: dict = {}   # qubit -> index of the last block that touched it
    tail = []
    for inst in noisy.data:
        op, qs = inst.operation, list(inst.qubits)
        if op.name in ("delay", "barrier"):
            continue
        if op.name == "measure" or inst.clbits:
            tail.append(inst)
            continue
        if tail:
            raise ValueError("fuse needs every measurement at the end of the circuit")
        last = max((latest[q] for q in qs if q in latest), default=None)
        if last is None or len(set(blocks[last].qubits) | set(qs)) > 2:
            blocks.append(_Block(qs))
            last = len(blocks) - 1
        block = blocks[last]
        for q in qs:
            if q not in block.qubits:
                block.widen(q)
        block.add(op, qs)
        for q in qs:
            latest[q] = last
    for block in blocks:
        out.append(block.instruction(), block.qubits)
    for inst in tail:
        out.append(inst)
    return out
