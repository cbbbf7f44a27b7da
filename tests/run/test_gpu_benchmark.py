"""benchmarks/gpu_vs_cpu.py (issue 17 item 6): in quick mode on this machine's CPU the table has
one row per case with width, method and the CPU median; the GPU column is filled only where the
runner's own detection finds a GPU, else one line says none was found."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from qnet_circuits.run.aer import aer_device

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "gpu_vs_cpu.py"
ROW = re.compile(r"^(\S+)\s+(\S+)\s+(\d+)\s+(statevector|density_matrix)\s+(\d+\.\d+)\s+(\S+)\s+(\S+)$")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("gpu_vs_cpu_benchmark", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(text: str) -> list[tuple]:
    return [m.groups() for m in map(ROW.match, text.splitlines()) if m]


def test_quick_run_prints_one_row_per_case_and_says_which_device(bench, capsys):
    assert bench.main(["--quick", "--repeats", "1"]) == 0
    text = capsys.readouterr().out
    rows = _rows(text)
    assert [r[0] for r in rows] == list(bench.SIZES), text
    assert bench.HEADER in text
    for case, _setting, width, method, cpu, gpu, ratio in rows:
        assert 3 <= int(width) <= 8 and float(cpu) > 0, (case, width, cpu)
        assert (method == "density_matrix") == (case == "density-matrix"), (case, method)
        if aer_device() == "GPU":
            assert float(ratio) == pytest.approx(float(gpu) / float(cpu), rel=1e-2)
        else:
            assert gpu == ratio == "-"
    no_gpu = [line for line in text.splitlines() if line.startswith("no GPU found")]
    assert len(no_gpu) == (0 if aer_device() == "GPU" else 1), text


def test_with_a_gpu_the_ratio_column_is_filled(bench, capsys, monkeypatch):
    """No GPU here: the detection and the timer are stand-ins, the table's GPU path runs."""
    monkeypatch.setattr(bench, "gpu_status", lambda: (True, "stand-in"))
    monkeypatch.setattr(bench, "timed", lambda run, device, repeats: (2.0 if device == "CPU" else 0.5,
                                                                      "statevector"))
    assert bench.main(["--quick", "--cases", "swap-chain,blind-no-reuse"]) == 0
    text = capsys.readouterr().out
    rows = _rows(text)
    assert [(r[0], r[4], r[5], r[6]) for r in rows] == [
        ("swap-chain", "2.000", "0.500", "0.250"), ("blind-no-reuse", "2.000", "0.500", "0.250")]
    assert "no GPU found" not in text


def test_full_sizes_are_the_widest_circuits_the_docstring_names(bench):
    """Built, not run: the widths the module docstring states for the full-size settings."""
    widths = {case: bench.BUILDERS[case](*full)[0] for case, (full, _quick) in bench.SIZES.items()}
    assert widths == {"distribute-deferred": 24, "distribute-dynamic": 19, "swap-chain": 22,
                      "blind-no-reuse": 26, "density-matrix": 12}


def test_unknown_case_is_refused(bench):
    with pytest.raises(SystemExit) as exc:
        bench.main(["--quick", "--cases", "chian"])
    assert exc.value.code == 2
