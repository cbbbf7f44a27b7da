"""Expected fidelity and delivery-time pmf with a cutoff: exact oracle, or blocks beyond its reach.

:func:`cutoff_fidelity` runs :func:`qnet_circuits.physics.chain_cutoff.cutoff_chain_oracle`
(exact). When its state space does not fit (many links, a long cutoff, small ``p``), it groups
``b`` attempts into one (``p_b = 1 - (1 - p)^b``, cycle ``b tau``, the cutoff and the delays
rounded to multiples of ``b tau``), doubling ``b`` until the Markov chain fits, and reports
``method = "approx"`` with ``approx_error = 2 max(|F(b) - F(2b)|, |F(2b) - F(4b)| / 2)`` (and the
same for the mean delivery time). The error is ``O(b tau / cutoff)`` but uneven in ``b`` (the
cutoff and delays are rounded to blocks): the first difference alone under-covered the true error
in 2 of 20 cases checked against exact values (3-4 links), the factor 2 and the second difference
covered all; an estimate, tested, not a bound.

>>> from qnet_circuits.physics.chain_expected import pair_correlations_werner
>>> w = [pair_correlations_werner(0.95)] * 3
>>> out = cutoff_fidelity(w, [0.5] * 3, 1.0, [0.0, 1.0, 2.0, 3.0], [10.0] * 4, [5.0] * 4,
...                       "asap", [(1.0, 1.0, 1.0)] * 2, 2.0)
>>> out["method"], round(out["fidelity"], 6), round(out["mean_delivery_time_s"], 6)
('exact', 0.498118, 7.858045)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from qnet_circuits.physics.chain_cutoff import cutoff_chain_oracle

__all__ = ["EXACT_STATES", "PROBE_STATES", "PROBE_ENTRIES", "cutoff_fidelity"]

#: reachable states of the exact try (single attempts) before the blocks take over (moment axes
#: only for merged segments: about 10 s on one busy core at this size)
EXACT_STATES = 30_000
#: per block try, the most reachable states and moment entries before the oracle gives up
PROBE_STATES = 6_000
PROBE_ENTRIES = 300_000
_MAX_BLOCK = 1 << 20


def _on_blocks(corr, p, tau, node_delay_s, t1_s, t2_s, strategy, factors, cutoff_s, block,
               exact: bool):
    pb = [1.0 - (1.0 - x) ** block for x in p]
    step = tau * block
    if exact:
        return cutoff_chain_oracle(corr, pb, step, list(node_delay_s), t1_s, t2_s, strategy,
                                   factors, cutoff_s, max_states=EXACT_STATES,
                                   max_entries=25 * EXACT_STATES)
    cut = max(1, math.floor(cutoff_s / step + 0.5)) * step
    delays = [math.floor(d / step + 0.5) * step for d in node_delay_s]
    return cutoff_chain_oracle(corr, pb, step, delays, t1_s, t2_s, strategy, factors, cut,
                               max_states=PROBE_STATES, max_entries=PROBE_ENTRIES)


def _out_of_reach(p, strategy: str, cycles: float, block: int) -> ValueError:
    return ValueError(f"the cutoff oracle is out of reach for {len(p)} links ({strategy}, cutoff "
                      f"{cycles:g} cycles): the exact chain has more than {EXACT_STATES} states "
                      f"and blocks of {block} attempts cannot resolve the cutoff; fewer links or "
                      "a shorter cutoff")


def _coarse(args, block: int) -> dict[str, Any] | None:
    """The chain on blocks of ``block`` attempts, or None where they cannot resolve the cutoff
    (the rounded chain never delivers); states beyond the probe limit raise."""
    try:
        return _on_blocks(*args, block, exact=False)
    except ValueError as err:
        if "never delivers" in str(err):
            return None
        raise


def _error(fine: dict, coarse: dict, coarser: dict, key: str) -> float:
    """``2 max(|x(b) - x(2b)|, |x(2b) - x(4b)| / 2)``: the first difference is the error of a
    linear convergence in ``b``; rounding the cutoff and the delays to blocks makes it uneven, so
    twice the larger of the two (tested against the exact values on smaller chains)."""
    return 2.0 * max(abs(fine[key] - coarse[key]), abs(coarse[key] - coarser[key]) / 2.0)


def cutoff_fidelity(corr: Sequence[Sequence[float]], p: Sequence[float], cycle_time_s: float,
                    node_delay_s: Sequence[float], t1_s: Sequence[float], t2_s: Sequence[float],
                    strategy: str, factors: Sequence[Sequence[float]],
                    cutoff_s: float) -> dict[str, Any]:
    """``E[F]`` with a cutoff (arguments of
    :func:`~qnet_circuits.physics.chain_expected.expected_chain_fidelity`, ``factors`` one triple
    per repeater). Returns ``fidelity``, ``method``, ``block`` (attempts per step),
    ``mean_delivery_time_s``, ``delivery_times_s``, ``delivery_pmf`` and, for ``"approx"``,
    ``approx_error`` and ``mean_delivery_time_error_s``."""
    args = (corr, p, cycle_time_s, node_delay_s, t1_s, t2_s, strategy, factors, cutoff_s)
    try:
        out = _on_blocks(*args, 1, exact=True)
        out["block"] = 1
        return out
    except ValueError as err:
        if "states" not in str(err) and "multiples" not in str(err):
            raise
    block = 1
    while block < _MAX_BLOCK:
        block *= 2
        try:
            out = _on_blocks(*args, block, exact=False)
        except ValueError as err:
            if "never delivers" in str(err):  # the rounded cutoff is too coarse, not the chain
                raise _out_of_reach(p, strategy, cutoff_s / cycle_time_s, block) from None
            if "states" not in str(err):
                raise
            continue
        coarse = _coarse(args, 2 * block)
        if coarse is None:  # no error estimate without the 2b chain
            raise _out_of_reach(p, strategy, cutoff_s / cycle_time_s, 2 * block)
        coarser = _coarse(args, 4 * block) or coarse  # 4b unresolved: the first difference only
        out.update(method="approx", block=block,
                   approx_error=_error(out, coarse, coarser, "fidelity"),
                   mean_delivery_time_error_s=_error(out, coarse, coarser,
                                                     "mean_delivery_time_s"))
        return out
    raise ValueError(f"no block of attempts up to {_MAX_BLOCK} makes the cutoff chain fit; "
                     f"fewer links (got {len(p)})")


