"""What every protocol module shares: provenance, runner and shot resolution, field validators.

Plain functions and one dataclass; a protocol module uses what it needs and subclasses nothing.

>>> check_probability("fidelity", 0.9)
0.9
>>> check_probability("fidelity", 1.2)
Traceback (most recent call last):
...
ValueError: fidelity must be in [0, 1], got 1.2
>>> p = Provenance.collect("link", None, seed=3, shots=100)
>>> p.backend, p.seed, p.shots, "qiskit" in p.versions
('aer', 3, 100, True)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # runners import Qiskit and Aer: keep them out of import time
    from qnet_circuits.run import Runner

#: distributions whose versions every result records
VERSIONED = ("qnet-circuits", "qiskit", "qiskit-aer", "numpy")


@cache
def package_versions() -> Mapping[str, str]:
    """Installed versions of :data:`VERSIONED` (``"not installed"`` where absent)."""
    out = {}
    for dist in VERSIONED:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def runner_name(runner: Runner | None) -> str:
    """The backend name a runner reports (``"aer"`` for the default runner)."""
    return "aer" if runner is None else str(getattr(runner, "backend_name", None)
                                            or getattr(runner, "name", type(runner).__name__))


def runner_options(runner: Runner | None) -> dict[str, Any]:
    """The options a runner was made with (method, simulator options, device options)."""
    if runner is None:
        return {"method": "auto"}
    opts: dict[str, Any] = {}
    if hasattr(runner, "method"):
        opts["method"] = runner.method
    for attr in ("backend_options", "options"):
        value = getattr(runner, attr, None)
        if isinstance(value, Mapping):
            opts.update({str(k): v for k, v in value.items() if _plain(v)})
    return opts


def _plain(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None)))


@dataclass(frozen=True)
class Provenance:
    """Where a result came from: protocol, seed, shots, backend, runner options, versions.

    Attributes:
        protocol: the protocol module's name (``"link"``, ``"chain"``, ...).
        seed: the seed every random step derived from (None: fresh entropy).
        shots: shots per circuit (or realizations / pairs, as the protocol documents).
        backend: the runner's backend name (``"aer"``, ``"fake_torino"``, ...).
        runner_options: options the runner was made with.
        versions: installed package versions (:func:`package_versions`).
    """

    protocol: str
    seed: int | None
    shots: int | None
    backend: str = "aer"
    runner_options: Mapping[str, Any] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def collect(cls, protocol: str, runner: Runner | None, *, seed: int | None,
                shots: int | None) -> Provenance:
        """The provenance of a run of ``protocol`` on ``runner`` (None: the default Aer runner)."""
        return cls(protocol, seed, shots, runner_name(runner), runner_options(runner),
                   dict(package_versions()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"protocol": self.protocol, "seed": self.seed, "shots": self.shots,
                "backend": self.backend, "runner_options": dict(self.runner_options),
                "versions": dict(self.versions)}


def resolve_runner(runner: Runner | None) -> Runner:
    """``runner``, or a local :class:`~qnet_circuits.run.AerRunner` when None."""
    if runner is not None:
        return runner
    from qnet_circuits.run import AerRunner

    return AerRunner()


def resolve_shots(shots: int | None, default: int, name: str = "shots") -> int:
    """``shots`` validated as a positive integer (at most
    :data:`~qnet_circuits.protocols.limits.MAX_SHOTS`), or ``default`` when None."""
    from qnet_circuits.protocols.limits import check_shots

    if shots is None:
        return default
    return check_shots(name, check_int(name, shots, minimum=1))


def check_int(name: str, value: Any, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """``value`` as an int in [minimum, maximum]; ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = operator.index(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_sequence(name: str, value: Any) -> tuple[Any, ...]:
    """``value`` (a list or tuple) as a tuple; ValueError naming ``name`` otherwise.

    >>> check_sequence("--mu", [1.0, 2.0])
    (1.0, 2.0)
    """
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name} must be a list of values, got {value!r}")
    return tuple(value)


def check_finite(name: str, value: Any) -> float:
    """``value`` as a finite float; ValueError naming ``name`` otherwise."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return x


def check_probability(name: str, value: Any) -> float:
    """``value`` as a float in [0, 1]; ValueError naming ``name`` otherwise."""
    x = check_finite(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return x


def check_positive(name: str, value: Any, *, allow_inf: bool = False) -> float:
    """``value`` as a float > 0 (``inf`` allowed when ``allow_inf``)."""
    x = float("inf") if allow_inf and _is_inf(value) else check_finite(name, value)
    if not x > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return x


def check_nonnegative(name: str, value: Any, *, allow_inf: bool = False) -> float:
    """``value`` as a float >= 0 (``inf`` allowed when ``allow_inf``)."""
    x = float("inf") if allow_inf and _is_inf(value) else check_finite(name, value)
    if not x >= 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return x


def _is_inf(value: Any) -> bool:
    try:
        return float(value) == float("inf")
    except (TypeError, ValueError):
        return False


__all__ = [
    "Provenance",
    "check_finite",
    "check_int",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "package_versions",
    "resolve_runner",
    "resolve_shots",
    "runner_name",
    "runner_options",
]
