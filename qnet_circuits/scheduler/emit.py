"""Emission of links, purification steps and swaps into the template circuit.

Heralds and purification flags that are outcomes of the circuit (photonic attempts,
purification) are sampled in the circuit: the delivered pair's last attempt (or purification
trial) is repeated in a ``while_loop`` until its heralds succeed with the same timing, which
samples the heralded state exactly (a rejection sampler, not physical time). Swaps use
:func:`qnet_circuits.library.swapping.append_bell_measurement` in its ``"measured"`` form (the
correction controlled by the measured qubits, so a readout error flips it as it flips the record),
or, at nodes without readout error, its ``"deferred"`` form without the measurements (the same
channel, two operations fewer).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from qiskit.circuit import ClassicalRegister, Clbit, IfElseOp, QuantumCircuit, Qubit
from qiskit.circuit.classical import expr

from qnet_circuits.library.generation import heralded_link
from qnet_circuits.library.purification import append_purification_step, append_twirl
from qnet_circuits.library.swapping import append_bell_measurement
from qnet_circuits.network import Network, Node
from qnet_circuits.scheduler.layout import _Emitter, _Layout
from qnet_circuits.scheduler.links import (
    LinkModel,
    _bell_diagonal,
    _prepare_state,
    node_map,
    record_duration,
)
from qnet_circuits.scheduler.plan import ChainPlan, PurificationPlan

#: Swap corrections of the device form: ``if_test`` feed-forward, or a Pauli frame in software.
DEVICE_CORRECTIONS: tuple[str, ...] = ("dynamic", "frame")


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
    #: ``None``: the simulator form (``while_loop`` rejection sampling, ``"measured"`` swaps);
    #: ``"dynamic"`` / ``"frame"``: the device form (module :mod:`~qnet_circuits.scheduler.device`)
    device: str | None = None
    #: device form: (register, rule) of every herald and flag pair that post-selection checks
    accept: list[tuple[str, str]] = field(default_factory=list)
    #: device form, ``"frame"``: the swap registers (m1, m2) in emission order
    frames: list[str] = field(default_factory=list)

    def memory_t1_infinite(self, node: str) -> bool:
        return math.isinf(self.nodes[node].memory.t1_s)

    @property
    def nodes(self) -> dict[str, Node]:
        if not hasattr(self, "_nodes"):
            self._nodes = node_map(self.network)
        return self._nodes


def _device_reg(ctx: _Ctx, stem: str, size: int, rule: str | None) -> ClassicalRegister:
    """A fresh register of the device form (``stem_<k>``); with ``rule`` it is post-selected."""
    reg = ClassicalRegister(size, f"{stem}_{len(ctx.qc.cregs)}")
    ctx.qc.add_register(reg)
    if rule is not None:
        ctx.accept.append((reg.name, rule))
    return reg


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
    # the frame form has no control flow at all: the herald's Z correction is coherent (deferred)
    sub = heralded_link(mdl.link, correction="deferred" if ctx.device == "frame" else "dynamic")
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
    if ctx.device is not None:
        _emit_photonic_once(ctx, sub, qmap, cmap, prefix, (qa, qb))
        return
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


def _emit_photonic_once(ctx: _Ctx, sub: QuantumCircuit, qmap: dict, cmap: dict, prefix: str,
                        memories: tuple[Qubit, Qubit]) -> None:
    """Device form: one attempt, its heralds measured into fresh registers and post-selected
    (the shots in which the delivered attempt failed are discarded)."""
    qc = ctx.qc
    rules = {h["register"]: h["rule"] for h in sub.metadata["heralds"]}
    for creg in sub.cregs:
        reg = _device_reg(ctx, f"herald_{creg.name[len(prefix):]}", creg.size, rules.get(creg.name))
        cmap.update(zip(creg, reg))
    qc.reset(memories[0])
    qc.reset(memories[1])
    qc.reset(ctx.layout.photon)
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
    if top_flags is not None:
        flags = list(top_flags)
    elif ctx.device is not None:
        flags = list(_device_reg(ctx, f"flags_l{level}", 2, "equal"))
    else:
        flags = list(_flag_reg(ctx, level))
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

    if top_flags is None and ctx.device is not None:  # once; the flags are post-selected
        em.flush_all(qc)
        body()
        em.flush_all(qc)
    elif top_flags is None:
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


def swap(ctx: _Ctx, node: str, b: Qubit, c: Qubit, d: Qubit) -> None:
    """Bell-state measurement on (b, c) at ``node``; the correction X^m2 Z^m1 reaches d (device
    form: by ``if_test``, or recorded in a fresh register as the Pauli frame)."""
    if ctx.device == "dynamic":
        append_bell_measurement(ctx.qc, b, c, d, ctx.bsm, "dynamic", reset=True)
        return
    if ctx.device == "frame":
        reg = _device_reg(ctx, f"frame_{node}", 2, None)
        ctx.frames.append(reg.name)
        append_bell_measurement(ctx.qc, b, c, d, reg, "frame", reset=True)
        return
    measured = ctx.nodes[node].readout_error > 0
    append_bell_measurement(ctx.qc, b, c, d, ctx.bsm, "measured" if measured else "deferred",
                            reset=True, record=measured)
