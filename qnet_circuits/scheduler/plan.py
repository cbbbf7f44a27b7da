"""Plans: how a repeater chain runs (:class:`ChainPlan`) and how its links are purified
(:class:`PurificationPlan`), validated on construction; and the scheduler's vocabularies.

>>> ChainPlan(strategy="asap", purification=PurificationPlan("dejmps", 2)).slots
3
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from qnet_circuits.library.options import CHAIN_ESTIMATORS, CHAIN_LINK_LEVELS
from qnet_circuits.library.options import PURIFICATION_PROTOCOLS as PROTOCOLS
from qnet_circuits.timeline import check_cutoff, check_strategy

LinkLevel = Literal["state", "photonic"]
LINK_LEVELS: tuple[str, ...] = CHAIN_LINK_LEVELS
Timing = Literal["sampled", "deterministic"]
Estimator = Literal["parities", "density_matrix"]
ESTIMATORS: tuple[str, ...] = CHAIN_ESTIMATORS
#: measurement basis of the end pair per realization, cycling XX, YY, ZZ
BASES: tuple[str, ...] = ("XX", "YY", "ZZ")
_BASIS_ANGLES = {"XX": (0.0, -math.pi / 2), "YY": (math.pi / 2, 0.0), "ZZ": (0.0, 0.0)}


@dataclass(frozen=True)
class PurificationPlan:
    """Purification of every elementary link before swapping.

    Attributes:
        protocol: ``"bbpssw"`` (Werner re-twirl between rounds) or ``"dejmps"``.
        rounds: purification rounds (>= 1).
        scheme: ``"recurrence"`` (round k purifies two round-(k-1) pairs) or ``"pumping"``
            (a fresh raw pair purifies the kept pair in every round).

    A failed step discards both of its pairs and regenerates them. Raw pairs of a step are made
    one after the other on the link; the kept pair waits for the sacrificed one, and both nodes
    wait one-way fiber delay for the other's flag.
    """

    protocol: str = "dejmps"
    rounds: int = 1
    scheme: str = "recurrence"

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(
                f"purification protocol must be one of {', '.join(PROTOCOLS)}, got {self.protocol!r}"
            )
        if isinstance(self.rounds, bool) or not isinstance(self.rounds, int) or self.rounds < 1:
            raise ValueError(f"rounds must be an integer >= 1, got {self.rounds!r}")
        if self.scheme not in ("recurrence", "pumping"):
            raise ValueError(f"scheme must be 'recurrence' or 'pumping', got {self.scheme!r}")

    @property
    def slots(self) -> int:
        """Memory qubits per node side during purification."""
        return self.rounds + 1 if self.scheme == "recurrence" else 2


@dataclass(frozen=True)
class ChainPlan:
    """How a repeater chain runs.

    Attributes:
        strategy: ``"sequential"`` (swaps along the path), ``"nested"`` (doubling) or ``"asap"``
            (each repeater swaps as soon as both of its memories hold a pair).
        link_level: ``"state"`` (closed-form heralded state and probability) or ``"photonic"``
            (photonic heralded-link attempts; short chains).
        link_fidelity: if set, every link delivers a Werner pair of this fidelity at the
            heralded-state level; timing (probability, cycle time) still comes from the scheme
            and length.
        purification: purify every link first, or None.
        cutoff_s: discard a stored pair after it waited this long (s), or None.
        timing: ``"sampled"`` (geometric attempt counts, many realizations) or
            ``"deterministic"`` (every link heralds after round(1/p) attempts; one realization).
    """

    strategy: str = "sequential"
    link_level: str = "state"
    link_fidelity: float | None = None
    purification: PurificationPlan | None = None
    cutoff_s: float | None = None
    timing: str = "sampled"

    def __post_init__(self) -> None:
        check_strategy(self.strategy)
        if self.link_level not in LINK_LEVELS:
            raise ValueError(f"link_level must be 'state' or 'photonic', got {self.link_level!r}")
        if self.link_fidelity is not None:
            f = self.link_fidelity
            if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0.25 <= f <= 1.0:
                raise ValueError(
                    f"link_fidelity must be a Werner fidelity in [0.25, 1], got {f!r}"
                )
            if self.link_level == "photonic":
                raise ValueError("link_fidelity applies to link_level='state' only")
        if self.purification is not None and not isinstance(self.purification, PurificationPlan):
            raise ValueError("purification must be a PurificationPlan or None")
        check_cutoff(self.cutoff_s)
        if self.timing not in ("sampled", "deterministic"):
            raise ValueError(f"timing must be 'sampled' or 'deterministic', got {self.timing!r}")
        if self.timing == "deterministic" and (
            self.purification is not None or self.link_level == "photonic" or self.cutoff_s
        ):
            raise ValueError(
                "timing='deterministic' applies to state-level links without purification or "
                "cutoff; use timing='sampled'"
            )

    @property
    def slots(self) -> int:
        return 1 if self.purification is None else self.purification.slots


__all__ = ["BASES", "ESTIMATORS", "LINK_LEVELS", "ChainPlan", "PurificationPlan"]
