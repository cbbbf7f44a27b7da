"""E91 / BBM92 key distribution over a link or a repeater chain, with or without an eavesdropper.

:func:`run` takes :class:`QkdParams` (numbers, the CLI's), builds the network, picks the pair
source (a Werner pair, the link's heralded state, or for ``links > 1`` the end-to-end pair of a
chain of Werner links) and calls :func:`~qnet_circuits.protocols.qkd.report.simulate_qkd`, which
runs the setting circuits, estimates S and the QBER per basis and distills a key. The result puts
S, QBER and the asymptotic key rate beside the closed forms (reference section 8).

Submodules: ``counts`` (outcome codes from shots or exact distributions), ``estimators`` (CHSH,
QBER, key rates, Eve's guess), ``sources`` (pair sources and their closed-form correlations),
``report`` (``simulate_qkd`` and its ``QkdReport``).

>>> result = run(QkdParams(protocol="bbm92", fidelity=0.97, pairs=20_000, sampling="exact"),
...              seed=3)
>>> round(result.theory["qber"]["Z"], 4), result.key.keys_match
(0.02, True)
>>> result.qber["Z"].within(0.02, k=4)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits.keys.abort import QBER_THRESHOLD
from qnet_circuits.library.options import EAVESDROPPERS, QKD_PROTOCOLS, QKD_SAMPLINGS, QKD_SOURCES
from qnet_circuits.library.qkd import protocol_settings, qkd_round, setting_circuits
from qnet_circuits.network import Network, chain
from qnet_circuits.protocols import plots
from qnet_circuits.protocols.base import Provenance, check_finite, check_int, resolve_runner
from qnet_circuits.protocols.pairs import check_choice
from qnet_circuits.protocols.qkd.counts import counts_from_shots, exact_probabilities, sample_counts
from qnet_circuits.protocols.qkd.estimators import (
    asymptotic_key_rate,
    chsh,
    correlator,
    eve_guess_probability,
    key_rate_per_second,
    qber_by_basis,
)
from qnet_circuits.protocols.qkd.report import SAMPLINGS, QkdReport, simulate_qkd
from qnet_circuits.protocols.qkd.sources import chain_source, source_circuit

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.keys.pipeline import KeyResult
    from qnet_circuits.results import Estimate
    from qnet_circuits.run import Runner

#: distributed pairs (rounds) when none are given (``qnet qkd --pairs``'s default)
DEFAULT_PAIRS = 200_000


@dataclass(frozen=True)
class QkdParams:
    """A QKD experiment (validated; messages use the command's flag names).

    Attributes:
        protocol: ``"e91"`` (CHSH test, device-independent key) or ``"bbm92"`` (Z/X bases).
        eavesdropper: ``"none"``, ``"intercept-resend"`` (random Z/X basis) or
            ``"intercept-resend-z"`` (always Z).
        intercept_fraction: fraction of pairs Eve intercepts, in [0, 1].
        fidelity: Werner source fidelity to Phi+ in [0.25, 1] (None: 1 for a Werner source; not
            with ``source="link"``); across ``links > 1`` the fidelity of every link.
        source: ``"werner"`` (Werner pair at the link's rate) or ``"link"`` (the link's
            heralded state, closed form of its scheme; one link only).
        links: links between Alice and Bob (> 1: a repeater chain of Werner links).
        length_km: node-to-node fiber length of each link in km.
        pairs: distributed pairs (rounds), >= 1.
        sampling: ``"shots"`` (runner shots) or ``"exact"`` (exact distribution + multinomial).
        p_z: BBM92 probability of the Z basis (0.5 symmetric).
        sample_fraction, qber_threshold, cascade_passes: key post-processing (keys.distill_key).
        satellite: a :class:`~qnet_circuits.network.free_space.SatelliteDownlinks` channel: the
            pair source flies on a satellite and each node receives one photon over a free-space
            downlink (midpoint scheme; ``links`` 1, ``length_km`` left at its default).
    """

    protocol: str = "bbm92"
    eavesdropper: str = "none"
    intercept_fraction: float = 1.0
    fidelity: float | None = None
    source: str = "werner"
    links: int = 1
    length_km: float = 10.0
    pairs: int = DEFAULT_PAIRS
    sampling: str = "shots"
    p_z: float = 0.5
    sample_fraction: float = 0.1
    qber_threshold: float = QBER_THRESHOLD
    cascade_passes: int = 4
    satellite: Any = None
    network: Network = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_choice("--protocol", self.protocol, QKD_PROTOCOLS)
        check_choice("--eavesdropper", self.eavesdropper, EAVESDROPPERS)
        check_choice("--source", self.source, QKD_SOURCES)
        check_choice("--sampling", self.sampling, QKD_SAMPLINGS)
        f = check_finite("--intercept-fraction", self.intercept_fraction)
        if not 0.0 <= f <= 1.0:
            raise ValueError(f"--intercept-fraction must be in [0, 1] (a fraction of pairs), got {f}")
        object.__setattr__(self, "intercept_fraction", f)
        from qnet_circuits.protocols.limits import check_shots

        object.__setattr__(self, "pairs", check_shots(
            "--pairs", check_int("--pairs", self.pairs, minimum=1), bytes_per_shot=48.0))
        object.__setattr__(self, "links", check_int("--links", self.links, minimum=1))
        if self.links > 1 and self.source == "link":
            raise ValueError(
                "--source link is the heralded state of one link; across --links > 1 the chain "
                "delivers Werner links of --fidelity end to end (drop --source link)"
            )
        length = check_finite("--length-km", self.length_km)
        if not length >= 0:
            raise ValueError(f"--length-km must be a finite number >= 0, got {self.length_km}")
        if self.source == "link" and self.fidelity is not None:
            raise ValueError("--fidelity sets a Werner source; drop it with --source link")
        if self.fidelity is not None:
            fid = check_finite("--fidelity", self.fidelity)
            if not 0.25 <= fid <= 1.0:
                raise ValueError(f"--fidelity must be in [0.25, 1] (Werner fidelity), got {fid}")
        protocol_settings(self.protocol, self.p_z)  # validates p_z
        network = chain(self.links, self.length_km) if self.satellite is None else \
            self._satellite_network()
        object.__setattr__(self, "network", network)

    def _satellite_network(self) -> Network:
        from qnet_circuits.network.free_space import SatelliteDownlinks, satellite_link

        if not isinstance(self.satellite, SatelliteDownlinks):
            raise ValueError("satellite must be a SatelliteDownlinks channel (or None for fiber)")
        if self.links != 1 or self.length_km != 10.0:
            raise ValueError("--links and --length-km describe fiber; with --satellite the two "
                             "arms are the slant ranges (--altitude-km, --elevation-deg): drop them")
        sat = self.satellite
        return satellite_link(altitude_km=sat.altitude_km, elevation_deg=sat.elevation_deg,
                              downlink=sat.downlink)

    @property
    def source_fidelity(self) -> float | None:
        """The Werner fidelity of the source (of each link for a chain), None for the link's
        heralded state."""
        if self.source == "link":
            return None
        return 1.0 if self.fidelity is None else float(self.fidelity)


def circuits(params: QkdParams, *, source: QuantumCircuit | None = None,
             seed: int | None = None) -> list[QuantumCircuit]:
    """The measured setting circuits of one round (Eve included), first setting first.

    ``source`` is the pair circuit (default: the parameters' Werner pair or heralded state; for
    ``links > 1`` the chain's end-to-end pair, which takes a chain simulation seeded ``seed``;
    pass :attr:`QkdResult.source` to reuse a run's).
    """
    if source is None:
        if params.links > 1:
            source, _info = chain_source(params.network, params.source_fidelity,
                                         _seed(seed))
        else:
            source = source_circuit(params.source_fidelity, params.network.links[0])
    round_qc = qkd_round(source, eavesdropper=params.eavesdropper,
                         intercept_fraction=params.intercept_fraction)
    return setting_circuits(round_qc, protocol_settings(params.protocol, params.p_z))


def _seed(seed: int | None) -> int:
    """``seed``, or a fresh one (reported in the result so the run can be repeated)."""
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**31))
    return int(seed)


@dataclass(frozen=True)
class QkdResult:
    """A QKD run: S, QBER, key rates and the distilled key beside the closed forms.

    Attributes:
        params: what was run.
        report: the full :class:`~qnet_circuits.protocols.qkd.report.QkdReport` (rounds, key).
        chain: for ``links > 1``, the chain source's end-to-end fidelity (simulated and closed
            form), delivery rate and width; None for one link.
        source: the pair circuit every round used.
        provenance: seed, pairs, backend, runner options, versions.
    """

    params: QkdParams
    report: QkdReport
    chain: Mapping[str, Any] | None
    source: QuantumCircuit = field(repr=False, compare=False)
    provenance: Provenance

    @property
    def seed(self) -> int:
        return self.report.seed

    @property
    def chsh(self) -> Estimate | None:
        """CHSH S (E91), None for BBM92."""
        return self.report.chsh

    @property
    def qber(self) -> Mapping[str, Estimate]:
        """QBER per key basis, over all sifted bits."""
        return self.report.qber

    @property
    def key(self) -> KeyResult:
        """The distilled key (sifting, sampled QBER, Cascade, hashing, abort decision)."""
        return self.report.key

    @property
    def theory(self) -> Mapping[str, Any]:
        """Closed forms for the same source and eavesdropper (``S``, ``qber``, key rate)."""
        return self.report.theory

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet qkd`` (plus ``provenance``)."""
        p = self.params
        out = self.report.to_dict()
        if self.chain is not None:
            out["chain"] = dict(self.chain)
        out["links"] = p.links
        out["length_km"] = p.length_km if p.satellite is None else p.network.links[0].fiber.length_km
        if p.satellite is not None:
            ch = p.network.links[0].fiber
            out["satellite"] = {"altitude_km": ch.altitude_km, "elevation_deg": ch.elevation_deg,
                                "arm_km": ch.arm_km, "loss_db_per_arm": ch.loss_db_per_arm,
                                "loss_db_two_arms": 2.0 * ch.loss_db_per_arm}
        out["source"] = p.source
        out["provenance"] = self.provenance.to_dict()
        return out

    def plot(self, ax: Any = None) -> Any:
        """QBER per key basis beside theory; for E91 also S (right axis) beside theory, with
        the local bound 2."""
        th_q = self.theory.get("qber") or {}
        bases = list(self.qber)
        ax = plots.compare_bars(ax, [f"QBER {b}" for b in bases], [self.qber[b] for b in bases],
                                [th_q.get(b) for b in bases], ylabel="QBER",
                                title=f"{self.params.protocol.upper()}, eavesdropper "
                                      f"{self.params.eavesdropper}")
        if self.chsh is not None:
            right = ax.twinx()
            x = len(bases)
            right.bar([x - 0.2], [self.chsh.value], width=0.4, yerr=[self.chsh.stderr], capsize=3,
                      color="C2", label="S simulated")
            if self.theory.get("S") is not None:
                right.bar([x + 0.2], [self.theory["S"]], width=0.4, color="C3", label="S theory")
            right.axhline(2.0, color="k", ls="--", lw=1)
            right.set_ylabel("CHSH S")
            right.legend(loc="upper right")
            ax.set_xticks(range(x + 1), [*(f"QBER {b}" for b in bases), "S"])
        return ax


def run(params: QkdParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> QkdResult:
    """Run ``params.pairs`` rounds (``shots``, when given, overrides the number of pairs).

    ``seed`` None draws a fresh seed; the result reports it. ``sampling="exact"`` computes the
    circuits' exact distribution locally, so it needs the local simulator (``runner`` None or Aer).
    """
    if params.sampling == "exact" and runner is not None and getattr(runner, "name", "") != "aer":
        raise ValueError(
            "--sampling exact computes the circuits' exact distribution locally (Aer); use "
            "--sampling shots to run on --backend " + str(getattr(runner, "name", ""))
        )
    pairs = params.pairs if shots is None else check_int("shots", shots, minimum=1)
    seed = _seed(seed)
    runner = resolve_runner(runner)
    network = params.network
    link = network.links[0]
    fidelity = params.source_fidelity
    chain_info, delivery = None, None
    if params.links > 1:
        source, chain_info = chain_source(network, fidelity, seed)
        delivery = chain_info["delivery_rate_hz"]
        fidelity = chain_info["fidelity_end_theory"]  # the chain delivers an exact Werner state
    else:
        source = source_circuit(fidelity, link)
    report = simulate_qkd(
        params.protocol, pairs=pairs, seed=seed, fidelity=fidelity, link=link, network=network,
        eavesdropper=params.eavesdropper, intercept_fraction=params.intercept_fraction,
        sampling=params.sampling, runner=runner, p_z=params.p_z,
        sample_fraction=params.sample_fraction, cascade_passes=params.cascade_passes,
        qber_threshold=params.qber_threshold, source=source, delivery_rate_hz=delivery,
    )
    return QkdResult(params, report, chain_info, source,
                     Provenance.collect("qkd", runner, seed=seed, shots=pairs))


__all__ = [
    "DEFAULT_PAIRS",
    "SAMPLINGS",
    "QkdParams",
    "QkdReport",
    "QkdResult",
    "asymptotic_key_rate",
    "chain_source",
    "chsh",
    "circuits",
    "correlator",
    "counts_from_shots",
    "eve_guess_probability",
    "exact_probabilities",
    "key_rate_per_second",
    "qber_by_basis",
    "run",
    "sample_counts",
    "simulate_qkd",
    "source_circuit",
]
