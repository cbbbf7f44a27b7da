"""Distributed sensing: an N-node GHZ state from network Bell pairs against N independent sensors.

N sensor nodes on a chain share Werner links of fidelity ``fidelity``; the inner nodes fuse
them into a GHZ state (:func:`~qnet_circuits.library.sensing.network_ghz_circuit`), each sensor
memory waits ``wait_s`` in the network's memories (T2 = ``t2_s``: coherence
``lambda = exp(-wait_s/t2_s)``) and picks up the phase ``phase``; the parity of the X readout has
mean ``C cos(N phase)`` with ``C = lambda^N ((4F - 1)/3)^(N-1)``
(:func:`~qnet_circuits.physics.network_ghz_contrast`; checked exactly in the tests).

Estimator: the shots are cut into batches of ``shots_per_estimate`` (nu); each batch gives
``phi_hat = arccos(P_hat / C) / N`` (C known from calibration, here the closed form), and the
sample variance over batches stands beside the exact finite-nu variance
(:func:`~qnet_circuits.physics.parity_estimator_moments`), the delta-method form
``(1 - C^2 cos^2 N phi) / (nu C^2 N^2 sin^2 N phi)``, the Heisenberg limit ``1/(nu N^2)`` and the
SQL ``1/(nu N)``. N noiseless independent sensors (|+>, phase, X readout; each gives
``arccos(P_i) `` and the N estimates are averaged) run beside it. The crossover N beyond which
the GHZ network stops beating them is :func:`~qnet_circuits.physics.sensing_crossover`.
The readout resolves ``0 < N phase < pi`` only (``cos`` is even), so ``phase`` must lie there.

>>> r = run(SenseParams(nodes=3, phase=0.4, fidelity=0.95), shots=2000, seed=2)
>>> round(r.theory["contrast"], 6), r.parity.within(r.theory["parity"], k=4)
(0.871111, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from qiskit.circuit import Parameter

from qnet_circuits import physics
from qnet_circuits.library.sensing import network_ghz_circuit, product_sensors_circuit
from qnet_circuits.network import chain
from qnet_circuits.protocols import plots
from qnet_circuits.protocols.base import (
    Provenance,
    check_finite,
    check_int,
    check_nonnegative,
    check_positive,
    check_probability,
    resolve_runner,
    resolve_shots,
)
from qnet_circuits.results import Estimate
from qnet_circuits.run import progress

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.network import Network
    from qnet_circuits.run import Runner

#: shots per configuration when ``run`` is given none (``qnet sense``'s default)
DEFAULT_SHOTS = 4000
#: most sensor nodes simulated (the GHZ circuit has 2N + ... qubits; Aer samples shot by shot)
MAX_NODES = 10


@dataclass(frozen=True)
class SenseParams:
    """A distributed-sensing experiment (validated; messages use the command's flag names).

    Attributes:
        nodes: number of sensor nodes N, 2 <= N <= :data:`MAX_NODES`.
        phase: phase per node (rad), with 0 < N phase < pi.
        fidelity: Werner fidelity of every chain link.
        wait_s: memory wait of each sensor qubit during distribution (s).
        t2_s: memory T2 (s; inf: no dephasing).
        shots_per_estimate: parity shots nu behind one phase estimate.
        oscillation_points: phases in the parity-oscillation scan over [0, 2 pi / N).
    """

    nodes: int = 4
    phase: float = 0.3
    fidelity: float = 1.0
    wait_s: float = 0.0
    t2_s: float = math.inf
    shots_per_estimate: int = 100
    oscillation_points: int = 12

    def __post_init__(self) -> None:
        n = check_int("--nodes", self.nodes, minimum=2, maximum=MAX_NODES)
        phase = check_finite("--phase", self.phase)
        if not 0.0 < n * phase < math.pi:
            raise ValueError(f"--phase must satisfy 0 < nodes * phase < pi (the parity readout "
                             f"resolves only that range), got {n} * {phase} = {n * phase:.6g}")
        object.__setattr__(self, "nodes", n)
        object.__setattr__(self, "phase", phase)
        object.__setattr__(self, "fidelity", check_probability("--fidelity", self.fidelity))
        object.__setattr__(self, "wait_s", check_nonnegative("--wait", self.wait_s))
        object.__setattr__(self, "t2_s", check_positive("--t2", self.t2_s, allow_inf=True))
        object.__setattr__(self, "shots_per_estimate",
                           check_int("--shots-per-estimate", self.shots_per_estimate, minimum=1))
        object.__setattr__(self, "oscillation_points",
                           check_int("--oscillation-points", self.oscillation_points, minimum=0))
        if physics.network_ghz_contrast(self.links, self.coherence) <= 0.0:
            raise ValueError("--fidelity must exceed 0.25 (and --wait/--t2 keep coherence) so the "
                             "GHZ parity has positive contrast")

    @property
    def links(self) -> list[tuple[float, float, float, float]]:
        """Coefficients of the N - 1 chain links."""
        return [physics.werner_coefficients(self.fidelity)] * (self.nodes - 1)

    @property
    def coherence(self) -> float:
        """Per-sensor coherence ``exp(-wait_s / t2_s)`` after the distribution wait."""
        return math.exp(-self.wait_s / self.t2_s) if self.wait_s > 0 else 1.0

    @property
    def names(self) -> list[str]:
        """The node names of :meth:`network` (chain: s1, r1, ..., sN)."""
        return [n.name for n in self.network().nodes]

    def network(self) -> Network:
        """The sensor chain: memories with ``t2_s`` (T1 infinite; dephasing only)."""
        return chain(self.nodes - 1, 1.0, t2_s=self.t2_s, end_names=("s1", f"s{self.nodes}"))


def circuits(params: SenseParams, phase: Any = None) -> list[QuantumCircuit]:
    """[GHZ network circuit, independent sensors] at ``phase`` (default ``params.phase``; a
    Parameter gives the oscillation template)."""
    phi = params.phase if phase is None else phase
    names = params.names
    return [network_ghz_circuit(params.links, names, phases=[phi] * params.nodes,
                                wait_s=params.wait_s),
            product_sensors_circuit(names, phases=[phi] * params.nodes)]


def theory(params: SenseParams) -> dict[str, Any]:
    """Closed forms at ``params.phase`` with nu = ``shots_per_estimate`` (variances in rad^2)."""
    n, phi, nu = params.nodes, params.phase, params.shots_per_estimate
    c = physics.network_ghz_contrast(params.links, params.coherence)
    q = physics.pair_parity_factor(params.links[0])
    mean, var = physics.parity_estimator_moments(n, n * phi, c, nu)
    ind_mean, ind_var = physics.parity_estimator_moments(1, phi, 1.0, nu)
    return {"contrast": c, "parity": c * math.cos(n * phi), "coherence": params.coherence,
            "link_parity_factor": q, "estimator_mean": mean, "variance": var,
            "variance_delta_method": physics.parity_estimator_variance(n, phi, c, nu),
            "independent_mean": ind_mean, "independent_variance": ind_var / n,
            "heisenberg_variance": physics.heisenberg_variance(n, nu),
            "sql_variance": physics.sql_variance(n, nu),
            "advantage_at_optimum": physics.sensing_advantage(n, q, params.coherence),
            "crossover_nodes": physics.sensing_crossover(q, params.coherence)}


def sample_variance(values: np.ndarray) -> Estimate:
    """Unbiased sample variance with its normal-theory stderr ``s^2 sqrt(2 / (R - 1))``."""
    r = len(values)
    if r < 2:
        raise ValueError("shots must hold at least two batches of --shots-per-estimate")
    s2 = float(np.var(values, ddof=1))
    return Estimate(s2, s2 * math.sqrt(2.0 / (r - 1)))


def _parities(bits: np.ndarray) -> np.ndarray:
    return 1.0 - 2.0 * (bits.sum(axis=1) % 2)


def _batches(x: np.ndarray, nu: int) -> np.ndarray:
    r = len(x) // nu
    return x[: r * nu].reshape(r, nu, *x.shape[1:]).mean(axis=1)


@dataclass(frozen=True)
class SenseResult:
    """GHZ network against independent sensors, beside the closed forms.

    Attributes:
        params: what was run.
        parity: mean GHZ parity (all shots).
        estimate: mean of the batch estimates of the phase (rad).
        variance: sample variance of the GHZ batch estimates (rad^2).
        independent_estimate / independent_variance: the same for N independent sensors.
        batches: number of batch estimates R.
        oscillation: (phase, parity estimate) of the parity-oscillation scan.
        theory: see :func:`theory`.
        provenance: seed, shots per configuration, backend, runner options, versions.
    """

    params: SenseParams
    parity: Estimate
    estimate: Estimate
    variance: Estimate
    independent_estimate: Estimate
    independent_variance: Estimate
    batches: int
    oscillation: tuple[tuple[float, Estimate], ...]
    theory: Mapping[str, Any]
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet sense`` (plus ``provenance``)."""
        p, th = self.params, self.theory
        c = th["contrast"]
        return {
            "command": "sense", "nodes": p.nodes, "phase": p.phase, "fidelity": p.fidelity,
            "wait_s": p.wait_s, "t2_s": p.t2_s, "shots_per_estimate": p.shots_per_estimate,
            "batches": self.batches,
            **self.parity.to_dict("parity"), "theory_parity": th["parity"],
            "theory_contrast": c,
            **self.estimate.to_dict("estimate"), "theory_estimate": th["estimator_mean"],
            **self.variance.to_dict("variance"), "theory_variance": th["variance"],
            "theory_variance_delta_method": th["variance_delta_method"],
            "heisenberg_variance": th["heisenberg_variance"], "sql_variance": th["sql_variance"],
            **self.independent_estimate.to_dict("independent_estimate"),
            **self.independent_variance.to_dict("independent_variance"),
            "theory_independent_variance": th["independent_variance"],
            "theory_advantage_at_optimum": th["advantage_at_optimum"],
            "theory_crossover_nodes": th["crossover_nodes"],
            "oscillation": [{"phase": x, "parity": e.value, "parity_stderr": e.stderr,
                             "theory": c * math.cos(p.nodes * x)} for x, e in self.oscillation],
            "shots": self.provenance.shots, "seed": self.provenance.seed,
            "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Parity oscillation: measured parity against phase, beside ``C cos(N phi)``."""
        ax = plots.axis(ax)
        n, c = self.params.nodes, self.theory["contrast"]
        grid = np.linspace(0.0, 2 * math.pi / n, 200)
        ax.plot(grid, c * np.cos(n * grid), label=f"C cos({n} φ), C = {c:.3f}")
        ax.plot(grid, np.cos(grid), ":", color="gray", label="one sensor cos φ")
        if self.oscillation:
            xs = [x for x, _ in self.oscillation]
            ax.errorbar(xs, [e.value for _, e in self.oscillation],
                        yerr=[e.stderr for _, e in self.oscillation], fmt="o", capsize=3,
                        label="simulated")
        ax.set(xlabel="phase per node φ (rad)", ylabel="parity ⟨X^⊗N⟩",
               title=f"{n}-node GHZ parity oscillation")
        ax.legend()
        return ax


def _oscillation(params: SenseParams, backend: Runner, shots: int, seed: Any) -> tuple:
    if params.oscillation_points == 0:
        return ()
    phi = Parameter("phi")
    (template, _) = circuits(params, phi)
    xs = [2 * math.pi * i / (params.nodes * params.oscillation_points)
          for i in range(params.oscillation_points)]
    if progress.stop_requested():  # Ctrl-C during the sensing runs: no scan
        return ()
    with progress.partial_ok():  # after Ctrl-C: the phases whose rows finished
        rows = backend.run_bindings(template, {phi: xs}, shots=shots, seed=seed,
                                    network=params.network())
    out = []
    for x, data in zip(xs[: len(rows)], rows, strict=True):
        par = _parities(data["parity"])
        out.append((x, Estimate(float(par.mean()), float(par.std(ddof=1) / math.sqrt(len(par))))))
    return tuple(out)


def _scan_shots(params: SenseParams, shots: int) -> int:
    """Shots per oscillation phase: half of ``shots`` spread over the points, at least 100."""
    return max(100, shots // (2 * max(params.oscillation_points, 1)))


def run(params: SenseParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> SenseResult:
    """Run the GHZ network and the independent sensors for ``shots`` each (cut into batches),
    and the oscillation scan (:func:`_scan_shots` per phase)."""
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    n, nu = params.nodes, params.shots_per_estimate
    if shots // nu < 2:  # no batch mean and standard error from fewer than two estimates
        raise ValueError(f"--shots {shots} make {shots // nu} phase estimate(s) of "
                         f"--shots-per-estimate {nu} parity shots; at least 2 are needed for a "
                         f"mean and its standard error: give --shots >= {2 * nu} or a smaller "
                         "--shots-per-estimate")
    th = theory(params)
    backend = resolve_runner(runner)
    seeds = np.random.SeedSequence(seed).spawn(2) if seed is not None else [None, None]
    s0 = None if seeds[0] is None else int(seeds[0].generate_state(1)[0] >> 1)
    with progress.partial_ok():  # after Ctrl-C: the finished shots of both circuits
        ghz, product = backend.run(circuits(params), shots=shots, seed=s0, network=params.network())
    n_done = min(ghz.shots, product.shots)  # both after a Ctrl-C (the same number of shots)
    par = _parities(ghz["parity"][:n_done])
    ratio = np.clip(_batches(par, nu) / th["contrast"], -1.0, 1.0)
    est = np.arccos(ratio) / n
    sens = 1.0 - 2.0 * product["parity"][:n_done].astype(float)              # (shots, N) single parities
    ind = np.arccos(np.clip(_batches(sens, nu), -1.0, 1.0)).mean(axis=1)
    r = len(est)
    return SenseResult(
        params=params,
        parity=Estimate(float(par.mean()), float(par.std(ddof=1) / math.sqrt(len(par)))),
        estimate=Estimate(float(est.mean()), float(est.std(ddof=1) / math.sqrt(r)) if r > 1 else math.inf),
        variance=sample_variance(est),
        independent_estimate=Estimate(float(ind.mean()),
                                      float(ind.std(ddof=1) / math.sqrt(r)) if r > 1 else math.inf),
        independent_variance=sample_variance(ind),
        batches=r,
        oscillation=_oscillation(params, backend, _scan_shots(params, shots), seeds[1]),
        theory=th,
        provenance=Provenance.collect("sensing", backend, seed=seed, shots=shots),
    )


__all__ = [
    "DEFAULT_SHOTS",
    "MAX_NODES",
    "SenseParams",
    "SenseResult",
    "circuits",
    "run",
    "sample_variance",
    "theory",
]
