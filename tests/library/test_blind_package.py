"""library.blind as a package: every name the single module exported stays importable from it."""

from __future__ import annotations

import importlib

import qnet_circuits.library.blind as blind

#: the public names of library/blind.py before the split (its __all__), plus the role constants
#: and aliases blind_theory and the protocol import
BEFORE_THE_SPLIT = (
    "ATTACKS", "BlindProgram", "ClientRuns", "Gate", "MeasurementPattern", "angle_index",
    "blind_circuit", "brickwork_graph", "brickwork_logical_circuit", "brickwork_pattern",
    "brickwork_program", "compile_to_brickwork", "delta_multiset", "draw_runs", "line_program",
    "parse_angle", "parse_program", "place_traps", "program_circuit",
    "QUARTER", "ROLE_COMPUTE", "ROLE_TRAP", "ROLE_DUMMY", "Attack", "Correction",
)


def test_every_name_of_the_old_module_is_importable_from_the_package() -> None:
    missing = [name for name in BEFORE_THE_SPLIT if not hasattr(blind, name)]
    assert not missing
    assert set(BEFORE_THE_SPLIT) <= set(blind.__all__)


def test_each_name_is_defined_in_one_submodule() -> None:
    for name in ("blind_circuit", "ClientRuns", "place_traps", "compile_to_brickwork",
                 "brickwork_graph", "MeasurementPattern", "BlindProgram", "angle_index"):
        module = importlib.import_module(getattr(blind, name).__module__)
        assert module.__name__.startswith("qnet_circuits.library.blind."), name
        assert getattr(module, name) is getattr(blind, name)
