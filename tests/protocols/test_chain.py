"""The chain protocol: run(ChainParams) and simulate(network, plan) against sections 4, 5 and 10
(end-to-end fidelity, delivery time), photonic vs heralded-state links, purification, cutoff, sweeps;
the protocol layer (parameters, result dict, provenance, circuits without running, plot, runners).
Moved from tests/test_scheduler.py, extended."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.network import Detector, Fiber, Link, Memory, Network, Node, chain
from qnet_circuits.protocols.chain import ChainParams, ChainResult, circuits, run, simulate, sweep
from qnet_circuits.results import Estimate
from qnet_circuits.run import AerRunner
from qnet_circuits.scheduler import ChainPlan, PurificationPlan


def zero_length_chain(n: int, p: float, tau: float = 1e-3, t2: float = math.inf) -> Network:
    """N links of length 0 with double-click detectors tuned to heralding probability p = eta^2/2
    and cycle time tau (preparation time): no herald wait, no message delay (section 10 model)."""
    names = ["alice", *[f"r{i}" for i in range(1, n)], "bob"]
    mem = Memory(math.inf, t2)
    nodes = tuple(Node(nm, "end" if k in (0, n) else "repeater", mem) for k, nm in enumerate(names))
    links = tuple(
        Link(names[k], names[k + 1], Fiber(0.0), "double-click",
             detector=Detector(math.sqrt(2 * p)), preparation_time_s=tau)
        for k in range(n)
    )
    return Network(nodes, links)

K = 4.0  # tolerance in standard errors

def check(est, expected, what=""):
    assert est.stderr > 0, what
    assert abs(est.value - expected) <= K * est.stderr, (
        f"{what}: {est.value:.5f} +- {est.stderr:.5f} vs {expected:.5f} "
        f"({est.sigmas_from(expected):.1f} sigma)"
    )

@pytest.mark.parametrize("n, f0", [(2, 0.95), (4, 0.95), (8, 0.97), (16, 0.99)])
def test_werner_chain_ideal_memories(n, f0):
    """F_end = (1 + 3 w^n)/4 for n Werner links and ideal memories (section 4 table)."""
    res = simulate(chain(n, 20.0), ChainPlan(link_fidelity=f0), realizations=3000, seed=100 + n)
    w = physics.werner_w(f0)
    expected = (1 + 3 * w**n) / 4
    check(res.fidelity, expected, f"n={n}")
    assert res.theory["fidelity_ideal_memories"] == pytest.approx(expected)
    assert res.metadata["static"]  # ideal memories: one circuit, many shots

def test_werner_chain_table_values():
    """The closed form the test uses reproduces the reference table (F0 = 0.9 row)."""
    w = physics.werner_w(0.9)
    assert [round((1 + 3 * w**n) / 4, 6) for n in (2, 4, 8, 16)] == [0.813333, 0.673126, 0.488714,
                                                                     0.325979]

def noisy_repeater_chain(n: int, lam: float, eps: float) -> Network:
    names = ["alice", *[f"r{i}" for i in range(1, n)], "bob"]
    nodes = tuple(
        Node(nm, "end") if k in (0, n) else Node(nm, "repeater", gate_error=lam, readout_error=eps)
        for k, nm in enumerate(names)
    )
    links = tuple(Link(names[k], names[k + 1], Fiber(10.0)) for k in range(n))
    return Network(nodes, links)

@pytest.mark.parametrize("n, lam, eps", [(2, 0.02, 0.05), (4, 0.01, 0.03)])
def test_noisy_swaps_exact_chain_formula(n, lam, eps):
    """Gate error lambda after the BSM CNOT and readout flips eps: section 4's exact formula."""
    res = simulate(noisy_repeater_chain(n, lam, eps), ChainPlan(link_fidelity=0.95),
                   realizations=4500, seed=7 + n)
    expected = physics.chain_fidelity([0.95] * n, lam, eps)
    check(res.fidelity, expected, "noisy swaps")
    assert res.theory["fidelity_ideal_memories"] == pytest.approx(expected)
    # the readout flips must matter: without them the fidelity would be clearly higher
    assert physics.chain_fidelity([0.95] * n, lam, 0.0) - expected > 6 * res.fidelity.stderr

def test_noisy_swaps_reference_rows():
    assert physics.chain_fidelity([0.99] * 4, 0.01, 0.005) == pytest.approx(0.91257214, abs=1e-8)
    assert physics.swap_werner(0.95, 0.95, 0.02, 0.01) == pytest.approx(0.873278, abs=1e-6)

@pytest.mark.parametrize(
    "p, ratio, table_w1",
    [(0.5, 0.01, 0.987055), (0.1, 0.01, 0.920391), (0.1, 0.1, 0.673696), (0.01, 0.01, 0.667236)],
)
def test_two_link_dephasing_table(p, ratio, table_w1):
    """Zero-length links (no herald or message wait), cycle time tau, T2 = tau/ratio: the mean
    fidelity is E[F] = (1 + E[q^|N1-N2|])/2 of section 10's table."""
    tau = 1e-3
    net = zero_length_chain(2, p, tau=tau, t2=tau / ratio)
    res = simulate(net, ChainPlan(strategy="asap"), realizations=4500, seed=int(1000 * p + ratio * 1e4))
    assert physics.two_link_expected_fidelity(p, ratio) == pytest.approx(table_w1, abs=1e-6)
    assert res.theory["fidelity_two_link_dephasing"] == pytest.approx(table_w1, abs=1e-6)
    check(res.fidelity, table_w1, f"p={p}, tau/T2={ratio}")
    check(res.rate_hz, 1 / (tau * physics.two_link_expected_time(p)), "rate")

def test_two_link_dephasing_werner_and_density_matrix():
    """w = 0.9 column (0.847015) with the exact per-realization density-matrix estimator, which
    also gives the spread of the fidelity over realizations."""
    net = zero_length_chain(2, 0.5, tau=1e-3, t2=0.1)
    f_link = physics.fidelity_from_w(0.9)
    res = simulate(net, ChainPlan(link_fidelity=f_link), realizations=2000, seed=21,
                   estimator="density_matrix")
    check(res.fidelity, 0.847015, "E[F] w=0.9")
    assert res.fidelity_spread is not None and 0 < res.fidelity_spread < 0.05
    per = res.fidelity_per_realization
    # per realization the state is exactly (1-W)/4 + W(1 + Lambda)/2 with Lambda from its waits
    tl = res.timeline
    stored = tl.left_wait_s.sum(axis=1) + tl.right_wait_s.sum(axis=1)
    exact = [physics.pauli_chain_fidelity(0.81, math.exp(-s / 0.1)) for s in stored]
    assert np.allclose(per, exact, atol=1e-9)

def test_fiber_delays_enter_the_dephasing():
    """With real fibers each memory also waits for its herald and the end memories for the swap
    message: E[F] with the herald factor exp(-4 tau_h/T2) and message factor exp(-2 L/c T2)."""
    net = chain(2, 20.0, scheme="double-click", t2_s=5e-3)
    res = simulate(net, ChainPlan(link_fidelity=0.97), realizations=4500, seed=77)
    mdl = res.metadata["scheduled"].models[0]
    p, tau, t2 = mdl.p, mdl.cycle_time_s, 5e-3
    lam = physics.two_link_mean_dephasing(p, math.exp(-2 * tau / t2))
    lam *= math.exp(-4 * mdl.herald_wait_s / t2) * math.exp(-2 * mdl.message_s / t2)
    expected = physics.pauli_chain_fidelity(physics.werner_w(0.97) ** 2, lam)
    assert res.theory["fidelity_two_link_dephasing"] == pytest.approx(expected)
    check(res.fidelity, expected, "fiber delays")

@pytest.mark.parametrize("strategy", ["sequential", "nested", "asap"])
def test_strategies_agree_on_fidelity_without_memory_noise(strategy):
    res = simulate(chain(4, 10.0), ChainPlan(strategy=strategy, link_fidelity=0.95),
                   realizations=1500, seed=5)
    check(res.fidelity, (1 + 3 * physics.werner_w(0.95) ** 4) / 4, strategy)

def test_deterministic_timing_runs_on_the_stabilizer_method():
    """Ideal heralded links, pure dephasing, deterministic timing: Clifford + Pauli."""
    net = chain(6, 10.0, scheme="double-click", t2_s=0.05)
    res = simulate(net, ChainPlan(timing="deterministic"), realizations=3000, seed=9)
    assert res.method == "stabilizer"
    tl = res.timeline
    herald = res.metadata["scheduled"].models[0].herald_wait_s
    stored = tl.left_wait_s.sum() + tl.right_wait_s.sum() + 12 * herald
    check(res.fidelity, physics.pauli_chain_fidelity(1.0, math.exp(-stored / 0.05)), "deterministic")

def test_photonic_and_state_levels_agree():
    """Single-click links, memory dephasing: heralded_link attempts (attempt counts from the
    circuit's heralds) and the heralded-state level give the same end-to-end fidelity."""
    net = chain(2, 10.0, scheme="single-click", t2_s=5e-3)
    state = simulate(net, ChainPlan(link_level="state"), realizations=1500, seed=31)
    photonic = simulate(net, ChainPlan(link_level="photonic"), realizations=1500, seed=32)
    diff = photonic.fidelity.value - state.fidelity.value
    se = math.hypot(photonic.fidelity.stderr, state.fidelity.stderr)
    assert abs(diff) <= K * se, (photonic.fidelity, state.fidelity)
    p_circuit = photonic.metadata["photonic_herald_probability"]
    p_closed = state.theory["p_link"][0]
    n_shots = photonic.metadata["photonic_attempt_shots"]
    assert abs(p_circuit - p_closed) <= K * math.sqrt(p_closed * (1 - p_closed) / n_shots)

def test_dejmps_purified_links_exact_and_delivery_time():
    """One DEJMPS round per link, ideal memories: the exact state (density matrix) equals the
    section 4/5 closed form; one link's delivery time is a renewal: E[T] = (2 tau/p + L/c)/P_s."""
    net = chain(2, 10.0, scheme="double-click")
    plan = ChainPlan(link_fidelity=0.8, purification=PurificationPlan("dejmps", 1))
    res = simulate(net, plan, realizations=60, seed=8, estimator="density_matrix")
    coeffs, p_s = physics.dejmps(physics.werner_coefficients(0.8))
    assert res.fidelity.value == pytest.approx(physics.chain_bell_diagonal([coeffs, coeffs])[0], abs=1e-9)
    one = simulate(chain(1, 10.0), plan, realizations=1500, seed=9)
    mdl = one.metadata["scheduled"].models[0]
    expected = (2 * mdl.cycle_time_s / mdl.p + mdl.message_s) / p_s
    check(Estimate(one.delivery["mean_s"], one.delivery["stderr_s"]), expected, "purified E[T]")
    check(one.fidelity, coeffs[0], "purified link")

def test_bbpssw_pumping_exact():
    """BBPSSW pumping, 2 rounds, one link, ideal memories: the exact delivered state equals the
    closed form (re-twirl between rounds; the last round's output is Bell-diagonal, not Werner)."""
    plan = ChainPlan(link_fidelity=0.75, purification=PurificationPlan("bbpssw", 2, "pumping"))
    res = simulate(chain(1, 10.0), plan, realizations=20, seed=4, estimator="density_matrix")
    f1 = physics.bbpssw(0.75)[0]
    w = physics.werner_coefficients
    expected = physics.dejmps(w(f1), w(0.75))[0][0]
    assert expected == pytest.approx(physics.bbpssw_pumping(0.75, 0.75, 2)[1][0], abs=1e-12)
    assert res.fidelity.value == pytest.approx(expected, abs=1e-9)

def test_cutoff_limits_waiting_and_matches_pauli_form():
    """A cutoff discards pairs that waited too long; the delivered fidelity equals the Pauli
    closed form evaluated on each realization's waits (section 10), averaged."""
    net = zero_length_chain(2, 0.1, tau=1e-3, t2=0.02)
    cutoff = 5e-3
    res = simulate(net, ChainPlan(strategy="asap", cutoff_s=cutoff), realizations=3000, seed=12)
    tl = res.timeline
    assert tl.discards.sum() > 100
    assert tl.left_wait_s.max() <= cutoff + 1e-12 and tl.right_wait_s.max() <= cutoff + 1e-12
    stored = tl.left_wait_s.sum(axis=1) + tl.right_wait_s.sum(axis=1)
    expected = float(np.mean((1 + np.exp(-stored / 0.02)) / 2))
    check(res.fidelity, expected, "cutoff")
    no_cut = physics.two_link_expected_fidelity(0.1, 0.05)
    assert expected > no_cut + 0.02  # the cutoff buys fidelity ...
    assert res.delivery["mean_s"] > 1e-3 * physics.two_link_expected_time(0.1)  # ... with time

def test_sweep_returns_one_result_per_value():
    out = sweep([1, 2, 4], lambda n: chain(n, 10.0), plan=ChainPlan(link_fidelity=0.98),
                realizations=300, seed=4, progress=False)
    assert [len(r.path) - 1 for r in out] == [1, 2, 4]
    assert out[0].fidelity.value > out[2].fidelity.value


# ---------------------------------------------------------------------------------------------
# the protocol layer
# ---------------------------------------------------------------------------------------------


def test_run_is_simulate_of_the_params_network_and_plan():
    params = ChainParams(links=3, length_km=20.0, t2_s=0.05, strategy="asap")
    res = run(params, shots=300, seed=41)
    same = simulate(params.network(), params.plan(), realizations=300, seed=41)
    assert res.fidelity == same.fidelity and res.rate_hz == same.rate_hz
    assert res.params == params and same.params is None
    assert res.realizations >= 300 and res.provenance.shots == 300 and res.provenance.seed == 41


def test_to_dict_holds_the_cli_keys_and_provenance():
    params = ChainParams(links=2, length_km=10.0, link_fidelity=0.9, purification="dejmps", rounds=2)
    d = run(params, shots=60, seed=2).to_dict()
    for key in ("links", "length_km", "scheme", "strategy", "purify", "rounds", "t1_s", "t2_s",
                "cutoff_s", "link_fidelity", "link_level", "seed", "backend", "fidelity",
                "fidelity_stderr", "fidelity_spread", "rate_hz", "rate_hz_stderr",
                "mean_delivery_time_s", "delivery_time_s", "qubits", "realizations", "method",
                "wall_s", "theory"):
        assert key in d, key
    assert (d["purify"], d["rounds"], d["seed"], d["backend"]) == ("dejmps", 2, 2, "aer")
    assert d["provenance"]["protocol"] == "chain" and "qiskit" in d["provenance"]["versions"]
    assert ChainParams().to_dict()["rounds"] == 0  # no purification: 0 rounds, as the CLI printed


@pytest.mark.parametrize("kwargs, message", [
    ({"links": 0}, "links must be >= 1"),
    ({"estimator": "exact"}, "estimator must be one of parities, density_matrix"),
    ({"purification": "magic"}, "purification must be one of none, bbpssw, dejmps"),
    ({"link_level": "wave"}, "link_level must be one of state, photonic"),
    ({"scheme": "smoke"}, "scheme must be one of"),
    ({"strategy": "random"}, "strategy must be one of"),
    ({"rounds": 0}, "rounds must be >= 1"),
    ({"t1_s": 0.1, "t2_s": 1.0}, "t2_s"),
    ({"t1_s": -1.0}, "t1_s must be > 0"),
    ({"cutoff_s": 0.0}, "cutoff_s must be > 0"),
    ({"link_fidelity": 1.5}, "link_fidelity"),
    ({"detector_efficiency": 1.2}, "detector_efficiency must be in"),
])
def test_params_are_validated(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ChainParams(**kwargs)


def test_run_checks_its_arguments():
    with pytest.raises(ValueError, match="params must be a ChainParams"):
        run({"links": 2})
    with pytest.raises(ValueError, match="shots must be >= 1"):
        run(ChainParams(), shots=0)


@pytest.mark.parametrize("params", [
    ChainParams(links=3, t2_s=0.1),
    ChainParams(links=2, link_level="photonic", length_km=10.0, t2_s=0.05),
    ChainParams(links=2, link_fidelity=0.9, purification="dejmps", rounds=2, t2_s=0.1),
])
def test_circuits_without_running(params):
    (qc,) = circuits(params, seed=3)
    assert qc.num_parameters == 0 and len(qc.metadata["pair"]) == 2
    delays = [i.operation for i in qc.data if i.operation.name == "delay"]
    assert delays and all(isinstance(d.duration, float) and d.duration > 0 for d in delays)
    assert qc.num_qubits == run(params, shots=30, seed=3).qubits


def test_everything_runs_through_the_given_runner():
    """A runner of our own sees every execution (the chain's template and the trial runs) and
    gives the same numbers as the default runner for the same seed."""

    class Counting(AerRunner):
        def __init__(self):
            super().__init__()
            self.calls = {"run": 0, "run_bindings": 0}

        def run(self, *args, **kwargs):
            self.calls["run"] += 1
            return super().run(*args, **kwargs)

        def run_bindings(self, *args, **kwargs):
            self.calls["run_bindings"] += 1
            return super().run_bindings(*args, **kwargs)

    params = ChainParams(links=2, link_level="photonic", length_km=10.0, t2_s=0.05)
    runner = Counting()
    mine = run(params, runner=runner, shots=60, seed=5)
    default = run(params, shots=60, seed=5)
    assert runner.calls["run"] >= 1 and runner.calls["run_bindings"] == 1
    assert mine.fidelity == default.fidelity


def test_density_matrix_estimator_needs_the_aer_runner():
    class Device:
        name = "device"

    with pytest.raises(ValueError, match="needs the local Aer runner"):
        simulate(chain(2, 10.0, t2_s=0.1), estimator="density_matrix", realizations=10,
                 runner=Device())


def test_plot_draws_the_delivery_times():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = run(ChainParams(links=2, length_km=10.0, t2_s=0.1), shots=150, seed=1)
    assert isinstance(res, ChainResult)
    fig, ax = plt.subplots()
    assert res.plot(ax) is ax
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "sampled" and any(lbl.startswith("closed form") for lbl in labels)
    assert "closed form" in ax.get_title()
    plt.close(fig)
