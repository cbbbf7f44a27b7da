"""Traps: where they go (pairwise non-adjacent, isolated from the computation by dummies), and
the client's secret draws for a batch of runs, with an optional dishonest server.

Trap verification (Fitzsimons-Kashefi, PRA 96, 012303): vertices outside the computation hold
either traps ``|+_theta>`` or dummies ``|d>``; every neighbour of a trap is a dummy, so an honest
trap outcome is ``b = r``. A dishonest server applies a Pauli to one position just before its
measurement, or flips one reported bit (:data:`~qnet_circuits.library.blind.ATTACKS`).

>>> from qnet_circuits.library.blind.program import brickwork_program
>>> prog = brickwork_program("x 0; cx 0 1", trap_rows=2)
>>> runs = draw_runs(prog, 3, 7, traps=2, attack="z", attack_on="trap")
>>> [len(runs.traps(k)) for k in range(3)], runs.attack
([2, 2, 2], 'z')
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from qnet_circuits.library.blind.base import ATTACKS, ROLE_COMPUTE, ROLE_DUMMY, ROLE_TRAP, Attack
from qnet_circuits.library.blind.client import ClientRuns
from qnet_circuits.library.blind.program import BlindProgram


def place_traps(program: BlindProgram, n_traps: int, rng: np.random.Generator) -> tuple[int, ...]:
    """``n_traps`` pairwise non-adjacent trap positions among the program's candidates, drawn
    at random (random greedy order); ``ValueError`` when they do not fit."""
    if not isinstance(n_traps, int) or isinstance(n_traps, bool) or n_traps < 0:
        raise ValueError(f"traps must be a non-negative integer, got {n_traps!r}")
    if n_traps == 0:
        return ()
    cand = program.trap_candidates()
    p = program.pattern
    for _ in range(64):
        chosen: list[int] = []
        blocked: set[int] = set()
        for i in rng.permutation(cand):
            i = int(i)
            if i in blocked:
                continue
            chosen.append(i)
            blocked.add(i)
            blocked.update(p.neighbours(i))
            if len(chosen) == n_traps:
                return tuple(sorted(chosen))
    raise ValueError(
        f"traps={n_traps} do not fit the graph: {len(cand)} candidate positions (measured, "
        "outside the computation and not adjacent to it) and traps must not be adjacent to each "
        "other; use fewer traps or a larger trap region"
    )


def draw_runs(
    program: BlindProgram,
    runs: int,
    rng: np.random.Generator | int | None = None,
    *,
    traps: int = 0,
    attack: Attack | None = None,
    attack_on: Literal["uniform", "trap"] | int = "uniform",
) -> ClientRuns:
    """Draw the client's secrets for ``runs`` runs (theta, r, trap positions, dummy bits).

    Args:
        program: the program on the server's graph.
        runs: number of runs (independent secret draws).
        rng: numpy Generator or seed.
        traps: traps per run, at random candidate positions; every other non-computation vertex
            is a dummy.
        attack: the server's deviation on one position (None = honest).
        attack_on: ``"uniform"`` (a uniformly random measured position), ``"trap"`` (a random
            trap of the run; per-hit statistics) or a node index.
    """
    if not isinstance(runs, int) or isinstance(runs, bool) or runs < 1:
        raise ValueError(f"runs must be a positive integer, got {runs!r}")
    if attack is not None and attack not in ATTACKS:
        raise ValueError(f"attack must be None or one of {', '.join(ATTACKS)}, got {attack!r}")
    rng = np.random.default_rng(rng)
    p = program.pattern
    n, m = p.num_nodes, p.num_measured
    if traps:
        place_traps(program, traps, np.random.default_rng(0))  # fail fast if they do not fit
    comp = np.array(program.computation)
    theta = rng.integers(0, 8, size=(runs, n))
    r = rng.integers(0, 2, size=(runs, n))
    role = np.where(comp, ROLE_COMPUTE, ROLE_DUMMY)[None, :].repeat(runs, axis=0)
    for k in range(runs):
        for t in place_traps(program, traps, rng):
            role[k, t] = ROLE_TRAP
    d = np.where(role == ROLE_DUMMY, rng.integers(0, 2, size=(runs, n)), 0)
    dummy_delta = rng.integers(0, 8, size=(runs, n))
    attack_node = None
    if attack is not None:
        if attack_on == "uniform":
            attack_node = rng.integers(0, m, size=runs)
        elif attack_on == "trap":
            if not traps:
                raise ValueError("attack_on='trap' needs traps >= 1")
            attack_node = np.array(
                [rng.choice(np.flatnonzero(role[k, :m] == ROLE_TRAP)) for k in range(runs)]
            )
        elif isinstance(attack_on, (int, np.integer)) and 0 <= attack_on < m:
            attack_node = np.full(runs, int(attack_on))
        else:
            raise ValueError(
                f"attack_on must be 'uniform', 'trap' or a measured node index < {m}, "
                f"got {attack_on!r}"
            )
    return ClientRuns(program, theta, r, role, d, dummy_delta, attack, attack_node)


__all__ = ["draw_runs", "place_traps"]
