"""The ``qnet blind`` subcommand: flags, JSON keys, theory next to the measurement, clear errors,
and a module that imports no Qiskit at import time."""

from __future__ import annotations

import argparse
import ast
import json
import math
import types

import pytest

from qnet_circuits import physics
from qnet_circuits.cli import blind as blind_cli

REQUIRED_KEYS = {"output_distribution", "ideal_distribution", "tvd", "accepted_fraction",
                 "detection_probability_theory"}


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qnet blind")
    blind_cli.add_arguments(parser)
    return parser.parse_args(argv)


def _ctx(seed: int = 7, shots: int | None = 2000) -> types.SimpleNamespace:
    seen: list = []
    return types.SimpleNamespace(seed=seed, runner=None, shots=shots,
                                 protocol_circuit=seen.append, seen=seen)


def test_line_json_has_the_issue_keys_and_matches_the_closed_form() -> None:
    ctx = _ctx(3)
    result = blind_cli.run(_parse(["--program", "line", "--angles", "pi/2,pi/4"]), ctx)
    assert REQUIRED_KEYS <= set(result)
    json.dumps(result)
    expected = physics.ubqc_line_p0(math.pi / 2, math.pi / 4)
    assert result["ideal_distribution"]["0"] == pytest.approx(expected)
    n = result["shots"]
    assert abs(result["output_distribution"]["0"] - expected) <= 4 * math.sqrt(
        expected * (1 - expected) / n)
    assert result["accepted_fraction"] == 1.0 and result["detection_probability_theory"] == 0.0
    assert len(ctx.seen) == 1 and not ctx.seen[0].parameters  # --qasm gets a bound circuit
    assert "TVD" in blind_cli.render(result)


def test_cnot_with_traps_and_a_deviating_server_reports_detection() -> None:
    argv = ["--program", "cnot", "--traps", "2", "--server", "deviate-z"]
    result = blind_cli.run(_parse(argv), _ctx(5, shots=600))
    assert (result["rows"], result["columns"]) == (4, 13)
    assert result["ideal_distribution"] == {"11": 1.0}
    th = result["detection_probability_theory"]
    assert th == pytest.approx(1 - result["acceptance_theory"])
    # noiseless Z on a trap is always caught, elsewhere never: given the drawn attack positions
    # the predicted and observed rejection rates coincide
    assert result["detection_probability"] == pytest.approx(th, abs=1e-12)
    assert 0.0 < th < 0.15
    assert result["detection_probability_formula"] == pytest.approx(2 / 48)
    assert "rejected" in blind_cli.render(result)


def test_noisy_link_lowers_acceptance_and_output() -> None:
    argv = ["--program", "line", "--angles", "pi/2,pi/2", "--traps", "1", "--link-fidelity", "0.9"]
    result = blind_cli.run(_parse(argv), _ctx(9, shots=1000))
    assert result["theory"]["p0"] == pytest.approx((1 + (2.6 / 3) ** 2) / 2)
    assert result["acceptance_theory"] < 1.0
    assert result["tvd"] > 0.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--angles", "0.3,pi/4"], "multiple of pi/4"),
        (["--angles", "pi/4"], "two angles"),
        (["--program", ""], "empty"),
        (["--program", " ; "], "empty program"),
        (["--program", "cnot", "--angles", "pi/4,pi/4"], "--angles applies"),
        (["--program", "line", "--traps", "4"], "do not fit"),
        (["--program", "cnot", "--traps", "7", "--trap-region", "1"], "do not fit"),
        (["--server", "deviate-x"], "traps"),
        (["--link-fidelity", "1.2"], "link-fidelity"),
        (["--program", "h 0; cx 0 2"], "1 or 2 qubits"),
    ],
)
def test_bad_input_raises_value_error_naming_the_problem(argv: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        blind_cli.run(_parse(argv), _ctx(shots=50))


def test_the_command_module_imports_only_light_modules_at_import_time() -> None:
    """``qnet blind --help`` must not pull in Qiskit, Aer or SciPy: the module's top-level imports
    are the stdlib and the option vocabularies; the protocol is imported inside run()."""
    tree = ast.parse(open(blind_cli.__file__).read())
    top = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            top.add(node.module)
    assert top <= {"__future__", "argparse", "typing", "qnet_circuits.library.options"}, top
    assert "qnet_circuits.protocols" in open(blind_cli.__file__).read()


def test_render_without_accepted_runs_and_with_the_line_theory() -> None:
    result = blind_cli.run(_parse(["--angles", "pi/2,pi/2"]), _ctx(4, shots=100))
    text = blind_cli.render(result)
    assert "P(out=0) theory 1.0000 (ideal link 1.0000)" in text
    assert result["output_distribution"] == {"0": 1.0}
    assert result["tvd"] == pytest.approx(0.0, abs=1e-12)
    empty = {**result, "output_distribution": {}, "tvd": None}
    assert "(no accepted runs)" in blind_cli.render(empty)
