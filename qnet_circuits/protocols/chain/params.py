"""The chain protocol's parameters: the options of ``qnet chain``, validated on construction.

>>> p = ChainParams(links=4, length_km=25.0, t2_s=0.1, strategy="asap")
>>> p.plan().strategy, len(p.network().links), p.to_dict()["purify"]
('asap', 4, 'none')
>>> ChainParams(estimator="exact")
Traceback (most recent call last):
...
ValueError: estimator must be one of parities, density_matrix, got 'exact'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from qnet_circuits.library.options import CHAIN_ESTIMATORS, CHAIN_LINK_LEVELS, CHAIN_PURIFICATIONS
from qnet_circuits.network import SCHEMES, Network, chain
from qnet_circuits.protocols.base import (
    check_finite,
    check_int,
    check_positive,
    check_probability,
    check_sequence,
)
from qnet_circuits.protocols.device_memory import check_memory_options
from qnet_circuits.scheduler import ChainPlan, PurificationPlan
from qnet_circuits.scheduler.emit import DEVICE_CORRECTIONS
from qnet_circuits.timeline import check_strategy

#: Default sampled realizations (delivered pairs) of :func:`qnet_circuits.protocols.chain.run`.
DEFAULT_SHOTS = 3000


def _check_choice(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


@dataclass(frozen=True)
class ChainParams:
    """A chain of ``links`` equal links (``qnet chain``'s options).

    Attributes:
        links: number of links (>= 1); length_km: length of each link, in km.
        link_lengths_km: one length per link, in km (unequal links; overrides ``length_km``),
            or None.
        scheme: link scheme (``network.SCHEMES``); strategy: swapping strategy
            (``"sequential"``, ``"nested"``, ``"asap"``).
        purification: ``"none"``, ``"bbpssw"`` or ``"dejmps"``; rounds: purification rounds per
            link (>= 1; ignored without purification).
        t1_s, t2_s: memory T1 and T2 in s (``math.inf``: no decay).
        cutoff_s: discard a stored pair after this many seconds, or None.
        link_fidelity: Werner links of this fidelity at the heralded-state level, or None (the
            scheme's heralded state).
        link_level: ``"state"`` (closed-form heralded states) or ``"photonic"`` (photonic
            attempts; short chains).
        alpha: single-click bright-state population; detector_efficiency: in [0, 1].
        dark_count_prob: dark-count probability per detector per window, in [0, 1] (single- and
            double-click links; the midpoint-source circuit has no station detectors, so > 0 is
            refused there).
        estimator: ``"parities"`` (XX/YY/ZZ of the delivered pairs) or ``"density_matrix"``
            (exact per realization, Aer only, small widths).
        correction: ``None`` (the simulator form on Aer; on a device the device form with
            ``"auto"``), or the device form with ``"auto"`` (from the target), ``"dynamic"``
            (``if_test`` swaps) or ``"frame"`` (software Pauli frame); see
            :mod:`qnet_circuits.scheduler.device`.
        memory: on a device, ``"device"`` (the device's qubits play the memories over waits
            times ``time_scale``) or ``"off"`` (no waits); ``"injected"`` (device or Aer): the
            device form with the network's T1/T2 as explicit operations; time_scale: that
            factor (> 0), or None for the device's median T2 over the memory T2.
    """

    links: int = 2
    length_km: float = 25.0
    scheme: str = "double-click"
    strategy: str = "sequential"
    purification: str = "none"
    rounds: int = 1
    t1_s: float = math.inf
    t2_s: float = math.inf
    cutoff_s: float | None = None
    link_fidelity: float | None = None
    link_level: str = "state"
    alpha: float = 0.1
    detector_efficiency: float = 1.0
    estimator: str = "parities"
    correction: str | None = None
    memory: str = "device"
    time_scale: float | None = None
    link_lengths_km: tuple[float, ...] | None = None
    dark_count_prob: float = 0.0

    def __post_init__(self) -> None:
        check_int("links", self.links, minimum=1)
        check_finite("length_km", self.length_km)
        if self.link_lengths_km is not None:
            lengths = check_sequence("link_lengths_km", self.link_lengths_km)
            if len(lengths) != self.links:
                raise ValueError(f"link_lengths_km (--link-lengths) has {len(lengths)} lengths for "
                                 f"links={self.links}: give one length per link")
            for i, x in enumerate(lengths):
                if check_finite(f"link_lengths_km[{i}]", x) < 0:
                    raise ValueError(f"link_lengths_km[{i}] must be >= 0 km, got {x!r}")
            object.__setattr__(self, "link_lengths_km", tuple(float(x) for x in lengths))
        _check_choice("scheme", self.scheme, SCHEMES)
        check_strategy(self.strategy)
        _check_choice("purification", self.purification, CHAIN_PURIFICATIONS)
        check_int("rounds", self.rounds, minimum=1)
        _check_choice("link_level", self.link_level, CHAIN_LINK_LEVELS)
        from qnet_circuits.protocols.limits import check_chain_size

        check_chain_size(self.links, self.link_level, self.purification, self.rounds)
        _check_choice("estimator", self.estimator, CHAIN_ESTIMATORS)
        if self.correction is not None:
            _check_choice("correction", self.correction, ("auto", *DEVICE_CORRECTIONS))
            _check_choice("estimator (with correction)", self.estimator, ("parities",))
        check_memory_options(self.memory, self.time_scale)
        check_probability("detector_efficiency", self.detector_efficiency)
        check_probability("dark_count_prob", self.dark_count_prob)
        if self.dark_count_prob > 0 and self.scheme == "midpoint":
            raise ValueError("dark_count_prob (--dark-count) > 0 is not modeled for the "
                             "midpoint-source scheme (no station detectors); drop it or use "
                             "--scheme single-click/double-click")
        check_finite("alpha", self.alpha)
        for name in ("t1_s", "t2_s"):
            check_positive(name, getattr(self, name), allow_inf=True)
        # the network and the plan check the physics (T2 <= 2 T1, cutoff > 0, Werner range, ...)
        self.network()
        self.plan()

    def network(self) -> Network:
        """The chain network (``qnet_circuits.network.chain``) these parameters describe."""
        return chain(self.links, self.lengths_km, scheme=self.scheme, alpha=self.alpha,
                     detector_efficiency=self.detector_efficiency,
                     dark_count_prob=self.dark_count_prob, t1_s=self.t1_s, t2_s=self.t2_s)

    @property
    def lengths_km(self) -> list[float]:
        """Each link's length in km (``link_lengths_km``, else ``length_km`` for every link)."""
        if self.link_lengths_km is not None:
            return list(self.link_lengths_km)
        return [float(self.length_km)] * self.links

    def plan(self) -> ChainPlan:
        """The :class:`~qnet_circuits.scheduler.ChainPlan` these parameters describe."""
        purification = None
        if self.purification != "none":
            purification = PurificationPlan(self.purification, self.rounds)
        return ChainPlan(strategy=self.strategy, link_level=self.link_level,
                         link_fidelity=self.link_fidelity, purification=purification,
                         cutoff_s=self.cutoff_s)

    def to_dict(self) -> dict[str, Any]:
        """The parameters under the keys ``qnet chain --json`` prints (``purify``; ``rounds`` is
        0 without purification)."""
        return {
            "links": self.links,
            "length_km": self.length_km,
            "scheme": self.scheme,
            "strategy": self.strategy,
            "purify": self.purification,
            "rounds": self.rounds if self.purification != "none" else 0,
            "t1_s": self.t1_s,
            "t2_s": self.t2_s,
            "cutoff_s": self.cutoff_s,
            "link_fidelity": self.link_fidelity,
            "link_level": self.link_level,
            "alpha": self.alpha,
            "detector_efficiency": self.detector_efficiency,
            "estimator": self.estimator,
            **({"correction": self.correction} if self.correction is not None else {}),
            **({"memory": self.memory} if self.memory != "device" else {}),
            **({"time_scale": self.time_scale} if self.time_scale is not None else {}),
            **({"link_lengths_km": list(self.link_lengths_km)}
               if self.link_lengths_km is not None else {}),
            **({"dark_count": self.dark_count_prob} if self.dark_count_prob > 0 else {}),
        }


__all__ = ["DEFAULT_SHOTS", "ChainParams"]
