"""The scheduled chain: one template circuit for many sampled realizations, its binding table,
and the purification-trial templates; :func:`schedule` plans and emits in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from qiskit.circuit import ClassicalRegister, Parameter, QuantumCircuit

from qnet_circuits.network import Network
from qnet_circuits.scheduler.emit import (
    DEVICE_CORRECTIONS,
    _Ctx,
    _emit_link,
    _emit_purified,
    _step_waits,
    swap,
)
from qnet_circuits.scheduler.layout import _Emitter, _layout
from qnet_circuits.scheduler.links import LinkModel, PurifiedRecord, link_models, resolve_path
from qnet_circuits.scheduler.plan import _BASIS_ANGLES, BASES, ESTIMATORS, ChainPlan, PurificationPlan
from qnet_circuits.scheduler.sample import LinkSampler, block_size, sample_timeline
from qnet_circuits.timeline import Timeline


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


def emit_chain(
    network: Network,
    path: Sequence[str],
    models: Sequence[LinkModel],
    plan: ChainPlan,
    timeline: Timeline,
    *,
    estimator: str = "parities",
    block: int | None = None,
    correction: str | None = None,
    reuse: bool = True,
) -> ScheduledChain:
    """Emit the template circuit for ``timeline`` (realizations packed ``block`` per binding).

    ``correction``: ``None`` for the simulator form, or ``"dynamic"`` / ``"frame"`` for the device
    form (no ``while_loop``; heralds and flags post-selected; one realization per execution, so
    ``block`` must be 1 or None; see :mod:`qnet_circuits.scheduler.device`).
    ``reuse``: repeaters alternate between two registers (measured qubits reset and reused: a
    constant width). Their two-qubit interactions then close a 4-cycle (r1[0]-r1[1]-r2[0]-r2[1])
    from 4 links on, which no heavy-hex device (shortest cycle 12) holds without SWAPs;
    ``reuse=False`` gives every repeater its own register, so the interactions of state-level
    links form a line (no routing on a device that has a line of that many qubits).
    """
    if estimator not in (*ESTIMATORS, "open"):
        raise ValueError(f"estimator must be 'parities' or 'density_matrix', got {estimator!r}")
    if correction not in (None, *DEVICE_CORRECTIONS):
        raise ValueError(f"correction must be one of {', '.join(DEVICE_CORRECTIONS)} (or None for "
                         f"the simulator form), got {correction!r}")
    if correction is not None and block not in (None, 1):
        raise ValueError("the device form runs one realization per execution: use block=1")
    n = len(models)
    total = timeline.realizations
    k_block = 1 if correction is not None else block or block_size(n, total, plan, estimator)
    if k_block < 1 or total % k_block:
        raise ValueError(f"block must divide the number of realizations ({total}), got {k_block}")
    n_bind = total // k_block
    layout = _layout(network, list(path), list(models), plan, reuse)
    qc = QuantumCircuit(*layout.registers, name=f"chain_{n}_{plan.strategy}")
    bsm = ClassicalRegister(2, "bsm")
    qc.add_register(bsm)
    pair = None
    if estimator == "parities":
        pair = ClassicalRegister(2 * k_block, "pair")
        qc.add_register(pair)
    em = _Emitter(n_bind, lambda q: layout.slot_owner.get(q, ""))
    ctx = _Ctx(qc, em, layout, plan, network, {}, {}, bsm, device=correction)
    params = []
    cols = []
    for kb in range(k_block):
        _emit_realization(ctx, list(path), list(models), timeline, slice(kb, total, k_block))
        qa, qb = layout.node_regs[0][0], layout.node_regs[n][0]
        em.flush(qc, qa, qb)
        if pair is not None:
            readout = _parity_readout(qc, qa, qb, pair, kb, np.arange(kb, total, k_block) % 3)
            params.append(readout)
        elif estimator == "density_matrix":
            from qiskit_aer.library import SaveDensityMatrix

            qc.append(SaveDensityMatrix(2, label=f"rho{kb}"), [qa, qb])
        if kb < k_block - 1:
            qc.reset(qa)
            qc.reset(qb)
        em.flush_all(qc)
    basis = [p for readout in params for p in readout[0]]
    cols = list(em.values) + [v for readout in params for v in readout[1]]
    values = np.column_stack(cols) if cols else np.zeros((n_bind, 0))
    qc.metadata = _chain_metadata(qc, layout, list(path), list(models), plan, timeline, em,
                                  k_block, estimator)
    if correction is not None:
        qc.metadata.update(correction=correction, rejection_loops=False,
                           accept=[list(a) for a in ctx.accept], frames=list(ctx.frames))
    return ScheduledChain(qc, (*em.parameters, *basis), values, k_block, timeline, tuple(models),
                          tuple(path), plan, estimator, qc.metadata)


def _emit_realization(ctx: _Ctx, path: list[str], models: list[LinkModel], timeline: Timeline,
                      rows: slice) -> None:
    """One realization (rows ``rows`` of the timeline): every link, its storage wait, and the
    swap at each repeater as soon as the link to its right is emitted."""
    layout, em, m, n = ctx.layout, ctx.emitter, ctx.plan.slots, len(models)
    recs = timeline.records
    for i, mdl in enumerate(models):
        side_a = layout.side(i, True, m, n)
        side_b = layout.side(i + 1, False, m, n)
        link_recs = None
        if recs is not None:
            link_recs = [recs[r][i] for r in range(rows.start, timeline.realizations, rows.step)]
        _emit_link(ctx, mdl, side_a, side_b, link_recs)
        em.wait(side_a[0], timeline.left_wait_s[rows, i], "storage")
        em.wait(side_b[0], timeline.right_wait_s[rows, i], "storage")
        if i >= 1:
            b = layout.side(i, False, m, n)[0]
            c, d = side_a[0], side_b[0]
            em.flush(ctx.qc, b, c, d)
            swap(ctx, path[i], b, c, d)


def _parity_readout(qc: QuantumCircuit, qa, qb, pair: ClassicalRegister, kb: int,
                    basis_index: np.ndarray) -> tuple[tuple[Parameter, Parameter], tuple]:
    """Measure the end pair of block position ``kb`` in the basis ``BASES[basis_index]`` of each
    binding (rotation angles are Parameters); returns the Parameters and their value columns."""
    phi = Parameter(f"bx{kb}")
    theta = Parameter(f"by{kb}")
    for q in (qa, qb):
        qc.rx(phi, q)
        qc.ry(theta, q)
    qc.measure(qa, pair[2 * kb])
    qc.measure(qb, pair[2 * kb + 1])
    angles = np.array([_BASIS_ANGLES[b] for b in BASES])
    return (phi, theta), (angles[basis_index, 0], angles[basis_index, 1])


def _chain_metadata(qc: QuantumCircuit, layout, path: list[str], models: list[LinkModel],
                    plan: ChainPlan, timeline: Timeline, em: _Emitter, k_block: int,
                    estimator: str) -> dict[str, Any]:
    n = len(models)
    return {
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
            and photonic plans get theirs from :func:`qnet_circuits.protocols.chain.simulate`).
    """
    plan = plan or ChainPlan()
    if isinstance(realizations, bool) or not isinstance(realizations, int) or realizations < 1:
        raise ValueError(f"realizations must be an integer >= 1, got {realizations!r}")
    route = resolve_path(network, source, target, path)
    models = link_models(network, route, plan)
    if (plan.purification is not None or plan.link_level == "photonic") and sampler is None:
        raise ValueError(
            "purification and photonic plans need link records from trial runs; use "
            "qnet_circuits.protocols.chain.simulate (or pass sampler=)"
        )
    n = len(models)
    if plan.timing == "deterministic":
        realizations = 1
    k_block = block or block_size(n, realizations, plan, estimator)
    total = -(-realizations // k_block) * k_block
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0]) if seed is not None else (
        np.random.default_rng()
    )
    timeline = sample_timeline(models, plan, total, rng, sampler)
    return emit_chain(network, route, models, plan, timeline, estimator=estimator, block=k_block)


__all__ = ["ScheduledChain", "TrialTemplate", "emit_chain", "emit_trials", "schedule"]
