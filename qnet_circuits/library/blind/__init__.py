"""Universal blind quantum computation (Broadbent-Fitzsimons-Kashefi) with trap verification.

The client/server split of BFK (FOCS 2009, arXiv:0807.4154), physics-reference section 11:

1. the client holds a measurement pattern (graph, angles phi_i in {k pi/4}, flow f);
2. for every vertex it draws theta_i in {k pi/4} and sends ``|+_theta> = P(theta)|+>``
   (here: ``ry(alpha)`` then ``p(beta)``, which is ``h`` then ``p(theta)`` for alpha = pi/2);
3. the server applies CZ on every edge;
4. in the measurement order the client sends ``delta_i = phi'_i + theta_i + r_i pi`` with
   ``phi'_i = (-1)^{s^X_i} phi_i + s^Z_i pi`` (flow corrections from earlier results
   ``s_j = b_j xor r_j``), the server measures in ``|+-_delta>`` (``p(-delta)``, ``h``,
   ``measure``) and reports ``b_i``;
5. output vertices are measured in Z; the client decodes ``out = m xor s^X``.

Trap verification (Fitzsimons-Kashefi, PRA 96, 012303): vertices outside the computation hold
either traps ``|+_theta>`` or dummies ``|d>``; every neighbour of a trap is a dummy, so an honest
trap outcome is ``b = r`` (the client adds ``d pi`` for each dummy neighbour to delta).

Circuits are *role-independent*: the server's instructions are the same for every run, the
client's secrets (theta, r, trap positions, dummy bits, and the flow corrections it will apply)
are circuit Parameters, so one compiled circuit runs thousands of random secret draws as one
binding table (``Runner.run_bindings``; see :mod:`qnet_circuits.protocols.blind`). The
measurement rotation ``p(-delta)`` is split into ``p(-base)``, ``p(+flip)`` if the flow
X-dependency reported 1, and ``p(-pi w_j)`` for each Z-dependency j that reported 1, where
``w_j`` is 1 when the client counts that dependency (``delta = base - flip b_x + pi sum_j w_j b_j``).

Programs: a :class:`MeasurementPattern` (any graph with flow), the 3-qubit line, or a small
1-2 qubit circuit compiled onto the BFK brickwork state (:func:`compile_to_brickwork`).

Modules (one job each; every name below is importable from this package):

* ``base``: angles in units of pi/4, vertex roles, the option vocabularies;
* ``pattern``: measurement patterns with flow (the graph state and its byproduct dependencies);
* ``brickwork``: the BFK brickwork graph, its pattern and the unitary it implements;
* ``compiler``: gate programs (text, gates, QuantumCircuit) compiled to brickwork angles;
* ``program``: the client's program on the server's graph, with room for traps;
* ``circuit``: the server's circuit (secrets as Parameters, optional Werner link);
* ``client``: the client's secrets, parameter values, decoding and the server's view;
* ``traps``: trap placement, dummies, secret draws and the dishonest server.

>>> import math
>>> prog = line_program(math.pi / 2, math.pi / 4)
>>> qc = blind_circuit(prog.pattern)
>>> qc.num_qubits, [r.name for r in qc.cregs]
(2, ['server_b'])
>>> prog.pattern.order, prog.pattern.outputs
((1, 2), (3,))
"""

from __future__ import annotations

from qnet_circuits.library.blind.base import (
    ATTACKS,
    QUARTER,
    ROLE_COMPUTE,
    ROLE_DUMMY,
    ROLE_TRAP,
    Attack,
    Correction,
    angle_index,
    delta_multiset,
    parse_angle,
)
from qnet_circuits.library.blind.brickwork import (
    brickwork_graph,
    brickwork_logical_circuit,
    brickwork_pattern,
)
from qnet_circuits.library.blind.circuit import blind_circuit
from qnet_circuits.library.blind.client import ClientRuns
from qnet_circuits.library.blind.compiler import (
    Gate,
    compile_to_brickwork,
    parse_program,
    program_circuit,
)
from qnet_circuits.library.blind.pattern import MeasurementPattern
from qnet_circuits.library.blind.program import BlindProgram, brickwork_program, line_program
from qnet_circuits.library.blind.traps import draw_runs, place_traps

__all__ = [
    "ATTACKS",
    "QUARTER",
    "ROLE_COMPUTE",
    "ROLE_DUMMY",
    "ROLE_TRAP",
    "Attack",
    "BlindProgram",
    "ClientRuns",
    "Correction",
    "Gate",
    "MeasurementPattern",
    "angle_index",
    "blind_circuit",
    "brickwork_graph",
    "brickwork_logical_circuit",
    "brickwork_pattern",
    "brickwork_program",
    "compile_to_brickwork",
    "delta_multiset",
    "draw_runs",
    "line_program",
    "parse_angle",
    "parse_program",
    "place_traps",
    "program_circuit",
]
