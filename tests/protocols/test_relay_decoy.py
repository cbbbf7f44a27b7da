"""Trusted-node relay with BB84-decoy hops (and satellite hops): real keys, exposure, closed forms."""

from __future__ import annotations

import json
import math

import pytest

from qnet_circuits.cli import main
from qnet_circuits.physics.decoy import GYS, decoy_optimal_mu, wcp_transmittance
from qnet_circuits.physics.free_space import MICIUS_2017, slant_range_km
from qnet_circuits.protocols import relay, relay_hops


@pytest.fixture(scope="module")
def result():
    params = relay.RelayParams(hops=3, length_km=150.0, protocol="bb84-decoy", pulses=3 * 10**9)
    return relay.run(params, seed=21)


def test_ends_share_the_relayed_key_and_trusted_nodes_see_it(result):
    assert result.keys_match and result.relayed_bits == min(result.hop_key_bits) > 0
    assert all(h.key.keys_match for h in result.hop_results)
    assert result.exposed_to == ("T1", "T2")
    assert result.key_rate_hz == pytest.approx(result.relayed_bits / (3 * 10**9) * 1e9)


def test_slowest_hop_rate_matches_ma_et_al_closed_form(result):
    """Simulated asymptotic rate of the bottleneck within 4 sigma of p_signal R(mu_opt, 50 km)."""
    d = result.to_dict()
    mu, rate = decoy_optimal_mu(50.0, GYS, "vacuum-weak", 0.1)
    expected = 0.6 * rate * 1e9
    assert d["theory"]["relay_secret_key_rate_hz"] == pytest.approx(expected, rel=1e-6)
    assert abs(d["asymptotic_rate_hz"] - expected) < 4 * d["asymptotic_rate_hz_stderr"]
    # the composable finite key (X basis only, Hoeffding + Serfling terms) lies below the
    # asymptotic one: 3e9 pulses at 50 km keep about a fifth of it
    for hop in result.hop_results:
        assert 0.1 * hop.theory["key_bits_asymptotic"] < hop.final_key_bits
        assert hop.final_key_bits < 0.5 * hop.theory["key_bits_asymptotic"]
        assert hop.mu == pytest.approx(mu, rel=1e-6)
        assert hop.key.length.method == "lim2014" and hop.key.length.bounds.phi_x < 0.11
    assert d["key_length_method"].startswith("lim2014")
    assert d["theory"]["direct_secret_key_rate_hz"] == 0.0 < d["theory"]["plob_direct_hz"]


def test_ma2005_length_and_the_infinite_decoy_limit():
    for decoy in ("vacuum-weak", "infinite"):
        params = relay.RelayParams(hops=2, length_km=100.0, protocol="bb84-decoy", pulses=10**9,
                                   decoy=decoy, key_length="ma2005")
        r = relay.run(params, seed=6)
        assert r.keys_match and r.relayed_bits > 0
        d = r.to_dict()
        assert d["key_length_method"].startswith("gllp-decoy-ma2005-sec5")
        assert abs(d["asymptotic_rate_hz"] - d["theory"]["relay_secret_key_rate_hz"]) < 4 * d[
            "asymptotic_rate_hz_stderr"]
    with pytest.raises(ValueError, match="--key-length lim2014 needs --decoy vacuum-weak"):
        relay.RelayParams(protocol="bb84-decoy", decoy="infinite", key_length="lim2014")


def test_satellite_hop_is_two_downlinks_through_a_trusted_satellite():
    params = relay.RelayParams(hops=3, length_km=150.0, protocol="bb84-decoy", pulses=10**10,
                               satellite_hops=(2,), elevation_deg=60.0)
    segs = relay_hops.segments(params)
    assert [s.name for s in segs] == ["alice-T1", "T1-S2", "S2-T2", "T2-bob"]
    eta = MICIUS_2017.transmissivity(slant_range_km(500.0, 60.0), 60.0)
    assert segs[1].eta == pytest.approx(eta) and segs[0].eta == pytest.approx(
        wcp_transmittance(50.0, GYS))
    r = relay.run(params, seed=4)
    assert r.keys_match and r.relayed_bits > 0 and r.exposed_to == ("T1", "S2", "T2")
    d = r.to_dict()
    assert d["sessions"][1]["loss_db"] == pytest.approx(-10 * math.log10(eta))
    assert d["theory"]["bottleneck_session"] in (2, 3)


def test_bbm92_relay_with_a_satellite_pair_source():
    params = relay.RelayParams(hops=2, length_km=60.0, pairs=40_000, satellite_hops=(2,),
                               elevation_deg=70.0)
    r = relay.run(params, seed=5)
    assert r.keys_match and r.hop_results[1].params.satellite is not None
    th = r.theory
    assert th["relay_secret_key_rate_hz"] == min(th["hop_secret_key_rate_hz"])
    assert len(th["satellite_loss_db_two_arms"]) == 1


def test_relay_command_bb84_decoy(capsys):
    assert main(["relay", "--hops", "2", "--length-km", "80", "--protocol", "bb84-decoy",
                 "--pulses", "300000000", "--key-length", "ma2005", "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["keys_match"] and out["relayed_key_bits"] == min(out["hop_key_bits"]) > 0
    assert out["key_exposed_to"] == ["T1"]
    for argv, field in ((["--hops", "0"], "--hops"), (["--decoy", "two"], "--decoy"),
                        (["--satellite-hop", "5"], "--satellite-hop"), (["--nu", "-1"], "--nu"),
                        (["--satellite-hop", "1", "--elevation-deg", "0"], "elevation_deg"),
                        (["--pulses", "0"], "--pulses"), (["--key-length", "x"], "--key-length")):
        assert main(["relay", "--protocol", "bb84-decoy", *argv]) == 2
        err = capsys.readouterr().err
        assert field in err and "Traceback" not in err and err.count("\n") == 1


def test_relay_along_a_network_file_path_uses_each_edges_physics(tmp_path, capsys):
    from qnet_circuits.network import io

    path = tmp_path / "net.yaml"
    path.write_text(
        "nodes: {alice: {}, t1: {}, t2: {}, bob: {}}\nlinks:\n"
        "  - {a: alice, b: t1, length_km: 30, detector_efficiency: 0.1, dark_count_prob: 1e-6}\n"
        "  - {a: t1, b: t2, channel: free_space, altitude_km: 500, elevation_deg: 75}\n"
        "  - {a: t2, b: bob, length_km: 45, attenuation_db_per_km: 0.18, detector_efficiency: 0.2}\n")
    params = relay.RelayParams(protocol="bb84-decoy", network=io.load(path), route=("alice", "bob"),
                               pulses=10**9, key_length="ma2005")
    assert (params.hops, params.length_km, params.satellite_hops) == (3, 75.0, (2,))
    segs = relay_hops.segments(params)
    assert [s.name for s in segs] == ["alice-t1", "t1-S2", "S2-t2", "t2-bob"]
    assert segs[0].eta == pytest.approx(10 ** (-0.2 * 30 / 10) * 0.1)
    assert segs[3].eta == pytest.approx(10 ** (-0.18 * 45 / 10) * 0.2)
    assert segs[0].channel.y0 == pytest.approx(1 - (1 - 1e-6) ** 2) and segs[3].channel.y0 == 0.0
    r = relay.run(params, seed=8)
    assert r.keys_match and r.relayed_bits > 0 and r.exposed_to == ("t1", "S2", "t2")
    d = r.to_dict()
    slow = d["theory"]["bottleneck_session"] - 1
    assert d["sessions"][slow]["kind"] == "satellite-downlink"
    assert abs(d["asymptotic_rate_hz"] - d["theory"]["relay_secret_key_rate_hz"]) < 4 * d[
        "asymptotic_rate_hz_stderr"]
    assert main(["relay", "--graph", str(path), "--route", "alice", "bob"]) == 2
    assert "--protocol bb84-decoy" in capsys.readouterr().err
    assert main(["relay", "--protocol", "bb84-decoy", "--graph", str(path), "--route", "alice",
                 "bob", "--hops", "3"]) == 2
    assert "--graph takes the hops" in capsys.readouterr().err


def test_qasm_of_a_bb84_decoy_relay_and_compare_qkd_refuses_it(tmp_path, capsys):
    out = tmp_path / "round.qasm"
    assert main(["relay", "--protocol", "bb84-decoy", "--hops", "2", "--length-km", "40",
                 "--pulses", "10000000", "--seed", "1", "--qasm", str(out), "--json"]) == 0
    capsys.readouterr()
    assert out.read_text().startswith("OPENQASM 3.0;")
    assert main(["compare-qkd", "--lengths", "100", "--qasm", str(tmp_path / "c.qasm")]) == 2
    assert "--qasm does nothing here" in capsys.readouterr().err
    assert main(["compare-qkd", "--lengths", "100,200", "--json"]) == 0   # crashed before (IndexError)
    assert len(__import__("json").loads(capsys.readouterr().out)["rows"]) == 2
