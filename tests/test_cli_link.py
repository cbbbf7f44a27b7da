"""`qnet link`: simulated values within 4 standard errors of the closed forms; bad input."""

import json
import math
import subprocess
import sys

import pytest

from qnet_circuits.cli import main


def run_json(capsys, *argv):
    code = main([*argv, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def assert_close(result, key, k=4.0):
    value, stderr, expected = result[key], result[f"{key}_stderr"], result["theory"][key]
    # a zero stderr (e.g. fidelity exactly 1 at zero noise) requires exact agreement
    assert abs(value - expected) <= k * stderr + 1e-12, (key, value, stderr, expected)


@pytest.mark.parametrize(
    "flags",
    [
        ["--scheme", "double-click", "--length-km", "20"],
        ["--scheme", "single-click", "--alpha", "0.1", "--length-km", "50"],
        ["--scheme", "single-click", "--alpha", "0.05", "--length-km", "50"],
        ["--scheme", "single-click", "--alpha", "0.1", "--length-km", "50", "--dark-count", "0.01"],
        ["--scheme", "single-click", "--alpha", "0.05", "--length-km", "10", "--dark-count", "0.02"],
        ["--scheme", "midpoint", "--length-km", "20"],
        ["--scheme", "double-click", "--length-km", "30", "--dark-count", "0.01",
         "--detector-efficiency", "0.5"],
    ],
)
def test_link_matches_closed_forms(capsys, flags):
    result = run_json(capsys, "link", *flags, "--shots", "20000", "--seed", "1")
    assert_close(result, "p_success")
    assert_close(result, "fidelity")
    # the exact density-matrix cross-check equals the closed form
    assert result["exact"]["fidelity"] == pytest.approx(result["theory"]["fidelity"], abs=1e-9)
    assert result["exact"]["p_success"] == pytest.approx(result["theory"]["p_success"], rel=1e-9)


def test_link_with_memory_decay_matches_section7_storage(capsys):
    result = run_json(capsys, "link", "--scheme", "single-click", "--alpha", "0.05",
                      "--length-km", "20", "--t1", "1e-3", "--t2", "5e-4",
                      "--shots", "20000", "--seed", "3")
    assert result["theory"]["fidelity"] < 0.8  # decay during the 100 us herald wait is visible
    assert_close(result, "fidelity")
    assert_close(result, "p_success")


def test_same_seed_same_json_and_other_seed_differs_within_errors(capsys):
    argv = ["link", "--scheme", "single-click", "--length-km", "25", "--shots", "3000"]
    first = main([*argv, "--seed", "5", "--json"])
    out1 = capsys.readouterr().out
    second = main([*argv, "--seed", "5", "--json"])
    out2 = capsys.readouterr().out
    assert first == second == 0 and out1 == out2
    other = run_json(capsys, *argv, "--seed", "6")
    r1 = json.loads(out1)
    assert other != r1
    for key in ("p_success", "fidelity"):
        diff = abs(other[key] - r1[key])
        assert diff > 0
        assert diff <= 4 * math.hypot(other[f"{key}_stderr"], r1[f"{key}_stderr"])


@pytest.mark.parametrize(
    ("flags", "field"),
    [
        (["--length-km", "-1"], "length_km"),
        (["--t1", "1", "--t2", "3"], "t2_s"),
        (["--scheme", "single-click", "--alpha", "1.5"], "alpha"),
        (["--scheme", "single-click", "--alpha", "0"], "alpha"),
        (["--detector-efficiency", "1.1"], "efficiency"),
        (["--dark-count", "-0.1"], "dark_count_prob"),
        (["--scheme", "triple-click"], "scheme"),
        (["--shots", "0"], "shots"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(capsys, flags, field):
    with pytest.raises(SystemExit) as exc:  # argparse errors exit through SystemExit
        code = main(["link", *flags])
        raise SystemExit(code)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert field.split("_")[0] in err or "invalid choice" in err, err


def test_installed_entry_point_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "qnet_circuits.cli", "link", "--length-km", "-3"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "qnet link: error: length_km must be a finite number >= 0, got -3.0"
    )
