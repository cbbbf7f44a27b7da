"""Closed-form physics for quantum networks (pure numpy, no Qiskit), one module per topic.

Every function here is a formula that simulated circuits are checked against. Section numbers
follow ``physics-reference.md``. Units are in the argument names (``_km``, ``_s``,
``_db_per_km``, ``_hz``).

Conventions
-----------
* Bell-diagonal coefficients are a tuple ``(A, B, C, D)`` = (Phi+, Psi-, Psi+, Phi-), i.e. a
  Pauli on one qubit of Phi+: A <-> I, B <-> Y, C <-> X, D <-> Z.
* Fidelity ``F = <Phi+|rho|Phi+>``; Werner parameter ``w = (4F - 1)/3``.
* Two-qubit density matrices are 4x4 arrays in Qiskit's little-endian order (basis index
  ``q0 + 2*q1``; qubit 0 is the first qubit of the pair).

>>> round(transmissivity(50.0), 6)
0.1
>>> swap_werner(0.9, 0.9)  # doctest: +ELLIPSIS
0.81333...

Modules: ``states`` (Werner / Bell-diagonal states, section 3), ``link`` (fiber and heralded
generation, sections 1-2, and :func:`link_theory`), ``memory`` (7), ``swapping`` (4),
``purification`` (5), ``teleportation`` (6, 13), ``qkd`` (8), ``bounds`` (9), ``chain`` (10),
``blind`` (11 and the noisy-link trap theory), ``sensing`` (12), ``distributed`` (ebits from
the network and teleported-gate Pauli channels), ``free_space`` (satellite and
ground free-space links). Every public name is importable from ``qnet_circuits.physics``.
Layering: physics imports numpy and its own modules only (``states`` and ``_checks`` at the
bottom); it reads :mod:`qnet_circuits.network` objects' fields
but never imports Qiskit, the library, noise or runners.
"""

from __future__ import annotations

from qnet_circuits.physics.blind import (
    detection_given_hit,
    line_p0_link,
    link_w,
    single_attack_detection,
    trap_detection_probability,
    trap_pass_probability,
    ubqc_line_p0,
)
from qnet_circuits.physics.bounds import (
    plob,
    plob_chain,
    tgw,
)
from qnet_circuits.physics.chain import (
    doubling_expected_time,
    expected_max_geometric,
    pauli_chain_fidelity,
    three_halves_rule,
    two_link_expected_fidelity,
    two_link_expected_time,
    two_link_mean_abs_difference,
    two_link_mean_dephasing,
)
from qnet_circuits.physics.dense_coding import (
    WERNER_ADVANTAGE,
    dense_coding_capacity,
    dense_coding_holevo,
    dense_coding_success,
    shannon_entropy,
)
from qnet_circuits.physics.distributed import (
    distributed_fidelity_bound,
    ebit_coefficients,
    link_pair_coefficients,
    teleported_circuit_fidelity,
    teleported_gate_paulis,
    waited_coefficients,
)
from qnet_circuits.physics.free_space import (
    MICIUS_2017,
    Downlink,
    elevation_for_range_deg,
    free_space_loss_db,
    free_space_transmissivity,
    slant_range_km,
)
from qnet_circuits.physics.link import (
    arm_efficiency,
    attempts_std,
    attenuation_length_km,
    double_click,
    double_click_bell_diagonal,
    double_click_components,
    expected_attempts,
    expected_wait_time_s,
    link_theory,
    midpoint_cycle_time_s,
    midpoint_source,
    one_way_delay_s,
    rate_hz,
    raw_heralded_state,
    single_click,
    single_click_bell_diagonal,
    single_click_components,
    transmissivity,
)
from qnet_circuits.physics.memory import (
    relax_density_matrix,
    storage_fidelity,
    storage_fidelity_both,
    storage_fidelity_one,
    validate_t1_t2,
)
from qnet_circuits.physics.purification import (
    bbpssw,
    bbpssw_pumping,
    bbpssw_rounds,
    dejmps,
    dejmps_pumping,
    dejmps_rounds,
    dejmps_same_direction,
    expected_raw_pairs,
    purification_rounds,
    purification_step,
)
from qnet_circuits.physics.qkd import (
    TSIRELSON_BOUND,
    binary_entropy,
    chsh_max_bell_diagonal,
    chsh_werner,
    correlation_matrix_bell_diagonal,
    intercept_resend_chsh,
    intercept_resend_qber,
    key_rate_bbm92,
    key_rate_di,
    qber_bell_diagonal,
    qber_werner,
    source_correlations,
)
from qnet_circuits.physics.sensing import (
    ghz_dephased_variance,
    ghz_parity,
    heisenberg_variance,
    network_ghz_contrast,
    pair_parity_factor,
    parity_estimator_moments,
    parity_estimator_variance,
    product_dephased_variance,
    sensing_advantage,
    sensing_crossover,
    sql_variance,
)
from qnet_circuits.physics.states import (
    BELL_STATES,
    PHI_MINUS,
    PHI_PLUS,
    PSI_MINUS,
    PSI_PLUS,
    BellCoefficients,
    apply_pauli_label,
    bell_coefficients,
    bell_diagonal_density_matrix,
    fidelity_from_w,
    fidelity_phi_plus,
    is_entangled_bell_diagonal,
    twirl,
    validate_bell_diagonal,
    werner_coefficients,
    werner_w,
)
from qnet_circuits.physics.swapping import (
    chain_bell_diagonal,
    chain_fidelity,
    chain_fidelity_dur_approx,
    swap_bell_diagonal,
    swap_werner,
)
from qnet_circuits.physics.teleportation import (
    CLASSICAL_TELEPORT_FIDELITY,
    average_gate_fidelity,
    pauli_channel_fidelity,
    remote_cnot_fidelities,
    remote_cnot_flip_probability,
    remote_cnot_process_fidelity,
    teleport_fidelities_bell_diagonal,
    teleport_fidelity_werner,
)

__all__ = [
    "distributed_fidelity_bound",
    "ebit_coefficients",
    "link_pair_coefficients",
    "teleported_circuit_fidelity",
    "teleported_gate_paulis",
    "waited_coefficients",
    "MICIUS_2017",
    "Downlink",
    "elevation_for_range_deg",
    "free_space_loss_db",
    "free_space_transmissivity",
    "slant_range_km",
    "BELL_STATES",
    "BellCoefficients",
    "CLASSICAL_TELEPORT_FIDELITY",
    "PHI_MINUS",
    "PHI_PLUS",
    "PSI_MINUS",
    "PSI_PLUS",
    "TSIRELSON_BOUND",
    "WERNER_ADVANTAGE",
    "apply_pauli_label",
    "arm_efficiency",
    "attempts_std",
    "attenuation_length_km",
    "average_gate_fidelity",
    "bbpssw",
    "bbpssw_pumping",
    "bbpssw_rounds",
    "bell_coefficients",
    "bell_diagonal_density_matrix",
    "binary_entropy",
    "chain_bell_diagonal",
    "chain_fidelity",
    "chain_fidelity_dur_approx",
    "chsh_max_bell_diagonal",
    "chsh_werner",
    "correlation_matrix_bell_diagonal",
    "dejmps",
    "dejmps_pumping",
    "dejmps_rounds",
    "dejmps_same_direction",
    "dense_coding_capacity",
    "dense_coding_holevo",
    "dense_coding_success",
    "detection_given_hit",
    "double_click",
    "double_click_bell_diagonal",
    "double_click_components",
    "doubling_expected_time",
    "expected_attempts",
    "expected_max_geometric",
    "expected_raw_pairs",
    "expected_wait_time_s",
    "fidelity_from_w",
    "fidelity_phi_plus",
    "ghz_dephased_variance",
    "ghz_parity",
    "heisenberg_variance",
    "intercept_resend_chsh",
    "intercept_resend_qber",
    "is_entangled_bell_diagonal",
    "key_rate_bbm92",
    "key_rate_di",
    "line_p0_link",
    "link_theory",
    "link_w",
    "midpoint_cycle_time_s",
    "midpoint_source",
    "network_ghz_contrast",
    "one_way_delay_s",
    "pair_parity_factor",
    "parity_estimator_moments",
    "parity_estimator_variance",
    "pauli_chain_fidelity",
    "pauli_channel_fidelity",
    "plob",
    "plob_chain",
    "product_dephased_variance",
    "purification_rounds",
    "purification_step",
    "qber_bell_diagonal",
    "qber_werner",
    "rate_hz",
    "raw_heralded_state",
    "relax_density_matrix",
    "remote_cnot_fidelities",
    "remote_cnot_flip_probability",
    "remote_cnot_process_fidelity",
    "sensing_advantage",
    "sensing_crossover",
    "shannon_entropy",
    "single_attack_detection",
    "single_click",
    "single_click_bell_diagonal",
    "single_click_components",
    "source_correlations",
    "sql_variance",
    "storage_fidelity",
    "storage_fidelity_both",
    "storage_fidelity_one",
    "swap_bell_diagonal",
    "swap_werner",
    "teleport_fidelities_bell_diagonal",
    "teleport_fidelity_werner",
    "tgw",
    "three_halves_rule",
    "transmissivity",
    "trap_detection_probability",
    "trap_pass_probability",
    "twirl",
    "two_link_expected_fidelity",
    "two_link_expected_time",
    "two_link_mean_abs_difference",
    "two_link_mean_dephasing",
    "ubqc_line_p0",
    "validate_bell_diagonal",
    "validate_t1_t2",
    "werner_coefficients",
    "werner_w",
]
