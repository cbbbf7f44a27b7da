"""Link records from trial runs, for photonic and purified chains, and the chain's seeds.

Heralds and purification flags are outcomes of circuits, so their statistics come from trial
runs through the runner: photonic attempt counts from runs of the heralded-link circuit (herald
bits), and purified pairs from purification trials whose inputs have the sampled timing; a
failed trial costs its time and the pair is regenerated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from qiskit.circuit import Parameter, QuantumCircuit

from qnet_circuits.analysis import heralded_mask
from qnet_circuits.library.generation import heralded_link
from qnet_circuits.network import Network
from qnet_circuits.results import ShotData
from qnet_circuits.run import Runner
from qnet_circuits.scheduler import (
    ChainPlan,
    LinkModel,
    LinkSampler,
    PurifiedRecord,
    emit_trials,
    record_attempts,
    record_duration,
)
from qnet_circuits.timeline import sample_attempts


class ChainSeeds:
    """Independent numpy generators and 62-bit Aer seeds from one seed (Aer seeds binding b with
    seed + 2113 b, so runs must not start close to each other)."""

    def __init__(self, seed: int | None) -> None:
        self.root = np.random.SeedSequence(seed)

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(self.root.spawn(1)[0])

    def child(self) -> np.random.SeedSequence:
        """A spawned child, for :meth:`~qnet_circuits.run.Runner.run_bindings` (whose row 0 then
        runs with exactly :meth:`aer`'s value; row r 2113 r further on, whatever the chunks)."""
        return self.root.spawn(1)[0]

    def aer(self) -> int:
        return int(self.child().generate_state(1, dtype=np.uint64)[0] >> 2)


def run_table(runner: Runner, circuit: QuantumCircuit, parameters: Sequence[Parameter],
              values: np.ndarray, *, seed: int | np.random.SeedSequence,
              network: Network | None) -> list[ShotData]:
    """One shot per row of ``values`` (columns in the order of ``parameters``): one ShotData per
    row. A template without parameters is one circuit run for all rows at once."""
    rows = int(values.shape[0])
    if not parameters:
        (data,) = runner.run_bindings(circuit, {}, shots=rows, seed=seed, network=network)
        return [ShotData({k: v[r : r + 1] for k, v in data.bits.items()}, 1, data.metadata, data.saved)
                for r in range(rows)]
    table = {p: values[:, i] for i, p in enumerate(parameters)}
    return runner.run_bindings(circuit, table, shots=1, seed=seed, network=network)


def stacked(rows: Sequence[ShotData], register: str) -> np.ndarray:
    """The bits of ``register`` of every row, stacked: (rows x shots, register size)."""
    return np.concatenate([r.bits[register] for r in rows])


def _link_key(link) -> tuple:
    return (link.scheme, link.fiber, link.alpha, link.detector, link.pair_probability,
            link.bsm_efficiency, link.preparation_time_s)


class _AttemptPool:
    """Attempt counts taken from the herald bits of heralded-link circuit runs (photonic level)."""

    def __init__(self, model: LinkModel, network: Network, seeds: ChainSeeds, runner: Runner) -> None:
        self.model = model
        self.network = network
        self.seeds = seeds
        self.runner = runner
        self.counts: list[int] = []
        self.pending = 0
        self.shots_run = 0
        self.successes = 0

    def _refill(self, need: int) -> None:
        p = max(self.model.p, 1e-9)
        shots = int(min(max(need / p * 1.3 + 200, 2000), 5_000_000))
        circuit = heralded_link(self.model.link, correction="dynamic")
        data = self.runner.run([circuit], shots=shots, seed=self.seeds.aer() >> 31,
                               network=self.network)[0]
        ok = heralded_mask(data)
        self.shots_run += shots
        self.successes += int(ok.sum())
        for flag in ok:
            self.pending += 1
            if flag:
                self.counts.append(self.pending)
                self.pending = 0
        if not ok.any() and shots >= 5_000_000:
            raise ValueError(f"link {self.model.link.name} never heralded in {shots} photonic attempts")

    def take(self, size: int) -> list[int]:
        while len(self.counts) < size:
            self._refill(size - len(self.counts))
        out, self.counts = self.counts[:size], self.counts[size:]
        return out


class _PurificationPool:
    """Successful purified pairs of one level, from trial runs (inputs from the level below)."""

    def __init__(self, level: int, model: LinkModel, network: Network, plan: ChainPlan,
                 lower: Callable[[int], list[Any]], raw: Callable[[int], list[Any]],
                 seeds: ChainSeeds, runner: Runner) -> None:
        self.level = level
        self.model = model
        self.network = network
        self.plan = plan
        self.lower = lower
        self.raw = raw
        self.seeds = seeds
        self.runner = runner
        self.records: list[PurifiedRecord] = []
        self.fail_s = 0.0
        self.fail_attempts = 0
        self.trials = 0
        self.successes = 0

    def _refill(self, need: int) -> None:
        pur = self.plan.purification
        n_trials = int(math.ceil(need / 0.5 * 1.15)) + 8
        block = max(1, min(64, n_trials))
        n_trials = -(-n_trials // block) * block
        kept = self.lower(n_trials)
        sac = self.lower(n_trials) if pur.scheme == "recurrence" else self.raw(n_trials)
        inputs = list(zip(kept, sac))
        tpl = emit_trials(self.network, self.model, self.plan, self.level, inputs, block)
        rows = run_table(self.runner, tpl.circuit, tpl.parameters, tpl.values, seed=self.seeds.aer(),
                         network=self.network)
        bits = stacked(rows, "trial").reshape(len(rows), block, 2)
        # binding b, block k ran input b * block + k: the flattened order is the input order
        success = (bits[:, :, 0] == bits[:, :, 1]).reshape(-1)
        msg = self.model.message_s
        for idx, (kr, sr) in enumerate(inputs):
            dur = record_duration(kr, self.model) + record_duration(sr, self.model) + msg
            att = record_attempts(kr) + record_attempts(sr)
            self.trials += 1
            if success[idx]:
                self.successes += 1
                self.records.append(PurifiedRecord(kr, sr, self.fail_s + dur, self.fail_attempts + att))
                self.fail_s, self.fail_attempts = 0.0, 0
            else:
                self.fail_s += dur
                self.fail_attempts += att

    def take(self, size: int) -> list[PurifiedRecord]:
        while len(self.records) < size:
            self._refill(size - len(self.records))
        out, self.records = self.records[:size], self.records[size:]
        return out


class TrialSampler:
    """Link sampler over pools (photonic attempt counts, purified records) per link physics: the
    ``sampler`` of :func:`qnet_circuits.scheduler.sample_timeline` for photonic and purified plans."""

    def __init__(self, models: Sequence[LinkModel], network: Network, plan: ChainPlan,
                 seeds: ChainSeeds, runner: Runner) -> None:
        self.models = list(models)
        self.top: dict[tuple, Callable[[int], list[Any]]] = {}
        self.pools: dict[tuple, list[Any]] = {}
        for mdl in self.models:
            key = _link_key(mdl.link)
            if key in self.top:
                continue
            rng = seeds.rng()
            if plan.link_level == "photonic":
                apool = _AttemptPool(mdl, network, seeds, runner)
                raw = apool.take
                stats: list[Any] = [apool]
            else:
                def raw(size: int, mdl: LinkModel = mdl, rng: np.random.Generator = rng) -> list[int]:
                    return [int(x) for x in rng.geometric(mdl.p, size=size)]
                stats = []
            fn = raw
            pur = plan.purification
            if pur is not None:
                for level in range(1, pur.rounds + 1):
                    pool = _PurificationPool(level, mdl, network, plan, fn, raw, seeds, runner)
                    stats.append(pool)
                    fn = pool.take
            self.top[key] = fn
            self.pools[key] = stats

    def __call__(self, i: int, size: int, rng: np.random.Generator):
        mdl = self.models[i]
        recs = self.top[_link_key(mdl.link)](size)
        dur = np.array([record_duration(r, mdl) for r in recs])
        att = np.array([record_attempts(r) for r in recs], dtype=np.int64)
        return dur, att, recs

    def statistics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for stats in self.pools.values():
            for s in stats:
                if isinstance(s, _AttemptPool) and s.shots_run:
                    out["photonic_herald_probability"] = s.successes / s.shots_run
                    out["photonic_attempt_shots"] = s.shots_run
                elif isinstance(s, _PurificationPool) and s.trials:
                    out[f"purification_success_l{s.level}"] = s.successes / s.trials
                    out[f"purification_trials_l{s.level}"] = s.trials
        return out


def first_success_sampler(models: Sequence[LinkModel], plan: ChainPlan) -> LinkSampler:
    """A closed-form link sampler for circuits built without running: geometric attempt counts,
    and every purification step succeeding at its first trial (a possible realization)."""
    pur = plan.purification

    def record(mdl: LinkModel, level: int, rng: np.random.Generator) -> Any:
        if level == 0:
            return int(sample_attempts(mdl.p, 1, rng)[0])
        kept = record(mdl, level - 1, rng)
        sac = record(mdl, level - 1 if pur.scheme == "recurrence" else 0, rng)
        total = record_duration(kept, mdl) + record_duration(sac, mdl) + mdl.message_s
        return PurifiedRecord(kept, sac, total, record_attempts(kept) + record_attempts(sac))

    def draw(i: int, size: int, rng: np.random.Generator):
        mdl = models[i]
        recs = [record(mdl, pur.rounds if pur is not None else 0, rng) for _ in range(size)]
        dur = np.array([record_duration(r, mdl) for r in recs])
        att = np.array([record_attempts(r) for r in recs], dtype=np.int64)
        return dur, att, recs

    return draw


__all__ = ["ChainSeeds", "TrialSampler", "first_success_sampler", "run_table", "stacked"]
