"""Same seed, same numbers: every CLI case of ``tests/golden/cases.py`` against its recorded JSON.

The refactors of the house layout must not move a number. Values compare exactly for strings,
integers and booleans and to 1e-9 (relative) for floats, which leaves room only for BLAS-level
rounding; keys added since the recording are allowed, keys that disappeared are not. Wall-clock
keys are skipped.
"""

from __future__ import annotations

import json
import math

import pytest

from tests.golden.cases import CASES, VOLATILE_KEYS
from tests.golden.record import PATH, run_case

RECORDED = json.loads(PATH.read_text())


def _compare(expected, actual, where: str) -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key in VOLATILE_KEYS:
                continue
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
                continue
            problems += _compare(value, actual[key], f"{where}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {expected!r}, got {actual!r}"]
        return [p for i, (e, a) in enumerate(zip(expected, actual))
                for p in _compare(e, a, f"{where}[{i}]")]
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        if math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12):
            return []
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    if expected != actual or type(expected) is not type(actual):
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return []


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_seed_same_numbers(name):
    assert name in RECORDED, f"case {name} has no recording; run python -m tests.golden.record {name}"
    problems = _compare(RECORDED[name], run_case(CASES[name]), name)
    assert not problems, "\n".join(problems[:20])
