"""The device form of a chain plan: no ``while_loop``, post-selected heralds, a chosen correction.

IBM targets accept ``if_else`` (some) but never ``while_loop``, so the simulator form's rejection
loops (repeat the delivered photonic attempt, or purification step, until its heralds succeed)
cannot run there. :func:`~qnet_circuits.scheduler.emit_chain` with ``correction="dynamic"`` or
``"frame"`` emits the device form instead:

* attempt counts (and the timing of failed purification trials) are sampled classically, as in
  the simulator form; the delivered attempt and every purification step run **once**, their
  herald bits and flags are measured into registers of their own (``metadata["accept"]``: the
  register and the rule each must satisfy), and the shots in which any failed are discarded
  (:func:`accepted`). The acceptance rate is a result beside its closed form
  (:func:`acceptance_theory`);
* swap corrections are ``if_test`` feed-forward (``"dynamic"``, targets with ``if_else``) or the
  Pauli frame X^x Z^z recorded in one register per swap (``metadata["frames"]``) and applied in
  software to the measured end pair (``"frame"``: :func:`frame_corrected`; no control flow at
  all, the photonic herald's own correction is then the coherent ``"deferred"`` form);
* one realization per execution (``block = 1``): post-selection acts per shot.

With amplitude damping (finite T1) a Pauli X frame kept in software does not commute with the
later decay of the memory that the dynamic form corrects at the swap; with pure dephasing (and
Pauli or depolarizing gate noise) the two forms give the same end-pair statistics.

>>> from qnet_circuits.network import chain
>>> from qnet_circuits.scheduler import ChainPlan, link_models, resolve_path
>>> net = chain(2, 10.0)
>>> models = link_models(net, resolve_path(net), ChainPlan(link_level="photonic"))
>>> round(acceptance_theory(models, ChainPlan(link_level="photonic"), device=True), 6)
0.25
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
from qiskit.circuit import Delay, ParameterExpression, QuantumCircuit

from qnet_circuits import physics
from qnet_circuits.analysis import herald_rule_mask
from qnet_circuits.library.swapping import frame_flip, pauli_frame
from qnet_circuits.network import Detector, Network
from qnet_circuits.scheduler.emit import DEVICE_CORRECTIONS
from qnet_circuits.scheduler.links import LinkModel, _bell_diagonal, node_map
from qnet_circuits.scheduler.plan import ChainPlan


def check_correction(correction: str, dynamic: bool, device: str) -> str:
    """``correction`` resolved for a target: ``"auto"`` -> ``"dynamic"`` when the target runs
    ``if_else`` (``dynamic``), else ``"frame"``; ``"dynamic"`` on a target without ``if_else``
    is refused (ValueError naming the fix).

    >>> check_correction("auto", False, "fake_athens")
    'frame'
    """
    if correction == "auto":
        return "dynamic" if dynamic else "frame"
    if correction not in DEVICE_CORRECTIONS:
        raise ValueError(f"correction must be one of auto, {', '.join(DEVICE_CORRECTIONS)}, got "
                         f"{correction!r}")
    if correction == "dynamic" and not dynamic:
        raise ValueError(f"correction='dynamic' needs if_else, which {device} does not run; use "
                         "--correction frame (or auto)")
    return correction


def accepted(bits: Mapping[str, np.ndarray], accept: Sequence[Sequence[str]]) -> np.ndarray:
    """Boolean mask of the shots whose every herald and flag pair of ``accept`` (``[register,
    rule]`` pairs, ``metadata["accept"]``) succeeded; all True when nothing is post-selected.

    >>> accepted({"f": np.array([[0, 0], [1, 0]])}, [["f", "equal"]]).tolist()
    [True, False]
    """
    shots = len(next(iter(bits.values()))) if bits else 0
    mask = np.ones(shots, dtype=bool)
    for register, rule in accept:
        mask &= herald_rule_mask(np.asarray(bits[register]), rule)
    return mask


def frame_corrected(pair: np.ndarray, basis_letters: Sequence[str], bits: Mapping[str, np.ndarray],
                    frames: Sequence[str]) -> np.ndarray:
    """The end-pair bits (shots, 2) with the software Pauli frame of the ``frames`` registers
    (m1 = bit 0, m2 = bit 1 of each swap, emission order) applied to the second (far-end) qubit,
    measured in ``basis_letters[shot]``; unchanged without frames."""
    out = np.array(pair, dtype=np.uint8, copy=True)
    if not frames:
        return out
    x, z = pauli_frame([np.asarray(bits[f])[:, 0] for f in frames],
                       [np.asarray(bits[f])[:, 1] for f in frames])
    letters = np.asarray(basis_letters)
    for letter in set(letters.tolist()):
        sel = letters == letter
        out[sel, 1] ^= frame_flip(letter, x[sel], z[sel])
    return out


def strip_ideal_waits(circuit: QuantumCircuit, network: Network, *, scale: float = 1.0,
                      everything: bool = False) -> QuantumCircuit:
    """``circuit`` without the Delays of memories the network calls ideal (T1 = T2 = inf; every
    Delay with ``everything``): on a device the waits of perfect memories are no physics, only
    the device's own decay. The other Delays stay, their durations times ``scale`` (float
    durations; a Parameter duration is scaled through its binding values, see
    :func:`delay_parameters`), so the device's qubit plays the memory."""
    nodes = node_map(network)
    owners = (circuit.metadata or {}).get("nodes", {})
    ideal_regs = {reg for reg, node in owners.items() if node in nodes and nodes[node].memory.ideal}
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        op = inst.operation
        if isinstance(op, Delay):
            regs = {reg.name for q in inst.qubits for reg, _ in circuit.find_bit(q).registers}
            if everything or (regs and regs <= ideal_regs):
                continue
            if scale != 1.0 and not isinstance(op.duration, ParameterExpression):
                op = Delay(float(op.duration) * scale, unit=op.unit)
        out.append(op, inst.qubits, inst.clbits)
    return out


def memory_scale(network: Network, path: Sequence[str], device_t2_s: float | None,
                 time_scale: float | None) -> float:
    """The factor every kept wait is multiplied by on a device: ``time_scale``, or by default
    the device's median T2 over the shortest finite memory T2 on the path (1 when the path has
    none or the device states no T2), so a network wait t decays on the device as it would in
    the network's memory: exp(-t scale / T2_device) = exp(-t / T2_network).

    >>> from qnet_circuits.network import chain
    >>> memory_scale(chain(2, 10.0, t2_s=0.1), ["alice", "r1", "bob"], 1e-4, None)
    0.001
    """
    if time_scale is not None:
        if not (isinstance(time_scale, (int, float)) and time_scale > 0 and np.isfinite(time_scale)):
            raise ValueError(f"time_scale must be a finite number > 0, got {time_scale!r}")
        return float(time_scale)
    nodes = node_map(network)
    t2s = [nodes[n].memory.t2_s for n in path if np.isfinite(nodes[n].memory.t2_s)]
    if not t2s or not device_t2_s:
        return 1.0
    return float(device_t2_s) / min(t2s)


def delay_parameters(circuit: QuantumCircuit) -> set[str]:
    """Names of the Parameters that set Delay durations in ``circuit``."""
    names: set[str] = set()
    for inst in circuit.data:
        if isinstance(inst.operation, Delay) and isinstance(inst.operation.duration,
                                                             ParameterExpression):
            names |= {p.name for p in inst.operation.duration.parameters}
    return names


def _raw_pairs(plan: ChainPlan) -> tuple[int, int]:
    """(raw pairs, purification steps) of one delivered link."""
    pur = plan.purification
    if pur is None:
        return 1, 0
    if pur.scheme == "recurrence":
        return 2**pur.rounds, 2**pur.rounds - 1
    return pur.rounds + 1, pur.rounds


def lossless(model: LinkModel) -> LinkModel:
    """The link as its device circuit runs it: fiber markers stripped (no loss), ideal detectors."""
    link = model.link
    fiber = replace(link.fiber, length_km=0.0)
    bare = replace(link, fiber=fiber, detector=Detector())
    return LinkModel.build(bare, model.left, model.right, model.werner)


def acceptance_theory(models: Sequence[LinkModel], plan: ChainPlan, *, device: bool,
                      network: Network | None = None) -> float | None:
    """Closed-form probability that a shot of the device form is accepted: over links, the
    delivered attempts' herald probability (photonic level; ``device``: lossless, ideal
    detectors, as the markers are stripped there) to the power of the raw pairs, times the
    purification steps' success probabilities (physics-reference sections 5 and 14). None where
    no closed form applies: non-Bell-diagonal link states with purification, or (``network``
    given) noisy nodes or decaying memories during purification."""
    total = 1.0
    pur = plan.purification
    if pur is not None and network is not None:
        for node in node_map(network).values():
            if node.name in {m.left for m in models} | {m.right for m in models} and (
                    node.gate_error > 0 or node.readout_error > 0 or not node.memory.ideal):
                return None
    for mdl in models:
        use = lossless(mdl) if device and plan.link_level == "photonic" else mdl
        raw, _ = _raw_pairs(plan)
        if plan.link_level == "photonic":
            total *= use.p**raw
        if pur is None:
            continue
        coeffs = _bell_diagonal(use.state(True))
        if coeffs is None:
            return None
        rounds = physics.purification_rounds(pur.protocol, [coeffs] * raw, pur.rounds,
                                             pumping=pur.scheme != "recurrence")
        for level in rounds:
            for _, p in level:
                total *= p
    return float(total)


__all__ = [
    "accepted",
    "acceptance_theory",
    "check_correction",
    "delay_parameters",
    "frame_corrected",
    "lossless",
    "memory_scale",
    "strip_ideal_waits",
]
