"""Issue 17 item 6: GPU where there is one. Without a GPU (this machine) the runner chooses CPU and
says so in one log line; with one, only wide statevector/density-matrix runs go to it."""

import logging

import pytest
from qiskit import QuantumCircuit

import qnet_circuits.run.aer as aer
from qnet_circuits.run import AerRunner


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(aer, "_DEVICE", [])


def test_device_is_chosen_once_and_logged_in_one_line(fresh, caplog):
    caplog.set_level(logging.INFO, logger="qnet_circuits.run.aer")
    first = aer.aer_device()
    assert aer.aer_device() == first
    lines = [r.getMessage() for r in caplog.records if r.name == "qnet_circuits.run.aer"]
    assert len(lines) == 1 and f"Aer device {first}" in lines[0], lines
    from qiskit_aer import AerSimulator
    visible = "GPU" in AerSimulator().available_devices()
    assert first == ("GPU" if visible else "CPU")
    if not visible:
        assert "no GPU visible" in lines[0]


def test_only_wide_statevector_or_density_matrix_runs_go_to_a_gpu(monkeypatch):
    monkeypatch.setattr(aer, "_DEVICE", ["GPU"])
    wide = aer.GPU_MIN_QUBITS
    assert aer._device_option("statevector", wide, {}) == {"device": "GPU"}
    assert aer._device_option("density_matrix", wide + 5, {}) == {"device": "GPU"}
    assert aer._device_option("statevector", wide - 1, {}) == {}
    assert aer._device_option("stabilizer", 50, {}) == {}
    assert aer._device_option("statevector", wide, {"device": "CPU"}) == {}  # the caller's choice wins
    monkeypatch.setattr(aer, "_DEVICE", ["CPU"])
    assert aer._device_option("statevector", 30, {}) == {}


def test_cpu_machine_runs_a_wide_circuit_on_cpu(fresh):
    if aer.aer_device() == "GPU":
        pytest.skip("a GPU is visible")
    qc = QuantumCircuit(aer.GPU_MIN_QUBITS, 1)
    qc.h(0)
    qc.t(0)  # not Clifford: statevector
    qc.measure(0, 0)
    runner = AerRunner()
    assert runner.counts([qc], shots=10, seed=1)[0].keys() <= {"0", "1"}
    assert all(sim.options.device == "CPU" for sim in runner._simulators.values())


def test_qnet_sweep_says_which_device_ran(fresh, capsys):
    from qnet_circuits.cli import main

    assert main(["sweep", "swap", "--grid", "fidelity=0.9", "--max-shots", "100", "--shots", "100",
                 "--no-progress"]) in (0, None)
    head = capsys.readouterr().out.splitlines()[0]
    assert f"(serial, Aer device {aer.aer_device()})" in head, head


def test_qnet_sweep_on_dask_reports_the_workers_devices(capsys):
    """The workers' devices (``client.run``), not the client's; an in-process cluster suffices to
    check the reporting path (processes=False: the workers share this interpreter)."""
    distributed = pytest.importorskip("distributed")
    from qnet_circuits.cli import main

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster:
        assert main(["sweep", "swap", "--grid", "fidelity=0.9", "--max-shots", "100", "--shots", "100",
                     "--no-progress", "--scheduler", cluster.scheduler_address]) in (0, None)
    head = capsys.readouterr().out.splitlines()[0]
    assert f"(dask {cluster.scheduler_address}, Aer device {aer.aer_device()})" in head, head


def test_mocked_gpu_is_chosen_from_14_qubits_with_one_log_line(monkeypatch, caplog):
    """No GPU here: a stand-in AerSimulator reports one, and the runner's selection path runs."""
    made = []

    class GpuAer:
        def __init__(self, **options):
            self.options = options
            made.append(options)

        def available_devices(self):
            return ("CPU", "GPU")

    monkeypatch.setattr(aer, "_DEVICE", [])
    monkeypatch.setattr(aer, "AerSimulator", GpuAer)
    monkeypatch.setattr(aer, "_TEMPLATE_SIMULATORS", {})
    caplog.set_level(logging.INFO, logger="qnet_circuits.run.aer")
    runner = AerRunner()
    wide, narrow = aer.GPU_MIN_QUBITS, aer.GPU_MIN_QUBITS - 1
    assert runner.simulator("statevector", wide).options.get("device") == "GPU"
    assert runner.simulator("density_matrix", wide + 2).options.get("device") == "GPU"
    assert "device" not in runner.simulator("statevector", narrow).options
    assert "device" not in runner.simulator("stabilizer", 40).options
    assert runner.template_simulator("statevector", wide).options.get("device") == "GPU"
    assert "device" not in runner.template_simulator("statevector", narrow).options
    assert AerRunner(device="CPU").simulator("statevector", wide).options["device"] == "CPU"
    lines = [r.getMessage() for r in caplog.records if r.name == "qnet_circuits.run.aer"]
    assert len(lines) == 1 and "Aer device GPU" in lines[0] and "from 14 qubits" in lines[0], lines
    assert aer.GPU_MIN_QUBITS == 14


def test_heralded_density_matrix_asks_for_the_simulator_of_its_width(monkeypatch):
    """run.exact used to ask for a width-0 simulator, so it could never be sent to a GPU."""
    from qnet_circuits.library.generation import werner_pair
    from qnet_circuits.run import heralded_density_matrix

    asked = []
    real = AerRunner.simulator

    def spy(self, method, width=0):
        asked.append((method, width))
        return real(self, method, width)

    monkeypatch.setattr(AerRunner, "simulator", spy)
    rho, p = heralded_density_matrix(werner_pair(0.9))
    assert asked == [("density_matrix", 4)] and p == pytest.approx(1.0)
