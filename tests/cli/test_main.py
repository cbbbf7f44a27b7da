"""The ``qnet`` entry point: fast start (help loads no Qiskit, Aer or SciPy), the help table,
one subparser per run, and the demo tour."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from qnet_circuits import cli
from qnet_circuits.cli import COMMANDS, HELP, build_parser, main, requested_command

HEAVY = ("qiskit", "qiskit_aer", "scipy")

# run ``qnet ARGV`` in a fresh interpreter and print the top-level packages it imported
_PROBE = """
import sys
from qnet_circuits.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("MODULES", " ".join(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def _imported(*argv: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True,
                          check=True)
    line = [s for s in proc.stderr.splitlines() if s.startswith("MODULES ")][-1]
    assert "usage: qnet" in proc.stdout
    return set(line.split()[1:])


@pytest.mark.parametrize(
    "argv",
    [("--help",), ("link", "--help"), ("swap", "--help"), ("purify", "--help"),
     ("teleport", "--help"), ("remote-cnot", "--help"), ("qkd", "--help"), ("chain", "--help"),
     ("blind", "--help"), ("demo", "--help")],
)
def test_help_imports_no_qiskit_aer_or_scipy(argv):
    loaded = _imported(*argv)
    assert "qnet_circuits" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_import_time_trace_of_link_help_has_no_heavy_module():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "qnet_circuits.cli", "link",
                           "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "--length-km" in proc.stdout
    names = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:")}
    # importlib.import_module (how main loads the command) is not logged, its imports are
    assert {"qnet_circuits.cli.common", "qnet_circuits.network"} <= names
    assert not {n.split(".")[0] for n in names} & set(HEAVY)


def test_help_table_matches_every_module():
    assert set(HELP) == set(COMMANDS)
    for name, module in COMMANDS.items():
        assert importlib.import_module(f"qnet_circuits.cli.{module}").HELP == HELP[name], name


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_only_the_requested_subparser_is_built():
    assert requested_command(["--json", "swap", "--fidelity", "0.9"]) == "swap"
    assert requested_command(["nope"]) is None and requested_command([]) is None
    parser = build_parser(["swap"])
    args = parser.parse_args(["swap", "--fidelity", "0.9"])
    assert args._module is cli._load("swap") and args.fidelity == [0.9]
    full = build_parser()
    assert full.parse_args(["link", "--length-km", "5"]).length_km == 5.0


def test_unknown_command_is_one_line_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["teleportt"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice" in err


def test_demo_runs_the_selected_steps(capsys):
    code = main(["demo", "--only", "swap,teleport", "--shots", "200", "--seed", "3", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert [s["result"]["command"] for s in result["steps"]] == ["swap", "teleport"]
    for step in result["steps"]:
        assert step["result"]["shots"] == 200 and "theory" in step["text"]


def test_demo_rejects_unknown_steps(capsys):
    assert main(["demo", "--only", "swap,warp"]) == 2
    assert "--only names unknown commands ['warp']" in capsys.readouterr().err
