"""Bounded fuzz of every ``qnet`` command (``cli.COMMANDS``) in-process: random (hostile)
arguments never give a traceback or another exit code than 0 and 2 (one line on stderr); each
call runs under a wall-clock alarm (a hang fails the test); outputs are in their physical range
(probabilities and fidelities in [0, 1], CHSH S <= 2 sqrt 2 within a few standard errors).

Two variants: the full one (``slow``: 4 calls per command with the per-command seeds of its
first version, 30 s per call) and a bounded, derandomized one in the default run (5 calls per
command from other fixed seeds, 15 s per call; about 15 CPU-seconds for every command)."""

from __future__ import annotations

import json
import math
import random
import signal

import pytest

from qnet_circuits.cli import COMMANDS, build_parser, main

#: per-call wall-clock limit, s (a refused or tiny run; the shots are kept small)
CALL_LIMIT_S = 30
#: calls per command
CALLS = 4
VALUES = ["0", "1", "-1", "2", "3", "0.5", "0.9", "0.99", "10", "1e9", "1e-300", "inf", "-inf",
          "nan", "x", ""]
COMMON = {"-h", "--help", "--json", "--shots", "--seed", "--backend", "--qasm"}
#: options that would write files, run on other machines or print progress
NOT_FUZZED = {"--store", "--export", "--scheduler", "--scheduler-timeout", "--out", "--plot",
              "--draw", "--save", "--graph", "--workers", "--no-progress", "--progress"}


def _base(command: str, tmp_path) -> list[str]:
    """The smallest argv of ``command`` that does real work, before the fuzzed options."""
    small = ["--shots", "60", "--seed", "1", "--json"]
    return {
        "qkd": ["qkd", "--seed", "1", "--json", "--pairs", "2000"],
        "bb84": ["bb84", "--seed", "1", "--json", "--pulses", "20000", "--rounds", "200"],
        "compare-qkd": ["compare-qkd", "--json", "--lengths", "50,150"],
        "demo": ["demo", "--only", "swap"],
        "sweep": ["sweep", "swap", "--grid", "fidelity=0.9", "--max-shots", "200", "--json",
                  "--no-progress"],
        "plot": ["plot", str(tmp_path / "missing.sqlite"), "--x", "fidelity"],
        "network": ["network", "--json", "--topology", "line:3", "--route", "n0", "n2"],
        "relay": ["relay", "--seed", "1", "--json", "--pairs", "3000"],
        "sense": ["sense", "--seed", "1", "--json", "--shots", "240", "--shots-per-estimate", "40"],
    }.get(command, [command, *small])


def _options(command: str) -> list[tuple[str, list[str]]]:
    """The command's own options (not the common ones) with their choices, if any."""
    parser = build_parser([command])
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    out = []
    for action in sub._actions:
        names = [o for o in action.option_strings if o.startswith("--") and o not in COMMON]
        if names and action.nargs != 0 and names[0] not in NOT_FUZZED:
            out.append((names[0], [str(c) for c in (action.choices or [])]))
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
        if low in {"fidelity", "p_success", "qber", "acceptance"} or low.startswith(
                ("fidelity_", "p_", "qber_")) and not low.endswith(("_stderr", "_error", "_bounds")):
            assert -1e-9 <= value <= 1 + 1e-9, (key, value)
        if low == "s":
            assert abs(value) <= 2 * math.sqrt(2) + 0.3, (key, value)  # estimate: a few sigma


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def _fuzz(command: str, rng: random.Random, calls: int, capsys, tmp_path, *,
          limit_s: int = CALL_LIMIT_S, hostile: tuple[int, ...] = (0, 1, 2)) -> None:
    """``calls`` runs of ``command``: its base argv plus ``hostile[i % len]`` of its own options
    with random values; each under a SIGALRM of ``limit_s``, checked as the module says."""
    options = _options(command)
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for i in range(calls):
            argv = _base(command, tmp_path)
            n = hostile[i % len(hostile)]
            for option, choices in rng.sample(options, min(n, len(options))):
                argv += [option, rng.choice(choices + VALUES)]
            signal.alarm(limit_s)
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: one line, exit 2
                code = exc.code
            except _Hang:
                pytest.fail(f"qnet {' '.join(argv)} ran past {limit_s} s")
            finally:
                signal.alarm(0)
            out, err = capsys.readouterr()
            assert "Traceback" not in err, (argv, err)
            assert code in (0, 2), (argv, code, err)
            if code == 2:
                assert err.strip() and len(err.strip().splitlines()) == 1, (argv, err)
            elif "--json" in argv:
                _check_ranges(json.loads(out))
    finally:
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.slow  # about 3-4 minutes on 2 shared cores for all commands
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_random_arguments_never_crash_or_hang(command, capsys, tmp_path):
    _fuzz(command, random.Random(sum(map(ord, command))), CALLS, capsys, tmp_path)


#: the default run's bounded variant: calls per command, each with this many hostile options
FAST_CALLS = 5
FAST_HOSTILE = (0, 1, 1, 2, 2)
#: per-call limit of the fast variant, s (its whole run stays under about 45 s on one core)
FAST_LIMIT_S = 15


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_few_fixed_hostile_arguments_per_command(command, capsys, tmp_path):
    """Bounded and derandomized (fixed per-command seeds, different from the slow variant's):
    five calls per command: the base run, then one, one, two and two hostile options."""
    _fuzz(command, random.Random(f"fast:{command}"), FAST_CALLS, capsys, tmp_path,
          limit_s=FAST_LIMIT_S, hostile=FAST_HOSTILE)
