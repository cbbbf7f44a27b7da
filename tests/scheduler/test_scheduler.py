"""The scheduler: width, metadata, the swap form it uses, and bad input (moved from
tests/test_scheduler.py, extended)."""

from __future__ import annotations

import numpy as np
import pytest

from qnet_circuits.network import Fiber, Link, Network, Node, chain
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.scheduler import ChainPlan, schedule


def test_width_is_constant_for_sequential_swapping():
    widths = {n: schedule(chain(n, 10.0), ChainPlan(link_fidelity=0.99), realizations=1,
                          seed=1).width for n in (2, 3, 8, 64, 512)}
    assert widths[2] == 6
    assert {widths[n] for n in (3, 8, 64, 512)} == {8}

def test_metadata_maps_registers_waits_and_attempts():
    net = chain(3, 10.0, t2_s=0.01)
    sched = schedule(net, ChainPlan(link_fidelity=0.95), realizations=4, seed=3, block=2)
    meta = sched.circuit.metadata
    assert meta["nodes"] == {"alice_mem": "alice", "r1_mem": "r1", "r2_mem": "r2", "bob_mem": "bob"}
    assert meta["node_slots"] == {"alice": "alice_mem", "r1": "r1_mem", "r2": "r2_mem",
                                  "bob": "bob_mem"}
    qubits = sched.circuit.qubits
    assert [sched.circuit.find_bit(qubits[i]).registers[0][0].name for i in meta["pair"]] == [
        "alice_mem", "bob_mem"]
    # every wait is a Delay with a Parameter; values per binding equal the timeline's waits
    names = [p.name for p in sched.parameters]
    assert meta["waits_fields"] == ("parameter", "node", "what")
    assert {w[0] for w in meta["waits"]} <= set(names)
    assert {w[1] for w in meta["waits"]} == {"alice", "r1", "r2", "bob"}
    total = sched.values[:, [names.index(w[0]) for w in meta["waits"]]].sum(axis=1)
    tl = sched.timeline
    per_real = tl.left_wait_s.sum(axis=1) + tl.right_wait_s.sum(axis=1) + 6 * sched.models[0].herald_wait_s
    assert np.allclose(total, per_real.reshape(2, 2).sum(axis=1))
    bound = sched.bound_circuit(1)
    assert bound.num_parameters == 0  # waits and measurement bases bound
    assert bound.metadata["attempts"] == tl.attempts[2:4].tolist()
    delays = [i.operation for i in bound.data if i.operation.name == "delay"]
    assert delays and all(d.unit == "s" and isinstance(d.duration, float) for d in delays)

def test_bad_input_raises_clear_errors():
    net = Network((Node("alice"), Node("bob"), Node("carol"), Node("dave")),
                  (Link("alice", "bob", Fiber(1.0)), Link("carol", "dave", Fiber(1.0))))
    with pytest.raises(ValueError, match="not connected"):
        schedule(net, source="alice", target="dave")
    with pytest.raises(ValueError, match="unknown node 'zoe'"):
        schedule(chain(2, 1.0), source="alice", target="zoe")
    with pytest.raises(ValueError, match="cutoff_s must be > 0"):
        ChainPlan(cutoff_s=0.0)
    with pytest.raises(ValueError, match="cutoff_s must be > 0"):
        ChainPlan(cutoff_s=-1e-3)
    with pytest.raises(ValueError, match="zero links"):
        schedule(chain(2, 1.0), path=["alice"])
    with pytest.raises(ValueError, match="n_links must be an integer >= 1"):
        chain(0, 1.0)
    with pytest.raises(ValueError, match="strategy must be one of"):
        ChainPlan(strategy="random")
    with pytest.raises(ValueError, match="realizations"):
        simulate(chain(2, 1.0), realizations=0)
    with pytest.raises(ValueError, match="not connected"):
        schedule(chain(3, 1.0), path=["alice", "r2"])


def _contains(names: list[str], run: list[str]) -> bool:
    return any(names[i : i + len(run)] == run for i in range(len(names) - len(run) + 1))


def test_swaps_use_the_library_measured_and_deferred_forms():
    """A repeater with readout error swaps in the library's "measured" form (measure, then the
    correction controlled by the measured qubits); without readout error in the "deferred" form
    without measurements (the same channel, two operations fewer)."""
    noisy = Network((Node("alice"), Node("r1", "repeater", readout_error=0.01), Node("bob")),
                    (Link("alice", "r1", Fiber(10.0)), Link("r1", "bob", Fiber(10.0))))
    clean = chain(2, 10.0)
    ops = {}
    for name, net in (("noisy", noisy), ("clean", clean)):
        sched = schedule(net, ChainPlan(), realizations=1, seed=1, block=1, estimator="open")
        ops[name] = [inst.operation.name for inst in sched.circuit.data if inst.operation.name != "delay"]
    assert _contains(ops["noisy"], ["cx", "h", "measure", "measure", "cx", "cz", "reset", "reset"])
    assert _contains(ops["clean"], ["cx", "h", "cx", "cz", "reset", "reset"])
    assert "measure" not in ops["clean"]
