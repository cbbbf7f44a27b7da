"""Closed-form expectations for one heralded link, with the link's herald-wait memory decay.

Combines :mod:`qnet_circuits.physics` (reference sections 2 and 7) with a
:class:`~qnet_circuits.network.Link` and the memories of its two nodes.

>>> from qnet_circuits.network import chain
>>> net = chain(1, 20.0, scheme="double-click")
>>> th = link_theory(net.links[0], net)
>>> round(th["p_success"], 6), th["fidelity"]
(0.199054, 1.0)
"""

from __future__ import annotations

import math

import numpy as np

from qnet_circuits import physics
from qnet_circuits.library.generation import raw_heralded_state
from qnet_circuits.network import Link, Network

_X_B = np.kron(np.array([[0, 1], [1, 0]]), np.eye(2))  # X on qubit 1 (little-endian: high factor)


def link_theory(link: Link, network: Network) -> dict[str, float | None | str]:
    """p_success, heralded fidelity and rate of one link, with memory decay during the herald wait.

    Memory decay: the memories wait ``L/c`` after their last emission (see :func:`heralded_link`).
    The memory channel acts on the memories only, after every photonic operation on them, so it
    commutes with the photon measurements: the exact heralded state is the closed-form state
    (reference section 2) relaxed for that wait (section 7 channel), then frame-corrected.
    """
    p, rho = raw_heralded_state(link)
    mem_a = network.node(link.a).memory
    mem_b = network.node(link.b).memory
    wait = link.fiber.delay_s
    out: dict[str, float | None | str] = {
        "p_success": p,
        "cycle_time_s": link.cycle_time_s,
        "rate_hz": physics.rate_hz(p, link.cycle_time_s) if link.cycle_time_s > 0 else math.inf,
        "herald_wait_s": wait,
    }
    if wait > 0:
        rho = physics.relax_density_matrix(rho, 0, wait, mem_a.t1_s, mem_a.t2_s)
        rho = physics.relax_density_matrix(rho, 1, wait, mem_b.t1_s, mem_b.t2_s)
    if link.scheme != "midpoint":
        rho = _X_B @ rho @ _X_B
    out["fidelity"] = physics.fidelity_phi_plus(rho)
    return out
