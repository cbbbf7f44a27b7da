"""The IBM runner: the core's Runner protocol on IBM devices, real or fake.

``IBMRunner("fake_torino")`` runs locally on Aer with the fake device's noise model (built once per
process); ``IBMRunner("ibm_torino")`` submits to the device through the runtime's Sampler
(``qiskit_ibm_runtime.executor_sampler.Sampler``; the top-level ``SamplerV2`` is deprecated
since 0.50), in batch mode when the circuits need more than one job. Either way each circuit is
transpiled by :func:`qnet_hardware.isa.to_isa` (markers stripped, delays on the device clock,
node-aware line layout) and the results come back as :class:`~qnet_circuits.results.ShotData` per
classical register, so the analysis written for Aer runs unchanged. The ``network`` argument is
ignored: on a device, the device's noise is the noise.

The core finds this runner without importing it: ``qnet_circuits.run.get_runner("fake_torino")``
calls :func:`make_runner` through the ``qnet_circuits.runners`` entry point ``ibm``.

>>> from qnet_circuits.library.swapping import swap_circuit
>>> runner = IBMRunner("fake_manila")
>>> runner.correction, runner.is_fake
('dynamic', True)
>>> data = runner.run([swap_circuit()], shots=200, seed=5)[0]
>>> sorted(data.bits), data.metadata["isa"]["routing_overhead"], data.metadata["backend"]
(['r1_bsm'], 0, 'fake_manila')
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Literal

import numpy as np
from qiskit.circuit import Delay, Parameter, ParameterExpression, QuantumCircuit
from qiskit.providers import BackendV2
from qiskit_aer import AerSimulator

from qnet_circuits.network import Network
from qnet_circuits.results import ShotData
from qnet_circuits.run import iter_operations
from qnet_circuits.run.base import (
    BindingTable,
    SeedLike,
    binding_table,
    check_circuits,
    check_shots,
    chunk_seeds,
    circuit_seeds,
    counts_from_bits,
)
from qnet_hardware.cost import CostLedger, account, rep_delay_seconds
from qnet_hardware.credentials import connect, known_secrets, one_line, redact
from qnet_hardware.devices import (
    fake_backend,
    fake_simulator,
    is_fake_name,
    is_ibm_name,
    restricted_noise_model,
    supports_dynamic,
)
from qnet_hardware.isa import LAYOUTS, IsaCircuit, IsaReport, bind_isa_rows, to_isa
from qnet_hardware.jobs import cancel_jobs as _cancel
from qnet_hardware.jobs import close_batch as _close
from qnet_hardware.jobs import other_jobs as _others
from qnet_hardware.layout import active_qubits
from qnet_hardware.local_rows import local_rows
from qnet_hardware.pubdata import result_bits, result_rows

__all__ = ["IBMRunner", "SAMPLERS", "make_runner", "result_bits", "result_rows"]

#: How circuits are sampled: ``"auto"`` (Aer for fake devices, the runtime Sampler for real ones),
#: ``"aer"`` (fake devices only) or ``"runtime"`` (the runtime Sampler; on a fake device it runs
#: in the runtime's local mode: the code path of real hardware, without network).
SAMPLERS: tuple[str, ...] = ("auto", "aer", "runtime")
Sampling = Literal["auto", "aer", "runtime"]

#: Bound rows per local Aer job (:mod:`qnet_hardware.local_rows`): the device's job limit does not
#: bind a local simulation, and each job costs a noise-model copy and build (measured: 4,000 rows
#: of a 4-link chain in 40 jobs of 100 spent a quarter of their time there).
LOCAL_JOB_CIRCUITS = 10_000
#: Widest circuit a device run is laid out for (:attr:`IBMRunner.max_width`): its local twin
#: (simulation or calibrated prediction) must hold it.
LOCAL_MAX_WIDTH = 16


#: One circuit to sample: its ISA form and, for a binding table, the (rows, parameters) values.
Pub = tuple[IsaCircuit, "np.ndarray | None"]


def _parameterized_delays(circuit: QuantumCircuit) -> bool:
    return any(isinstance(op, Delay) and isinstance(op.duration, ParameterExpression)
               for op in iter_operations(circuit))


class IBMRunner:
    """Runner on an IBM device (``ibm_<name>``) or a fake one (``fake_<name>``).

    Args:
        backend: a device name, or a BackendV2 object (an IBMBackend or a fake device).
        layout: ``"auto"`` (node-aware line when it saves gates, else the preset layout),
            ``"line"`` (refuse circuits that cannot be laid on a line) or ``"transpiler"``.
        optimization_level: preset pass-manager level (0-3), 2 by default.
        seed_transpiler: seed of the transpiler's stochastic passes.
        sampler: one of :data:`SAMPLERS`.
        timeout_s: seconds to wait for each job's result before giving up (RuntimeError with the
            job id; the job itself keeps running on the device).
        max_circuits_per_job: circuits per runtime job; more circuits are split into jobs of a
            Batch (the runtime's batch mode).
        account_name, instance: which saved account / instance to use (real devices only;
            credentials come from the environment or the saved account, module
            :mod:`qnet_hardware.credentials`).
        job_tags: tags attached to runtime jobs.
        dry_run: account every job in :attr:`ledger` (:mod:`qnet_hardware.cost`; every run does)
            but submit none: sample locally instead (fake device's noise, or Aer from a real
            device's calibration), so later jobs are built and accounted too.
    """

    def __init__(
        self,
        backend: str | BackendV2,
        *,
        layout: str = "auto",
        optimization_level: int = 2,
        seed_transpiler: int = 11,
        sampler: str = "auto",
        timeout_s: float = 3600.0,
        max_circuits_per_job: int = 100,
        account_name: str | None = None,
        instance: str | None = None,
        job_tags: Sequence[str] = ("qnet-circuits",),
        dry_run: bool = False,
    ) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
        if sampler not in SAMPLERS:
            raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
        if not (isinstance(timeout_s, (int, float)) and timeout_s > 0):
            raise ValueError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}")
        if not (isinstance(max_circuits_per_job, int) and max_circuits_per_job >= 1):
            raise ValueError(
                f"max_circuits_per_job must be an integer >= 1, got {max_circuits_per_job!r}"
            )
        if optimization_level not in (0, 1, 2, 3):
            raise ValueError(f"optimization_level must be 0, 1, 2 or 3, got {optimization_level!r}")
        self.layout = layout
        self.optimization_level = optimization_level
        self.seed_transpiler = seed_transpiler
        self.timeout_s = float(timeout_s)
        self.max_circuits_per_job = max_circuits_per_job
        self.job_tags = list(job_tags)
        self._account_name = account_name
        self.service: Any = None
        if isinstance(backend, str):
            if is_fake_name(backend):
                self.backend: BackendV2 = fake_backend(backend)
                self.is_fake = True
            elif is_ibm_name(backend):
                self.service = connect(backend, account_name=account_name, instance=instance)
                self.backend = self._service_backend(backend, instance)
                self.is_fake = False
            else:
                raise ValueError(
                    f"unknown backend {backend!r}: use 'aer', a fake device such as 'fake_torino' "
                    "or 'fake_manila', or an IBM device name such as 'ibm_torino'"
                )
        elif isinstance(backend, BackendV2):
            self.backend = backend
            self.is_fake = _is_local(backend)
        else:
            raise ValueError(f"backend must be a device name or a BackendV2, got {backend!r}")
        if sampler == "aer" and not self.is_fake:
            raise ValueError("sampler='aer' runs fake devices only; use 'auto' for a real device")
        self.sampler = ("aer" if self.is_fake else "runtime") if sampler == "auto" else sampler
        self.name: str = self.backend.name
        self.reports: list[IsaReport] = []
        self.dry_run = bool(dry_run)
        self.ledger = CostLedger(self.name, rep_delay_seconds(self.backend))
        self._dry_simulator: AerSimulator | None = None
        self._batch: Any = None  # the open Batch of batch_mode()
        self._in_batch = False

    @contextmanager
    def batch_mode(self) -> Iterator[IBMRunner]:
        """Every runtime job submitted inside the block goes into one ``qiskit_ibm_runtime.Batch``
        (opened at the first submission, closed on exit), so a command's separate calls share it;
        outside it a call needing several jobs opens a Batch of its own."""
        self._in_batch = True
        try:
            yield self
        finally:
            _close(self._batch)
            self._batch, self._in_batch = None, False

    def costing(self) -> IBMRunner:
        """A dry-run twin of this runner (same device, layout and transpiler options): it
        transpiles and accounts every job but submits none (see ``dry_run``)."""
        return IBMRunner(self.backend, layout=self.layout,
                         optimization_level=self.optimization_level,
                         seed_transpiler=self.seed_transpiler,
                         max_circuits_per_job=self.max_circuits_per_job, dry_run=True)

    # -----------------------------------------------------------------------------------------
    def _service_backend(self, name: str, instance: str | None) -> BackendV2:
        try:
            return self.service.backend(name, instance=instance)
        except Exception as exc:  # noqa: BLE001 - any failure becomes one clean line
            msg = one_line(redact(f"{type(exc).__name__}: {exc}", known_secrets()))
            raise RuntimeError(f"IBM device {name!r} is not available to this account ({msg})") from None

    @property
    def target(self):
        """The device's :class:`~qiskit.transpiler.Target`."""
        return self.backend.target

    @property
    def dynamic(self) -> bool:
        """True when the device runs dynamic circuits (``if_else`` in its target)."""
        return supports_dynamic(self.target)

    @property
    def max_width(self) -> int:
        """The widest circuit builders should lay out for this runner (qubits): the device's,
        capped at :data:`LOCAL_MAX_WIDTH` (every device run has a local twin: the fake device's
        simulation, the dry run, or the calibrated prediction beside a real device, and Aer's
        statevector grows as 2^width per shot; the twin must run the same circuit). The chain's
        device form gives every repeater its own register (a line, no routing) when that fits."""
        return min(self.target.num_qubits, LOCAL_MAX_WIDTH)

    @property
    def median_coherence_s(self) -> tuple[float | None, float | None]:
        """Median T1 and T2 of the device's qubits in s (None where the target states none): the
        memories the device's own qubits play (``qnet chain --memory device``)."""
        props = self.target.qubit_properties or []
        t1s = [p.t1 for p in props if p is not None and p.t1]
        t2s = [p.t2 for p in props if p is not None and p.t2]
        return (float(np.median(t1s)) if t1s else None, float(np.median(t2s)) if t2s else None)

    @property
    def correction(self) -> str:
        """The correction form builders should use here: ``"dynamic"``, or ``"deferred"`` when
        the device has no ``if_else`` (e.g. ``teleport_circuit(s, correction=runner.correction)``)."""
        return "dynamic" if self.dynamic else "deferred"

    def simulator(self) -> AerSimulator:
        """The cached Aer simulator with this fake device's noise (fake devices only)."""
        if not self.is_fake and self.dry_run:
            if self._dry_simulator is None:  # built once: Aer from the device's calibration
                self._dry_simulator = AerSimulator.from_backend(self.backend)
            return self._dry_simulator
        if not self.is_fake:
            raise ValueError(f"{self.name} is a real device; it has no local simulator")
        if isinstance(self.backend, AerSimulator):
            return self.backend
        return fake_simulator(self.name)

    def prepare(self, circuit: QuantumCircuit, *, template: bool = False) -> IsaCircuit:
        """The ISA circuit and its report (see :func:`qnet_hardware.isa.to_isa`); ``template``
        keeps unbound gate parameters for a PUB's value table."""
        return to_isa(
            circuit,
            self.target,
            device=self.name,
            layout=self.layout,  # type: ignore[arg-type]
            optimization_level=self.optimization_level,
            seed_transpiler=self.seed_transpiler,
            parameters=template,
        )

    def four_columns(self, command: str, result: Mapping[str, Any],
                     rerun: Any) -> dict[str, Any] | None:
        """Theory, network model, calibrated prediction and this device's ``result`` for
        ``command`` (:func:`qnet_hardware.columns.four_columns`; ``rerun(runner)`` reruns it);
        None for a command without a comparison (:data:`qnet_hardware.columns.SPECS`)."""
        from qnet_hardware.columns import SPECS, four_columns

        return four_columns(command, result, self, rerun) if command in SPECS else None

    # -----------------------------------------------------------------------------------------
    def run(
        self,
        circuits: Sequence[QuantumCircuit],
        *,
        shots: int,
        seed: int | None = None,
        network: Network | None = None,
    ) -> list[ShotData]:
        """Run ``circuits`` for ``shots`` each on the device; results in the same order.

        ``seed`` seeds the fake device's sampling (per-circuit seeds derived from it, as in
        :class:`~qnet_circuits.run.AerRunner`); a real device ignores it. ``network`` is ignored.
        Raises ValueError for circuits the device cannot take, RuntimeError (with the job id) when
        a job fails or times out; no partial results are returned.
        """
        shots = check_shots(shots)
        circuits = check_circuits(circuits)
        if not circuits:
            return []
        start = time.perf_counter()
        isas = [self.prepare(qc) for qc in circuits]
        transpile_s = time.perf_counter() - start
        self.reports = [isa.report for isa in isas]
        results = self._sample([(isa, None) for isa in isas], shots, seed)
        run_s = time.perf_counter() - start - transpile_s
        out: list[ShotData] = []
        for qc, isa, (pub_data, job_id, seed_used) in zip(circuits, isas, results, strict=True):
            meta = self._metadata(qc, isa, job_id, shots, seed_used, network)
            meta.update(transpile_s=transpile_s / len(circuits), run_s=run_s / len(circuits))
            out.append(ShotData(bits=result_bits(isa.circuit, pub_data, shots), shots=shots,
                                metadata=meta))
        return out

    def counts(
        self,
        circuits: Sequence[QuantumCircuit],
        *,
        shots: int,
        seed: int | None = None,
        network: Network | None = None,
    ) -> list[dict[str, int]]:
        """Counts of each circuit, keys as :func:`qnet_circuits.run.base.counts_from_bits`.

        The Sampler always returns per-shot bits, so these are the tallies of :meth:`run` (same
        seeds, same shots).
        """
        circuits = check_circuits(circuits)
        data = self.run(circuits, shots=shots, seed=seed, network=network)
        return [counts_from_bits(qc, d.bits, d.shots) for qc, d in zip(circuits, data, strict=True)]

    def run_bindings(
        self,
        circuit: QuantumCircuit,
        bindings: Mapping[Parameter, Sequence[float]],
        *,
        shots: int,
        seed: SeedLike = None,
        network: Network | None = None,
    ) -> list[ShotData]:
        """Run ``circuit`` once per row of ``bindings``, ``shots`` shots each (one ShotData per row,
        ``metadata["row"]``).

        The template is transpiled once and sent as one Sampler PUB ``(isa_circuit, values)``
        (SamplerV2 takes parameter value arrays natively), seeded on fake devices as
        ``run([circuit], seed=seed)`` would be (a SeedSequence seed first becomes
        :func:`qnet_circuits.run.base.chunk_seeds` ``(seed, 1)[0]``). Delays whose durations are
        Parameters cannot go on the device clock unbound (:func:`qnet_hardware.isa.round_delays`):
        such templates are bound row by row and run as circuits (:meth:`run`, same seed).
        ``network`` is ignored.
        """
        shots = check_shots(shots)
        table = binding_table(circuit, bindings)
        if isinstance(seed, np.random.SeedSequence):
            (seed,) = chunk_seeds(seed, 1)
        if _parameterized_delays(circuit):
            return self._run_bound_rows(circuit, table, shots, seed, network)
        return self._run_table(circuit, table, shots, seed, network)

    @property
    def circuits_per_job(self) -> int:
        """Circuits per job: ``max_circuits_per_job``, capped by the device's own limit
        (``backend.max_circuits``) where it states one."""
        limit = getattr(self.backend, "max_circuits", None)
        return min(self.max_circuits_per_job, limit) if limit else self.max_circuits_per_job

    def _run_bound_rows(self, circuit: QuantumCircuit, table: BindingTable, shots: int,
                        seed: int | None, network: Network | None) -> list[ShotData]:
        """A template with parameterized Delays: IBM's dynamic-circuit stack refuses them
        (qiskit-ibm-runtime issue 2002) and so does the local fake-device sampler (measured:
        TypeError in Aer), so the template is transpiled **once** (delays kept as parameters,
        in ``dt``) and bound row by row into ISA circuits (:func:`qnet_hardware.isa.bind_isa_rows`),
        sampled in as few jobs as :attr:`circuits_per_job` allows (one Batch). Sampled locally
        (fake devices, dry runs) the rows come from :mod:`qnet_hardware.local_rows` instead: the
        same instructions and errors, bit for bit, at a fraction of the cost."""
        start = time.perf_counter()
        template = self.prepare_template_delays(circuit)
        names = [p.name for p in table.columns]
        values = np.column_stack([table.columns[p] for p in table.columns]) if names else None
        rows = [dict(zip(names, values[k])) if values is not None else {} for k in range(table.rows)]
        self.reports = [template.report]
        local = self._local_rows(template)
        if local is not None:
            circuits, infos = local.bind(rows)
            isas = [IsaCircuit(c, template.source, replace(template.report, delays=info))
                    for c, info in zip(circuits, infos, strict=True)]
            transpile_s = time.perf_counter() - start
            results = self._sample_many([(isa, None) for isa in isas], shots, seed, local,
                                        local.seconds())
        else:
            isas = bind_isa_rows(template, rows, self.target)
            transpile_s = time.perf_counter() - start
            results = self._sample_many([(isa, None) for isa in isas], shots, seed)
        run_s = time.perf_counter() - start - transpile_s
        out: list[ShotData] = []
        for k, (isa, (pub_data, job_id, seed_used)) in enumerate(zip(isas, results, strict=True)):
            meta = self._metadata(circuit, isa, job_id, shots, seed_used, network)
            meta.update(transpile_s=transpile_s, run_s=run_s, row=k, binding="bound",
                        jobs=-(-len(isas) // self.circuits_per_job))
            out.append(ShotData(bits=result_bits(isa.circuit, pub_data, shots), shots=shots,
                                metadata=meta))
        return out

    def _local_rows(self, template: IsaCircuit):
        """:func:`qnet_hardware.local_rows.local_rows` where the rows are sampled locally."""
        if self.sampler != "aer" and not self.dry_run:
            return None
        return local_rows(template, self.target, self.simulator().options.noise_model)

    def prepare_template_delays(self, circuit: QuantumCircuit) -> IsaCircuit:
        """The ISA template of a circuit whose Delays (and gates) carry Parameters."""
        return to_isa(circuit, self.target, device=self.name, layout=self.layout,  # type: ignore[arg-type]
                      optimization_level=self.optimization_level,
                      seed_transpiler=self.seed_transpiler, parameters="delays")

    def _sample_many(self, pubs: list[Pub], shots: int, seed: int | None, local: Any = None,
                     seconds: list[float] | None = None) -> list[tuple[Any, str, int | None]]:
        """Bound rows of one template: fake devices run each chunk of :attr:`circuits_per_job`
        circuits (with ``local``, the rows' :class:`~qnet_hardware.local_rows.LocalRows`: of
        :data:`LOCAL_JOB_CIRCUITS`, each job with its noise model) as one local Aer job (chunk k
        seeded ``circuit_seeds(seed, chunks)[k]``; Aer seeds circuit i of a job ``i`` further
        on); real devices (and ``sampler="runtime"``) submit the chunks as jobs of one Batch.
        ``seconds``: each PUB's per-shot duration, for the ledger (which counts device jobs)."""
        if self.sampler != "aer" and not self.dry_run:
            return self._accounted(pubs, shots, self._run_runtime(pubs, shots, seed))

        size = self.circuits_per_job if local is None else LOCAL_JOB_CIRCUITS
        starts = range(0, len(pubs), size)
        sim = self.simulator()
        full_noise = sim.options.noise_model
        out: list[tuple[Any, str, int | None]] = []
        for first, chunk_seed in zip(starts, circuit_seeds(seed, len(starts)), strict=True):
            chunk = pubs[first : first + size]
            noise = None if local is None else local.job_noise_model(range(first, first + len(chunk)))
            result, job_id = self._local_job(sim, full_noise, chunk, shots, chunk_seed, noise)
            out.extend((pub.data, job_id, chunk_seed) for pub in result)
        return self._accounted(pubs, shots, out, seconds)

    def _accounted(self, pubs: list[Pub], shots: int, results: list[tuple[Any, str, int | None]],
                   seconds: list[float] | None = None) -> list[tuple[Any, str, int | None]]:
        """Record the jobs of ``pubs`` in :attr:`ledger` (:func:`qnet_hardware.cost.account`)."""
        account(self.ledger, pubs, shots, [r[1] for r in results], self.target,
                self.circuits_per_job, dry_run=self.dry_run, seconds=seconds)
        return results

    def _local_job(self, sim: Any, full_noise: Any, chunk: list[Pub], shots: int,
                   seed: int | None, noise: Any = None) -> tuple[Any, str]:
        """One local Aer Sampler job over ``chunk`` (noise restricted to the qubits it uses, or
        ``noise`` when given); a failure becomes one line naming the job id."""
        from qiskit_aer.primitives import SamplerV2 as AerSampler

        run_options: dict[str, Any] = {}
        if noise is not None:
            run_options["noise_model"] = noise
        elif full_noise is not None:
            used = sorted(set().union(*(active_qubits(isa.circuit) for isa, _ in chunk)))
            run_options["noise_model"] = restricted_noise_model(full_noise, used)
        sampler = AerSampler.from_backend(sim, seed=seed, options={"run_options": run_options})
        job = sampler.run([_pub(isa, values) for isa, values in chunk], shots=shots)
        job_id = str(job.job_id())
        try:
            return job.result(), job_id
        except Exception as exc:  # noqa: BLE001 - becomes one clean line with the job id
            raise RuntimeError(
                f"local job {job_id} on {self.name} failed: {one_line(str(exc))}"
            ) from exc

    def _run_table(self, circuit: QuantumCircuit, table: BindingTable, shots: int,
                   seed: int | None, network: Network | None) -> list[ShotData]:
        start = time.perf_counter()
        isa = self.prepare(circuit, template=True)
        transpile_s = time.perf_counter() - start
        self.reports = [isa.report]
        values = table.matrix(list(isa.circuit.parameters)) if isa.circuit.parameters else None
        ((pub_data, job_id, seed_used),) = self._sample([(isa, values)], shots, seed)
        if values is None:  # a parameter-free circuit: one row
            rows = [result_bits(isa.circuit, pub_data, shots)]
        else:
            rows = result_rows(isa.circuit, pub_data, shots, table.rows)
        run_s = time.perf_counter() - start - transpile_s
        out = []
        for k, bits in enumerate(rows):
            meta = self._metadata(circuit, isa, job_id, shots, seed_used, network)
            meta.update(transpile_s=transpile_s, run_s=run_s, row=k, binding="pub")
            out.append(ShotData(bits=bits, shots=shots, metadata=meta))
        return out

    def _metadata(self, qc: QuantumCircuit, isa: IsaCircuit, job_id: str, shots: int,
                  seed_used: int | None, network: Network | None) -> dict[str, Any]:
        return {
            **(qc.metadata or {}),
            "backend": self.name,
            "runner": "ibm",
            "fake_device": self.is_fake,
            "method": f"aer:{self.name}" if self.sampler == "aer" else f"sampler:{self.name}",
            "job_id": job_id,
            "shots": shots,
            "seed": seed_used,
            "isa": isa.report.to_dict(),
            "network_ignored": network is not None,
        }

    def _sample(self, pubs: list[Pub], shots: int, seed: int | None) -> list[tuple[Any, str, int | None]]:
        """``(pub data, job id, seed used)`` per PUB, through Aer (fake devices: PUB i seeded
        with ``circuit_seeds(seed, n)[i]``) or the runtime (job k with ``circuit_seeds(seed, jobs)[k]``)."""
        if self.sampler == "aer" or self.dry_run:
            return self._accounted(pubs, shots,
                                   self._run_aer(pubs, shots, circuit_seeds(seed, len(pubs))))
        return self._accounted(pubs, shots, self._run_runtime(pubs, shots, seed))

    def _run_aer(
        self, pubs: list[Pub], shots: int, seeds: list[int | None]
    ) -> list[tuple[Any, str, int | None]]:

        sim = self.simulator()
        full_noise = sim.options.noise_model
        out = []
        for pub, circuit_seed in zip(pubs, seeds, strict=True):
            result, job_id = self._local_job(sim, full_noise, [pub], shots, circuit_seed)
            out.append((result[0].data, job_id, circuit_seed))
        return out

    def _run_runtime(
        self, pubs: list[Pub], shots: int, seed: int | None
    ) -> list[tuple[Any, str, int | None]]:
        from qiskit_ibm_runtime import Batch
        from qiskit_ibm_runtime.executor_sampler import Sampler

        size = self.circuits_per_job
        chunks = [pubs[i : i + size] for i in range(0, len(pubs), size)]
        mode: Any = self.simulator() if self.is_fake else self.backend
        if self._in_batch and self._batch is None:  # the first submission of batch_mode()
            self._batch = Batch(backend=mode)
        batch = self._batch or (Batch(backend=mode) if len(chunks) > 1 else None)
        secrets = [] if self.is_fake else known_secrets()
        jobs: list[Any] = []
        try:
            sampler = Sampler(mode=batch if batch is not None else mode)
            sampler.options.default_shots = shots
            if self.job_tags and not self.is_fake:
                sampler.options.environment.job_tags = list(self.job_tags)
            job_seeds = circuit_seeds(seed, len(chunks))
            for chunk, chunk_seed in zip(chunks, job_seeds, strict=True):
                if self.is_fake and chunk_seed is not None:
                    sampler.options.simulator.seed_simulator = chunk_seed
                try:
                    jobs.append(sampler.run([_pub(isa, values) for isa, values in chunk], shots=shots))
                except Exception as exc:  # noqa: BLE001
                    raise RuntimeError(
                        f"submitting {len(chunk)} circuits to {self.name} failed "
                        f"({one_line(redact(f'{type(exc).__name__}: {exc}', secrets))})"
                        + _others(jobs)
                    ) from None
            out: list[tuple[Any, str, int | None]] = []
            for k, (chunk, job) in enumerate(zip(chunks, jobs, strict=True)):
                job_id = str(job.job_id())
                try:
                    result = (
                        job.result() if self.is_fake else job.result(timeout=self.timeout_s)
                    )
                except Exception as exc:  # noqa: BLE001
                    _cancel(jobs[k + 1 :])
                    kind = "timed out" if "timeout" in type(exc).__name__.lower() else "failed"
                    raise RuntimeError(
                        f"IBM job {job_id} on {self.name} {kind} "
                        f"({one_line(redact(f'{type(exc).__name__}: {exc}', secrets))}); "
                        "no results returned" + _others(jobs, skip=job_id)
                    ) from None
                if len(result) != len(chunk):
                    raise RuntimeError(
                        f"IBM job {job_id} on {self.name} returned {len(result)} results for "
                        f"{len(chunk)} circuits; no results returned"
                    )
                used_seed = job_seeds[k] if self.is_fake else None  # a device's is its own
                for pub in result:
                    out.append((pub.data, job_id, used_seed))
            return out
        finally:
            if batch is not self._batch:
                _close(batch)


def _pub(isa: IsaCircuit, values: np.ndarray | None):
    """A Sampler PUB: the ISA circuit, with its binding table when it has one."""
    return isa.circuit if values is None else (isa.circuit, values)


def _is_local(backend: BackendV2) -> bool:
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    return isinstance(backend, (FakeBackendV2, AerSimulator))


def make_runner(backend_name: str, **options: Any) -> IBMRunner:
    """Entry-point factory (group ``qnet_circuits.runners``, name ``ibm``): a runner by name.

    ``backend_name`` is ``fake_<device>`` (local, the device's noise) or ``ibm_<device>``
    (credentials needed); ``options`` are :class:`IBMRunner` keyword arguments.
    """
    return IBMRunner(backend_name, **options)
