"""CPU against GPU on the widest circuits the toolkit simulates (issue 17 item 6).

Which circuits are wide (state-vector or density-matrix method, so a GPU can run them):

* ``distribute-deferred``: a distributed QFT (``qnet_circuits.library.distributed``) with ideal
  ebits in its deferred, unitary form, sampled from one state vector: data + communication
  qubits (and, with the default ``remote="auto"``, the slots of moved qubits); ``qft:20``
  (``protocols.distribute.MAX_DATA_QUBITS``) over 2 nodes is 24 qubits, the widest statevector
  circuit a protocol builds;
* ``distribute-dynamic``: the same split with network ebits and finite T1 (Kraus noise, measured
  and reset communication qubits, ``if_test``, ``max_open=1``): one state-vector trajectory per
  shot, ``qft:12`` over 3 nodes is 19 qubits;
* ``swap-chain``: ``qnet swap`` over k Werner links, no qubit reuse (``swap_chain_circuit``:
  2k + 2 qubits; the protocol allows 13 links, 28 qubits), deferred corrections, XX/YY/ZZ bases;
* ``blind-no-reuse``: the UBQC server circuit of a built-in program with every graph vertex a
  qubit (``run_batch(..., reuse=False, correction="deferred")``): the ``cnot`` brickwork has 26
  vertices (the blind protocol itself reuses qubits: at most ~5 wide; with traps the graphs
  reach 148 vertices, beyond any state vector);
* ``density-matrix``: the exact heralded density matrix of a distributed circuit with network
  ebits (``run.exact``: measurements deferred, ``save_density_matrix``), 12 qubits for ``qft:4``
  over 2 nodes (the estimator's stated limit).

Repeater chains (``qnet chain``) reuse measured qubits (constant width, ~10 qubits) and mostly run
on the stabilizer method: not GPU work. Each case runs through :class:`qnet_circuits.run.AerRunner`
with ``device="CPU"`` and, only when :func:`qnet_circuits.run.aer.aer_device` finds a GPU (the
runner's own detection: ``qiskit-aer-gpu`` installed and a GPU visible), ``device="GPU"``: width,
method, the median of ``--repeats`` (3) wall times per device and the GPU/CPU ratio. Without a
GPU it prints the CPU column and one line saying so (exit 0). ``--quick`` (or ``QNET_QUICK=1``):
tiny widths, for the test.

Usage::

    python benchmarks/gpu_vs_cpu.py [--quick] [--repeats 3] [--cases distribute-deferred,swap-chain]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from importlib import metadata

#: case -> (full-size setting, quick setting)
SIZES = {
    "distribute-deferred": (("qft:20", 2, 1000), ("qft:4", 2, 100)),
    "distribute-dynamic": (("qft:12", 3, 2), ("qft:3", 2, 2)),
    "swap-chain": ((10, 4), (2, 20)),
    "blind-no-reuse": (("cnot", 2), ("line", 2)),
    "density-matrix": (("qft:4", 2), ("ghz:3", 2)),
}
HEADER = f"{'case':<22} {'setting':<18} {'width':>5} {'method':<15} {'CPU s':>9} {'GPU s':>9} {'GPU/CPU':>8}"


def _distributed(spec: str, nodes: int, **network):
    """(DistributedCircuit, Network) as ``protocols.distribute.circuits`` builds them."""
    from qnet_circuits.protocols.distribute import DistributeParams, circuits

    built = circuits(DistributeParams(circuit=spec, nodes=nodes, **network))
    return built["distributed"], built["network"]


def _measured(circuit, n_data: int):
    from qiskit import ClassicalRegister

    circ = circuit.copy()
    circ.add_register(ClassicalRegister(n_data, "out"))
    circ.measure(range(n_data), circ.cregs[-1])
    return circ


def distribute_deferred(spec: str, nodes: int, shots: int):
    """(width, run(runner) -> method): the deferred equivalent ``protocols.distribute`` samples
    for ideal ebits."""
    from qnet_circuits.library.distributed import distribute

    dist, _ = _distributed(spec, nodes)
    circ = distribute(dist.lowered, nodes, dict(dist.placement), deferred=True, reuse=True,
                      max_open=1).circuit
    circ = _measured(circ, dist.n_data_qubits)
    return circ.num_qubits, lambda runner: _counts(runner, circ, shots, None)


def distribute_dynamic(spec: str, nodes: int, shots: int):
    """The dynamic distributed circuit with the network's noise (finite T1: no Pauli frames)."""
    dist, net = _distributed(spec, nodes, t1_s=1.0, t2_s=0.5, length_km=5.0)
    circ = _measured(dist.circuit, dist.n_data_qubits)
    return circ.num_qubits, lambda runner: _counts(runner, circ, shots, net)


def _counts(runner, circ, shots: int, network) -> str:
    _, method = runner.prepare(circ, network)
    runner.counts([circ], shots=shots, seed=1, network=network)
    return method


def swap_chain(links: int, shots: int):
    """``swap.run`` over ``links`` Werner links (deferred corrections)."""
    from qnet_circuits.protocols import swap

    params = swap.SwapParams(fidelity=tuple([0.95] * links), correction="deferred")
    (qc,) = swap.circuits(params)
    return qc.num_qubits, lambda runner: swap.run(params, runner=runner, shots=shots, seed=1).method


def blind_no_reuse(program: str, runs: int):
    """The server circuit of ``program`` with every vertex a qubit, ``runs`` client runs."""
    from qnet_circuits.library.blind.circuit import blind_circuit
    from qnet_circuits.protocols.blind import BlindParams
    from qnet_circuits.protocols.blind.batch import run_batch

    prog = BlindParams(program=program).blind_program
    width = blind_circuit(prog.pattern, correction="deferred", reuse=False).num_qubits

    def run(runner) -> str:
        batch = run_batch(prog, runs, correction="deferred", reuse=False, runner=runner, seed=1)
        return runner.prepare(batch.circuit, None)[1]
    return width, run


def density_matrix(spec: str, nodes: int):
    """The heralded density matrix of the distributed circuit with network ebits (``run.exact``)."""
    from qnet_circuits.library.distributed import distribute
    from qnet_circuits.noise import noisy_circuit
    from qnet_circuits.protocols.distribute import DistributeParams
    from qnet_circuits.run.exact import defer_measurements

    params = DistributeParams(circuit=spec, nodes=nodes, t1_s=1.0, t2_s=0.5)
    net = params.network()
    fresh = distribute(params.build(), nodes, None, network=net, hosts=params.hosts,
                       data_waits=params.data_waits)
    deferred, _ = defer_measurements(noisy_circuit(fresh.circuit, net))
    deferred.save_density_matrix()

    def run(runner) -> str:
        (data,) = runner.with_method("density_matrix").run_bindings(deferred, {}, shots=1, seed=1)
        assert data.saved["density_matrix"] is not None
        return data.metadata["method"]
    return deferred.num_qubits, run


BUILDERS: dict[str, Callable] = {
    "distribute-deferred": distribute_deferred, "distribute-dynamic": distribute_dynamic,
    "swap-chain": swap_chain, "blind-no-reuse": blind_no_reuse, "density-matrix": density_matrix,
}


def gpu_status() -> tuple[bool, str]:
    """(GPU usable, why): the runner's detection (:func:`~qnet_circuits.run.aer.aer_device`)."""
    from qnet_circuits.run.aer import aer_device

    if aer_device() == "GPU":
        return True, "GPU visible to qiskit-aer"
    try:
        metadata.version("qiskit-aer-gpu")
        why = "qiskit-aer-gpu is installed but sees no GPU"
    except metadata.PackageNotFoundError:
        why = "qiskit-aer-gpu is not installed (the CPU build of qiskit-aer is)"
    return False, why


def timed(run: Callable, device: str, repeats: int) -> tuple[float, str]:
    """(median wall s of ``repeats`` runs, method) on a fresh AerRunner(device=device)."""
    from qnet_circuits.run import AerRunner

    runner = AerRunner(device=device)
    times, method = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        method = run(runner)
        times.append(time.perf_counter() - start)
    return statistics.median(times), method


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", default=bool(os.environ.get("QNET_QUICK")))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default=",".join(SIZES), help="comma-separated: " + ", ".join(SIZES))
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = sorted(set(cases) - set(SIZES))
    if unknown or args.repeats < 1:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(SIZES)}" if unknown
                     else "--repeats must be >= 1")
    gpu, why = gpu_status()
    print(f"median of {args.repeats} wall times per device; {'quick' if args.quick else 'full'} sizes; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(HEADER)
    for case in cases:
        setting = SIZES[case][1 if args.quick else 0]
        width, run = BUILDERS[case](*setting)
        cpu, method = timed(run, "CPU", args.repeats)
        gpu_s = timed(run, "GPU", args.repeats)[0] if gpu else None
        label = ",".join(str(s) for s in setting)
        cols = (f"{gpu_s:9.3f} {gpu_s / cpu:8.3f}" if gpu_s is not None else f"{'-':>9} {'-':>8}")
        print(f"{case:<22} {label:<18} {width:>5} {method:<15} {cpu:9.3f} {cols}", flush=True)
    if not gpu:
        print(f"no GPU found: {why}; CPU column only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
