"""Issue 12 item 6, the cost guard: per-shot durations from the scheduled ISA circuit, the device
time estimate, ``--dry-run`` (builds, transpiles and accounts everything, submits nothing) and
``--max-device-seconds`` for every command that takes ``--backend``; the runtime's local mode on a
fake device runs the real-device code path (Batch, job ids), and no token is ever printed."""

from __future__ import annotations

import json

import pytest
from qiskit import QuantumCircuit
from qiskit.providers.fake_provider import GenericBackendV2
from qiskit_ibm_runtime import executor_sampler

from qnet_circuits.cli import main
from qnet_circuits.library.teleportation import CARDINAL_STATES, teleport_circuit
from qnet_hardware import IBMRunner
from qnet_hardware.cost import JOB_OVERHEAD_S, CostLedger, circuit_seconds

TOKEN = "qnet-test-token-7f3a9c1e5b"


def test_circuit_seconds_adds_the_target_durations_on_the_critical_path(manila):
    qc = QuantumCircuit(2, 2)
    qc.x(0)
    qc.delay(1600, 0, unit="dt")
    qc.measure(0, 0)
    qc.measure(1, 1)  # in parallel with the rest: not on the critical path
    isa = manila.prepare(qc)
    target = manila.target
    phys = [i for i, q in enumerate(isa.circuit.qubits)
            for inst in isa.circuit.data if inst.operation.name == "x" and q in inst.qubits][0]
    expected = (target["x"][(phys,)].duration + 1600 * target.dt
                + target["measure"][(phys,)].duration)
    assert circuit_seconds(isa.circuit, target) == pytest.approx(expected, rel=1e-9)


def test_the_estimate_is_overhead_plus_shots_times_duration_and_rep_delay():
    ledger = CostLedger("dev", rep_delay_s=250e-6)
    job = ledger.add([10e-6, 20e-6], [3, 4], shots=1000)
    assert job.estimate_s == pytest.approx(JOB_OVERHEAD_S + 1000 * (260e-6 + 270e-6))
    assert job.two_qubit_gates == 7 and ledger.summary()["shots"] == 2000


def test_local_mode_runs_the_device_code_path_and_reports_job_ids():
    runner = IBMRunner("fake_manila", sampler="runtime", max_circuits_per_job=2)
    data = runner.run([teleport_circuit(s) for s in CARDINAL_STATES], shots=100, seed=2)
    summary = runner.ledger.summary()
    assert summary["jobs"] == 3 and summary["circuits"] == 6  # one Batch of three jobs
    assert sorted(summary["job_ids"]) == sorted({d.metadata["job_id"] for d in data})
    assert summary["estimated_device_s"] > 3 * JOB_OVERHEAD_S


def test_a_dry_run_on_a_real_device_path_submits_nothing(monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("a dry run submitted a job")

    monkeypatch.setattr(executor_sampler, "Sampler", refuse)
    monkeypatch.setattr("qiskit_ibm_runtime.Batch", refuse)
    device = IBMRunner(GenericBackendV2(num_qubits=5, control_flow=True, seed=1))
    assert not device.is_fake and device.sampler == "runtime"
    dry = device.costing()
    data = dry.run([teleport_circuit(s) for s in list(CARDINAL_STATES)[:2]], shots=50, seed=1)
    assert len(data) == 2 and data[0]["bob_check"].shape == (50, 1)  # sampled locally
    summary = dry.ledger.summary()
    assert summary["jobs"] == 1 and summary["circuits"] == 2 and summary["job_ids"] == []


def _run(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("argv", [
    ["link", "--backend", "fake_manila", "--shots", "50"],
    ["teleport", "--backend", "fake_manila", "--shots", "50"],
    ["remote-cnot", "--backend", "fake_manila", "--shots", "50"],
    ["blind", "--backend", "fake_manila", "--shots", "20"],
    ["swap", "--backend", "fake_torino", "--shots", "50"],
    ["purify", "--backend", "fake_torino", "--shots", "50"],
    ["qkd", "--backend", "fake_torino", "--pairs", "3000"],
    ["chain", "--backend", "fake_torino", "--links", "2", "--shots", "60"],
    ["dense-coding", "--backend", "fake_manila", "--shots", "50"],
    ["ghz", "--backend", "fake_torino", "--nodes", "3", "--shots", "50"],
    ["distribute", "--backend", "fake_torino", "--circuit", "ghz:3", "--shots", "50"],
    ["bb84", "--backend", "fake_manila", "--shots", "1000"],
])
def test_dry_run_of_every_device_command(capsys, argv):
    code, out, err = _run(capsys, [*argv, "--seed", "1", "--dry-run", "--json"])
    assert code == 0, err
    cost = json.loads(out)["dry_run"]
    assert cost["jobs"] >= 1 and cost["circuits"] >= 1 and cost["shots"] >= cost["circuits"]
    assert cost["two_qubit_gates"] > 0 and cost["job_ids"] == []
    per_job = sum(j["estimate_s"] for j in cost["per_job"])
    assert cost["estimated_device_s"] == pytest.approx(per_job)
    assert cost["estimated_device_s"] > cost["jobs"] * JOB_OVERHEAD_S


def test_dry_run_text_names_the_estimate(capsys):
    code, out, _ = _run(capsys, ["teleport", "--backend", "fake_manila", "--shots", "50",
                                 "--dry-run"])
    assert code == 0 and "dry run (nothing submitted) on fake_manila" in out
    assert "estimated device time" in out and "two-qubit gates" in out


def test_max_device_seconds_refuses_with_the_estimate(capsys):
    code, out, err = _run(capsys, ["teleport", "--backend", "fake_manila", "--shots", "50",
                                   "--max-device-seconds", "1"])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "estimated device time is 3." in err and "--max-device-seconds 1" in err


def test_max_device_seconds_lets_a_cheap_run_through(capsys):
    code, out, err = _run(capsys, ["teleport", "--backend", "fake_manila", "--shots", "50",
                                   "--seed", "1", "--max-device-seconds", "60", "--json"])
    assert code == 0, err
    result = json.loads(out)
    assert result["device_cost"]["estimated_device_s"] <= 60 and "states" in result


@pytest.mark.parametrize("argv", [["teleport", "--dry-run"], ["swap", "--max-device-seconds", "5"]])
def test_the_guard_needs_a_device(capsys, argv):
    code, _, err = _run(capsys, argv)
    assert code == 2 and "fake_" in err and err.count("\n") == 1


def test_no_token_in_the_output_of_a_runtime_run(capsys, monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    import qnet_hardware.runner as runner_module

    made = runner_module.make_runner
    monkeypatch.setattr(runner_module, "make_runner",
                        lambda name, **o: made(name, sampler="runtime", **o))
    for argv in (["teleport", "--backend", "fake_manila", "--shots", "40", "--json"],
                 ["teleport", "--backend", "fake_manila", "--shots", "40"],
                 ["teleport", "--backend", "fake_manila", "--shots", "40", "--dry-run"]):
        code, out, err = _run(capsys, argv)
        assert code == 0, err
        assert TOKEN not in out and TOKEN not in err
    assert "job ids:" in _run(capsys, ["teleport", "--backend", "fake_manila", "--shots", "40"])[1]


def test_a_commands_runtime_jobs_share_one_batch(capsys, monkeypatch):
    """Chain's three basis calls are three jobs: in batch mode they go into one Batch."""
    import qiskit_ibm_runtime

    import qnet_hardware.runner as runner_module

    opened: list = []
    real_batch = qiskit_ibm_runtime.Batch

    class Recorder(real_batch):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            opened.append(self)

    monkeypatch.setattr(qiskit_ibm_runtime, "Batch", Recorder)
    made = runner_module.make_runner
    monkeypatch.setattr(runner_module, "make_runner",
                        lambda name, **o: made(name, sampler="runtime", **o))
    code, out, err = _run(capsys, ["chain", "--backend", "fake_torino", "--links", "2",
                                   "--shots", "60", "--seed", "1", "--json"])
    assert code == 0, err
    jobs = json.loads(out)["device_jobs"]
    assert jobs["jobs"] == 3 and len(jobs["job_ids"]) == 3
    assert len(opened) == 1  # one Batch for the whole command


def test_local_job_ids_of_a_fake_device_are_not_called_device_jobs(capsys):
    """A fake device runs each circuit as its own local Aer job while the ledger counts the jobs a
    real device would take: the text says which is which instead of '1 jobs' beside many ids."""
    code, out, err = _run(capsys, ["teleport", "--backend", "fake_manila", "--shots", "40"])
    assert code == 0, err
    line = next(x for x in out.splitlines() if "job ids" in x)
    jobs = int(next(x for x in out.splitlines() if x.startswith("device jobs")).split(": ")[1]
               .split(" jobs")[0])
    ids = line.split(": ", 1)[1].split(", ")
    assert jobs == 1 and len(ids) == 6  # teleport's six circuits: one device job, six local ones
    assert line.startswith("local job ids (6 local Aer jobs"), line
