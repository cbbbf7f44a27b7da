"""The chain's closed-form fidelity with decohering memories (theory ``fidelity_expected``) against
the parity estimate of the simulated circuits for 2, 3, 5 and 8 links, every strategy, T1 = 2 T2,
noisy swaps, one seed per case (8 links: slow)."""

from __future__ import annotations

import pytest

from qnet_circuits.network import chain
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.scheduler import ChainPlan
from tests.protocols.test_chain_fidelity_oracle import check

# (links, strategy, seed); memories T1 = 2 T2 sized so that F is far from the ideal-memory value
CASES = [pytest.param(n, s, 1000 * n + 17 * k, marks=[pytest.mark.slow] if n == 8 else [])
         for n in (2, 3, 5, 8) for k, s in enumerate(("sequential", "nested", "asap"))]


@pytest.mark.parametrize("n,strategy,seed", CASES)
def test_simulation_agrees_with_the_oracle(n, strategy, seed):
    t2 = {2: 1e-3, 3: 2e-3, 5: 4e-3, 8: 8e-3}[n]
    net = chain(n, 20.0, t1_s=2 * t2, t2_s=t2, gate_error=0.01)
    res = simulate(net, ChainPlan(strategy=strategy, link_fidelity=0.97), realizations=1200,
                   seed=seed)
    check(res, f"{n} links {strategy} seed {seed}")
