"""Result containers: an estimate with its standard error, and per-register shot data.

>>> e = Estimate(0.81, 0.01)
>>> e.within(0.8, k=4.0)
True
>>> f"{e}"
'0.8100 ± 0.0100'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """A statistical estimate: ``value`` with its one-sigma standard error ``stderr``."""

    value: float
    stderr: float

    def within(self, expected: float, k: float = 4.0) -> bool:
        """True when ``|value - expected| <= k * stderr`` (k standard errors)."""
        return abs(self.value - expected) <= k * self.stderr

    def sigmas_from(self, expected: float) -> float:
        """Distance to ``expected`` in standard errors (inf when stderr is 0 and they differ)."""
        diff = abs(self.value - expected)
        if self.stderr == 0:
            return 0.0 if diff == 0 else math.inf
        return diff / self.stderr

    def __format__(self, spec: str) -> str:
        spec = spec or ".4f"
        return f"{self.value:{spec}} ± {self.stderr:{spec}}"

    def to_dict(self, name: str) -> dict[str, float]:
        """``{name: value, name_stderr: stderr}`` for JSON output."""
        return {name: float(self.value), f"{name}_stderr": float(self.stderr)}


@dataclass(frozen=True)
class ShotData:
    """Measured bits of one circuit, per classical register.

    Attributes:
        bits: register name -> uint8 array of shape (shots, register size); column j is clbit j.
        shots: number of shots.
        metadata: the circuit's metadata plus the runner's (method, seed, backend, job id).
        saved: what the circuit saved with Aer save instructions, by label (for example
            ``save_density_matrix(label="rho")`` -> ``saved["rho"]``, the matrix averaged over
            the shots); empty on devices and for circuits that save nothing.
    """

    bits: Mapping[str, np.ndarray]
    shots: int
    metadata: Mapping[str, Any] = field(default_factory=dict)
    saved: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, register: str) -> np.ndarray:
        try:
            return self.bits[register]
        except KeyError:
            raise ValueError(
                f"no classical register {register!r}; registers: {', '.join(self.bits)}"
            ) from None
