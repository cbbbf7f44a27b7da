"""The scheduler: a repeater chain on a path of a network as one timed multi-node circuit.

A :class:`ChainPlan` says how the chain runs: link generation on every segment (the scheme
comes from the network's links; ``link_level="state"`` prepares the closed-form heralded state
and samples attempt counts with the closed-form probability, ``"photonic"`` runs
:func:`~qnet_circuits.library.generation.heralded_link` attempts), optional purification of every
link (:class:`PurificationPlan`), a swapping strategy (``"sequential"``, ``"nested"``, ``"asap"``)
and an optional cutoff. :func:`schedule` samples the attempt counts of many realizations with the
seed (:mod:`qnet_circuits.timeline`), computes when every memory waits, and emits **one template
circuit** in which every wait is a ``Delay`` whose duration is a :class:`~qiskit.circuit.Parameter`;
the values of every realization form the binding table. ``ScheduledChain.bound_circuit(b)``
binds one row: an ordinary circuit with float Delays for the core noise pass, hardware or drawing.

Layout (width). Measured qubits are reset and reused: end nodes hold ``m`` qubits (``m = 1``, or
``rounds + 1`` / 2 with purification), and repeaters share two registers of ``m + 1`` qubits in
alternation (``r1_mem`` serves r1, r3, r5, ...; ``r2_mem`` serves r2, r4, ...), so the width is a
small constant for any number of links. Repeaters with different physics (memory, gate and
readout error) get registers of their own, so the noise pass (which reads the register-to-node
map ``metadata["nodes"]``) always applies the right node's physics; ``metadata["node_slots"]``
says which register holds each node's memories.

Corrections. Swap outcomes are tracked in the Pauli frame: a memory decoheres for its whole wait
first, then receives the correction of the swap to its left (the ``"measured"`` form of
:func:`~qnet_circuits.library.swapping.append_bell_measurement`: a CX/CZ controlled by the measured
qubits, so a readout error at the repeater flips the correction as the record would) right
before its own Bell-state measurement; this equals applying the product of all corrections at
the end node when the last message arrives. The herald's own frame flip (Psi+ -> Phi+) is applied
after the herald wait, as in :func:`~qnet_circuits.library.generation.heralded_state`.

Heralds and purification flags that are outcomes of the circuit (photonic attempts,
purification) are sampled in the circuit: the delivered pair's last attempt (or purification
trial) is repeated in a ``while_loop`` until its heralds succeed with the same timing, which
samples the heralded state exactly (a rejection sampler, not physical time); the physical time of
the failures comes from separate trial runs (:mod:`qnet_circuits.protocols.chain`).

Modules: :mod:`~qnet_circuits.scheduler.plan` (plans), :mod:`~qnet_circuits.scheduler.links` (link
models, state preparation, records, paths), :mod:`~qnet_circuits.scheduler.sample` (timelines),
:mod:`~qnet_circuits.scheduler.layout` (registers, the wait emitter),
:mod:`~qnet_circuits.scheduler.emit` (links, purification, swaps),
:mod:`~qnet_circuits.scheduler.template` (the scheduled chain, trial templates, :func:`schedule`)
and :mod:`~qnet_circuits.scheduler.device` (the device form: no ``while_loop``, post-selected
heralds and flags, ``if_test`` or Pauli-frame swap corrections; ``emit_chain(...,
correction=...)``).

>>> from qnet_circuits.network import chain
>>> sched = schedule(chain(4, 10.0), ChainPlan(link_fidelity=0.95), realizations=6, seed=1)
>>> sched.width, sched.realizations, [r.name for r in sched.circuit.qregs]
(8, 6, ['alice_mem', 'r1_mem', 'r2_mem', 'bob_mem', 'src_anc'])
>>> sched.metadata["node_slots"]["r3"]
'r1_mem'
"""

from __future__ import annotations

from qnet_circuits.scheduler.links import (
    LinkModel,
    PurifiedRecord,
    link_models,
    node_map,
    record_attempts,
    record_duration,
    resolve_path,
)
from qnet_circuits.scheduler.plan import BASES, ESTIMATORS, LINK_LEVELS, ChainPlan, PurificationPlan
from qnet_circuits.scheduler.sample import (
    LinkSampler,
    block_size,
    geometry_of,
    sample_timeline,
    state_sampler,
)
from qnet_circuits.scheduler.template import (
    ScheduledChain,
    TrialTemplate,
    emit_chain,
    emit_trials,
    schedule,
)
from qnet_circuits.timeline import STRATEGIES

__all__ = [
    "BASES",
    "ESTIMATORS",
    "LINK_LEVELS",
    "STRATEGIES",
    "ChainPlan",
    "LinkModel",
    "LinkSampler",
    "PurificationPlan",
    "PurifiedRecord",
    "ScheduledChain",
    "TrialTemplate",
    "block_size",
    "emit_chain",
    "emit_trials",
    "geometry_of",
    "link_models",
    "node_map",
    "record_attempts",
    "record_duration",
    "resolve_path",
    "sample_timeline",
    "schedule",
    "state_sampler",
]
