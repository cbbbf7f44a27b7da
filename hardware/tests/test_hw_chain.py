"""Repeater chains on fake IBM devices: ``qnet chain --backend fake_<device>`` runs the device form
of every strategy with both correction forms, prints theory beside the device result and the ISA
report, picks the correction from the target, and refuses what the device cannot run (one line,
exit 2). Small: 2 links, few shots."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qnet_circuits.cli import main
from qnet_circuits.network import chain
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.scheduler import ChainPlan
from qnet_hardware import IBMRunner


def _json(capsys, argv):
    code = main(["chain", *argv, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@pytest.mark.parametrize("strategy", ["sequential", "nested", "asap"])
@pytest.mark.parametrize("correction", ["dynamic", "frame"])
def test_chain_runs_on_fake_torino(strategy, correction, capsys):
    out = _json(capsys, ["--backend", "fake_torino", "--links", "2", "--strategy", strategy,
                         "--correction", correction, "--shots", "150", "--seed", "3"])
    dev = out["device_form"]
    assert out["backend"] == "fake_torino" and dev["correction"] == correction
    assert 0.0 <= out["fidelity"] <= 1.0 and out["fidelity_stderr"] > 0
    assert out["theory"]["fidelity"] == pytest.approx(1.0)  # ideal double-click links
    isa = dev["isa"]
    assert isa["isa_two_qubit"] >= isa["ideal_two_qubit"] > 0 and isa["depth"] > 0
    assert isa["dynamic"] == (correction == "dynamic")
    assert dev["acceptance"] == 1.0 and dev["acceptance_theory"] == 1.0  # nothing post-selected


def test_chain_text_output_shows_the_device_rows(capsys):
    code = main(["chain", "--backend", "fake_torino", "--links", "2", "--shots", "90",
                 "--seed", "1"])
    text = capsys.readouterr().out
    assert code == 0
    assert "device form on fake_torino: dynamic correction" in text
    assert "ISA:" in text and "two-qubit gates" in text and "closed form" in text


def test_photonic_heralds_are_post_selected_on_a_device(capsys):
    out = _json(capsys, ["--backend", "fake_torino", "--links", "2", "--link-level", "photonic",
                         "--length-km", "5", "--shots", "300", "--seed", "4"])
    dev = out["device_form"]
    assert dev["acceptance_theory"] == pytest.approx(0.25)  # lossless double-click: (1/2)^2
    assert dev["acceptance_theory_device"] is True
    p, n = 0.25, dev["shots"]
    # the device's own gate and readout errors only lower the herald rate
    assert dev["acceptance"] <= p + 4 * np.sqrt(p * (1 - p) / n)
    assert len(dev["post_selected"]) == 4  # two rounds per delivered attempt, two links


def test_a_target_without_if_else_gets_the_frame_form(capsys):
    out = _json(capsys, ["--backend", "fake_athens", "--links", "2", "--shots", "90",
                         "--seed", "2"])
    assert out["device_form"]["correction"] == "frame"
    assert out["device_form"]["isa"]["dynamic"] is False


@pytest.mark.parametrize("argv, message", [
    (["--backend", "fake_athens", "--correction", "dynamic"], "needs if_else"),
    (["--backend", "fake_athens", "--link-fidelity", "0.9"], "needs 6 qubits; fake_athens has 5"),
    (["--backend", "fake_torino", "--estimator", "density_matrix"], "estimator"),
    (["--backend", "fake_torino", "--t2", "0.1", "--time-scale", "0"], "time_scale must be > 0"),
    (["--memory", "off"], "act on a device's own qubits"),
])
def test_bad_device_input_is_one_line_exit_2(argv, message, capsys):
    code = main(["chain", "--links", "2", "--shots", "30", *argv])
    err = capsys.readouterr().err
    assert code == 2 and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_sampled_realizations_transpile_once_and_bind_rows():
    """Finite T2: every realization has its own waits; the template is transpiled once and bound
    per row (parameterized delays are refused on IBM targets and by the fake-device sampler)."""
    runner = IBMRunner("fake_torino")
    res = simulate(chain(2, 10.0, t2_s=0.05), ChainPlan(strategy="asap"), realizations=24,
                   seed=5, runner=runner)
    dev = res.metadata["device_form"]
    assert dev["shots"] == 24 and len(runner.reports) == 1
    assert dev["isa"]["delays"]["count"] > 0
    assert res.metadata["scheduled"].bindings == 24


def test_bound_rows_go_out_in_as_few_jobs_as_the_limit_allows():
    """The real-device code path (runtime Sampler in local mode): 5 bound rows, 2 circuits per
    job -> 3 jobs of one Batch; one transpilation; rows in order."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter

    t = Parameter("t")
    qc = QuantumCircuit(1, 1)
    qc.x(0)
    qc.delay(t, 0, unit="s")
    qc.measure(0, 0)
    runner = IBMRunner("fake_manila", sampler="runtime", max_circuits_per_job=2)
    rows = runner.run_bindings(qc, {t: [0.0, 1e-7, 2e-7, 3e-7, 4e-7]}, shots=50, seed=3)
    assert [r.metadata["row"] for r in rows] == [0, 1, 2, 3, 4]
    assert len({r.metadata["job_id"] for r in rows}) == 3 and rows[0].metadata["jobs"] == 3
    assert len(runner.reports) == 1 and rows[0].metadata["binding"] == "bound"
    assert [r.metadata["isa"]["delays"]["dropped"] for r in rows] == [1, 0, 0, 0, 0]
    assert all(r.bits["c"].mean() > 0.8 for r in rows)  # <= 400 ns << T1


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--purify", "dejmps", "--link-fidelity", "0.9"],
                                   ["--link-level", "photonic", "--length-km", "5"]])
def test_four_links_on_fake_torino(extra, capsys):
    """``qnet chain --backend fake_torino --links 4 --json`` (about 10-25 s each on 2 cores)."""
    for correction in ("dynamic", "frame"):
        out = _json(capsys, ["--backend", "fake_torino", "--links", "4", "--correction", correction,
                             "--strategy", "nested", "--shots", "300", "--seed", "8", *extra])
        dev = out["device_form"]
        assert dev["correction"] == correction and dev["accepted"] > 0
        assert dev["isa"]["isa_two_qubit"] > 0 and out["fidelity_stderr"] > 0


def test_device_memory_waits_are_scaled_by_the_t2_ratio():
    """--memory device: every kept wait times median T2(device) / T2(network), so the device's
    qubits play memories of T2 = 50 ms; --time-scale 1 keeps the raw waits; --memory off drops
    them all. Same seed, same timeline: the requested wait totals differ by the scale exactly."""
    runner = IBMRunner("fake_torino")
    net, plan = chain(2, 10.0, t2_s=0.05), ChainPlan(strategy="nested")
    scaled = simulate(net, plan, realizations=12, seed=9, runner=runner).metadata["device_form"]
    raw = simulate(net, plan, realizations=12, seed=9, runner=runner,
                   time_scale=1.0).metadata["device_form"]
    off = simulate(net, plan, realizations=12, seed=9, runner=runner,
                   memory="off").metadata["device_form"]
    scale = runner.median_coherence_s[1] / 0.05
    assert scaled["time_scale"] == pytest.approx(scale) and scale < 0.01
    assert scaled["effective_t2_s"] == pytest.approx(0.05)
    assert raw["time_scale"] == 1.0 and off["time_scale"] is None
    total = raw["isa"]["delays"]["total_requested_s"]
    assert total > 0
    assert scaled["isa"]["delays"]["total_requested_s"] == pytest.approx(scale * total, rel=1e-9)
    assert off["isa"]["delays"]["count"] == 0
