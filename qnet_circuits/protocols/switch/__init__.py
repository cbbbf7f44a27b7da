"""The quantum entanglement switch: k users, one link each, swaps at the switch on demand.

A classical event simulation (:mod:`~qnet_circuits.protocols.switch.events`) gives the timing:
which user pair is served when, and how long each consumed link pair waited in memory; its
capacity (successful swaps per second), per-pair rates and mean stored qubits stand beside the
closed forms of :mod:`qnet_circuits.physics.switch` (Vardoyan, Guha, Nain, Towsley). Then a
sample of the delivered pairs runs as circuits through the runner
(:func:`~qnet_circuits.library.switching.switch_swap_circuit`: two Werner link pairs, their
memory waits as Delays with the memories' T2, the switch's BSM and the correction), and their
fidelity, estimated from XX/YY/ZZ parities, stands beside the closed form.

>>> r = run(SwitchParams(users=3, swaps=2000, t2_s=0.05, link_fidelity=0.95,
...                      fidelity_samples=4), shots=500, seed=1)
>>> r.capacity.within(r.theory["capacity_hz"], k=4), r.fidelity.within(r.theory["fidelity"], k=4)
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qnet_circuits.protocols import device_memory
from qnet_circuits.protocols.base import Provenance, resolve_runner, resolve_shots
from qnet_circuits.protocols.switch.events import (
    POLICIES,
    SwitchTrace,
    simulate_continuous,
    simulate_slotted,
)
from qnet_circuits.protocols.switch.params import (
    MAX_USERS,
    SwitchParams,
    fidelity_of_waits,
    from_network,
    theory,
)
from qnet_circuits.results import Estimate
from qnet_circuits.run import progress

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

    from qnet_circuits.network import Network
    from qnet_circuits.run import Runner

#: shots per basis and sampled delivered pair when ``run`` is given none (``qnet switch``)
DEFAULT_SHOTS = 400
#: batches of the batch-means standard error of rates
BATCHES = 20
#: fraction of the simulated time left out at the start (the switch starts empty)
WARMUP = 0.02
#: most events (generations and requests) or slots one simulation may take
MAX_EVENTS = 3_000_000
MAX_SLOTS = 20_000_000


def _expected_rate(params: SwitchParams, th: Mapping[str, Any]) -> float:
    rate = th.get("saturated_capacity_hz", th["capacity_hz"])
    if params.request_rate_hz is not None:
        rate = min(rate, params.request_rate_hz * len(params.pairs))
    return rate


def simulate(params: SwitchParams, rng: np.random.Generator) -> SwitchTrace:
    """The event simulation, long enough for about ``params.swaps`` successful swaps."""
    th = theory(params, delivered=False)
    if params.model == "slotted":
        slots = int(math.ceil(params.swaps / th["capacity_per_slot"] / (1 - WARMUP)))
        if slots > MAX_SLOTS:
            raise ValueError(f"--swaps {params.swaps} would take {slots:.3g} slots (at most "
                             f"{MAX_SLOTS:.0e}); lower --swaps or raise --p")
        return simulate_slotted(params.users, params.p, params.q, slot_s=params.slot_s,
                                buffer=params.buffer, alpha=params.alpha_hz,
                                policy=params.policy, slots=slots,
                                warmup_slots=int(WARMUP * slots), rng=rng)
    duration = params.swaps / _expected_rate(params, th) / (1 - WARMUP)
    requests = 0.0 if params.request_rate_hz is None else params.request_rate_hz
    events = duration * (sum(params.mu_hz) + requests * len(params.pairs))
    if events > MAX_EVENTS:
        raise ValueError(f"--swaps {params.swaps} would take {events:.3g} events (at most "
                         f"{MAX_EVENTS:.0e}: links far faster than the demand pile up pairs); "
                         "lower --swaps or raise --request-rate")
    return simulate_continuous(np.asarray(params.mu_hz), params.q, buffer=params.buffer,
                               alpha=params.alpha_hz, policy=params.policy,
                               duration_s=duration, warmup_s=WARMUP * duration, rng=rng,
                               request_rate=params.request_rate_hz)


def rate_estimate(times_s: np.ndarray, trace: SwitchTrace) -> Estimate:
    """Events per second over the measured window, batch-means standard error."""
    edges = np.linspace(trace.warmup_s, trace.duration_s, BATCHES + 1)
    counts = np.histogram(times_s, bins=edges)[0] / (trace.window_s / BATCHES)
    return Estimate(len(times_s) / trace.window_s, float(counts.std(ddof=1) / math.sqrt(BATCHES)))


def circuits(params: SwitchParams, waits_s: np.ndarray | None = None) -> list[QuantumCircuit]:
    """The swap circuits of delivered pairs with the given waits (``(n, 2)``, s); none given:
    one circuit with both pairs fresh (the protocol circuit)."""
    from qnet_circuits.library.switching import switch_swap_circuit

    waits = np.zeros((1, 2)) if waits_s is None else np.asarray(waits_s).reshape(-1, 2)
    return [switch_swap_circuit(params.link_fidelity, float(a), float(b),
                                correction=params.correction) for a, b in waits]


def network(params: SwitchParams) -> Network:
    """The two users of a delivered pair and the switch; memories with ``t2_s`` (T1 inf)."""
    from qnet_circuits.network import Memory, star

    return star(["u_a", "u_b"], 1.0, center="switch", center_role="router",
                memory=Memory(t1_s=math.inf, t2_s=params.t2_s))


#: the delivered pair's path through the switch (:func:`network`)
PATH = ("u_a", "switch", "u_b")


def _run_pairs(params: SwitchParams, waits: np.ndarray, runner: Runner, shots: int,
               seed: int | None, run_seq: np.random.SeedSequence) -> tuple[list[dict], dict]:
    """XX/YY/ZZ data of every sampled delivered pair with the memories ``params.memory`` asks
    for (:mod:`qnet_circuits.protocols.device_memory`), and the memory report."""
    from qnet_circuits.library.measurement import pauli_basis_circuits
    from qnet_circuits.protocols.pairs import run_bases

    net, circs = network(params), circuits(params, waits)
    scale = device_memory.wait_scale(net, PATH, runner, params.memory, params.time_scale)
    summary = device_memory.memory_summary(net, PATH, runner, params.memory, scale)
    if params.memory != "injected":
        circs = [device_memory.device_waits(c, net, runner, params.memory, scale) for c in circs]
        return run_bases(runner, circs, net, shots=shots, seed=seed), summary
    frame_seq, *row_seqs = run_seq.spawn(1 + 3 * len(circs))
    rng = np.random.default_rng(frame_seq)
    data = []
    for i, qc in enumerate(circs):
        bases = pauli_basis_circuits(qc, qc.metadata["pair"])
        data.append({b: device_memory.run_injected(runner, c, net, shots=shots,
                                                   seed=row_seqs[3 * i + k], rng=rng)
                     for k, (b, c) in enumerate(bases.items())})
    return data, summary


def _fidelity(params: SwitchParams, waits: np.ndarray, runner: Runner, shots: int,
              seed: int | None, run_seq: np.random.SeedSequence
              ) -> tuple[Estimate, float, str | None, dict]:
    """Mean Phi+ fidelity of the sampled delivered pairs (circuits), its closed form at the
    same waits, the simulation method and the memory report."""
    from qnet_circuits.protocols.pairs import pair_estimates

    data, summary = _run_pairs(params, waits, runner, shots, seed, run_seq)
    est = [pair_estimates(d).fidelity for d in data]
    values = np.array([e.value for e in est])
    n = len(values)
    if n > 1:       # the spread over sampled pairs holds both shot noise and the waits' spread
        se = float(values.std(ddof=1) / math.sqrt(n))
    else:
        se = est[0].stderr
    at_waits = float(fidelity_of_waits(params, waits).mean())
    method = data[0]["XX"].metadata.get("method")
    return Estimate(float(values.mean()), se), at_waits, method, summary


@dataclass(frozen=True)
class SwitchResult:
    """The switch's rates and delivered fidelity beside the closed forms.

    Attributes:
        params: what was run.
        capacity: successful swaps per second (batch-means standard error).
        pair_rates: successful swaps per second for each user pair (``"u1-u2"``).
        stored: time-averaged qubits held at the switch.
        mean_wait_s: mean memory wait of the consumed pairs (s; the longer of the two).
        fidelity: mean Phi+ fidelity of the sampled delivered pairs (circuits).
        fidelity_at_waits: the closed form averaged over the same sampled waits.
        fidelity_all_pairs: the closed form averaged over every delivered pair's waits.
        swaps, attempts: successful and attempted BSMs in the measured window.
        window_s: length of the measured window (s).
        requests, backlog: arrived and still waiting requests (request-driven demand).
        method: the simulation method the runner chose.
        theory: see :func:`~qnet_circuits.protocols.switch.params.theory`.
        provenance: seed, shots per basis and sampled pair, backend, runner options, versions.
        device_memory: what played the memories in the circuits (``memory``, ``time_scale``,
            effective or injected T1/T2; :func:`qnet_circuits.protocols.device_memory.
            memory_summary`).
    """

    params: SwitchParams
    capacity: Estimate
    pair_rates: Mapping[str, Estimate]
    stored: float
    mean_wait_s: float
    fidelity: Estimate
    fidelity_at_waits: float
    fidelity_all_pairs: float
    swaps: int
    attempts: int
    window_s: float
    requests: int
    backlog: int
    method: str | None
    theory: Mapping[str, Any]
    provenance: Provenance
    device_memory: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qnet switch`` (plus ``provenance``)."""
        p, th = self.params, self.theory
        slot = p.slot_s if p.model == "slotted" else None
        return {
            "command": "switch", "users": p.users, "policy": p.policy, "model": p.model,
            "buffer": int(p.buffer) if math.isfinite(p.buffer) else "inf", "mu_hz": list(p.mu_hz),
            "p": p.p, "slot_s": slot, "q": p.q, "decoherence_rate_hz": p.alpha_hz,
            "t2_s": p.t2_s, "link_fidelity": p.link_fidelity,
            "request_rate_hz": p.request_rate_hz, "correction": p.correction,
            "memory": p.memory, "time_scale": p.time_scale,
            "device_memory": None if self.device_memory is None else dict(self.device_memory),
            **self.capacity.to_dict("capacity_hz"), "theory_capacity_hz": th["capacity_hz"],
            "capacity_per_slot": None if slot is None else self.capacity.value * slot,
            "theory_capacity_per_slot": th.get("capacity_per_slot"),
            "pair_rates_hz": {k: v.value for k, v in self.pair_rates.items()},
            "pair_rates_stderr": {k: v.stderr for k, v in self.pair_rates.items()},
            "theory_pair_rates_hz": th["pair_rates_hz"],
            "stored": self.stored, "theory_stored": th["stored"],
            "mean_wait_s": self.mean_wait_s, "theory_mean_wait_s": th.get("mean_wait_s"),
            **self.fidelity.to_dict("fidelity"), "theory_fidelity": th.get("fidelity"),
            "fidelity_at_waits": self.fidelity_at_waits,
            "fidelity_all_pairs": self.fidelity_all_pairs,
            "fidelity_samples": min(p.fidelity_samples, self.swaps),
            "swaps": self.swaps, "attempts": self.attempts, "window_s": self.window_s,
            "requests": self.requests, "backlog": self.backlog,
            "theory": dict(th), "shots": self.provenance.shots, "seed": self.provenance.seed,
            "method": self.method, "provenance": self.provenance.to_dict(),
        }

    def plot(self, ax: Any = None) -> Any:
        """Per-pair rates with error bars beside the closed form (dashed)."""
        from qnet_circuits.protocols import plots

        names = list(self.pair_rates)
        expected = self.theory["pair_rates_hz"] or {}
        return plots.compare_bars(ax, names, [self.pair_rates[n] for n in names],
                                  [expected.get(n) for n in names],
                                  ylabel="swaps per second",
                                  title=f"{self.params.users}-user switch, {self.params.policy}")


def run(params: SwitchParams, *, runner: Runner | None = None, shots: int | None = None,
        seed: int | None = None) -> SwitchResult:
    """Simulate the switch, run ``fidelity_samples`` delivered pairs as circuits (``shots``
    per basis each) and compare everything with the closed forms."""
    shots = resolve_shots(shots, DEFAULT_SHOTS)
    backend = resolve_runner(runner)
    device_memory.check_memory_runner(params.memory, params.time_scale, backend)
    sim_seq, pick_seq, run_seq = np.random.SeedSequence(seed).spawn(3)
    try:
        trace = simulate(params, np.random.default_rng(sim_seq))
    except KeyboardInterrupt:  # Ctrl-C: the rates need the whole simulated window
        raise progress.Interrupted("during the event simulation (the rates need the whole "
                                   "simulated window; no circuit had run)") from None
    if len(trace.times_s) == 0:
        raise ValueError("the switch delivered no pair in the simulated time; raise --swaps")
    pair_rates = {params.pair_name(x): rate_estimate(
        trace.times_s[(trace.pairs[:, 0] == x[0]) & (trace.pairs[:, 1] == x[1])], trace)
        for x in params.pairs}
    n = min(params.fidelity_samples, len(trace.times_s))
    chosen = np.random.default_rng(pick_seq).choice(len(trace.times_s), size=n, replace=False)
    waits = trace.waits_s[np.sort(chosen)]
    run_seed = int(run_seq.generate_state(1)[0] >> 1) if seed is not None else None
    try:
        fidelity, at_waits, method, memory = _fidelity(params, waits, backend, shots, run_seed,
                                                       run_seq)
    except progress.Interrupted:
        raise
    except KeyboardInterrupt:  # building the circuits, or a run in one call each
        raise progress.Interrupted(f"the event simulation had finished ({len(trace.times_s)} "
                                   "swaps), the fidelity samples' circuits had not") from None
    return SwitchResult(
        params=params, capacity=rate_estimate(trace.times_s, trace), pair_rates=pair_rates,
        stored=trace.stored, mean_wait_s=float(trace.waits_s.max(axis=1).mean()),
        fidelity=fidelity, fidelity_at_waits=at_waits,
        fidelity_all_pairs=float(fidelity_of_waits(params, trace.waits_s).mean()),
        swaps=len(trace.times_s), attempts=trace.attempts, window_s=trace.window_s,
        requests=trace.requests, backlog=trace.backlog, method=method, theory=theory(params),
        provenance=Provenance.collect("switch", backend, seed=seed, shots=shots),
        device_memory=memory)


def capacity_curve(users: list[int], *, seed: int | None = None,
                   **fields: Any) -> list[dict[str, Any]]:
    """Simulated capacity (events only, no circuits) against the closed form for each user
    count: ``[{"users", "capacity_hz", "stderr", "theory_capacity_hz"}]``; ``fields`` are
    :class:`SwitchParams` fields."""
    out = []
    seqs = np.random.SeedSequence(seed).spawn(len(users))
    for k, seq in zip(users, seqs, strict=True):
        params = SwitchParams(users=k, **fields)
        trace = simulate(params, np.random.default_rng(seq))
        est = rate_estimate(trace.times_s, trace)
        th = theory(params, delivered=False)
        out.append({"users": k, "capacity_hz": est.value, "stderr": est.stderr,
                    "theory_capacity_hz": th["capacity_hz"], "stored": trace.stored,
                    "theory_stored": th["stored"]})
    return out


__all__ = ["DEFAULT_SHOTS", "MAX_USERS", "POLICIES", "SwitchParams", "SwitchResult",
           "capacity_curve", "circuits", "from_network", "network", "rate_estimate", "run",
           "simulate", "theory"]
