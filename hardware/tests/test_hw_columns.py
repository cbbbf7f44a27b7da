"""The four columns of every device command: one shape in --json, a table in the text output,
the ISA report; commands without a comparison get none."""

from __future__ import annotations

import json
import re

import pytest

from qnet_circuits.cli import main
from qnet_hardware import IBMRunner
from qnet_hardware.columns import COLUMNS, SPECS

#: the commands the agreement tests do not cover, with small runs
RUNS = {
    "link": ["link", "--shots", "200"],
    "purify": ["purify", "--shots", "200"],
    "remote-cnot": ["remote-cnot", "--shots", "100"],
    "blind": ["blind", "--shots", "60"],
}


@pytest.mark.parametrize("command", list(RUNS))
def test_every_command_has_the_four_columns(command: str, capsys) -> None:
    assert main([*RUNS[command], "--backend", "fake_torino", "--seed", "3", "--json"]) == 0
    comp = json.loads(capsys.readouterr().out)["comparison"]
    assert set(comp["columns"]) == set(COLUMNS) and comp["device"] == "fake_torino"
    assert comp["quantities"] == [q.name for q in SPECS[command]]
    for q in comp["quantities"]:
        for column in COLUMNS:
            cell = comp["columns"][column][q]
            assert set(cell) == {"value", "stderr"} and cell["value"] is not None, (column, q)
        for column in ("network_model", "prediction", "device"):
            assert comp["columns"][column][q]["stderr"] is not None, (column, q)
        assert comp["columns"]["theory"][q]["stderr"] is None  # a closed form
        assert comp["model_error"][q] > 0
    assert comp["budget"]["total"] == pytest.approx(
        sum(v for k, v in comp["budget"].items() if k != "total"))
    row = comp["isa"][0]
    assert row["qubits"] and row["two_qubit_gates"] >= row["logical_two_qubit"] - 1
    assert {n["node"] for n in comp["prediction_network"]}


def test_text_output_prints_the_table_and_the_isa_rows(capsys) -> None:
    assert main(["remote-cnot", "--shots", "100", "--backend", "fake_torino", "--seed", "3"]) == 0
    text = capsys.readouterr().out
    assert "on fake_torino: theory, Aer with the network model" in text
    assert "prediction (calibrated)" in text and "model error" in text
    assert re.search(r"ISA remote_cnot( \(and \d+ more alike\))?: qubits \[", text)
    assert "two-qubit gates" in text


def test_a_command_without_a_comparison_reruns_nothing() -> None:
    def rerun(_runner):
        raise AssertionError("no rerun expected")

    assert IBMRunner("fake_manila").four_columns("dense-coding", {}, rerun) is None
