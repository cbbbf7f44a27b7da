"""Repeater chains on a 133-qubit fake device (fake_torino): ISA size against links, and wall time.

Prints, for N = 2 ... 16 links and both register layouts of the device form (``emit_chain``'s
``reuse``: the constant-width form, whose two alternating repeater registers close a 4-cycle that
heavy-hex cannot hold, and the line form, one register per repeater, which the chain's device form
uses where the width fits), the logical width, the physical qubits the layout used, the ideal and
ISA two-qubit gate counts and the ISA depth, with a least-squares line through each (slope, R^2);
then the wall and CPU time of a 4-link chain with 4,000 shots on the fake device (``qnet chain
--backend fake_torino --links 4 --shots 4000``: ideal memories, one circuit per basis), and with
``--sampled`` also the same chain with T1/T2 memories (every realization its own bound row, one
shot each; ``--repeat K`` runs it K times and prints the median). ``QNET_QUICK=1`` (or
``--quick``): N = 2 ... 6 and 600 shots.

Usage::

    python benchmarks/chain_device_scale.py [--quick] [--sampled] [--repeat 3] [--backend fake_torino]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from qnet_hardware.scale import chain_isa_scale, linear_fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sampled", action="store_true",
                        help="also time the chain with T1/T2 memories (sampled timing)")
    parser.add_argument("--backend", default="fake_torino")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the sampled case (median)")
    args = parser.parse_args()
    quick = args.quick or os.environ.get("QNET_QUICK") == "1"
    links = list(range(2, 7 if quick else 17))
    shots = 600 if quick else 4000
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; backend {args.backend}")
    for reuse in (True, False):
        _scale_table(args.backend, links, reuse)
    from qnet_circuits.protocols import chain as protocol
    from qnet_circuits.run import get_runner

    cases = [("ideal memories", {}, 1)]
    if args.sampled:
        cases.append(("T1 = 0.2 s, T2 = 0.1 s memories", {"t1_s": 0.2, "t2_s": 0.1}, args.repeat))
    for label, extra, repeat in cases:
        walls, cpus = [], []
        for _ in range(max(1, repeat)):
            start, cpu = time.perf_counter(), time.process_time()
            runner = get_runner(args.backend)
            res = protocol.run(protocol.ChainParams(links=4, **extra), runner=runner, shots=shots,
                               seed=1)
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
        print(f"4-link chain, {shots} shots on {args.backend} ({label}): "
              f"{statistics.median(walls):.1f} s wall (median of {len(walls)}: "
              f"{', '.join(f'{w:.1f}' for w in walls)}; target < 30 s), "
              f"{statistics.median(cpus):.1f} s CPU, load {os.getloadavg()[0]:.1f}; "
              f"fidelity {res.fidelity.value:.4f} ± {res.fidelity.stderr:.4f} "
              f"(closed form of the network {res.theory['fidelity']:.4f})")


def _scale_table(backend: str, links: list[int], reuse: bool) -> None:
    rows = chain_isa_scale(backend, links, reuse=reuse)
    print("constant-width form (two alternating repeater registers)" if reuse
          else "line form (one register per repeater; the device form's choice where it fits)")
    print(f"{'links':>5} {'width':>5} {'phys':>5} {'2q ideal':>8} {'2q ISA':>7} {'depth':>6} "
          f"{'transpile s':>11}")
    for r in rows:
        print(f"{r.links:5d} {r.width:5d} {r.physical_qubits:5d} {r.ideal_two_qubit:8d} "
              f"{r.isa_two_qubit:7d} {r.depth:6d} {r.transpile_s:11.2f}")
    for what in ("ideal_two_qubit", "isa_two_qubit", "depth"):
        fit = linear_fit(links, [getattr(r, what) for r in rows])
        print(f"{what:16} slope {fit['slope']:.2f} per link, intercept {fit['intercept']:.1f}, "
              f"R^2 {fit['r2']:.3f}, max |residual| {100 * fit['max_rel_residual']:.0f}%")
    print(f"width {sorted({r.width for r in rows})}")


if __name__ == "__main__":
    main()
