"""One heralded link: success probability and heralded fidelity beside their closed forms.

The link circuit of :func:`~qnet_circuits.library.generation.heralded_link` (single-click,
double-click or midpoint source) runs in the XX, YY and ZZ bases; the success probability is
pooled over the three runs (the herald does not depend on the basis) and the Phi+ fidelity comes
from the heralded parities. ``theory`` is :func:`qnet_circuits.link_theory.link_theory`
(reference sections 2 and 7: loss, dark counts, memory decay during the herald wait). On the local
simulator the exact heralded density matrix of the deferred-measurement circuit is attached too.

>>> result = run(LinkParams(scheme="midpoint", length_km=10.0), shots=400, seed=1)
>>> result.fidelity.value, round(result.theory["fidelity"], 6)
(1.0, 1.0)
>>> result.p_success.within(result.theory["p_success"], k=5)
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from qnet_circuits.analysis import bell_fidelity, heralded_mask, proportion
from qnet_circuits.library.generation import heralded_link
from qnet_circuits.library.measurement import pauli_basis_circuits
from qnet_circuits.library.options import CORRECTIONS
from qnet_circuits.network import Network, chain
from qnet_circuits.physics import fidelity_phi_plus, link_theory
from qnet_circuits.protocols import plots
from qnet_circuits.protocols.base import (
    Provenance,
    check_probability,
    resolve_runner,
    resolve_shots,
)
from qnet_circuits.protocols.pairs import check_choice
from qnet_circuits.results import Estimate
from qnet_circuits.run import heralded_density_matrix, progress

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.network import Link
    from qnet_circuits.run import Runner

#: attempts per basis when ``run`` is given no shots (``qnet link``'s default)
DEFAULT_SHOTS = 20000


@dataclass(frozen=True)
class LinkParams:
    """One link between two memories (validated by the network specs; units in the names).

    Attributes:
        scheme: ``"single-click"``, ``"double-click"`` (Barrett-Kok) or ``"midpoint"`` source.
        length_km: node-to-node distance in km (the station sits halfway).
        alpha: single-click bright-state population in (0, 1) (ignored by other schemes).
        detector_efficiency: detector efficiency in [0, 1].
        dark_count_prob: dark-count probability per detector per window.
        attenuation_db_per_km: fiber loss in dB/km.
        t1_s, t2_s: memory relaxation and dephasing times in s (inf: ideal memory).
        correction: Pauli-frame correction, ``"dynamic"`` (if_test) or ``"deferred"``.
        satellite: a :class:`~qnet_circuits.network.free_space.SatelliteDownlinks` channel
            instead of fiber (``midpoint`` scheme only: the pair source flies; ``length_km`` and
            ``attenuation_db_per_km`` are then unused and must keep their defaults).
    """

    scheme: str = "double-click"
    length_km: float = 20.0
    alpha: float = 0.1
    detector_efficiency: float = 1.0
    dark_count_prob: float = 0.0
    attenuation_db_per_km: float = 0.2
    t1_s: float = math.inf
    t2_s: float = math.inf
    correction: str = "dynamic"
    satellite: Any = None
    network: Network = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_probability("detector_efficiency", self.detector_efficiency)
        if self.satellite is not None:
            object.__setattr__(self, "network", self._satellite_network())
            check_choice("--correction", self.correction, CORRECTIONS)
            return
        network = chain(
            1,
            self.length_km,
            scheme=self.scheme,
            alpha=self.alpha,
            detector_efficiency=self.detector_efficiency,
            dark_count_prob=self.dark_count_prob,
            attenuation_db_per_km=self.attenuation_db_per_km,
            t1_s=self.t1_s,
            t2_s=self.t2_s,
        )
        check_choice("--correction", self.correction, CORRECTIONS)
        object.__setattr__(self, "network", network)

    def _satellite_network(self) -> Network:
        from qnet_circuits.network.free_space import SatelliteDownlinks, satellite_link

        if not isinstance(self.satellite, SatelliteDownlinks):
            raise ValueError("satellite must be a SatelliteDownlinks channel (or None for fiber)")
        if self.scheme != "midpoint":
            raise ValueError(f"--satellite flies the pair source: use --scheme midpoint, not "
                             f"{self.scheme!r}")
        defaults = {f.name: f.default for f in fields(LinkParams)}
        if (self.length_km != defaults["length_km"]
                or self.attenuation_db_per_km != defaults["attenuation_db_per_km"]):
            raise ValueError("--length-km and --attenuation describe fiber; with --satellite the "
                             "arms are the slant ranges (--altitude-km, --elevation-deg): drop them")
        if self.dark_count_prob > 0:
            raise ValueError("--dark-count > 0 is not modeled for the midpoint-source scheme; drop it")
        sat = self.satellite
        return satellite_link(altitude_km=sat.altitude_km, elevation_deg=sat.elevation_deg,
                              downlink=sat.downlink, detector_efficiency=self.detector_efficiency,
                              t1_s=self.t1_s, t2_s=self.t2_s)

    @property
    def link(self) -> Link:
        """The network's one link."""
        return self.network.links[0]


def circuits(params: LinkParams) -> list[QuantumCircuit]:
    """The ideal link circuit (fiber markers, heralds, correction), before any basis change."""
    return [heralded_link(params.link, correction=params.correction)]


@dataclass(frozen=True)
class LinkResult:
    """A simulated link beside its closed forms.

    Attributes:
        params: what was run.
        p_success: heralding probability per attempt, pooled over the three bases.
        fidelity: heralded Phi+ fidelity from XX/YY/ZZ parities.
        shots: attempts in all (three bases); heralded_shots: those that heralded.
        method: the simulation method the runner chose.
        theory: ``link_theory`` (p_success, fidelity, rate_hz, cycle_time_s, herald_wait_s).
        exact: density-matrix cross-check (``fidelity``, ``p_success``, ``source``) on the local
            simulator, None elsewhere.
        provenance: seed, shots per basis, backend, runner options, versions.
    """

    params: LinkParams
    p_success: Estimate
    fidelity: Estimate
    shots: int
    heralded_shots: int
    method: str | None
    theory: Mapping[str, Any]
    exact: Mapping[str, Any] | None
    provenance: Provenance

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet link`` (plus ``provenance``)."""
        link, network = self.params.link, self.params.network
        out = {
            "command": "link",
            "scheme": link.scheme,
            "length_km": link.fiber.length_km,
            "parameters": {
                "alpha": link.alpha if link.scheme == "single-click" else None,
                "arm_efficiency": link.arm_efficiency,
                "detector_efficiency": link.detector.efficiency,
                "dark_count": link.detector.dark_count_prob,
                "t1_s": network.node(link.a).memory.t1_s,
                "t2_s": network.node(link.a).memory.t2_s,
                "correction": self.params.correction,
            },
            "shots": self.shots,
            "heralded_shots": self.heralded_shots,
            "seed": self.provenance.seed,
            "backend": self.provenance.backend,
            "method": self.method,
            **self.p_success.to_dict("p_success"),
            **self.fidelity.to_dict("fidelity"),
            "theory": dict(self.theory),
        }
        if self.exact is not None:
            out["exact"] = dict(self.exact)
        out["provenance"] = self.provenance.to_dict()
        return out

    def plot(self, ax: Any = None) -> Any:
        """Simulated p_success and fidelity (error bars) beside the closed forms."""
        return plots.compare_bars(
            ax, ["p_success", "fidelity"], [self.p_success, self.fidelity],
            [self.theory["p_success"], self.theory.get("fidelity")],
            title=f"{self.params.scheme}, {self.params.length_km:g} km",
        )


def run(params: LinkParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> LinkResult:
    """Run the link in the XX, YY and ZZ bases (``shots`` attempts each) and compare with theory."""
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    network, link = params.network, params.link
    (circuit,) = circuits(params)
    bases = pauli_basis_circuits(circuit, circuit.metadata["pair"])
    backend = resolve_runner(runner)
    with progress.partial_ok():  # after Ctrl-C: the finished shots of every basis
        data = dict(zip(bases, backend.run(list(bases.values()), shots=shots, seed=seed,
                                           network=network), strict=True))
    all_shots = list(data.values())
    heralded = sum(int(heralded_mask(d).sum()) for d in all_shots)
    p_success = proportion(heralded, sum(d.shots for d in all_shots))
    exact = _exact(params) if getattr(backend, "name", "") == "aer" else None
    return LinkResult(
        params=params,
        p_success=p_success,
        fidelity=bell_fidelity(data),
        shots=sum(d.shots for d in all_shots),
        heralded_shots=heralded,
        method=all_shots[0].metadata.get("method"),
        theory=link_theory(link, network),
        exact=exact,
        provenance=Provenance.collect("link", backend, seed=seed, shots=shots),
    )


def _exact(params: LinkParams) -> dict[str, Any]:
    """The exact heralded state of the deferred-measurement circuit (local density matrix)."""
    rho, p_exact = heralded_density_matrix(heralded_link(params.link, correction="deferred"),
                                           params.network)
    return {"fidelity": fidelity_phi_plus(rho.data), "p_success": p_exact,
            "source": "density matrix of the deferred-measurement circuit"}


__all__ = ["DEFAULT_SHOTS", "LinkParams", "LinkResult", "circuits", "run"]
