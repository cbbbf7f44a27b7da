"""protocols.link: simulated values within 4 standard errors of the closed forms; the params,
the result's JSON and its plot."""

import matplotlib
import pytest

from qnet_circuits.protocols.link import LinkParams, LinkResult, circuits, run

matplotlib.use("Agg")


def assert_close(result, key, k=4.0):
    value, stderr, expected = result[key], result[f"{key}_stderr"], result["theory"][key]
    # a zero stderr (e.g. fidelity exactly 1 at zero noise) requires exact agreement
    assert abs(value - expected) <= k * stderr + 1e-12, (key, value, stderr, expected)


@pytest.mark.parametrize(
    "kw",
    [
        {"scheme": "double-click", "length_km": 20.0},
        {"scheme": "single-click", "alpha": 0.1, "length_km": 50.0},
        {"scheme": "single-click", "alpha": 0.05, "length_km": 50.0},
        {"scheme": "single-click", "alpha": 0.1, "length_km": 50.0, "dark_count_prob": 0.01},
        {"scheme": "single-click", "alpha": 0.05, "length_km": 10.0, "dark_count_prob": 0.02},
        {"scheme": "midpoint", "length_km": 20.0},
        {"scheme": "double-click", "length_km": 30.0, "dark_count_prob": 0.01,
         "detector_efficiency": 0.5},
    ],
)
def test_link_matches_closed_forms(kw):
    result = run(LinkParams(**kw), shots=20000, seed=1).to_dict()
    assert_close(result, "p_success")
    assert_close(result, "fidelity")
    # the exact density-matrix cross-check equals the closed form
    assert result["exact"]["fidelity"] == pytest.approx(result["theory"]["fidelity"], abs=1e-9)
    assert result["exact"]["p_success"] == pytest.approx(result["theory"]["p_success"], rel=1e-9)


def test_link_with_memory_decay_matches_section7_storage():
    params = LinkParams(scheme="single-click", alpha=0.05, length_km=20.0, t1_s=1e-3, t2_s=5e-4)
    result = run(params, shots=20000, seed=3).to_dict()
    assert result["theory"]["fidelity"] < 0.8  # decay during the 100 us herald wait is visible
    assert_close(result, "fidelity")
    assert_close(result, "p_success")


def test_result_fields_and_provenance():
    result = run(LinkParams(scheme="double-click", length_km=5.0), shots=300, seed=2)
    assert isinstance(result, LinkResult)
    assert result.shots == 900 and 0 < result.heralded_shots <= 900
    assert result.provenance.protocol == "link" and result.provenance.seed == 2
    assert result.provenance.shots == 300 and result.provenance.backend == "aer"
    d = result.to_dict()
    assert d["provenance"] == result.provenance.to_dict()
    assert d["p_success"] == result.p_success.value and d["theory"] == dict(result.theory)


def test_circuits_are_the_ideal_link_circuit():
    (qc,) = circuits(LinkParams(scheme="single-click", length_km=10.0))
    assert qc.metadata["pair"] and qc.metadata["heralds"]
    assert "fiber_transit" in qc.count_ops()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"length_km": -1.0}, "length_km"),
        ({"t1_s": 1.0, "t2_s": 3.0}, "t2_s"),
        ({"scheme": "single-click", "alpha": 1.5}, "alpha"),
        ({"detector_efficiency": 1.1}, "efficiency"),
        ({"dark_count_prob": -0.1}, "dark_count_prob"),
        ({"scheme": "triple-click"}, "scheme"),
        ({"correction": "later"}, "--correction"),
    ],
)
def test_params_validation_names_the_field(kw, field):
    with pytest.raises(ValueError, match=field):
        LinkParams(**kw)


def test_shots_must_be_positive():
    with pytest.raises(ValueError, match="shots"):
        run(LinkParams(), shots=0)


def test_plot_draws_on_an_agg_axis():
    import matplotlib.pyplot as plt

    result = run(LinkParams(scheme="midpoint", length_km=10.0), shots=200, seed=4)
    fig, ax = plt.subplots()
    assert result.plot(ax) is ax
    assert len(ax.patches) == 4  # simulated and theory bars for p_success and fidelity
    plt.close(fig)
