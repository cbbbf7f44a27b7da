"""Classical post-processing for entanglement-based QKD, one module per job.

From raw rounds to a shared secret key:

* :mod:`~qnet_circuits.keys.rounds`: per-round settings and outcomes drawn from per-setting counts
  (an exact iid sample, so the simulator can batch the quantum part);
* :mod:`~qnet_circuits.keys.sifting`: keep the rounds whose settings match;
* :mod:`~qnet_circuits.keys.estimation`: QBER on a random disclosed sample, with its standard error;
* :mod:`~qnet_circuits.keys.cascade`: error correction (Cascade, vectorized numpy) with leak count;
* :mod:`~qnet_circuits.keys.privacy`: Toeplitz hashing (FFT) for privacy amplification and for
  the error-verification tag;
* :mod:`~qnet_circuits.keys.finite_key`: the secret-key length with its documented finite-size
  penalty;
* :mod:`~qnet_circuits.keys.abort`: the abort rules (QBER above threshold, S <= 2 for E91);
* :mod:`~qnet_circuits.keys.pipeline`: all of the above in order, :func:`distill_key`.
"""

from qnet_circuits.keys.abort import AbortDecision, check_abort
from qnet_circuits.keys.cascade import CascadeResult, cascade
from qnet_circuits.keys.estimation import QberEstimate, estimate_qber
from qnet_circuits.keys.finite_key import (
    FiniteKeyLength,
    bbm92_key_length,
    di_key_length,
    sampling_deviation,
)
from qnet_circuits.keys.pipeline import KeyResult, distill_key
from qnet_circuits.keys.privacy import toeplitz_hash, toeplitz_matrix
from qnet_circuits.keys.rounds import Rounds, draw_settings, rounds_from_counts
from qnet_circuits.keys.sifting import SiftedKey, sift

__all__ = [
    "AbortDecision",
    "CascadeResult",
    "FiniteKeyLength",
    "KeyResult",
    "QberEstimate",
    "Rounds",
    "SiftedKey",
    "bbm92_key_length",
    "cascade",
    "check_abort",
    "di_key_length",
    "distill_key",
    "draw_settings",
    "estimate_qber",
    "rounds_from_counts",
    "sampling_deviation",
    "sift",
    "toeplitz_hash",
    "toeplitz_matrix",
]
