"""What plays a network's memories when a protocol's circuits run on a device (``--memory``).

A network's waits are micro- to milliseconds and its memories' T2 can be seconds, while a device
qubit's T2 is ~100 us, so the raw waits would measure the device, not the network. Shared by
``qnet chain`` and ``qnet switch`` (one set of options, one validation, one report):

* ``"device"`` (default): on a device the waits of ideal memories are removed and the others
  multiplied by ``time_scale`` (default: the device's median T2 over the shortest finite memory
  T2 on the path, :func:`~qnet_circuits.scheduler.device.memory_scale`), so the device's own
  qubits play the memories; the effective T1/T2 (device T1/T2 over the scale) are reported.
  On Aer the network model's noise passes act on the raw waits (nothing changes);
* ``"off"``: on a device every wait is removed;
* ``"injected"`` (device or Aer): every wait is removed and the network's T1/T2 act as explicit
  operations (:func:`~qnet_circuits.scheduler.inject.inject_memory`: an ancilla dilation for
  amplitude damping, a Pauli Z sampled per shot for dephasing; exact), on top of the device's
  noise; on Aer the runner then gets the network with ideal memories (:func:`injected_network`),
  so it reproduces the network model within statistics.

``"off"`` and ``time_scale`` act on a device's own qubits and are refused on Aer; ``time_scale``
with ``"injected"`` is refused (no wait is kept to scale).

>>> check_memory_options("device", 2), check_memory_options("injected", None)
(2.0, None)
>>> effective_time(1e-4, 1e-3)  # a device T2 of 100 us over waits x 0.001 plays a 0.1 s memory
0.1
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from qnet_circuits.network import Detector, Memory, Network
from qnet_circuits.protocols.base import check_positive
from qnet_circuits.results import ShotData

#: What plays the network's memories: the device's qubits over scaled waits, none, or operations.
MEMORY_MODES: tuple[str, ...] = ("device", "off", "injected")


def is_device(runner: Any) -> bool:
    """True for runners that are not the local Aer simulator (network noise does not apply)."""
    from qnet_circuits.run import AerRunner

    return not isinstance(runner, AerRunner)


def check_memory_options(memory: str, time_scale: float | None) -> float | None:
    """``time_scale`` as a float (or None) after checking the pair: ``memory`` one of
    :data:`MEMORY_MODES`, ``time_scale`` > 0, and not both ``"injected"`` and a ``time_scale``."""
    if memory not in MEMORY_MODES:
        raise ValueError(f"memory must be one of {', '.join(MEMORY_MODES)}, got {memory!r}")
    if time_scale is None:
        return None
    scale = check_positive("time_scale", time_scale)
    if memory == "injected":
        raise ValueError("time_scale (--time-scale) scales the device's own waits, but "
                         "memory='injected' (--memory injected) keeps no wait and applies "
                         "the network's T1/T2 as operations: drop one of them")
    return scale


def check_memory_runner(memory: str, time_scale: float | None, runner: Any) -> None:
    """:func:`check_memory_options`, and on Aer no ``"off"`` and no ``time_scale``."""
    check_memory_options(memory, time_scale)
    if not is_device(runner) and (memory == "off" or time_scale is not None):
        raise ValueError("memory='off' and time_scale act on a device's own qubits; on Aer the "
                         "network's T1/T2 act through the noise passes: drop them or pick a device")


def effective_time(device_s: float | None, scale: float) -> float | None:
    """The network memory time the device's qubits play: a device time over the wait scale."""
    return None if device_s is None else device_s / scale


def injected_network(network: Network) -> Network:
    """``network`` with ideal memories and detectors: what the runner's noise pass still applies
    once memories, fiber loss and dark counts are injected (gate and readout errors on Aer)."""
    return Network(tuple(replace(n, memory=Memory()) for n in network.nodes),
                   tuple(replace(lk, detector=Detector()) for lk in network.links))


def injected_times(network: Network, path: Sequence[str]) -> dict[str, float]:
    """The network memory times the injected operations apply (s; shortest on the path)."""
    mems = [n.memory for n in network.nodes if n.name in set(path)]
    return {"injected_t1_s": min(m.t1_s for m in mems), "injected_t2_s": min(m.t2_s for m in mems)}


def wait_scale(network: Network, path: Sequence[str], runner: Any, memory: str,
               time_scale: float | None) -> float:
    """The factor on every kept wait: ``memory_scale`` on a device with ``"device"``, else 1."""
    from qnet_circuits.scheduler.device import memory_scale

    if memory != "device" or not is_device(runner):
        return 1.0
    coherence = getattr(runner, "median_coherence_s", (None, None))
    return memory_scale(network, path, coherence[1], time_scale)


def memory_summary(network: Network, path: Sequence[str], runner: Any, memory: str,
                   scale: float) -> dict[str, Any]:
    """The report: ``memory`` (what played the memories), ``time_scale``, ``effective_t1_s``,
    ``effective_t2_s`` (device runs with ``"device"``), ``injected_t1_s``, ``injected_t2_s``."""
    on_device = is_device(runner)
    device = memory == "device" and on_device
    coherence = getattr(runner, "median_coherence_s", (None, None)) if on_device else (None, None)
    return {
        "memory": memory if on_device or memory == "injected" else "network (Aer noise passes)",
        "time_scale": scale if device else None,
        "effective_t1_s": effective_time(coherence[0], scale) if device else None,
        "effective_t2_s": effective_time(coherence[1], scale) if device else None,
        **(injected_times(network, path) if memory == "injected" else {}),
    }


def device_waits(circuit: Any, network: Network, runner: Any, memory: str, scale: float) -> Any:
    """A circuit with fixed (float) waits as a device runs it: on a device the waits of ideal
    memories removed and the others times ``scale`` (``"device"``) or every wait removed
    (``"off"``); unchanged on Aer and with ``"injected"`` (see :func:`run_injected`)."""
    from qnet_circuits.scheduler.device import strip_ideal_waits

    if memory == "injected" or not is_device(runner):
        return circuit
    return strip_ideal_waits(circuit, network, scale=scale, everything=memory == "off")


def run_injected(runner: Any, circuit: Any, network: Network, *, shots: int, seed: Any,
                 rng: np.random.Generator, dark_counts: bool = False) -> ShotData:
    """Run a circuit with fixed waits and fiber markers ``shots`` times with the network's
    memories (and fiber loss) injected as operations: one binding row per shot (its own sampled
    Z frames), one shot each, stacked into one :class:`~qnet_circuits.results.ShotData`.
    ``dark_counts``: each row's dark counts sampled in the circuit too, so that ``if_test``
    corrections condition on the detector's record
    (:func:`~qnet_circuits.scheduler.inject.inject_dark_counts`), and OR-ed into the returned
    detector bits."""
    from qnet_circuits.scheduler.inject import (
        inject_dark_counts,
        inject_fiber,
        inject_memory,
        or_dark_counts,
    )

    circ, names = inject_memory(inject_fiber(circuit, network), network, {}, rows=shots, rng=rng)
    if dark_counts:
        circ, names = inject_dark_counts(circ, network, names, rows=shots, rng=rng)
    table = {p: names[p.name] for p in circ.parameters}
    passed = injected_network(network)
    rows = runner.run_bindings(circ, table, shots=1 if table else shots, seed=seed, network=passed)
    bits = {k: np.concatenate([r.bits[k] for r in rows]) for k in rows[0].bits}
    if dark_counts:
        bits = or_dark_counts(bits, (circ.metadata or {}).get("dark_counts", []))
    meta = {**rows[0].metadata, "rows": len(rows), "memory": "injected"}
    meta.pop("row", None)
    return ShotData(bits, shots, meta)


__all__ = ["MEMORY_MODES", "check_memory_options", "check_memory_runner", "device_waits",
           "effective_time", "injected_network", "injected_times", "is_device", "memory_summary",
           "run_injected", "wait_scale"]
