"""The chain's parity estimator never reports a zero standard error when all parities agree
(Agresti-Coull per basis), and keeps the plug-in error otherwise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.analysis import agresti_coull_stderr, bell_fidelity, parity_fidelity
from qnet_circuits.protocols import chain
from qnet_circuits.results import ShotData


def _data(odd: dict[str, int], n: int) -> dict[str, ShotData]:
    out = {}
    for b in ("XX", "YY", "ZZ"):
        bits = np.zeros((n, 2), dtype=np.uint8)
        bits[: odd[b], 0] = 1
        out[b] = ShotData({"pair": bits}, n, {"basis": b})
    return out


def test_agresti_coull_matches_its_formula():
    n, z = 40, 2.0
    nt = n + z * z
    assert agresti_coull_stderr(0, n) == pytest.approx(math.sqrt((2 / nt) * (1 - 2 / nt) / nt))
    assert agresti_coull_stderr(n, n) == pytest.approx(agresti_coull_stderr(0, n))
    assert agresti_coull_stderr(0, n) > 0


def test_all_agreeing_parities_get_the_agresti_coull_error():
    n = 33
    data = _data({"XX": 0, "YY": n, "ZZ": 0}, n)   # F = 1 exactly, every basis unanimous
    est = parity_fidelity(data)
    assert est.value == 1.0
    assert bell_fidelity(data, postselect=False).stderr == 0.0
    assert est.stderr == pytest.approx(math.sqrt(3) * 2 * agresti_coull_stderr(0, n) / 4)


def test_mixed_parities_keep_the_plug_in_error():
    data = _data({"XX": 5, "YY": 20, "ZZ": 7}, 30)
    assert parity_fidelity(data).stderr == pytest.approx(bell_fidelity(data, postselect=False).stderr)


@pytest.mark.parametrize("link_level", ["state", "photonic"])
def test_a_perfect_chain_run_has_an_honest_interval(link_level):
    kw = {"link_fidelity": 1.0} if link_level == "state" else {}
    result = chain.run(chain.ChainParams(links=2, length_km=5.0, link_level=link_level, **kw),
                       shots=100, seed=1)
    assert result.fidelity.value == pytest.approx(1.0)
    assert 0.02 < result.fidelity.stderr < 0.05   # about sqrt(2) / n per basis, n = 34
