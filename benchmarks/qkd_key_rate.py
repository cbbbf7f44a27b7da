"""Final secret-key bits per wall-second: BBM92 over one 10 km link, QBER about 1.5%.

Everything is inside the timed call (``qnet_circuits.protocols.qkd.simulate_qkd``): building the
setting circuits, the quantum part, rebuilding the iid rounds, sifting, QBER estimation on a
disclosed sample, Cascade, the verification hash, the finite-key length and Toeplitz privacy
amplification of both keys. The source is a Werner pair of fidelity F = 1 - 1.5 Q (Q = 1.5%)
delivered at the rate of one double-click link of 10 km (``chain(1, 10)``).

Quantum part: ``--sampling exact`` (default) computes each setting circuit's exact outcome
distribution once (Aer density matrix) and draws the counts from it (multinomial, seeded), which
is the law of shot sampling; ``--sampling shots`` runs the setting circuits on the AerRunner with
per-shot memory (about 1.5 us per shot here, the bottleneck). In both cases the per-round record
is an exact iid sample given the counts (see qnet_circuits.keys.rounds).

Usage: ``python benchmarks/qkd_key_rate.py [--pairs 4000000] [--repeats 5] [--sampling exact]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from qnet_circuits import physics
from qnet_circuits.network import chain
from qnet_circuits.protocols.qkd import simulate_qkd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--qber", type=float, default=0.015)
    parser.add_argument("--sampling", choices=("exact", "shots"), default="exact")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    fidelity = 1.0 - 1.5 * args.qber  # Werner: Q = 2(1 - F)/3
    net = chain(1, 10.0)
    link = net.links[0]

    # warm-up (imports, Aer start-up), not counted
    simulate_qkd("bbm92", fidelity=fidelity, pairs=20_000, seed=1, link=link, network=net,
                 sampling=args.sampling)
    rates, rows = [], []
    for k in range(args.repeats):
        t0 = time.perf_counter()
        rep = simulate_qkd("bbm92", fidelity=fidelity, pairs=args.pairs, seed=1_000_003 * (k + 1),
                           link=link, network=net, sampling=args.sampling)
        wall = time.perf_counter() - t0
        bits = rep.key.final_key_bits
        if not rep.key.keys_match:
            raise SystemExit(f"run {k}: keys do not match or aborted: {rep.key.decision.reasons}")
        rates.append(bits / wall)
        rows.append({
            "wall_s": wall, "final_key_bits": bits, "bits_per_s": bits / wall,
            "qber": {b: e.value for b, e in rep.qber.items()},
            "timings_s": dict(rep.timings),
        })
        if not args.json:
            print(f"run {k}: {bits} final bits in {wall:.2f} s -> {bits / wall:,.0f} bit/s "
                  f"(QBER Z {rep.qber['Z'].value:.4f}, X {rep.qber['X'].value:.4f}; "
                  f"quantum {rep.timings['quantum']:.2f} s, rounds {rep.timings['rounds']:.2f} s, "
                  f"post-processing {rep.timings['postprocessing']:.2f} s)")
    median = statistics.median(rates)
    summary = {
        "benchmark": "qkd_key_rate",
        "protocol": "bbm92",
        "link_km": 10.0,
        "fidelity": fidelity,
        "qber_theory": physics.qber_werner(physics.werner_w(fidelity)),
        "pairs": args.pairs,
        "sampling": args.sampling,
        "median_bits_per_wall_s": median,
        "target_bits_per_wall_s": 200_000,
        "delivery_rate_hz": rep.delivery_rate_hz,
        "runs": rows,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"median: {median:,.0f} final secret-key bits per wall-second "
              f"(target 200,000; {args.repeats} runs of {args.pairs} pairs, sampling "
              f"{args.sampling})")


if __name__ == "__main__":
    main()
