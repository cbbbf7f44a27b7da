"""``qnet <cmd> | head -1``: a closed stdout ends quietly (exit 141, no traceback)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qnet_circuits.cli import EXIT_BROKEN_PIPE


@pytest.mark.parametrize("argv", [["compare-qkd", "--lengths", "100"], ["swap", "--shots", "60"]])
def test_closed_stdout_is_a_quiet_exit(argv):
    proc = subprocess.Popen([sys.executable, "-m", "qnet_circuits.cli", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                      # the reader went away before the output
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == EXIT_BROKEN_PIPE == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_an_open_stdout_still_exits_0():
    proc = subprocess.run([sys.executable, "-m", "qnet_circuits.cli", "compare-qkd", "--lengths",
                           "100"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("secret key rate")
