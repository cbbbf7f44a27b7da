"""GHZ distribution on fake_torino through the IBM runner: the device's noise lowers the
fidelity below the ideal 1 but keeps genuine three-party entanglement (F > 1/2 by 4 sigma)."""

from __future__ import annotations

from qnet_circuits.protocols import ghz
from qnet_circuits.run import get_runner


def test_ghz_on_fake_torino():
    runner = get_runner("fake_torino")
    params = ghz.GHZParams(nodes=3, correction=runner.correction)
    r = ghz.run(params, runner=runner, shots=1000, seed=4)
    assert r.genuine, r.fidelity
    assert r.fidelity.value < 1.0  # the device's noise is there
    assert r.provenance.backend == "fake_torino"
