"""The layout rules of docs/core-api.md and the README's architecture, checked on the source tree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [ROOT / "qnet_circuits", ROOT / "hardware" / "qnet_hardware"]
SOURCES = sorted(p for pkg in PACKAGES for p in pkg.rglob("*.py"))
#: the layers the top level of qnet_circuits may hold (README "Architecture")
LAYERS = {"__init__", "analysis", "cli", "keys", "library", "network", "noise", "physics", "plotting",
          "protocols", "results", "run", "scheduler", "timeline", "sweeps"}
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def test_sources_found():
    assert len(SOURCES) > 50


def test_top_level_holds_only_layers():
    top = {p.stem for p in (ROOT / "qnet_circuits").iterdir()
           if (p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))}
    assert top <= LAYERS, sorted(top - LAYERS)


def test_no_module_or_function_over_the_size_limits():
    long_modules, long_functions = [], []
    for path in SOURCES:
        text = path.read_text()
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.append(str(path.relative_to(ROOT)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long_functions.append(f"{path.relative_to(ROOT)}:{node.name} ({n} lines)")
    assert not long_modules, long_modules
    assert not long_functions, long_functions


def test_only_the_aer_runner_creates_a_simulator_or_sampler():
    allowed = {ROOT / "qnet_circuits" / "run" / "aer.py"}
    offenders = []
    for path in SOURCES:
        if path in allowed or path.is_relative_to(ROOT / "hardware"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in {"AerSimulator", "SamplerV2", "Sampler", "EstimatorV2"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert not offenders, offenders


def test_physics_imports_no_qiskit_and_no_other_layer():
    code = ("import sys, qnet_circuits.physics as p; "
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('qiskit', 'qiskit_aer', 'scipy') or m.startswith(('qnet_circuits.library', "
            "'qnet_circuits.run', 'qnet_circuits.noise', 'qnet_circuits.protocols')))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
