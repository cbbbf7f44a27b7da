"""The default run's agreement check on the two other fake devices (Eagle, ECR basis): the
device agrees with the calibrated prediction within 4 standard errors plus the model error for
teleportation, E91 and a 2-link chain (the full grid is slow-marked in test_hw_agreement.py)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("case", "device"), [("teleport", "fake_sherbrooke"),
                                              ("chain2", "fake_sherbrooke"),
                                              ("e91", "fake_kyiv"), ("chain2", "fake_kyiv")])
def test_device_agrees_with_prediction_on_eagles(case: str, device: str, agreement) -> None:
    agreement(case, device)
