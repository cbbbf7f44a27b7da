"""The result of a repeater-chain run: estimates beside their closed forms, the sampled timeline,
provenance, the CLI's JSON (:meth:`ChainResult.to_dict`) and a picture (:meth:`ChainResult.plot`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits.protocols.base import Provenance
from qnet_circuits.results import Estimate
from qnet_circuits.scheduler import ChainPlan
from qnet_circuits.timeline import Timeline

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

    from qnet_circuits.protocols.chain.params import ChainParams


@dataclass(frozen=True)
class ChainResult:
    """Result of :func:`~qnet_circuits.protocols.chain.run` and
    :func:`~qnet_circuits.protocols.chain.simulate`.

    Attributes:
        fidelity: mean end-to-end Phi+ fidelity with its standard error.
        fidelity_spread: standard deviation of the fidelity over realizations (density-matrix
            estimator), else None.
        fidelity_per_realization: per-realization fidelities (density-matrix estimator) or None.
        delivery: delivery-time summary in s (``mean_s``, ``stderr_s``, ``std_s``, ``p50_s``,
            ``p90_s``, ``p99_s``).
        rate_hz: delivered pairs per second, ``1/E[T]`` (delta-method standard error).
        qubits: circuit width.
        realizations: realizations sampled (timeline) and pairs measured.
        method: Aer method used.
        wall_s: wall time of the whole call, in s.
        theory: closed forms that apply to this plan
            (:func:`~qnet_circuits.protocols.chain.chain_theory`).
        timeline: the sampled timeline.
        plan, path: what was simulated.
        metadata: the circuit's metadata and run details (``partial``: after a Ctrl-C under a
            progress monitor, ``{"shots_done", "shots_requested"}`` realizations; ``scheduled``: the
            :class:`~qnet_circuits.scheduler.ScheduledChain`; ``circuit``: with ideal memories,
            the one circuit that delivers the end-to-end pair).
        params: the protocol parameters (:func:`~qnet_circuits.protocols.chain.run`), or None
            for a network of your own (:func:`~qnet_circuits.protocols.chain.simulate`).
        provenance: seed, shots, backend, runner options and package versions.
    """

    fidelity: Estimate
    fidelity_spread: float | None
    fidelity_per_realization: np.ndarray | None
    delivery: dict[str, float]
    rate_hz: Estimate
    qubits: int
    realizations: int
    method: str
    wall_s: float
    theory: dict[str, Any]
    timeline: Timeline
    plan: ChainPlan
    path: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    params: ChainParams | None = None
    provenance: Provenance | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary: the keys of ``qnet chain --json`` (parameters when ``params`` is set,
        ``seed`` and ``backend``, the estimates and ``theory``) plus ``provenance``."""
        out: dict[str, Any] = {}
        if self.params is not None:
            out.update(self.params.to_dict())
        if self.provenance is not None:
            out["seed"] = self.provenance.seed
            out["backend"] = self.provenance.backend
        out.update({
            "fidelity": self.fidelity.value,
            "fidelity_stderr": self.fidelity.stderr,
            "fidelity_spread": self.fidelity_spread,
            "rate_hz": self.rate_hz.value,
            "rate_hz_stderr": self.rate_hz.stderr,
            "mean_delivery_time_s": self.delivery["mean_s"],
            "delivery_time_s": self.delivery,
            "qubits": self.qubits,
            "realizations": self.realizations,
            "method": self.method,
            "wall_s": self.wall_s,
            "theory": self.theory,
        })
        if self.metadata.get("device_form") is not None:
            out["device_form"] = self.metadata["device_form"]
        if self.metadata.get("partial"):  # stopped by Ctrl-C: estimates from what finished
            out.update({"partial": True, **self.metadata["partial"]})
        if self.provenance is not None:
            out["provenance"] = self.provenance.to_dict()
        return out

    def protocol_circuit(self) -> QuantumCircuit:
        """The ideal circuit of the first execution (float Delays): the one circuit that delivers
        every pair with ideal memories, else the template bound with its first row."""
        circuit = self.metadata.get("circuit")
        return circuit if circuit is not None else self.metadata["scheduled"].bound_circuit(0)

    def plot(self, ax=None):
        """Histogram of the delivery times (ms) with the simulated mean and, where it applies, the
        closed-form mean (classical messages and cutoff included); the title compares the
        fidelity with its closed form. Returns the matplotlib Axes."""
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(6, 4))
        times_ms = 1e3 * np.asarray(self.timeline.delivery_s)
        ax.hist(times_ms, bins=40, histtype="step", density=True, label="sampled")
        ax.axvline(1e3 * self.delivery["mean_s"], color="C0", lw=1,
                   label=f"mean {1e3 * self.delivery['mean_s']:.3g} ms")
        theory_mean = self.theory.get("mean_delivery_time_s")
        if theory_mean is not None:
            ax.axvline(1e3 * theory_mean, color="k", ls="--", lw=1,
                       label=f"closed form {1e3 * theory_mean:.3g} ms")
        title = f"{len(self.path) - 1} links: F = {self.fidelity:.4f}"
        if self.theory.get("fidelity") is not None:
            title += f" (closed form {self.theory['fidelity']:.4f})"
        ax.set_title(title)
        ax.set_xlabel("delivery time (ms)")
        ax.set_ylabel("density")
        ax.legend(fontsize="small")
        return ax


__all__ = ["ChainResult"]
