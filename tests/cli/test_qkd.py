"""The ``qnet qkd`` subcommand: flags, JSON keys, and clear errors for bad input."""

from __future__ import annotations

import argparse
import json
import math
import types

import pytest

from qnet_circuits import physics
from qnet_circuits.cli import qkd as qkd_cli

REQUIRED_KEYS = {"S", "S_stderr", "qber", "key_rate_asymptotic", "final_key_bits", "keys_match",
                 "aborted", "theory"}


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qnet qkd")
    qkd_cli.add_arguments(parser)
    return parser.parse_args(argv)


def _ctx(seed: int = 7) -> types.SimpleNamespace:
    seen: list = []
    return types.SimpleNamespace(seed=seed, runner=None, shots=None,
                                 protocol_circuit=seen.append, seen=seen)


def test_e91_json_result_has_the_issue_keys_and_matches_theory() -> None:
    ctx = _ctx(11)
    result = qkd_cli.run(_parse(["--protocol", "e91", "--fidelity", "0.95", "--pairs", "90000"]),
                         ctx)
    assert REQUIRED_KEYS <= set(result)
    json.dumps(result)  # JSON-able
    w = physics.werner_w(0.95)
    assert result["theory"]["S"] == pytest.approx(2 * math.sqrt(2) * w)
    assert abs(result["S"] - result["theory"]["S"]) <= 4 * result["S_stderr"] + 1e-12
    assert set(result["qber"]) == {"D", "X"}
    assert result["keys_match"] is (not result["aborted"])
    assert len(ctx.seen) == 1 and ctx.seen[0].num_qubits >= 2  # --qasm gets a protocol circuit
    text = qkd_cli.render(result)
    assert "S = " in text and "Tsirelson" in text


def test_bbm92_with_eve_aborts_and_renders_the_reason() -> None:
    argv = ["--protocol", "bbm92", "--eavesdropper", "intercept-resend", "--pairs", "40000"]
    result = qkd_cli.run(_parse(argv), _ctx(3))
    assert result["aborted"] and result["final_key_bits"] == 0 and not result["keys_match"]
    assert result["S"] is None and result["theory"]["qber"]["Z"] == pytest.approx(0.25)
    assert "ABORTED" in qkd_cli.render(result)


def test_link_source_reports_the_delivery_rate() -> None:
    argv = ["--source", "link", "--length-km", "10", "--pairs", "40000", "--sampling", "exact"]
    result = qkd_cli.run(_parse(argv), _ctx(5))
    link_p, _ = physics.double_click(physics.arm_efficiency(10.0))
    # one attempt per herald time tau = L/c (reference section 2d: 6310 Hz for Barrett-Kok at 10 km)
    assert result["delivery_rate_hz"] == pytest.approx(physics.rate_hz(link_p, 10 / 2e5))
    assert result["delivery_rate_hz"] == pytest.approx(6310, rel=1e-3)
    assert result["secret_key_rate_hz"] == pytest.approx(
        result["key_rate_asymptotic"] * 0.5 * result["delivery_rate_hz"]
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--eavesdropper", "intercept-resend", "--intercept-fraction", "1.5"],
         "intercept-fraction"),
        (["--intercept-fraction", "-0.2"], "intercept-fraction"),
        (["--pairs", "100"], "too few pairs"),
        (["--pairs", "0"], "pairs"),
        (["--fidelity", "1.2"], "fidelity"),
        (["--links", "0"], "links"),
    ],
)
def test_bad_input_raises_value_error_naming_the_flag(argv: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        qkd_cli.run(_parse(argv), _ctx())


@pytest.mark.parametrize(
    "argv",
    [
        ["qkd", "--intercept-fraction", "1.5", "--eavesdropper", "intercept-resend"],
        ["qkd", "--pairs", "60"],
        ["qkd", "--links", "0"],
        ["qkd", "--links", "2", "--source", "link"],
    ],
)
def test_main_bad_input_exits_nonzero_with_one_line_and_no_traceback(argv, capsys) -> None:
    from qnet_circuits.cli import main

    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("qnet qkd: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_main_json_output(capsys) -> None:
    from qnet_circuits.cli import main

    code = main(["qkd", "--protocol", "bbm92", "--fidelity", "0.97", "--pairs", "60000",
                 "--seed", "9", "--sampling", "exact", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert REQUIRED_KEYS <= set(result)
    assert result["seed"] == 9 and result["keys_match"] and not result["aborted"]
    assert result["theory"]["qber"]["Z"] == pytest.approx(0.02)


def test_chain_source_rejects_the_single_link_heralded_source(capsys):
    from qnet_circuits.cli import main

    assert main(["qkd", "--links", "3", "--source", "link"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--source link" in err


def test_json_is_the_protocol_result_to_dict(capsys) -> None:
    from qnet_circuits.cli import main
    from qnet_circuits.cli.common import to_json
    from qnet_circuits.protocols import qkd

    argv = ["--protocol", "e91", "--eavesdropper", "intercept-resend", "--intercept-fraction",
            "0.2", "--pairs", "20000", "--sampling", "exact", "--seed", "4"]
    assert main(["qkd", *argv, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    params = qkd.QkdParams(protocol="e91", eavesdropper="intercept-resend",
                           intercept_fraction=0.2, pairs=20_000, sampling="exact")
    expected = json.loads(to_json(qkd.run(params, seed=4).to_dict()))
    for out in (printed, expected):
        out.pop("timings_s")  # wall-clock
    assert printed == expected


def test_chain_qasm_is_the_chain_sources_setting_circuit() -> None:
    from qnet_circuits.protocols import qkd

    ctx = _ctx(2)
    qkd_cli.run(_parse(["--links", "2", "--fidelity", "0.98", "--pairs", "5000", "--sampling",
                        "exact"]), ctx)
    (qc,) = ctx.seen
    werner = qkd.circuits(qkd.QkdParams(fidelity=0.98))[0]
    assert qc.num_qubits > werner.num_qubits  # the chain's end pair (repeater qubits included)
