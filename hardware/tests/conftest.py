"""Fixtures for the hardware adapter tests: no network, fake devices built once per session."""

from __future__ import annotations

import socket

import pytest

from qnet_hardware import IBMRunner


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to open a network connection (the adapter tests need none)."""

    def refuse(*_args, **_kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="session")
def manila() -> IBMRunner:
    """FakeManilaV2: 5 qubits on a line, dynamic circuits supported."""
    return IBMRunner("fake_manila")


@pytest.fixture(scope="session")
def belem() -> IBMRunner:
    """FakeBelemV2: 5 qubits in a T, no if_else (deferred corrections only)."""
    return IBMRunner("fake_belem")


@pytest.fixture(scope="session")
def torino_target():
    """FakeTorino's target (133 qubits, heavy-hex); no noise model needed for layout tests."""
    from qnet_hardware import fake_backend

    return fake_backend("fake_torino").target


#: the agreement checks' runs (docs/hardware.md's table, smaller) and the quantity each checks
AGREEMENT_CASES = {
    "swap": (["swap", "--shots", "2000"], "fidelity"),
    "teleport": (["teleport", "--shots", "1000"], "fidelity"),
    "e91": (["qkd", "--protocol", "e91", "--pairs", "8000"], "S"),
    "chain2": (["chain", "--links", "2", "--shots", "900"], "fidelity"),
    "chain3": (["chain", "--links", "3", "--shots", "900"], "fidelity"),
    "chain4": (["chain", "--links", "4", "--shots", "900"], "fidelity"),
}


@pytest.fixture
def agreement(capsys: pytest.CaptureFixture[str]):
    """``agreement(case, device)``: run the case with ``--json`` on the device and check that
    |device - prediction| <= 4 combined standard errors + the stated model error, and that the
    uncalibrated network model is farther from the device; returns the comparison."""
    import json
    import math

    from qnet_circuits.cli import main

    def check(case: str, device: str) -> dict:
        argv, quantity = AGREEMENT_CASES[case]
        assert main([*argv, "--backend", device, "--seed", "11", "--json"]) == 0
        comp = json.loads(capsys.readouterr().out)["comparison"]
        dev, pred, net = (comp["columns"][c][quantity]
                          for c in ("device", "prediction", "network_model"))
        gap = abs(dev["value"] - pred["value"])
        tolerance = 4 * math.hypot(dev["stderr"], pred["stderr"]) + comp["model_error"][quantity]
        assert gap <= tolerance, (case, device, dev, pred, comp["model_error"], comp["budget"])
        assert comp["agreement"][quantity]["difference"] == pytest.approx(
            dev["value"] - pred["value"])
        assert abs(dev["value"] - net["value"]) > gap  # the calibration is what predicts it
        return comp

    return check
