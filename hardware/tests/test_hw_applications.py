"""Distributed circuits, superdense coding and distributed sensing on fake IBM devices (issue 16).

A device runs the ideal circuits (ebits as H + CX on its qubits); its own noise is the noise, so
the network model's numbers are labelled as the model's, and the bounds are the physical ones:
a distributed GHZ(3) keeps most of its weight on 000/111, superdense coding decodes two bits per
qubit sent above the 1/2 a lone qubit allows (Holevo), the GHZ parity keeps its sign; each by 4
standard errors of the shot count. The ideal device (Aer, no noise) reproduces the monolithic
output within sampling.
"""

from __future__ import annotations

import math

import pytest

from qnet_circuits.protocols import dense_coding as DC
from qnet_circuits.protocols import distribute as D
from qnet_circuits.protocols import sensing as S


@pytest.mark.parametrize("device, sampling, form", [("manila", "dynamic", "dynamic (if_test)"),
                                                    ("belem", "auto", "deferred")])
def test_distributed_ghz_on_a_device_is_labelled_and_entangled(request, device, sampling, form):
    runner = request.getfixturevalue(device)
    params = D.DistributeParams(circuit="ghz:3", nodes=2, link_fidelity=0.95, sampling=sampling)
    r = D.run(params, runner=runner, shots=1000, seed=7)
    assert r.form.startswith(f"device {runner.name}") and form in r.form
    d = r.to_dict()
    assert d["fidelity"] is None and d["device"] == runner.name
    assert d["model_fidelity"] == pytest.approx(0.95, abs=1e-9)    # the network model's value
    assert "not measured" in d["fidelity_source"] and "measured on" in d["tvd_source"]
    # weight off 000/111 is at least the TVD's excess; a uniform output would give 0.75
    assert 0 < r.tvd < 0.5 - 4 * r.tvd_sampling
    aer = D.run(D.DistributeParams(circuit="ghz:3", nodes=2, link_fidelity=1.0), shots=1000, seed=7)
    assert aer.fidelity == pytest.approx(1.0) and aer.tvd < 4 * aer.tvd_sampling
    assert aer.to_dict()["fidelity_source"].startswith("network model")


def test_dense_coding_on_a_device_beats_a_lone_qubit(manila):
    r = DC.run(DC.DenseCodingParams(), runner=manila, shots=1000, seed=3)
    s = r.success
    assert s.value - 4 * s.stderr > 0.5     # one qubit alone: at most 1 bit, success <= 1/2
    assert s.value < 1.0                     # the device's noise is there
    assert r.theory["success"] == pytest.approx(1.0)   # the network model (ideal pair)


def test_ghz_sensing_parity_on_a_device_keeps_its_sign(manila):
    r = S.run(S.SenseParams(nodes=2, phase=0.3, shots_per_estimate=50, oscillation_points=4),
              runner=manila, shots=400, seed=5)
    d = r.to_dict()
    ideal = math.cos(2 * 0.3)
    assert d["theory_parity"] == pytest.approx(ideal, abs=1e-9)
    assert d["parity"] - 4 * d["parity_stderr"] > 0
    assert d["parity"] < ideal + 4 * d["parity_stderr"]   # device noise only lowers the contrast
