"""`qnet link` (the command line): same seed same JSON, one-line errors, the entry point, the
protocol's to_dict as the printed JSON. The physics checks are in tests/protocols/test_link.py."""

import json
import math
import subprocess
import sys

import pytest

from qnet_circuits.cli import main
from qnet_circuits.cli.common import to_json
from qnet_circuits.protocols import link as protocol


def run_json(capsys, *argv):
    code = main([*argv, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


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


def test_json_is_the_protocol_result_to_dict(capsys):
    printed = run_json(capsys, "link", "--scheme", "single-click", "--alpha", "0.05",
                       "--length-km", "15", "--dark-count", "1e-3", "--shots", "500", "--seed", "8")
    params = protocol.LinkParams(scheme="single-click", alpha=0.05, length_km=15.0,
                                 dark_count_prob=1e-3)
    expected = json.loads(to_json(protocol.run(params, shots=500, seed=8).to_dict()))
    assert printed == expected


def test_default_shots_match_the_protocol():
    from qnet_circuits.cli import link as cli

    assert cli.DEFAULT_SHOTS == protocol.DEFAULT_SHOTS == 20000
