"""Property-based tests (hypothesis) over every protocol's Params dataclass and every CLI parser.

A Params class takes any value of any field (and any mix of one to three fields) and either
validates or raises ValueError whose message names one of the fields it was given; never another
exception. The classes are discovered from ``qnet_circuits.protocols.PROTOCOLS``, so a new
protocol cannot be left out. Every command's parser either parses random arguments or exits 2
with one line. Bounded and derandomized: a fixed number of examples, the same ones every run.
"""

from __future__ import annotations

import dataclasses
import importlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qnet_circuits.cli import COMMANDS, build_parser
from qnet_circuits.protocols import PROTOCOLS

HOSTILE = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.floats(min_value=-2, max_value=2), max_size=4),
    st.lists(st.lists(st.floats(min_value=-1, max_value=2), min_size=4, max_size=4), max_size=3),
    st.sampled_from([0, 1, 2, 3, -1, 0.5, 1e-300, 1e300, "x", "", "inf", [], {}, (), b"x",
                     "qft:3", "ghz:2", "OPENQASM 2.0;", (0, 1), ("alice", "bob")]),
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck),
                    database=None, derandomize=True)

#: fields whose CLI flag has another name than the field (the message names the flag)
FLAGS = {"method": "--decoy", "probabilities": "probabilities", "states": "--state",
         "lengths_km": "--lengths", "phase_rad": "--phase", "wait_s": "--wait",
         "alpha_hz": "--decoherence-rate", "request_rate_hz": "--request-rate"}


def _required(module_name: str) -> dict:
    """Values for the fields a Params class has no default for (the hostile values vary the rest
    and replace these one at a time)."""
    if module_name == "network_requests":
        from qnet_circuits.network import star

        return {"network": star(["a", "b", "c"], 10.0), "requests": (("a", "b"),)}
    return {}


def params_class(module_name: str) -> type:
    """The one frozen ``*Params`` dataclass a protocol module defines."""
    module = importlib.import_module(f"qnet_circuits.protocols.{module_name}")
    found = [v for n, v in vars(module).items()
             if isinstance(v, type) and dataclasses.is_dataclass(v) and n.endswith("Params")
             and v.__module__.startswith(module.__name__)]
    assert len(found) == 1, (module_name, found)
    return found[0]


def _names(field: str) -> set[str]:
    """The ways a message may name ``field``: itself, its flag, its flag without the unit."""
    flag = FLAGS.get(field, field.replace("_", "-"))
    base = re.sub(r"_(km|s|hz|db|m|rad|db_per_km)$", "", field)
    return {field, flag, base, base.replace("_", "-"), field.split("_")[0]}


def _fields(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


def _check(cls, values: dict, base: dict | None = None) -> None:
    try:
        cls(**{**(base or {}), **values})
    except ValueError as exc:
        text = str(exc).lower()
        named = set().union(*(_names(f) for f in values))
        assert any(n.lower() in text for n in named), (values, str(exc))
    except Exception as exc:  # any other exception is a bug
        pytest.fail(f"{cls.__name__}(**{values!r}) raised {type(exc).__name__}: {exc}")


@pytest.mark.parametrize("module", PROTOCOLS)
def test_every_protocol_has_one_frozen_params_class(module):
    cls = params_class(module)
    assert cls.__dataclass_params__.frozen, cls
    cls(**_required(module))  # the defaults validate


@pytest.mark.parametrize("module", PROTOCOLS)
def test_any_value_validates_or_raises_a_named_value_error(module):
    cls = params_class(module)
    fields = _fields(cls)
    base = _required(module)

    @SETTINGS
    @given(field=st.sampled_from(fields), value=HOSTILE)
    def one_field(field, value):
        _check(cls, {field: value}, base)

    @SETTINGS
    @given(values=st.dictionaries(st.sampled_from(fields), HOSTILE, min_size=2, max_size=3))
    def several_fields(values):
        _check(cls, values, base)

    one_field()
    several_fields()


def test_a_message_that_names_no_given_field_fails_the_check():
    """The checker itself can fail: a ValueError about another field is caught."""
    @dataclasses.dataclass(frozen=True)
    class FakeParams:
        a_km: float = 1.0

        def __post_init__(self):
            raise ValueError("something else is wrong")

    with pytest.raises(AssertionError):
        _check(FakeParams, {"a_km": 2.0})


WORDS = st.sampled_from(["0", "1", "-1", "2", "0.5", "1e9", "1e-300", "inf", "nan", "x", "",
                         "--json", "--shots", "--seed", "a,b", "0,1", "--", "-"])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_parser_parses_or_exits_2_with_one_line(command, capsys):
    parser = build_parser([command])
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    options = sorted({o for a in sub._actions for o in a.option_strings
                      if o.startswith("--") and o != "--help"})

    @SETTINGS
    @given(words=st.lists(st.one_of(st.sampled_from(options), WORDS), max_size=6))
    def parse(words):
        try:
            parser.parse_args([command, *words])
        except SystemExit as exc:
            err = capsys.readouterr().err
            assert exc.code == 2, (words, exc.code)
            assert len(err.strip().splitlines()) == 1, (words, err)

    parse()
