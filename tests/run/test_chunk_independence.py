"""Same seed, same numbers whatever the runner's chunking: ``AerRunner.run_bindings`` seeds row r
with ``row_seeds(seed, rows, shots)[r]`` (docs/core-api.md, "Seeds"), so changing the memory
constant ``MAX_BOUND_OPERATIONS`` (and with it how a binding table is split into Aer calls) moves
no bit. Each protocol that runs binding tables is rerun with one row per Aer call and compared
with its recorded same-seed output (tests/golden) or with the unpatched run."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter

from qnet_circuits.run import AerRunner, row_seeds
from qnet_circuits.run import aer as aer_module
from tests.golden.cases import CASES
from tests.golden.record import run_case
from tests.test_same_seed_outputs import RECORDED, _compare

#: recorded cases whose protocol runs binding tables of many rows (chain templates and trials,
#: blind trap rounds) -> the ``MAX_BOUND_OPERATIONS`` they are rerun with (1: one row per Aer call;
#: the blind case's 1,000 rows of a 601-operation template in calls of 199 rows)
TABLE_CASES = {"chain_memory_asap": 1, "chain_nested_purified": 1, "chain_photonic_cutoff": 1,
               "chain_density_matrix": 1, "blind_cnot_traps": 120_000}


def _spy(monkeypatch, limit: int) -> list[int]:
    """Patch ``MAX_BOUND_OPERATIONS`` to ``limit``; the row counts of every template call."""
    seen: list[int] = []
    original = aer_module._call

    def spy(*args, **kwargs):
        binds = kwargs.get("parameter_binds")
        if binds and binds[0]:
            seen.append(len(next(iter(binds[0].values()))))
        return original(*args, **kwargs)

    monkeypatch.setattr(aer_module, "MAX_BOUND_OPERATIONS", limit)
    monkeypatch.setattr(aer_module, "_call", spy)
    return seen


def _rotation() -> tuple[QuantumCircuit, Parameter]:
    theta = Parameter("theta")
    qc = QuantumCircuit(1, 1)
    qc.ry(theta, 0)
    qc.measure(0, 0)
    return qc, theta


def test_row_seeds_follow_aer_binding_rule():
    seeds = row_seeds(7, 4, 10)
    assert [s - seeds[0] for s in seeds] == [0, 2113, 4226, 6339]
    assert row_seeds(7, 3, 3000) == row_seeds(7, 3, 2114)  # one call per row: far apart
    assert len(set(row_seeds(7, 3, 3000))) == 3 and row_seeds(None, 2, 1) == [None, None]


def test_table_bits_do_not_depend_on_the_chunk_size(monkeypatch):
    qc, theta = _rotation()
    table = {theta: np.linspace(0.2, 2.9, 9)}
    whole = AerRunner().run_bindings(qc, table, shots=40, seed=5)
    for limit in (1, 2 * qc.size(), 4 * qc.size()):
        monkeypatch.setattr(aer_module, "MAX_BOUND_OPERATIONS", limit)
        split = AerRunner().run_bindings(qc, table, shots=40, seed=5)
        assert [r.metadata["seed"] for r in split] == [r.metadata["seed"] for r in whole]
        assert all((a.bits["c"] == b.bits["c"]).all() for a, b in zip(whole, split)), limit
    assert [r.metadata["seed"] for r in whole] == row_seeds(5, 9, 40)


@pytest.mark.parametrize("name", sorted(TABLE_CASES))
def test_recorded_outputs_with_small_aer_calls(name, monkeypatch):
    calls = _spy(monkeypatch, TABLE_CASES[name])
    problems = _compare(RECORDED[name], run_case(CASES[name]), name)
    assert len(calls) >= 3 and max(calls) < 200, calls  # the tables really ran in pieces
    assert not problems, "\n".join(problems[:20])


def _numbers(d: dict) -> dict:
    return {k: v for k, v in d.items() if isinstance(v, (int, float)) and k != "wall_s"}


def test_sensing_scan_with_one_row_per_aer_call(monkeypatch):
    from qnet_circuits.protocols import sensing

    params = sensing.SenseParams(nodes=3, phase=0.4, fidelity=0.95)
    whole = sensing.run(params, shots=300, seed=2).to_dict()
    monkeypatch.setattr(aer_module, "MAX_BOUND_OPERATIONS", 1)
    split = sensing.run(params, shots=300, seed=2).to_dict()
    assert _numbers(whole) and _numbers(split) == _numbers(whole)
    assert split["oscillation"] == whole["oscillation"]


def test_chain_template_with_memories_any_chunking(monkeypatch):
    from qnet_circuits.protocols import chain

    params = chain.ChainParams(links=4, t1_s=1.0, t2_s=0.05, strategy="sequential")
    whole = chain.run(params, shots=900, seed=11)
    for limit in (1, 3 * 7000):
        monkeypatch.setattr(aer_module, "MAX_BOUND_OPERATIONS", limit)
        split = chain.run(params, shots=900, seed=11)
        assert split.fidelity.value == whole.fidelity.value, limit
        assert math.isclose(split.fidelity.stderr, whole.fidelity.stderr, rel_tol=0, abs_tol=0)
