"""Submission through the runtime Sampler: batch mode, job ids, and failures without partial
results. The runtime's own Sampler runs in local mode on a fake device (no network); failures
are injected with a stand-in Sampler."""

from __future__ import annotations

import types

import numpy as np
import pytest
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit_ibm_runtime.exceptions import RuntimeJobFailureError, RuntimeJobMaxTimeoutError

from qnet_circuits.library.teleportation import CARDINAL_STATES, teleport_circuit
from qnet_hardware import IBMRunner, fake_simulator
from qnet_hardware.devices import restricted_noise_model
from qnet_hardware.layout import active_qubits


def test_runtime_sampler_in_batch_mode_maps_registers_back() -> None:
    runner = IBMRunner("fake_manila", sampler="runtime", max_circuits_per_job=2)
    circuits = [teleport_circuit(s) for s in CARDINAL_STATES]
    data = runner.run(circuits, shots=400, seed=5)
    assert len(data) == 6
    job_ids = [d.metadata["job_id"] for d in data]
    assert len(set(job_ids)) == 3  # 6 circuits in jobs of 2: three jobs of one Batch
    for d in data:
        assert set(d.bits) == {"alice_bsm", "bob_check"}
        assert d["alice_bsm"].shape == (400, 2) and d["alice_bsm"].dtype == np.uint8
    fidelity = np.mean([1.0 - d["bob_check"].mean() for d in data])
    assert fidelity > 2 / 3  # 2400 shots: stderr ~ 0.007, measured ~ 0.9


class _Job:
    def __init__(self, job_id: str, error: Exception | None, pubs: list) -> None:
        self._id, self._error, self._pubs = job_id, error, pubs
        self.cancelled = False
        self.timeouts: list = []

    def job_id(self) -> str:
        return self._id

    def result(self, timeout: float | None = None):
        self.timeouts.append(timeout)
        if self._error is not None:
            raise self._error
        return [types.SimpleNamespace(data=None) for _ in self._pubs]

    def cancel(self) -> None:
        self.cancelled = True


def _stand_in_sampler(errors: list[Exception | None], jobs: list[_Job]):
    class Sampler:
        def __init__(self, mode=None, options=None) -> None:
            self.options = types.SimpleNamespace(
                default_shots=None,
                simulator=types.SimpleNamespace(seed_simulator=None),
                environment=types.SimpleNamespace(job_tags=[]),
            )

        def run(self, pubs, shots=None):
            job = _Job(f"job-{len(jobs)}", errors[len(jobs)], list(pubs))
            jobs.append(job)
            return job

    return Sampler


@pytest.fixture
def device_runner() -> IBMRunner:
    """A runner on a non-fake BackendV2, so the real-device code path is taken (stand-in Sampler)."""
    backend = GenericBackendV2(num_qubits=5, control_flow=True, seed=1)
    return IBMRunner(backend, timeout_s=12.5, max_circuits_per_job=2)


@pytest.mark.parametrize(
    ("error", "word"),
    [(RuntimeJobFailureError("Job failed: internal error"), "failed"),
     (RuntimeJobMaxTimeoutError("Timed out waiting for job"), "timed out")],
)
def test_a_failed_job_raises_with_its_id_and_no_partial_results(
    monkeypatch: pytest.MonkeyPatch, device_runner: IBMRunner, error: Exception, word: str
) -> None:
    import qiskit_ibm_runtime.executor_sampler as executor_sampler

    jobs: list[_Job] = []
    monkeypatch.setattr(executor_sampler, "Sampler", _stand_in_sampler([error, None, None], jobs))
    monkeypatch.setattr("qiskit_ibm_runtime.Batch", lambda backend: types.SimpleNamespace(
        close=lambda: None))
    circuits = [teleport_circuit(s, correction="dynamic") for s in ("0", "1", "+", "-", "+i")]
    assert not device_runner.is_fake
    with pytest.raises(RuntimeError) as info:
        device_runner.run(circuits, shots=100)
    message = str(info.value)
    assert "job-0" in message and word in message and "no results returned" in message
    assert "job-1" in message and "job-2" in message  # the other jobs of the batch are named
    assert "\n" not in message
    assert jobs[0].timeouts == [12.5]  # the configured timeout reaches the job
    assert jobs[1].cancelled and jobs[2].cancelled


def test_runner_options_are_validated() -> None:
    with pytest.raises(ValueError, match="timeout_s"):
        IBMRunner("fake_manila", timeout_s=0)
    with pytest.raises(ValueError, match="sampler"):
        IBMRunner("fake_manila", sampler="magic")
    with pytest.raises(ValueError, match="max_circuits_per_job"):
        IBMRunner("fake_manila", max_circuits_per_job=0)
    with pytest.raises(ValueError, match="unknown backend"):
        IBMRunner("torino")
    with pytest.raises(ValueError, match="unknown fake device"):
        IBMRunner("fake_atlantis")
    with pytest.raises(ValueError, match="shots"):
        IBMRunner("fake_manila").run([teleport_circuit("0")], shots=0)


def test_restricted_noise_model_keeps_exactly_the_errors_on_the_used_qubits(manila) -> None:
    full = fake_simulator("fake_manila").options.noise_model
    isa = manila.prepare(teleport_circuit("+"))
    used = active_qubits(isa.circuit)
    small = restricted_noise_model(full, used)
    assert small is restricted_noise_model(full, used)  # cached
    for gate, by_qubits in full._local_quantum_errors.items():
        kept = small._local_quantum_errors.get(gate, {})
        assert set(kept) == {qs for qs in by_qubits if set(qs) <= used}
        assert all(kept[qs] is by_qubits[qs] for qs in kept)
    assert set(small._local_readout_errors) == {(q,) for q in used}


def test_restricted_noise_model_gives_the_same_distribution(manila) -> None:
    """Full and restricted models, different seeds: counts agree (chi-square, p ~ 1e-4 cut)."""
    sim = fake_simulator("fake_manila")
    isa = manila.prepare(teleport_circuit("+", verify=True)).circuit
    small = restricted_noise_model(sim.options.noise_model, active_qubits(isa))
    shots = 20000
    a = sim.run(isa, shots=shots, seed_simulator=101, method="density_matrix").result().get_counts()
    b = sim.run(isa, shots=shots, seed_simulator=90001, method="density_matrix",
                noise_model=small).result().get_counts()
    keys = sorted(set(a) | set(b))
    na, nb = np.array([a.get(k, 0) for k in keys]), np.array([b.get(k, 0) for k in keys])
    chi2 = float(((na - nb) ** 2 / np.maximum(na + nb, 1)).sum())
    # 8 outcomes -> 7 degrees of freedom; chi2 > 27.9 has probability 1e-4 under equal laws
    assert chi2 < 27.9, (chi2, keys)
