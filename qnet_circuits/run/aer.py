"""The local runner: Aer with the network's noise, the method chosen per circuit, seeds honoured.

This is the one place in the core that creates ``AerSimulator`` objects. :meth:`AerRunner.run`
and :meth:`AerRunner.counts` apply :func:`qnet_circuits.noise.noisy_circuit` to each circuit;
:meth:`AerRunner.run_bindings` runs one template for a whole binding table, its memory waits
(Delays whose durations are Parameters) dilated by :func:`qnet_circuits.noise.template_noise`, in
as few Aer calls as memory allows.

>>> from qiskit import QuantumCircuit
>>> from qiskit.circuit import Parameter
>>> theta = Parameter("theta")
>>> qc = QuantumCircuit(1, 1); _ = qc.ry(theta, 0); _ = qc.measure(0, 0)
>>> rows = AerRunner().run_bindings(qc, {theta: [0.0, 3.141592653589793]}, shots=50, seed=3)
>>> [int(r.bits["c"].sum()) for r in rows], rows[1].metadata["row"]
([0, 50], 1)
>>> AerRunner().counts([qc.assign_parameters([0.0])], shots=20, seed=1)
[{'0': 20}]
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from typing import Any

import numpy as np
from qiskit import transpile
from qiskit.circuit import ControlFlowOp, Parameter, QuantumCircuit
from qiskit.result import Result
from qiskit_aer import AerSimulator

from qnet_circuits.network import Network
from qnet_circuits.noise import angle_table, noisy_circuit, op_names, template_noise
from qnet_circuits.results import ShotData
from qnet_circuits.run import progress
from qnet_circuits.run.base import (
    MAX_SHOTS_PER_BINDING,
    BindingTable,
    SeedLike,
    binding_table,
    check_circuits,
    check_shots,
    chunk_seeds,
    circuit_seeds,
    memory_to_bits,
    row_seeds,
)
from qnet_circuits.run.methods import choose_method, iter_operations

#: Bindings per Aer call are capped so that bindings x operations stays below this (Aer copies the
#: circuit per binding: 600 bindings of a 20,000-operation template took 7.5 GB).
MAX_BOUND_OPERATIONS = 2_000_000
#: While a progress monitor is open, :meth:`AerRunner.run` and :meth:`AerRunner.counts` simulate
#: the shots of a circuit with control flow in Aer calls of at most this many; block j of a
#: circuit seeded s runs with seed ``s + RUN_SHOT_BLOCK j`` (Aer seeds shot k of a call with
#: seed + k), so the blocks give the bits of one call (other circuits: one call). The block size
#: changes no result, only progress and Ctrl-C granularity.
RUN_SHOT_BLOCK = 1024
#: A Ctrl-C inside the first round of shot blocks of :meth:`AerRunner.run` (one block per
#: circuit) lets the round finish when the rest of it takes at most this (seconds); else the run
#: stops with no shots to keep (many circuits: a round of 1,536 blocks takes about a minute).
ROUND_CUT_S = 2.0
#: Templates narrower than this skip Aer's per-experiment truncation and fusion passes (measured,
#: 1,024-link chain on 2 cores: 40 -> 33 ms per binding; fusion only acts from 14 qubits on).
NARROW_QUBITS = 14
#: Metadata the noise passes read; templates carry much more, and the passes deep-copy it.
_NOISE_KEYS = ("nodes", "detectors", "dilation_ancilla", "pair", "ideal_measurements", "memories")
_ALWAYS_SUPPORTED = frozenset({"barrier", "measure", "reset", "quantum_channel"})
_TEMPLATE_SIMULATORS: dict[tuple, AerSimulator] = {}
_BASIS: dict[str, frozenset[str]] = {}
#: Methods that run on a GPU (qiskit-aer-gpu) and the width from which they go there.
GPU_METHODS = frozenset({"statevector", "density_matrix"})
GPU_MIN_QUBITS = NARROW_QUBITS
_DEVICE: list[str] = []
_LOG = logging.getLogger(__name__)


def aer_device() -> str:
    """``"GPU"`` when the installed Aer (``qiskit-aer-gpu``) sees a GPU, else ``"CPU"``; the
    first call logs one INFO line on the ``qnet_circuits.run.aer`` logger saying which.

    >>> aer_device() in ("CPU", "GPU")
    True
    """
    if not _DEVICE:
        try:
            devices = tuple(AerSimulator().available_devices())
        except Exception:  # noqa: BLE001 - an Aer build without device query: CPU
            devices = ("CPU",)
        _DEVICE.append("GPU" if "GPU" in devices else "CPU")
        why = "" if _DEVICE[0] == "GPU" else " (no GPU visible to qiskit-aer; qiskit-aer-gpu runs on one)"
        _LOG.info("qnet: Aer device %s for statevector/density-matrix runs from %d qubits%s; devices %s",
                  _DEVICE[0], GPU_MIN_QUBITS, why, ", ".join(devices))
    return _DEVICE[0]


def _device_option(method: str, width: int, options: Mapping[str, Any]) -> dict[str, str]:
    """``{"device": "GPU"}`` for a wide statevector/density-matrix run when a GPU is there and
    the caller chose no device; else nothing (Aer's default, CPU)."""
    if "device" in options or method not in GPU_METHODS or width < GPU_MIN_QUBITS:
        return {}
    return {"device": "GPU"} if aer_device() == "GPU" else {}


class AerRunner:
    """Local Aer runner: noise from the network, method chosen per circuit, seeds honoured.

    Args:
        method: an Aer method name, or ``"auto"`` to use :func:`~qnet_circuits.run.choose_method`.
        backend_options: extra options for ``AerSimulator`` (e.g. ``max_parallel_threads``).

    Seeds: :meth:`run` and :meth:`counts` give circuit i the Aer seed
    ``SeedSequence(seed).generate_state(n, uint32)[i] >> 1``, so ``counts`` tallies exactly the
    shots ``run`` returns for the same seed. :meth:`run_bindings` runs its table in chunks
    (:data:`MAX_BOUND_OPERATIONS`; one row per chunk when ``shots`` exceeds
    :data:`~qnet_circuits.run.base.MAX_SHOTS_PER_BINDING`); row r has the Aer seed
    :func:`~qnet_circuits.run.base.row_seeds` ``(seed, rows, shots)[r]`` whatever the chunks
    (a chunk starting at row r is seeded with row r's seed, and Aer seeds row b of a call
    ``2113 b`` further on), so the chunk size changes no result. ``seed=None`` draws fresh entropy.
    """

    name = "aer"

    def __init__(self, method: str = "auto", **backend_options: Any) -> None:
        self.method = method
        self.backend_options = backend_options
        self._simulators: dict[tuple[str, str], AerSimulator] = {}
        self._own_templates: dict[tuple, AerSimulator] = {}

    # -----------------------------------------------------------------------------------------
    def simulator(self, method: str, width: int = 0) -> AerSimulator:
        """The cached AerSimulator for ``method`` (:meth:`run`, :meth:`counts`); a circuit of
        ``width`` >= :data:`GPU_MIN_QUBITS` qubits runs on the GPU where :func:`aer_device` finds one."""
        device = _device_option(method, width, self.backend_options)
        key = (method, device.get("device", ""))
        if key not in self._simulators:
            self._simulators[key] = AerSimulator(method=method, **device, **self.backend_options)
        return self._simulators[key]

    def template_simulator(self, method: str, width: int = 0) -> AerSimulator:
        """The simulator for binding tables: bound experiments run in parallel on all cores
        (``max_parallel_experiments=0``; measured 53 -> 40 ms per binding of a 1,024-link chain on
        2 cores) and templates narrower than :data:`NARROW_QUBITS` skip truncation and fusion.
        Shared by every runner with the same options."""
        narrow = 0 < width < NARROW_QUBITS
        options: dict[str, Any] = {"max_parallel_experiments": 0}
        if narrow:
            options.update(fusion_enable=False, enable_truncation=False)
        options.update(self.backend_options)
        options.update(_device_option(method, width, self.backend_options))
        try:
            device = options.get("device", "")
            key: tuple = (method, narrow, device, tuple(sorted(self.backend_options.items())))
            hash(key)
            cache = _TEMPLATE_SIMULATORS
        except TypeError:  # unhashable options (a noise model): cache per runner
            key, cache = (method, narrow, options.get("device", "")), self._own_templates
        if key not in cache:
            cache[key] = AerSimulator(method=method, **options)
        return cache[key]

    def with_method(self, method: str) -> AerRunner:
        """A runner with the same simulator options and a fixed ``method``."""
        return AerRunner(method, **self.backend_options)

    def _supported(self, method: str) -> frozenset[str]:
        """Instruction names the simulator runs natively (no transpilation needed)."""
        return frozenset(self.simulator(method).target.operation_names)

    def _basis(self, method: str) -> frozenset[str]:
        if method not in _BASIS:
            config = self.template_simulator(method).configuration()
            _BASIS[method] = frozenset(config.basis_gates) | _ALWAYS_SUPPORTED
        return _BASIS[method]

    # -----------------------------------------------------------------------------------------
    def prepare(self, circuit: QuantumCircuit, network: Network | None) -> tuple[QuantumCircuit, str]:
        """The noisy, Aer-ready circuit and the method that will run it (:meth:`run`)."""
        noisy = noisy_circuit(circuit, network)
        method = choose_method(noisy) if self.method == "auto" else self.method
        supported = self._supported(method)
        if any(op.name not in supported for op in iter_operations(noisy)):
            noisy = transpile(noisy, self.simulator(method), optimization_level=0)
        return noisy, method

    def prepare_template(
        self, circuit: QuantumCircuit, table: BindingTable, network: Network | None
    ) -> tuple[QuantumCircuit, dict[Parameter, np.ndarray], str]:
        """The noisy, Aer-ready template, its ``parameter_binds`` columns (the table's and the
        dilation angles computed from its waits) and the method (:meth:`run_bindings`).

        No columns come back when no parameter survives the noise passes (waits on ideal
        memories are removed): then every row is the same circuit.
        """
        meta = circuit.metadata or {}
        circuit.metadata = {k: meta[k] for k in _NOISE_KEYS if k in meta}
        try:
            noisy, maps = template_noise(circuit, network)
        finally:
            circuit.metadata = meta
        method = choose_method(noisy) if self.method == "auto" else self.method
        if op_names(noisy) - self._basis(method):
            noisy = transpile(noisy, self.template_simulator(method), optimization_level=0)
        columns = {p.name: v for p, v in table.columns.items()}
        columns.update(angle_table(maps, columns))
        binds: dict[Parameter, np.ndarray] = {}
        for p in noisy.parameters:
            if p.name not in columns:
                raise RuntimeError(f"no values for parameter {p.name}")
            binds[p] = np.asarray(columns[p.name], dtype=float)
        return noisy, binds, method

    # -----------------------------------------------------------------------------------------
    def run(
        self,
        circuits: Sequence[QuantumCircuit],
        *,
        shots: int,
        seed: int | None = None,
        network: Network | None = None,
    ) -> list[ShotData]:
        """Run each circuit for ``shots`` shots; per-circuit seeds derive from ``seed`` (shots in
        blocks: :data:`RUN_SHOT_BLOCK`)."""
        out: list[ShotData] = []
        for circuit, noisy, method, results, circuit_seed, done in self._each(
            circuits, shots, seed, network, memory=True
        ):
            memory = [m for r in results for m in r.get_memory(0)] if _measured(results) else None
            bits = (memory_to_bits(circuit, memory) if memory is not None
                    else _bits(circuit, results[0], [0], done))
            meta = _metadata(circuit, method, circuit_seed, done)
            out.append(ShotData(bits=bits, shots=done, metadata=meta,
                                saved=_saved(_saves(noisy), results[0], 0)))
        return out

    def counts(
        self,
        circuits: Sequence[QuantumCircuit],
        *,
        shots: int,
        seed: int | None = None,
        network: Network | None = None,
    ) -> list[dict[str, int]]:
        """Counts of each circuit without per-shot memory (same seeds, same shots as :meth:`run`);
        keys as :func:`~qnet_circuits.run.base.counts_from_bits` writes them."""
        out: list[dict[str, int]] = []
        for circuit, _, _, results, _, done in self._each(circuits, shots, seed, network,
                                                          memory=False):
            if results[0].data(0).get("counts") is None:  # nothing measured: every bit reads 0
                key = " ".join("0" * reg.size for reg in reversed(circuit.cregs))
                out.append({key: done})
                continue
            total: dict[str, int] = {}
            for r in results:
                for k, v in r.get_counts(0).items():
                    total[k] = total.get(k, 0) + v
            out.append(total)
        return out

    def _each(self, circuits, shots, seed, network, *, memory: bool):
        """Per circuit: (circuit, noisy, method, block results, seed, shots done). Under a
        progress monitor, blocks (:func:`_shot_blocks`) run round by round over the circuits
        (progress reported, Ctrl-C polled between rounds), so a stop leaves every circuit that
        runs in blocks with the same shots. A circuit without control flow is probed with its
        first block: where Aer simulated it shot by shot (``measure_sampling`` false in the
        block's metadata; shot k seeded seed + k) its blocks go on; where Aer sampled every shot
        from one final state the whole circuit runs in one call after the rounds, exactly as
        without a monitor (a stop before that keeps the probe block, an honest sample)."""
        shots = check_shots(shots)
        circuits = check_circuits(circuits)
        seeds = circuit_seeds(seed, len(circuits))
        if progress.current() is None:  # one call per circuit, prepared and run one at a time
            for circuit, circuit_seed in zip(circuits, seeds):
                noisy, method = self.prepare(circuit, network)
                result = _call(self.simulator(method, noisy.num_qubits), noisy, method,
                               shots=shots, seed=circuit_seed, memory=memory)
                yield circuit, noisy, method, [result], circuit_seed, shots
            return
        ready = [self.prepare(circuit, network) for circuit in circuits]
        blocks = [_shot_blocks(shots, noisy) for noisy, _ in ready]
        probes = {i for i, (noisy, _) in enumerate(ready)
                  if len(blocks[i]) > 1 and not _control_flow(noisy)}
        results: list[list[Result]] = [[] for _ in circuits]
        done = [0] * len(circuits)
        sampled: list[int] = []
        # poll for Ctrl-C only where there are blocks to stop between; else it raises at once
        poll = progress.polling() if any(len(b) > 1 for b in blocks) else nullcontext()
        with progress.runner_task(shots * len(circuits)):
            with poll:
                for j in range(max((len(b) for b in blocks), default=0)):
                    if j and progress.stop_requested():
                        if not progress.partial_allowed(min(done), shots):
                            raise progress.Interrupted(f"after {min(done)} of {shots} shots per circuit")
                        break
                    began, asked = time.perf_counter(), progress.stop_requested()
                    for i, (noisy, method) in enumerate(ready):
                        if j >= len(blocks[i]):
                            continue
                        if i and _cut_round(j, i, len(ready), began, asked):
                            break
                        first, size = blocks[i][j]
                        block_seed = None if seeds[i] is None else seeds[i] + first
                        results[i].append(_call(self.simulator(method, noisy.num_qubits), noisy,
                                                method, shots=size, seed=block_seed, memory=memory))
                        done[i] += size
                        progress.advance(size)
                        if j == 0 and i in probes and _sampled(results[i][0]):
                            blocks[i] = blocks[i][:1]  # one call after the rounds
                            sampled.append(i)
                    if progress.stop_requested() and _undo_round(j, blocks, results, done):
                        if not progress.partial_allowed(min(done), shots):
                            raise progress.Interrupted(f"after {min(done)} of {shots} shots per circuit")
                        break
            self._run_sampled(sampled, ready, results, done, shots, seeds, memory)
        for i, circuit in enumerate(circuits):
            yield circuit, ready[i][0], ready[i][1], results[i], seeds[i], done[i]

    def _run_sampled(self, sampled, ready, results, done, shots, seeds, memory) -> None:
        """The measure-sampled circuits of :meth:`_each` in one call each, unless a stop came
        (then, where the caller takes partial output, they keep their probe block)."""
        for i in sampled:
            if progress.stop_requested():
                return
            noisy, method = ready[i]
            try:
                result = _call(self.simulator(method, noisy.num_qubits), noisy, method,
                               shots=shots, seed=seeds[i], memory=memory)
            except KeyboardInterrupt:  # Ctrl-C during the call (not polled): keep the probes
                if not progress.partial_allowed(min(done), shots):
                    raise
                return
            progress.advance(shots - done[i])
            results[i], done[i] = [result], shots

    # -----------------------------------------------------------------------------------------
    def run_bindings(
        self,
        circuit: QuantumCircuit,
        bindings: Mapping[Parameter, Sequence[float]],
        *,
        shots: int,
        seed: SeedLike = None,
        network: Network | None = None,
    ) -> list[ShotData]:
        """Run ``circuit`` once per row of ``bindings``, ``shots`` shots each: one ShotData per row
        (``metadata["row"]``), rows in order. ``bindings`` maps every circuit Parameter to its
        values (equal lengths; an empty mapping is one row of a circuit without parameters).
        Memory waits whose durations are Parameters get the network's T1/T2 exactly (dilation,
        angles from each row's waits); what the circuit saves (``save_density_matrix``, ...) is
        in ``ShotData.saved`` per row. Seeds: see the class docstring."""
        shots = check_shots(shots)
        table = binding_table(circuit, bindings)
        ready, binds, method = self.prepare_template(circuit, table, network)
        sim = self.template_simulator(method, ready.num_qubits)
        saves = _saves(ready)
        if not binds:  # every row is the same circuit: one experiment, split into rows
            (chunk_seed,) = chunk_seeds(seed, 1)
            results, done = _one_experiment(sim, ready, method, table.rows * shots, chunk_seed,
                                            saves)
            bits = (memory_to_bits(circuit, [m for r in results for m in r.get_memory(0)])
                    if len(results) > 1 and circuit.cregs and _measured(results)
                    else _bits(circuit, results[0], [0], done))
            saved = _saved(saves, results[0], 0)
            if done < table.rows * shots and table.rows == 1:  # Ctrl-C: the finished blocks
                return [_row(circuit, bits, 0, done, method, chunk_seed, saved)]
            if done < shots:
                raise progress.Interrupted(f"after {done} of {shots} shots of the first row")
            return [_row(circuit, bits, k, shots, method, chunk_seed, saved)
                    for k in range(done // shots)]
        return _run_rows(sim, ready, binds, method, circuit, table.rows, shots,
                         row_seeds(seed, table.rows, shots), saves)


def _run_rows(sim: AerSimulator, ready: QuantumCircuit, binds: Mapping[Parameter, np.ndarray],
              method: str, circuit: QuantumCircuit, n_rows: int, shots: int,
              seeds: Sequence[int | None], saves: bool) -> list[ShotData]:
    """The table's rows in chunks (:func:`_chunks`; while a progress monitor is open, chunks of
    :func:`~qnet_circuits.run.progress.chunk_rows` rows each, reported and polled for
    Ctrl-C). A stop returns the finished rows inside :func:`~qnet_circuits.run.progress.partial_ok`
    and raises :class:`~qnet_circuits.run.progress.Interrupted` otherwise."""
    cap = _chunks(n_rows, ready.size(), shots)[0].stop
    monitor = progress.current()
    out: list[ShotData] = []
    start, history = 0, []
    # a row of more shots than a block: its shots in blocks (issue 13, h13-ctrlc)
    in_blocks = monitor is not None and shots > RUN_SHOT_BLOCK and not saves
    with progress.runner_task(n_rows * shots), progress.polling():
        while start < n_rows:
            if out and progress.stop_requested():
                if progress.partial_allowed():
                    return out
                raise progress.Interrupted(f"after {start} of {n_rows} rows")
            if in_blocks:
                row = _row_in_blocks(sim, ready, method, circuit, shots, seeds[start],
                                     {p: v[start:start + 1] for p, v in binds.items()}, start)
                if row is None:  # a stop inside the row
                    if out and progress.partial_allowed():
                        return out
                    raise progress.Interrupted(f"after {start} of {n_rows} rows")
                out.append(row)
                start += 1
                continue
            many = 2 * shots > RUN_SHOT_BLOCK  # rows of many shots: 1 row first
            # every chunk <= 2 s at the latest chunk's rate: a fit of noisy first timings (a slow
            # first call) once gave one chunk of 145 rows, 4 s here, that no Ctrl-C could cut
            size = cap if monitor is None else progress.chunk_rows(
                history, cap, first=1 if many else 2, max_s=4 * progress.CHUNK_TARGET_S)
            rows = slice(start, min(start + size, n_rows))
            began = time.perf_counter()
            result = _call(sim, ready, method, shots=shots, seed=seeds[rows.start],
                           parameter_binds=[{p: v[rows] for p, v in binds.items()}])
            n = rows.stop - rows.start
            history.append((n, time.perf_counter() - began))
            bits = _bits(circuit, result, range(n), n * shots)
            for b in range(n):
                out.append(_row(circuit, bits, b, shots, method, seeds[rows.start + b],
                                _saved(saves, result, b), index=rows.start + b))
            start = rows.stop
            progress.advance(n * shots)
    return out


def _row_in_blocks(sim: AerSimulator, ready: QuantumCircuit, method: str,
                   circuit: QuantumCircuit, shots: int, seed: int | None,
                   bind: Mapping[Parameter, np.ndarray], index: int) -> ShotData | None:
    """Row ``index`` of a binding table run one row per call (more than :data:`RUN_SHOT_BLOCK`
    shots) under a progress monitor: Aer calls of :data:`RUN_SHOT_BLOCK` shots, block j seeded
    ``seed + 1024 j``, polled for Ctrl-C, where Aer simulates the row shot by shot (control
    flow, or the first block's ``measure_sampling`` false: shot k is seeded seed + k, so the
    blocks give the bits of one call); else one call of all shots after the probe block, as
    without a monitor, with Ctrl-C raising at once. None when a stop came before the row's
    last block (the finished blocks are dropped: the rows before it are whole)."""
    options = {"parameter_binds": [dict(bind)]}
    results: list[Result] = []
    done = 0
    for first in range(0, shots, RUN_SHOT_BLOCK):
        if first and progress.stop_requested():
            return None
        size = min(RUN_SHOT_BLOCK, shots - first)
        results.append(_call(sim, ready, method, shots=size,
                             seed=None if seed is None else seed + first, **options))
        done += size
        progress.advance(size)
        if first == 0 and not _control_flow(ready) and _sampled(results[0]):
            with progress.unpolled():  # sampled from one final state: one call, as unmonitored
                results = [_call(sim, ready, method, shots=shots, seed=seed, **options)]
            progress.advance(shots - done)
            break
    bits = (memory_to_bits(circuit, [m for r in results for m in r.get_memory(0)])
            if circuit.cregs and _measured(results) else _bits(circuit, results[0], [0], shots))
    return _row(circuit, bits, 0, shots, method, seed, {}, index=index)


def _one_experiment(sim: AerSimulator, ready: QuantumCircuit, method: str, shots: int,
                    seed: int | None, saves: bool) -> tuple[list[Result], int]:
    """The Aer results of one unbound experiment of ``shots`` shots, and the shots done: one
    call; under a progress monitor, blocks of :data:`RUN_SHOT_BLOCK` where Aer simulates it shot
    by shot (block j seeded ``seed + 1024 j``: the bits of one call; control flow, or the first
    block's ``measure_sampling`` false), polled for Ctrl-C: a stop inside
    :func:`~qnet_circuits.run.progress.partial_ok` keeps the finished blocks."""
    whole = progress.current() is None or saves or shots <= RUN_SHOT_BLOCK
    results: list[Result] = []
    done = 0
    with progress.runner_task(shots):
        if not whole:
            with progress.polling():
                for first in range(0, shots, RUN_SHOT_BLOCK):
                    if first and progress.stop_requested():
                        if not progress.partial_allowed(done, shots):
                            raise progress.Interrupted(f"after {done} of {shots} shots")
                        return results, done
                    size = min(RUN_SHOT_BLOCK, shots - first)
                    results.append(_call(sim, ready, method, shots=size,
                                         seed=None if seed is None else seed + first))
                    done += size
                    progress.advance(size)
                    if first == 0 and not _control_flow(ready) and _sampled(results[0]):
                        whole = True  # sampled from one final state: one call, as unmonitored
                        break
        if whole:
            results = [_call(sim, ready, method, shots=shots, seed=seed)]
            progress.advance(shots - done)
            done = shots
    return results, done


def _bits(circuit: QuantumCircuit, result: Result, experiments: Sequence[int],
          shots: int) -> dict[str, np.ndarray]:
    """Register bits of ``experiments`` stacked in order (``shots`` in all); a circuit that measures
    nothing has no memory in Aer's result, and its classical bits read 0."""
    if not circuit.cregs or "memory" not in result.data(experiments[0]):
        return {reg.name: np.zeros((shots, reg.size), dtype=np.uint8) for reg in circuit.cregs}
    return memory_to_bits(circuit, [m for b in experiments for m in result.get_memory(b)])


def _shot_blocks(shots: int, noisy: QuantumCircuit) -> list[tuple[int, int]]:
    """(first shot, shots) of each Aer call of :meth:`AerRunner.run` under a monitor: blocks of
    :data:`RUN_SHOT_BLOCK` (a circuit Aer simulates shot by shot seeds shot k with seed + k, so
    the blocks give the bits of one call: every circuit with control flow, and those without
    whose first block says so, :func:`_sampled`); one call for a circuit that saves simulator
    data (saved values are per call)."""
    if _saves(noisy):
        return [(0, shots)]
    return [(k, min(RUN_SHOT_BLOCK, shots - k)) for k in range(0, shots, RUN_SHOT_BLOCK)]


def _cut_round(j: int, i: int, n: int, began: float, asked: bool) -> bool:
    """True when a stop that came inside round ``j`` of :meth:`AerRunner._each` (before
    circuit ``i`` of ``n``) cuts it: always from round 1 on (the circuits keep j blocks);
    in round 0 only where the rest of the round would take more than :data:`ROUND_CUT_S`
    (then no circuit has a block to keep). A stop asked before the call began lets round 0
    finish, so every circuit gets one block."""
    if asked or not progress.stop_requested():
        return False
    if j:
        return True
    return (time.perf_counter() - began) / i * (n - i) > ROUND_CUT_S


def _undo_round(j: int, blocks: list[list[tuple[int, int]]], results: list[list[Result]],
                done: list[int]) -> bool:
    """After a stop inside round ``j`` of :meth:`AerRunner._each` (some circuits got block j,
    some did not): drop block j where it ran, so every circuit keeps its first j blocks. True
    when the round was cut; a stop in round 0 leaves nothing to keep (``Interrupted``)."""
    ran = [i for i in range(len(blocks)) if j < len(blocks[i]) and len(results[i]) > j]
    if len(ran) == sum(j < len(b) for b in blocks):
        return False  # the round finished: the stop is handled before the next one
    if j == 0:
        raise progress.Interrupted(f"during the first shot block, {len(ran)} of {len(blocks)} "
                                   "circuits had run it")
    for i in ran:
        size = blocks[i][j][1]
        results[i], done[i] = results[i][:j], done[i] - size
        progress.advance(-size)
    return True


def _control_flow(noisy: QuantumCircuit) -> bool:
    return any(isinstance(inst.operation, ControlFlowOp) for inst in noisy.data)


def _sampled(result: Result) -> bool:
    """True when Aer sampled the call's shots from one final state (its blocks would not give
    the bits of one call); False when it simulated shot by shot (shot k seeded seed + k)."""
    return bool(result.results[0].metadata.get("measure_sampling", True))


def _measured(results: Sequence[Result]) -> bool:
    return "memory" in results[0].data(0)


def _chunks(rows: int, ops: int, shots: int) -> list[slice]:
    """Row slices per Aer call: bindings x operations below :data:`MAX_BOUND_OPERATIONS`, and one
    row per call when a row's shots would reach the next binding's seeds. The slices change no
    result (:func:`~qnet_circuits.run.base.row_seeds`), only memory and progress granularity."""
    size = 1 if shots > MAX_SHOTS_PER_BINDING else max(1, min(rows, MAX_BOUND_OPERATIONS // max(ops, 1)))
    return [slice(i, min(i + size, rows)) for i in range(0, rows, size)]


def _call(sim: AerSimulator, circuit: QuantumCircuit, method: str, *, shots: int, seed: int | None,
          memory: bool = True, **options: Any) -> Result:
    run_options: dict[str, Any] = {"shots": shots, "memory": memory, **options}
    if seed is not None:
        run_options["seed_simulator"] = seed
    result = sim.run(circuit, **run_options).result()
    if not result.success:
        raise RuntimeError(f"Aer simulation failed ({method}): {result.status}")
    return result


def _metadata(circuit: QuantumCircuit, method: str, seed: int | None, shots: int) -> dict[str, Any]:
    return {**(circuit.metadata or {}), "method": method, "seed": seed, "shots": shots, "backend": "aer"}


def _row(circuit: QuantumCircuit, bits: Mapping[str, np.ndarray], b: int, shots: int, method: str,
         seed: int | None, saved: Mapping[str, Any], index: int | None = None) -> ShotData:
    """Row ``b`` of bits stacked row after row (``shots`` each); ``index``: its row in the table."""
    meta = _metadata(circuit, method, seed, shots)
    meta["row"] = b if index is None else index
    rows = {name: arr[b * shots : (b + 1) * shots] for name, arr in bits.items()}
    return ShotData(bits=rows, shots=shots, metadata=meta, saved=saved)


def _saves(circuit: QuantumCircuit) -> bool:
    """True when ``circuit`` holds an Aer save instruction (at its top level)."""
    return any(name.startswith("save_") for name in circuit.count_ops())


def _saved(saves: bool, result: Result, index: int) -> dict[str, Any]:
    """What experiment ``index`` saved by label (Aer save instructions), or {}."""
    if not saves:
        return {}
    return {k: v for k, v in result.data(index).items() if k not in ("memory", "counts")}


__all__ = ["GPU_METHODS", "GPU_MIN_QUBITS", "MAX_BOUND_OPERATIONS", "NARROW_QUBITS", "RUN_SHOT_BLOCK",
           "AerRunner",
           "aer_device"]
