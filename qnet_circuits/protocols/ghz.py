"""GHZ distribution: an n-qubit GHZ state among n end nodes through a central node.

Each end node ``u1 .. un`` shares a Werner pair of fidelity ``fidelity`` with the centre ``hub``
(a star network); the centre fuses its n halves by a GHZ-basis measurement and the end nodes
apply the X / Z corrections (:func:`~qnet_circuits.library.ghz.star_ghz_circuit`, ``if_test`` or
deferred). The fidelity to ``(|0..0> + |1..1>)/sqrt 2`` is estimated from n + 1 readout
settings (Guehne et al.'s parity method): the Z basis gives the populations
``P(0..0) + P(1..1)`` and the stabilizers ``<Z_i Z_i+1>``; the settings ``M(k pi/n)^(x)n``,
``M(phi) = cos(phi) X + sin(phi) Y``, give the coherence
``2 Re rho(0..0, 1..1) = (1/n) sum_k (-1)^k <M(k pi / n)^(x)n>`` (k = 0 is the stabilizer
``<X^(x)n>``), and ``F = (populations + coherence) / 2``. ``F > 1/2`` witnesses genuine n-party
entanglement. Closed form (Werner pairs, w = (4F - 1)/3):
``F = 1/2 [((1 + w)/2)^n + w^n + ((1 - w)/2)^n]`` (:func:`~qnet_circuits.physics.ghz_fidelity`).
A memory wait ``wait_s`` at the end nodes (T2 = ``t2_s``, a Delay the noise pass turns into
dephasing) multiplies the coherence by ``lambda^n``, ``lambda = exp(-wait_s/t2_s)``: a Z error
with probability ``(1 - lambda)/2`` per end qubit, folded into its link's coefficients.

>>> r = run(GHZParams(nodes=3, fidelity=0.95), shots=2000, seed=3)
>>> round(r.theory["fidelity"], 6), r.fidelity.within(r.theory["fidelity"], k=4)
(0.858185, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.library.ghz import ghz_setting, ghz_settings, star_ghz_circuit
from qnet_circuits.library.options import CORRECTIONS
from qnet_circuits.network import Memory, star
from qnet_circuits.protocols import plots
from qnet_circuits.protocols.base import (
    Provenance,
    check_int,
    check_nonnegative,
    check_positive,
    check_probability,
    resolve_runner,
    resolve_shots,
)
from qnet_circuits.protocols.pairs import check_choice
from qnet_circuits.results import Estimate
from qnet_circuits.run import progress

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.network import Network
    from qnet_circuits.run import Runner

#: shots per readout setting when ``run`` is given none (``qnet ghz``'s default)
DEFAULT_SHOTS = 4000
#: most end nodes simulated (2n + 2 qubits)
MAX_NODES = 8


@dataclass(frozen=True)
class GHZParams:
    """A GHZ distribution (validated; messages use the command's flag names).

    Attributes:
        nodes: end nodes n, 2 <= n <= :data:`MAX_NODES` (n = 2 is entanglement swapping).
        fidelity: Werner fidelity of every end-to-centre pair, in [0, 1].
        correction: ``"dynamic"`` (centre readout + ``if_test``) or ``"deferred"`` (controlled
            gates, for devices without control flow).
        center: name of the central node.
        wait_s: time each end memory holds its GHZ qubit before readout (s).
        t2_s: the end memories' T2 (s; T1 infinite: pure dephasing, ``lambda = exp(-wait/T2)``).
    """

    nodes: int = 4
    fidelity: float = 1.0
    correction: str = "dynamic"
    center: str = "hub"
    wait_s: float = 0.0
    t2_s: float = math.inf

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", check_int("--nodes", self.nodes, minimum=2,
                                                     maximum=MAX_NODES))
        object.__setattr__(self, "fidelity", check_probability("--fidelity", self.fidelity))
        check_choice("--correction", self.correction, CORRECTIONS)
        object.__setattr__(self, "wait_s", check_nonnegative("--wait", self.wait_s))
        object.__setattr__(self, "t2_s", check_positive("--t2", self.t2_s, allow_inf=True))
        if not isinstance(self.center, str) or not self.center.isidentifier() or self.center in self.names:
            raise ValueError(f"--center must be an identifier other than the end names u1..un, "
                             f"got {self.center!r}")

    @property
    def names(self) -> list[str]:
        """The end nodes ``u1 .. un``."""
        return [f"u{j}" for j in range(1, self.nodes + 1)]

    @property
    def links(self) -> list[tuple[float, float, float, float]]:
        """Bell coefficients of the n end-to-centre Werner pairs."""
        return [physics.werner_coefficients(self.fidelity)] * self.nodes

    @property
    def coherence(self) -> float:
        """Per-end-qubit coherence ``exp(-wait_s / t2_s)`` during the wait."""
        return math.exp(-self.wait_s / self.t2_s) if self.wait_s > 0 else 1.0

    @property
    def effective_links(self) -> list[tuple[float, float, float, float]]:
        """The links with the end qubit's dephasing folded in: Z with ``(1 - lambda)/2``."""
        q = (1.0 - self.coherence) / 2.0
        z = [physics.apply_pauli_label(c, "Z") for c in self.links]
        return [tuple((1 - q) * a + q * b for a, b in zip(c, cz)) for c, cz in zip(self.links, z)]

    def network(self) -> Network:
        """The star: ``center`` (a router with n memories) linked to every end node (1 km);
        memories with ``t2_s`` (T1 infinite)."""
        return star(self.names, 1.0, center=self.center, center_role="router",
                    memory=Memory(t1_s=math.inf, t2_s=self.t2_s))


def circuits(params: GHZParams) -> list[QuantumCircuit]:
    """The n + 1 readout circuits (settings of :func:`~qnet_circuits.library.ghz.ghz_settings`);
    the first (Z readout) is the protocol circuit."""
    base = star_ghz_circuit(params.links, params.names, center=params.center,
                            correction=params.correction, wait_s=params.wait_s)
    return [ghz_setting(base, s) for s in ghz_settings(params.nodes)]


def theory(params: GHZParams) -> dict[str, float]:
    """Closed forms for Werner pairs (end dephasing folded into the links): fidelity,
    populations, coherence, ``<X^n>``, ``<Z Z>``."""
    links = params.effective_links
    w = physics.werner_w(params.fidelity)
    return {"fidelity": physics.ghz_fidelity(links), "populations": physics.ghz_populations(links),
            "coherence": physics.ghz_coherence(links), "x_parity": physics.ghz_x_parity(links),
            "zz": w * w, "genuine_entanglement_bound": 0.5}


def _mean_pm(values: np.ndarray) -> Estimate:
    m = float(values.mean())
    return Estimate(m, math.sqrt(max(1.0 - m * m, 0.0) / len(values)))


def estimates(data: list[Any], n: int) -> dict[str, Any]:
    """Fidelity, populations, coherence, stabilizers from the n + 1 settings' ``ghz`` bits."""
    z = np.asarray(data[0]["ghz"], dtype=int)
    ones = z.sum(axis=1)
    pop = float(np.mean((ones == 0) | (ones == n)))
    pop_e = Estimate(pop, math.sqrt(pop * (1 - pop) / len(z)))
    zz = [_mean_pm(1.0 - 2.0 * (z[:, i] ^ z[:, i + 1])) for i in range(n - 1)]
    parities = [_mean_pm(1.0 - 2.0 * (np.asarray(d["ghz"], dtype=int).sum(axis=1) % 2))
                for d in data[1:]]
    coh = sum((-1) ** k * p.value for k, p in enumerate(parities)) / n
    coh_se = math.sqrt(sum(p.stderr ** 2 for p in parities)) / n
    fid = Estimate(0.5 * (pop + coh), 0.5 * math.sqrt(pop_e.stderr ** 2 + coh_se ** 2))
    return {"fidelity": fid, "populations": pop_e, "coherence": Estimate(coh, coh_se),
            "x_parity": parities[0], "zz": tuple(zz), "parities": tuple(parities)}


@dataclass(frozen=True)
class GHZResult:
    """GHZ fidelity and stabilizers beside the closed forms.

    Attributes:
        params: what was run.
        fidelity: GHZ fidelity estimate.
        populations: ``P(0..0) + P(1..1)`` (Z setting).
        coherence: ``2 Re rho(0..0, 1..1)`` from the n parity settings.
        x_parity: the stabilizer ``<X^(x)n>``.
        zz: the stabilizers ``<Z_i Z_i+1>``, i = 1 .. n - 1.
        parities: ``<M(k pi/n)^(x)n>``, k = 0 .. n - 1.
        theory: see :func:`theory`.
        provenance: seed, shots per setting, backend, runner options, versions.
    """

    params: GHZParams
    fidelity: Estimate
    populations: Estimate
    coherence: Estimate
    x_parity: Estimate
    zz: tuple[Estimate, ...]
    parities: tuple[Estimate, ...]
    theory: Mapping[str, float]
    provenance: Provenance

    @property
    def genuine(self) -> bool:
        """True when F exceeds 1/2 by 4 standard errors (genuine n-party entanglement)."""
        return self.fidelity.value - 4 * self.fidelity.stderr > 0.5

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet ghz`` (plus ``provenance``)."""
        p, th = self.params, self.theory
        return {
            "command": "ghz", "nodes": p.nodes, "fidelity_link": p.fidelity,
            "correction": p.correction, "center": p.center, "wait_s": p.wait_s,
            "t2_s": p.t2_s, "coherence_factor": p.coherence,
            **self.fidelity.to_dict("fidelity"), "theory_fidelity": th["fidelity"],
            **self.populations.to_dict("populations"), "theory_populations": th["populations"],
            **self.coherence.to_dict("coherence"), "theory_coherence": th["coherence"],
            **self.x_parity.to_dict("x_parity"), "theory_x_parity": th["x_parity"],
            "zz": [e.value for e in self.zz], "zz_stderr": [e.stderr for e in self.zz],
            "theory_zz": th["zz"],
            "parities": [e.value for e in self.parities],
            "parities_stderr": [e.stderr for e in self.parities],
            "genuine_entanglement": self.genuine, "theory": dict(th),
            "shots": self.provenance.shots, "seed": self.provenance.seed,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Measured fidelity, populations, coherence and ``<X^n>`` beside the closed forms."""
        names = ["fidelity", "populations", "coherence", "x_parity"]
        return plots.compare_bars(ax, names, [getattr(self, k) for k in names],
                                  [self.theory[k] for k in names])


def run(params: GHZParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> GHZResult:
    """Run the n + 1 settings for ``shots`` each and estimate the GHZ fidelity."""
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    backend = resolve_runner(runner)
    with progress.partial_ok():  # after Ctrl-C: the finished shots of every setting
        data = backend.run(circuits(params), shots=shots, seed=seed, network=params.network())
    est = estimates(data, params.nodes)
    return GHZResult(params=params, theory=theory(params),
                     provenance=Provenance.collect("ghz", backend, seed=seed, shots=shots), **est)


__all__ = ["DEFAULT_SHOTS", "MAX_NODES", "GHZParams", "GHZResult", "circuits", "estimates", "run",
           "theory"]
