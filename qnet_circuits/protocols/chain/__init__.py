"""The repeater-chain protocol: N heralded links, optional purification, swapping and a cutoff,
as one timed circuit per execution, beside the closed forms.

:func:`run` takes :class:`ChainParams` (``qnet chain``'s options: equal links of one scheme and
length, memories with T1/T2) and returns a :class:`ChainResult`. For a network or plan of your own
(other topologies, mixed links, noisy nodes, an explicit path) call :func:`simulate` or
:func:`sweep` directly with a :class:`~qnet_circuits.network.Network` and a
:class:`~qnet_circuits.scheduler.ChainPlan`. ``shots`` is the number of sampled realizations
(delivered pairs).

Modules: :mod:`~qnet_circuits.protocols.chain.params` (:class:`ChainParams`),
:mod:`~qnet_circuits.protocols.chain.result` (:class:`ChainResult`),
:mod:`~qnet_circuits.protocols.chain.engine` (:func:`simulate`, :func:`sweep`),
:mod:`~qnet_circuits.protocols.chain.pools` (photonic and purification trial runs, seeds) and
:mod:`~qnet_circuits.protocols.chain.theory` (:func:`chain_theory`).

>>> result = run(ChainParams(links=2, length_km=10.0, link_fidelity=0.9), shots=600, seed=3)
>>> result.fidelity.within(result.theory["fidelity"], k=4), round(result.theory["fidelity"], 6)
(True, 0.813333)
>>> d = result.to_dict()
>>> d["links"], d["purify"], d["seed"], d["provenance"]["protocol"]
(2, 'none', 3, 'chain')
"""

from __future__ import annotations

from dataclasses import replace

from qiskit import QuantumCircuit

from qnet_circuits.protocols.base import check_int
from qnet_circuits.protocols.chain.engine import DENSITY_MATRIX_MAX_QUBITS, simulate, sweep
from qnet_circuits.protocols.chain.params import DEFAULT_SHOTS, ChainParams
from qnet_circuits.protocols.chain.pools import first_success_sampler
from qnet_circuits.protocols.chain.result import ChainResult
from qnet_circuits.protocols.chain.theory import chain_theory
from qnet_circuits.run import Runner
from qnet_circuits.scheduler import emit_chain, link_models, resolve_path, schedule


def run(params: ChainParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> ChainResult:
    """Run the chain of ``params`` for ``shots`` sampled realizations (default
    :data:`DEFAULT_SHOTS`) on ``runner`` (default: local Aer) with ``seed``."""
    if not isinstance(params, ChainParams):
        raise ValueError(f"params must be a ChainParams, got {type(params).__name__}")
    from qnet_circuits.protocols.limits import check_shots

    realizations = DEFAULT_SHOTS if shots is None else check_shots(
        "--shots", check_int("--shots", shots, minimum=1), bytes_per_shot=8.0 * params.links)
    result = simulate(params.network(), params.plan(), realizations=realizations, seed=seed,
                      estimator=params.estimator, runner=runner, correction=params.correction,
                      memory=params.memory, time_scale=params.time_scale)
    return replace(result, params=params)


def circuits(params: ChainParams, *, seed: int | None = None) -> list[QuantumCircuit]:
    """The ideal circuit of one sampled realization (float Delays; no run needed), as a list.

    Attempt counts come from the closed-form probabilities; a purified link's steps are taken to
    succeed at the first trial (the circuit of every realization has this shape, only its waits
    differ). The realization's measurement of the end pair is left out (see
    :func:`qnet_circuits.library.measurement.pauli_basis_circuits`). With ``params.correction``
    it is the device form (no ``while_loop``; :mod:`qnet_circuits.scheduler.device`).
    """
    if not isinstance(params, ChainParams):
        raise ValueError(f"params must be a ChainParams, got {type(params).__name__}")
    network, plan = params.network(), params.plan()
    sampler = None
    if plan.purification is not None or plan.link_level == "photonic":
        sampler = first_success_sampler(link_models(network, resolve_path(network), plan), plan)
    sched = schedule(network, plan, realizations=1, seed=seed, estimator="open", block=1,
                     sampler=sampler)
    if params.correction is not None:  # the device form ("auto": dynamic, no target to ask)
        correction = "dynamic" if params.correction == "auto" else params.correction
        sched = emit_chain(network, sched.path, sched.models, plan, sched.timeline,
                           estimator="open", block=1, correction=correction)
    return [sched.bound_circuit(0)]


__all__ = [
    "DEFAULT_SHOTS",
    "DENSITY_MATRIX_MAX_QUBITS",
    "ChainParams",
    "ChainResult",
    "chain_theory",
    "circuits",
    "run",
    "simulate",
    "sweep",
]
