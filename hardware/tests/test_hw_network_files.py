"""A calibrated network (``network_from_backend``) saved and loaded through every network file
format keeps its nodes' coupler errors (and everything else) exactly."""

from __future__ import annotations

import pytest

from qnet_circuits.network import load, save
from qnet_hardware import fake_backend
from qnet_hardware.calibration import network_from_backend


@pytest.mark.parametrize("fmt", ["json", "graphml", "yaml"])
def test_calibrated_network_round_trips(tmp_path, fmt) -> None:
    backend = fake_backend("fake_manila")
    net = network_from_backend(backend, {"alice": [0], "r1": [1, 2], "bob": [3]})
    assert all(n.coupler_error > 0 for n in net.nodes)  # the field the files must carry
    back = load(save(net, tmp_path / f"calibrated.{fmt}"))
    assert back == net
    assert [n.coupler_error for n in back.nodes] == [n.coupler_error for n in net.nodes]
