"""``qnet switch`` on a fake device: the chain's memory options. ``--memory device`` scales every
wait by the stated factor (the device's median T2 over the network's), ``--time-scale 1`` keeps
the raw waits, ``--memory off`` drops them, ``--memory injected`` replaces them by operations."""

from __future__ import annotations

import json

import pytest

from qnet_circuits.cli import main
from qnet_circuits.protocols import switch
from qnet_hardware import IBMRunner

FIELDS = dict(users=3, swaps=200, t2_s=0.05, fidelity_samples=2)


def _requested(runner: IBMRunner) -> tuple[float, int]:
    """Total requested delay (s) and delay count over the last run's ISA circuits."""
    return (sum(r.delays.total_requested_s for r in runner.reports),
            sum(r.delays.count for r in runner.reports))


def test_device_memory_scales_the_waits_by_the_stated_factor():
    runner = IBMRunner("fake_lagos")  # 7 qubits, if_else
    scaled = switch.run(switch.SwitchParams(**FIELDS), runner=runner, shots=40, seed=3)
    scaled_s, scaled_n = _requested(runner)
    raw = switch.run(switch.SwitchParams(time_scale=1.0, **FIELDS), runner=runner, shots=40,
                     seed=3)
    raw_s, raw_n = _requested(runner)
    off = switch.run(switch.SwitchParams(memory="off", **FIELDS), runner=runner, shots=40, seed=3)
    off_n = _requested(runner)[1]
    scale = runner.median_coherence_s[1] / 0.05
    mem = scaled.device_memory
    assert mem["memory"] == "device" and mem["time_scale"] == pytest.approx(scale)
    assert scale < 0.01 and mem["effective_t2_s"] == pytest.approx(0.05)
    assert mem["effective_t1_s"] == pytest.approx(runner.median_coherence_s[0] / scale)
    assert raw.device_memory["time_scale"] == 1.0 and raw_s > 1e-3  # milliseconds raw
    assert scaled_n == raw_n > 0 and scaled_s == pytest.approx(scale * raw_s, rel=1e-9)
    assert off_n == 0 and off.device_memory["time_scale"] is None
    assert scaled.fidelity_at_waits == raw.fidelity_at_waits  # same seed, same delivered pairs


def test_injected_memory_on_a_device_keeps_no_wait(capsys):
    argv = ["switch", "--backend", "fake_lagos", "--users", "3", "--swaps", "200", "--t2", "0.05",
            "--fidelity-samples", "2", "--shots", "30", "--seed", "5", "--memory", "injected"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["device_memory"]["memory"] == "injected"
    assert out["device_memory"]["injected_t2_s"] == 0.05 and out["device_memory"]["time_scale"] is None


def test_cli_device_memory_report_and_errors(capsys):
    argv = ["switch", "--backend", "fake_lagos", "--users", "3", "--swaps", "200", "--t2", "0.05",
            "--fidelity-samples", "1", "--shots", "20", "--seed", "6"]
    assert main(argv) == 0
    assert "memory on the device: waits x" in capsys.readouterr().out
    code = main([*argv, "--memory", "injected", "--time-scale", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "drop one of them" in err and len(err.strip().splitlines()) == 1
