"""Bounded fuzz of every ``qnet`` command in-process: random (hostile) arguments never give a
traceback; each call stays under a time limit; outputs are in their physical range."""

from __future__ import annotations

import json
import math
import random
import time

import pytest

from qnet_circuits.cli import COMMANDS, build_parser, main

#: per-call wall-clock limit, s (a refused or tiny run; the shots are kept small)
CALL_LIMIT_S = 20.0
VALUES = ["0", "1", "-1", "2", "3", "0.5", "0.9", "0.99", "10", "1e9", "1e-300", "inf", "-inf",
          "nan", "x", ""]
COMMON = {"-h", "--help", "--json", "--shots", "--seed", "--backend", "--qasm"}
SKIP = {"sweep", "plot", "demo", "network"}  # file/store commands: covered by test_hostile_inputs


def _options(command: str) -> list[str]:
    """The command's own options (not the common ones) with their choices, if any."""
    parser = build_parser([command])
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    out = []
    for action in sub._actions:
        names = [o for o in action.option_strings if o.startswith("--") and o not in COMMON]
        if names and action.nargs != 0:
            out.append((names[0], list(action.choices or [])))
    return out


def _check_ranges(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            _check_ranges(v, str(k))
    elif isinstance(value, list):
        for v in value:
            _check_ranges(v, key)
    elif isinstance(value, float) and math.isfinite(value):
        low = key.lower()
        if low in {"fidelity", "p_success", "qber"} or low.startswith(("fidelity_", "p_")):
            assert -1e-9 <= value <= 1 + 1e-9, (key, value)
        if low == "s":
            assert abs(value) <= 2 * math.sqrt(2) + 0.2, (key, value)  # estimate: a few sigma


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - SKIP))
def test_random_arguments_never_crash(command, capsys):
    rng = random.Random(sum(map(ord, command)))
    options = _options(command)
    for i in range(10):
        argv = [command, "--shots", "60", "--seed", "1", "--json"]
        if command in {"qkd", "bb84"}:
            argv = [command, "--seed", "1", "--json"]
        for option, choices in rng.sample(options, min(i % 3, len(options))):  # 0, 1 or 2
            argv += [option, rng.choice(choices + VALUES)]
        start = time.perf_counter()
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: one line, exit 2
            code = exc.code
        elapsed = time.perf_counter() - start
        out, err = capsys.readouterr()
        assert "Traceback" not in err, (argv, err)
        assert elapsed < CALL_LIMIT_S, (argv, elapsed)
        assert code in (0, 2), (argv, code, err)
        if code == 2:
            assert err.strip() and len(err.strip().splitlines()) == 1, (argv, err)
        else:
            _check_ranges(json.loads(out))
