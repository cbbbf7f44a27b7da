"""Same-seed CLI cases: every command, its main options, small shot counts.

``tests/golden/cli_outputs.json`` holds the JSON each case printed when it was recorded; the test
``tests/test_same_seed_outputs.py`` reruns every case and compares. After a deliberate change of
the numbers, regenerate with ``python -m tests.golden.record`` and say why in the commit.
"""

from __future__ import annotations

#: name -> argv (without ``--json``); each case fixes its seed
CASES: dict[str, list[str]] = {
    "link_double_click": ["link", "--scheme", "double-click", "--length-km", "20", "--shots", "3000",
                          "--seed", "1"],
    "link_single_click_memory": ["link", "--scheme", "single-click", "--alpha", "0.1", "--length-km",
                                 "50", "--t1", "0.01", "--t2", "0.005", "--dark-count", "1e-3",
                                 "--shots", "3000", "--seed", "2"],
    "link_midpoint_deferred": ["link", "--scheme", "midpoint", "--length-km", "30", "--correction",
                               "deferred", "--shots", "3000", "--seed", "3"],
    "swap_noisy": ["swap", "--fidelity", "0.95", "0.9", "--gate-error", "0.02", "--readout-error",
                   "0.01", "--shots", "3000", "--seed", "4"],
    "swap_bell_diagonal_deferred": ["swap", "--bell-diagonal", "0.85", "0.05", "0.05", "0.05",
                                    "--bell-diagonal", "0.9", "0.02", "0.03", "0.05",
                                    "--correction", "deferred", "--shots", "3000", "--seed", "5"],
    "swap_three_links": ["swap", "--fidelity", "0.95", "0.9", "0.97", "--shots", "2000", "--seed", "6"],
    "purify_dejmps": ["purify", "--protocol", "dejmps", "--fidelity", "0.8", "--rounds", "2",
                      "--shots", "3000", "--seed", "7"],
    "purify_bbpssw_pumping": ["purify", "--protocol", "bbpssw", "--fidelity", "0.85", "--rounds", "2",
                              "--pumping", "--gate-error", "0.01", "--shots", "3000", "--seed", "8"],
    "purify_readout": ["purify", "--fidelity", "0.8", "--readout-error", "0.02", "--shots", "2000",
                       "--seed", "9"],
    "teleport_werner": ["teleport", "--fidelity", "0.9", "--shots", "2000", "--seed", "10"],
    "teleport_angle_deferred": ["teleport", "--theta", "1.1", "--phi", "0.4", "--gate-error", "0.02",
                                "--correction", "deferred", "--shots", "2000", "--seed", "11"],
    "remote_cnot": ["remote-cnot", "--fidelity", "0.9", "--shots", "2000", "--seed", "12"],
    "remote_cnot_noisy": ["remote-cnot", "--bell-diagonal", "0.9", "0.04", "0.03", "0.03",
                          "--gate-error", "0.01", "--shots", "2000", "--seed", "13"],
    "qkd_e91": ["qkd", "--protocol", "e91", "--fidelity", "0.97", "--pairs", "20000", "--seed", "14"],
    "qkd_bbm92_eve": ["qkd", "--protocol", "bbm92", "--eavesdropper", "intercept-resend",
                      "--intercept-fraction", "0.3", "--pairs", "20000", "--seed", "15"],
    "qkd_bbm92_exact_link": ["qkd", "--protocol", "bbm92", "--source", "link", "--length-km", "20",
                             "--sampling", "exact", "--pairs", "50000", "--seed", "16"],
    "qkd_chain_source": ["qkd", "--protocol", "bbm92", "--links", "2", "--fidelity", "0.98",
                         "--pairs", "20000", "--seed", "17"],
    "chain_werner": ["chain", "--links", "4", "--link-fidelity", "0.97", "--length-km", "25",
                     "--shots", "1500", "--seed", "18"],
    "chain_memory_asap": ["chain", "--links", "3", "--t1", "1", "--t2", "0.05", "--strategy", "asap",
                          "--shots", "600", "--seed", "19"],
    "chain_nested_purified": ["chain", "--links", "2", "--strategy", "nested", "--purify", "dejmps",
                              "--link-fidelity", "0.9", "--t2", "0.1", "--shots", "300",
                              "--seed", "20"],
    "chain_photonic_cutoff": ["chain", "--links", "2", "--link-level", "photonic", "--length-km", "10",
                              "--cutoff", "0.002", "--t2", "0.05", "--shots", "300", "--seed", "21"],
    "chain_density_matrix": ["chain", "--links", "2", "--t2", "0.02", "--estimator", "density_matrix",
                             "--shots", "200", "--seed", "22"],
    "blind_line": ["blind", "--shots", "2000", "--seed", "23"],
    "blind_cnot_traps": ["blind", "--program", "cnot", "--traps", "2", "--server", "deviate-x",
                         "--shots", "1000", "--seed", "24"],
    "blind_noisy_link": ["blind", "--link-fidelity", "0.95", "--correction", "deferred",
                         "--shots", "1000", "--seed", "25"],
    "ghz_four": ["ghz", "--nodes", "4", "--fidelity", "0.95", "--shots", "1000", "--seed", "26"],
    "network_grid_route": ["network", "--topology", "grid:3x3", "--route", "alice", "bob", "--metric",
                           "fidelity", "--t2", "0.01", "--gate-error", "0.01", "--k", "2"],
    "relay_two_hops": ["relay", "--hops", "2", "--length-km", "60", "--shots", "40000", "--seed", "31"],
    "bb84_vacuum_weak_pns": ["bb84", "--length-km", "50", "--decoy", "vacuum-weak", "--preset", "gys",
                             "--mu", "0.48", "--attack", "pns", "--pulses", "200000", "--rounds",
                             "2000", "--seed", "26"],
    "network_requests_fair": ["network", "--topology", "star:3", "--request", "u1", "u2",
                              "--request", "u3", "u2", "--policy", "fair", "--pairs", "60",
                              "--seed", "31"],
    "relay_bb84_decoy_satellite": ["relay", "--hops", "3", "--length-km", "90", "--protocol",
                                   "bb84-decoy", "--pulses", "1000000000", "--satellite-hop", "2",
                                   "--elevation-deg", "80", "--key-length", "ma2005",
                                   "--seed", "32"],
    "qkd_bbm92_satellite": ["qkd", "--protocol", "bbm92", "--satellite", "--elevation-deg", "60",
                            "--fidelity", "0.97", "--sampling", "exact", "--pairs", "20000",
                            "--seed", "33"],
    "bb84_satellite": ["bb84", "--satellite", "--elevation-deg", "70", "--pulses", "200000",
                       "--rounds", "2000", "--seed", "34"],
}

#: keys never compared: wall-clock measurements, and the package versions of provenance (a new
#: numpy or Qiskit patch release in a fresh environment must not fail a same-numbers check)
VOLATILE_KEYS = frozenset({"wall_s", "timings_s", "versions"})
