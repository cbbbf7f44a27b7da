"""The device column agrees with the calibrated prediction within 4 standard errors plus the
stated model error (qnet_hardware.columns, docs/hardware.md) on three fake devices, for swap,
teleport, E91 and repeater chains of 2-4 links; and the prediction beats the uncalibrated network
model (the ``agreement`` fixture of conftest.py). fake_torino runs in the default run, the other
two devices' full grid is slow-marked (test_hw_agreement_devices.py covers them by default)."""

from __future__ import annotations

import pytest

DEVICES = ("fake_torino", "fake_sherbrooke", "fake_kyiv")
FAST = ("swap", "teleport", "e91", "chain2")
PARAMS = [pytest.param(case, device, marks=() if device == "fake_torino" and case in FAST
                       else pytest.mark.slow)
          for device in DEVICES for case in (*FAST, "chain3", "chain4")]


@pytest.mark.parametrize(("case", "device"), PARAMS)
def test_device_agrees_with_prediction(case: str, device: str, agreement) -> None:
    comp = agreement(case, device)
    assert set(comp["columns"]) == {"theory", "network_model", "prediction", "device"}
    assert comp["isa"] and all(r["two_qubit_gates"] >= 1 for r in comp["isa"])
