"""The block approximation of the cutoff oracle (physics.chain_cutoff_blocks): its stated error
covers the true error against the exact oracle on chains small enough for both (issue 13 item 6:
an approximation carries an honest, tested error estimate)."""

from __future__ import annotations

import pytest

from qnet_circuits.physics.chain_cutoff_blocks import _error, _on_blocks
from qnet_circuits.physics.chain_expected import swap_noise_factors


@pytest.mark.parametrize("n,strategy,cycles,p", [(3, "asap", 8, 0.3), (3, "sequential", 8, 0.3)])
def test_the_stated_error_covers_the_exact_value(n, strategy, cycles, p):
    corr = [(0.9, 0.85, 0.93, 0.05, -0.02)] * n
    args = (corr, [p] * n, 1.0, list(range(n + 1)), [40.0] * (n + 1), [20.0] * (n + 1), strategy,
            [swap_noise_factors(0.01, 0.0)] * (n - 1), float(cycles))
    exact = _on_blocks(*args, 1, exact=True)
    runs = {b: _on_blocks(*args, b, exact=False) for b in (2, 4, 8)}
    for key in ("fidelity", "mean_delivery_time_s"):
        err = _error(runs[2], runs[4], runs[8], key)
        true = abs(runs[2][key] - exact[key])
        assert true > 1e-6  # the blocks do differ from the exact chain
        assert true <= err, (key, true, err)


def test_coarse_blocks_that_cannot_resolve_the_cutoff_say_out_of_reach(monkeypatch):
    """A chain that delivers (exact oracle) must not be told "never delivers" because its blocks
    round the cutoff below the messages: the note says the oracle is out of reach."""
    from qnet_circuits.physics import chain_cutoff_blocks as cb

    n = 3
    corr = [(0.9, 0.85, 0.93, 0.05, -0.02)] * n
    args = (corr, [0.5] * n, 1.0, [0.0, 1.0, 2.0, 3.0], [40.0] * 4, [20.0] * 4, "sequential",
            [swap_noise_factors(0.01, 0.0)] * 2, 3.0)
    assert cb.cutoff_fidelity(*args)["method"] == "exact"
    monkeypatch.setattr(cb, "EXACT_STATES", 10)  # force the blocks
    with pytest.raises(ValueError, match="out of reach") as info:
        cb.cutoff_fidelity(*args)
    assert "never delivers" not in str(info.value)
