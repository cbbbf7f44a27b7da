"""Property-based tests (hypothesis) over every protocol's Params dataclass: any value of any one
field either validates or raises ValueError whose message names that field; never another
exception. Bounded: 50 examples per class, no deadline."""

from __future__ import annotations

import dataclasses
import importlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qnet_circuits.protocols import PROTOCOLS

#: module -> its Params class name
PARAMS = {
    "link": "LinkParams", "swap": "SwapParams", "purify": "PurifyParams",
    "teleport": "TeleportParams", "remote_cnot": "RemoteCnotParams", "qkd": "QkdParams",
    "chain": "ChainParams", "blind": "BlindParams", "dense_coding": "DenseCodingParams",
    "sensing": "SenseParams", "relay": "RelayParams", "bb84": "Bb84Params",
    "compare_qkd": "CompareParams", "ghz": "GHZParams",
}

HOSTILE = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.floats(min_value=-2, max_value=2), max_size=4),
    st.lists(st.lists(st.floats(min_value=-1, max_value=2), min_size=4, max_size=4), max_size=3),
    st.sampled_from([0, 1, 2, 3, -1, 0.5, 1e-300, 1e300, "x", "", "inf", [], {}]),
)


#: fields whose CLI flag has another name than the field (the message names the flag)
FLAGS = {"method": "--decoy", "probabilities": "probabilities", "states": "--state"}


def _names(field: str) -> set[str]:
    """The ways a message may name ``field``: itself, its flag, its flag without the unit."""
    flag = FLAGS.get(field, field.replace("_", "-"))
    base = re.sub(r"_(km|s|hz|db|m|db_per_km)$", "", field)
    return {field, flag, base, base.replace("_", "-"), field.split("_")[0]}


def _fields(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


def test_every_protocol_has_a_params_class_here():
    assert set(PARAMS) == set(PROTOCOLS)


@pytest.mark.parametrize("module", sorted(PARAMS))
def test_any_value_validates_or_raises_a_named_value_error(module):
    cls = getattr(importlib.import_module(f"qnet_circuits.protocols.{module}"), PARAMS[module])
    fields = _fields(cls)

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck),
              database=None, derandomize=True)
    @given(field=st.sampled_from(fields), value=HOSTILE)
    def check(field, value):
        try:
            cls(**{field: value})
        except ValueError as exc:
            text = str(exc).lower()
            assert any(n.lower() in text for n in _names(field)), (field, value, str(exc))
        except Exception as exc:  # any other exception is a bug
            pytest.fail(f"{cls.__name__}({field}={value!r}) raised {type(exc).__name__}: {exc}")

    check()

