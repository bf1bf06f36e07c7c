"""The page, driven by widget key with Streamlit's AppTest (no browser, no torch needed to serve)."""

import json
import re

import hostile_models
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from paths import PAGE, PROJECT
from streamlit.testing.v1 import AppTest

from export.artifact import Artifact
from export.files import write_atomic
from export.intervals import NO_INTERVAL
from export.writer.build import build_artifact
from page.inputs import format_number
from page.sections.statistics import comparison_fact
from page.text import WORD_JOINER
from training.config import TrainConfig
from training.data.columns import Columns
from training.data.dataset import Dataset, coded, tutorial_dataset
from training.data.tables import load_table
from training.description.describe import describe
from training.solvers.fit import fit


def built(config: TrainConfig, data: Dataset) -> bytes:
    result = fit(config, data)
    return build_artifact(result.model.linear, describe(data, None, result)).data


@pytest.fixture(scope="module")
def other_model() -> bytes:
    """The tutorial data fitted with another seed and optimizer: a visibly different curve."""
    return built(TrainConfig(seed=5, optimizer="adam", lr=0.1, epochs=200), tutorial_dataset())


@pytest.fixture(scope="module")
def two_feature_model() -> bytes:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    y = (x[:, 0] - x[:, 1] > 0).astype(np.int64)
    return built(TrainConfig(epochs=50, lr=0.5), Dataset(x, y, ("height", "weight"), "sick", ("no", "yes"), "t.csv"))


@pytest.fixture
def page(artifact_dir, monkeypatch) -> AppTest:
    monkeypatch.setenv("LOGREG_ARTIFACTS_DIR", str(artifact_dir))
    return AppTest.from_file(str(PAGE), default_timeout=30)


def unescaped(markdown: str) -> str:
    """What Streamlit's markdown shows for text the page escaped with ``page.text.plain`` (the
    word joiners that keep URLs from becoming links show as nothing)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


def metrics(at: AppTest) -> dict[str, str]:
    return {unescaped(m.label): unescaped(m.value) for m in at.metric}


def served_p(data: bytes, *x: float) -> str:
    return format_number(float(Artifact.from_bytes(data).predict(np.array([x])).probabilities[0, 1]))


def test_opens_on_the_tutorial_question_with_the_artifacts_own_answer(page, tutorial_built):
    at = page.run()
    assert not at.exception and not at.error
    assert at.text_input(key="x:x").value == "5"
    shown = metrics(at)
    assert shown["P(y = 1)"] == served_p(tutorial_built.data, 5.0)
    assert shown["class (threshold 0.5)"] == ("1" if float(shown["P(y = 1)"]) > 0.5 else "0")
    card = Artifact.from_bytes(tutorial_built.data).card
    assert float(shown["logit"]) == pytest.approx(card.weights[0, 0] * 5 + card.intercept[0], rel=1e-5)
    assert any("extrapolation: x = 5 (trained on [1, 4])" in unescaped(w.value) for w in at.warning)


def test_entering_x_shows_that_xs_probability(page, tutorial_built):
    at = page.run()
    at.text_input(key="x:x").input("2.5").run()
    assert metrics(at)["P(y = 1)"] == served_p(tutorial_built.data, 2.5)
    assert not any("extrapolation" in unescaped(w.value) for w in at.warning)  # inside the training range


def drawn(at: AppTest) -> list:
    """The page's Vega-Lite charts but the waterfall of "Why this answer" (its own test)."""
    return [chart for chart in at.get("vega_lite_chart") if '"steps"' not in chart.proto.spec]


def chart_marks(at: AppTest) -> list[list[str]]:
    specs = [json.loads(chart.proto.spec) for chart in drawn(at)]
    return [[layer["mark"]["type"] for layer in spec.get("layer", [spec])] for spec in specs]


def test_curve_and_loss_history_render_and_the_epoch_slider_replays(page, tutorial_built):
    at = page.run()
    classes, curve, loss, calibration = chart_marks(at)
    assert classes == ["bar"]  # every class's probability, beside their table
    assert curve == ["line", "point", "rule", "point"]  # curves, training rows, boundary, your input
    assert loss == ["line", "rule"]
    assert calibration == ["line", "line"]  # the diagonal and the observed rates
    history = Artifact.from_bytes(tutorial_built.data).card.history
    epoch_slider(at).set_value(0).run()
    assert any(unescaped(c.value) == f"After step 0: objective {history.loss[0]:.6f}." for c in at.caption)


def epoch_slider(at: AppTest):
    return next(s for s in at.select_slider if s.key.startswith("epoch:"))


def test_cross_entropy_table_adds_up_to_the_training_loss(page, tutorial_built):
    at = page.run()
    table = next(d.value for d in at.dataframe if "loss" in d.value.columns)
    p, y = table["p = P(y = 1)"].to_numpy(), table["y"].to_numpy()
    assert table["loss"].to_numpy() == pytest.approx(-(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-6)
    card = Artifact.from_bytes(tutorial_built.data).card
    shown = metrics(at)
    assert float(shown["mean (reduction='mean')"]) == pytest.approx(card.to_json()["summary"]["final_loss"], abs=2e-6)
    assert float(shown["sum (reduction='sum')"]) == pytest.approx(4 * card.to_json()["summary"]["final_loss"], abs=1e-5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a value for x."),
        ("abc", "x: 'abc' is not a number; enter one such as 2.5 or 1e3 (with a dot for decimals)."),
        ("nan", "x: NaN is not a value the model can score; enter a number."),
        ("inf", "x: infinity cannot be scored; enter a finite number."),
        ("-inf", "x: infinity cannot be scored; enter a finite number."),
        ("1e39", "x: 1e39 is beyond the float32 range the model takes (about ±3.4e38)."),
    ],
)
def test_unusable_input_gets_a_message_not_a_traceback(page, text, message):
    at = page.run()
    at.text_input(key="x:x").input(text).run()
    assert not at.exception
    assert [unescaped(e.value) for e in at.error] == [message]
    assert "P(y = 1)" not in metrics(at)
    assert len(at.get("vega_lite_chart")) == 3  # the rest of the page still shows


def test_huge_finite_input_gets_a_well_defined_answer(page):
    at = page.run()
    at.text_input(key="x:x").input("1e30").run()
    assert not at.exception and not at.error
    shown = metrics(at)
    assert shown["P(y = 1)"] == "0" and shown["class (threshold 0.5)"] == "0"
    warnings = [unescaped(w.value) for w in at.warning]
    assert any("x = 1e+30 (trained on [1, 4]) lies outside the training range" in w for w in warnings)


def test_missing_model_says_how_to_build_it(page, artifact_dir):
    (artifact_dir / "model.onnx").unlink()
    at = page.run()
    assert not at.exception
    assert "Build the default one with `python -m training`" in unescaped(at.error[0].value)


def test_broken_model_says_so_and_how_to_rebuild(page, artifact_dir):
    (artifact_dir / "model.onnx").write_bytes(b"half a model")
    at = page.run()
    assert not at.exception
    assert "model.onnx is not a loadable ONNX model" in unescaped(at.error[0].value)
    assert "rebuild it with `python -m training`" in unescaped(at.error[0].value)


def test_reexported_model_is_served_on_the_next_interaction(page, artifact_dir, other_model, tutorial_built):
    at = page.run()
    assert metrics(at)["P(y = 1)"] == served_p(tutorial_built.data, 5.0)
    write_atomic(artifact_dir / "model.onnx", other_model)
    at.text_input(key="x:x").input("5").run()
    assert metrics(at)["P(y = 1)"] == served_p(other_model, 5.0) != served_p(tutorial_built.data, 5.0)


def test_any_model_in_artifacts_can_be_picked(page, artifact_dir, other_model):
    (artifact_dir / "adam.onnx").write_bytes(other_model)
    at = page.run()
    assert at.selectbox(key="model").options == ["model.onnx", "adam.onnx"]
    at.selectbox(key="model").select("adam.onnx").run()
    assert metrics(at)["P(y = 1)"] == served_p(other_model, 5.0)


def test_several_features_get_one_input_each_and_a_curve_along_a_chosen_one(page, artifact_dir, two_feature_model):
    write_atomic(artifact_dir / "model.onnx", two_feature_model)
    at = page.run()
    at.text_input(key="x:height").input("1.5")
    at.text_input(key="x:weight").input("-0.5").run()
    assert metrics(at)["P(sick = yes)"] == served_p(two_feature_model, 1.5, -0.5)
    at.selectbox(key="along").select("weight").run()
    assert not at.exception
    assert json.loads(drawn(at)[1].proto.spec)["layer"][0]["encoding"]["x"]["title"] == "weight"


def test_diagnostics_say_in_plain_words_that_the_tutorial_run_did_not_converge(page):
    at = page.run()
    assert any(unescaped(w.value).startswith("not converged: after 1000 epochs") for w in at.warning)
    assert any("Not shown: the fit did not converge" in unescaped(c.value) for c in at.caption)


@pytest.fixture(scope="module")
def iris_petals() -> bytes:
    """Multinomial on two features: class bars, one curve per class and the decision map."""
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    data = Dataset(
        x[:, 2:],
        y.astype(np.int64),
        ("petal_length", "petal_width"),
        "species",
        ("setosa", "versicolor", "virginica"),
        "iris.csv",
    )
    return built(TrainConfig(optimizer="lbfgs", standardize=True, l2=0.01), data)


def test_multinomial_model_shows_class_probabilities_curves_per_class_and_a_decision_map(
    page, artifact_dir, iris_petals
):
    write_atomic(artifact_dir / "model.onnx", iris_petals)
    at = page.run()
    at.text_input(key="x:petal_length").input("5.0")
    at.text_input(key="x:petal_width").input("1.6").run()
    assert not at.exception and not at.error
    served = Artifact.from_bytes(iris_petals).predict(np.array([[5.0, 1.6]]))
    assert metrics(at)["class (the most probable)"] == ("setosa", "versicolor", "virginica")[int(served.label[0])]
    table = next(d.value for d in at.dataframe if list(d.value.columns) == ["class", "P", "logit"])
    assert table["P"].to_numpy() == pytest.approx(served.probabilities[0], rel=1e-6)
    bars, curve, decision, loss, calibration = chart_marks(at)
    assert bars == ["bar"] and loss == ["line", "rule"] and calibration == ["line", "line"]
    assert curve[:2] == ["line", "tick"] and decision[:2] == ["rect", "point"]
    spec = json.loads(drawn(at)[1].proto.spec)
    assert spec["layer"][0]["encoding"]["color"]["field"] == "series"  # one line per class
    assert any("trained on [1, 6.9]" in unescaped(c.value) for c in at.caption)


def test_a_model_with_statistics_shows_its_coefficient_table_and_metrics(page, artifact_dir):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 2))
    y = (x @ np.array([1.5, -1.0]) + rng.logistic(size=300) > 0).astype(np.int64)
    data = Dataset(x, y, ("dose", "age"), "cured", ("no", "yes"), "trial.csv")
    write_atomic(
        artifact_dir / "model.onnx", built(TrainConfig(optimizer="lbfgs", standardize=True, valid_fraction=0.0), data)
    )
    at = page.run()
    coefficients = next(d.value for d in at.dataframe if "std. error" in d.value.columns)
    assert list(coefficients["term"]) == ["(intercept)", "dose", "age"]
    assert any("likelihood-ratio test" in unescaped(m.value) for m in at.markdown)
    facts = "".join(unescaped(m.value) for m in at.markdown)
    stats = Artifact.from_bytes((artifact_dir / "model.onnx").read_bytes()).card.statistics
    assert comparison_fact(stats) in facts and stats.aic == pytest.approx(stats.deviance + 6)  # three terms
    assert any(
        unescaped(s.value) == "No warnings: the fit converged and none of the checks (separation, base rate, constant "
        "features) found a problem."
        for s in at.success
    )
    confusion = next(d.value for d in at.dataframe if "predicted yes" in d.value.columns)
    assert int(confusion.to_numpy().sum()) == 300


def test_the_epoch_slider_starts_at_the_served_models_last_step_after_a_switch(page, artifact_dir, other_model):
    (artifact_dir / "adam.onnx").write_bytes(other_model)
    at = page.run()
    epoch_slider(at).set_value(3).run()
    at.selectbox(key="model").select("adam.onnx").run()
    assert epoch_slider(at).value == Artifact.from_bytes(other_model).card.history.epoch[-1] == 200


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a" * 10_000, r"^x: 'a{39}… \(10,000 characters\)' is not a number"),
        ("9" * 10_000, r"^x: 9{39}… \(10,000 characters\) is beyond the float32 range the model takes"),
    ],
)
def test_long_entries_are_cut_and_overflow_is_not_called_infinity(page, text, message):
    at = page.run()
    at.text_input(key="x:x").input(text).run()
    assert not at.exception
    (error,) = at.error
    assert re.match(message, unescaped(error.value)) and len(unescaped(error.value)) < 200


def test_a_card_without_optional_sections_is_served_with_a_note_in_each(page, artifact_dir, tutorial_built):
    data = hostile_models.without_section(tutorial_built.data, "statistics", "metrics", "summary", "warnings")
    write_atomic(artifact_dir / "model.onnx", data)
    at = page.run()
    assert not at.exception and not at.error
    captions = [unescaped(c.value) for c in at.caption]
    assert any("holds no statistics" in c for c in captions) and any("holds no metrics" in c for c in captions)
    assert metrics(at)["P(y = 1)"] == served_p(tutorial_built.data, 5.0)


def test_a_failing_section_says_so_in_one_line_and_the_rest_renders(page, monkeypatch):
    def broken(card):
        raise OSError(2, "No such file or directory", "/srv/secret/app/stats.json")

    monkeypatch.setattr("page.sections.statistics.coefficient_table", broken)
    at = page.run()
    assert not at.exception
    (error,) = at.error
    shown = "This section could not be shown (FileNotFoundError: [Errno 2] No such file or directory: 'stats.json')."
    assert unescaped(error.value) == shown
    assert any("log loss" in d.value.index for d in at.dataframe)  # the next section (metrics) still shows


@pytest.mark.parametrize("case", list(hostile_models.HOSTILE))
def test_a_hostile_model_in_the_folder_is_refused_in_one_line(page, artifact_dir, tutorial_built, case):
    (artifact_dir / "model.onnx").write_bytes(hostile_models.HOSTILE[case][0](tutorial_built.data))
    at = page.run()
    assert not at.exception
    (error,) = at.error
    assert unescaped(error.value).startswith("model.onnx") and str(artifact_dir) not in unescaped(error.value)


PENGUINS = PROJECT / "artifacts" / "penguins.onnx"


def test_categorical_features_get_select_boxes_with_shares_and_curves_per_level(page, artifact_dir):
    write_atomic(artifact_dir / "model.onnx", PENGUINS.read_bytes())
    at = page.run()
    species = at.selectbox(key="x:species")
    assert species.label == "species" and species.options == [
        "Adelie (43.8% of training rows)",
        "Chinstrap (20.4% of training rows)",
        "Gentoo (35.7% of training rows)",
    ]
    species.select("Gentoo").run()
    card = Artifact.from_bytes(PENGUINS.read_bytes()).card
    entered = {**card.example, "species": "Gentoo"}
    p = Artifact.from_bytes(PENGUINS.read_bytes()).predict({k: [v] for k, v in entered.items()}).probabilities[0, 1]
    assert metrics(at)["P(sex = male)"] == format_number(float(p))
    at.selectbox(key="by").select("island").run()
    assert not at.exception and not at.error
    curve = drawn(at)[1]
    lines = {row["series"] for row in chart_rows(curve) if "series" in row}
    assert {"island = Biscoe", "island = Dream", "island = Torgersen"} <= lines
    lines_layer, rows_layer = json.loads(curve.proto.spec)["layer"][:2]
    # a legend of its own: Vega-Lite merges the legends of one field, and the rows' shapes list the classes
    assert lines_layer["encoding"]["color"]["field"] != rows_layer["encoding"]["shape"]["field"]
    plot = next(c for c in at.get("vega_lite_chart") if "odds ratio" in c.proto.spec)
    terms = {row["term"] for row in chart_rows(plot) if "term" in row}
    assert "species[Gentoo]" in terms and "(intercept)" not in terms
    assert any("species as a whole" in unescaped(m.value) for m in at.markdown)


def test_a_model_with_only_categorical_features_shows_bars_per_level(page, artifact_dir, tmp_path):
    rng = np.random.default_rng(4)
    colour = rng.choice(["red", "green", "blue"], 300)
    frame = pd.DataFrame({"colour": colour, "y": (rng.random(300) < np.where(colour == "red", 0.8, 0.3)).astype(int)})
    frame.to_csv(tmp_path / "colours.csv", index=False)
    data = coded(load_table(tmp_path / "colours.csv", Columns("y")), "treatment")
    write_atomic(artifact_dir / "model.onnx", built(TrainConfig(optimizer="lbfgs", standardize=True), data))
    at = page.run()
    assert not at.exception and not at.error
    bars = json.loads(drawn(at)[1].proto.spec)
    assert bars["mark"]["type"] == "bar" and bars["encoding"]["x"]["title"] == "colour"
    heights = {row["level"]: row["P"] for row in chart_rows(drawn(at)[1])}
    assert heights["red"] == pytest.approx(frame.y[colour == "red"].mean(), rel=1e-5)  # one feature: the cell rate


def chart_rows(chart) -> list[dict]:
    """Every data row an Altair chart sent to the browser (Arrow IPC streams in the proto)."""
    return [row for named in chart.proto.datasets for row in pa.ipc.open_stream(named.data.data).read_all().to_pylist()]


def test_thirty_thousand_warnings_are_counted_not_drawn(page, artifact_dir, tutorial_built):
    warnings = [f"warning {i}: ![t](http://127.0.0.1:9/w{i}.png)" for i in range(30_000)]
    write_atomic(artifact_dir / "model.onnx", hostile_models.edited_card(tutorial_built.data, warnings=warnings))
    at = page.run()
    assert not at.exception and not at.error
    shown = [unescaped(w.value) for w in at.warning if w.value.startswith("warning")]
    assert shown == warnings[:20]  # as written: the markdown image is text
    assert "… and 29,980 more warnings: the whole list is in the model card (Model facts)." in [
        unescaped(c.value) for c in at.caption
    ]


def test_the_prediction_carries_its_interval_and_a_model_without_one_says_why(page, artifact_dir):
    at = page.run()  # the tutorial: 1000 SGD epochs that did not converge, so no covariance
    assert any(unescaped(c.value) == NO_INTERVAL + "." for c in at.caption)
    for name in ("default", "penguins"):
        write_atomic(artifact_dir / "model.onnx", (PROJECT / "artifacts" / f"{name}.onnx").read_bytes())
        at = page.run()
        artifact = Artifact.from_bytes((artifact_dir / "model.onnx").read_bytes())
        served = artifact.predict({n: [v] for n, v in artifact.card.example.items()})
        assert not at.exception and not at.error
        table = next(d.value for d in at.dataframe if "95% low" in d.value.columns)
        np.testing.assert_allclose(table["95% low"], served.probability_low[0], rtol=1e-6)
        np.testing.assert_allclose(table["95% high"], served.probability_high[0], rtol=1e-6)
        card = artifact.card
        low, high = (format_number(float(b[0, 1])) for b in (served.probability_low, served.probability_high))
        said = f"95% interval of P({card.target_name} = {card.class_labels[1]}): {low} to {high}"
        assert any(unescaped(c.value).startswith(said) for c in at.caption)
        assert not any(NO_INTERVAL in unescaped(c.value) for c in at.caption)
    coefficients = next(d.value for d in at.dataframe if "std. error" in d.value.columns)
    assert list(coefficients.columns[:2]) == ["term", "estimate"]  # binary: no class column


def test_a_multinomial_model_shows_each_class_interval_and_coefficients_against_the_first(page, artifact_dir):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 2))
    logits = np.column_stack([np.zeros(400), x @ [1.0, -0.5] + 0.3, x @ [-0.7, 0.8]])
    y = (logits + rng.gumbel(size=logits.shape)).argmax(axis=1)
    data = Dataset(x, y, ("dose", "age"), "outcome", ("worse", "same", "better"), "trial.csv")
    write_atomic(artifact_dir / "model.onnx", built(TrainConfig(optimizer="lbfgs", standardize=True), data))
    at = page.run()
    assert not at.exception and not at.error
    artifact = Artifact.from_bytes((artifact_dir / "model.onnx").read_bytes())
    served = artifact.predict({n: [v] for n, v in artifact.card.example.items()})
    table = next(d.value for d in at.dataframe if "95% low" in d.value.columns)
    assert list(table.columns) == ["class", "P", "95% low", "95% high", "logit"]
    np.testing.assert_allclose(table["95% low"], served.probability_low[0], rtol=1e-6)
    np.testing.assert_allclose(table["95% high"], served.probability_high[0], rtol=1e-6)
    coefficients = next(d.value for d in at.dataframe if "std. error" in d.value.columns)
    assert list(coefficients.iloc[:, 0]) == ["same"] * 3 + ["better"] * 3
    assert coefficients.columns[0] == "class (against worse)"
    assert list(coefficients["term"]) == ["(intercept)", "dose", "age"] * 2


def test_why_this_answer_shows_the_readers_explanation_as_a_waterfall(page, artifact_dir):
    write_atomic(artifact_dir / "model.onnx", (PROJECT / "artifacts" / "penguins.onnx").read_bytes())
    at = page.run()
    assert not at.exception and not at.error
    artifact = Artifact.from_bytes((artifact_dir / "model.onnx").read_bytes())
    card = artifact.card
    # the fields show the example to six digits, and the page reads them back
    shown = {n: v if n in card.design.levels else float(format_number(v)) for n, v in card.example.items()}
    explained = artifact.explain([shown])
    table = next(d.value for d in at.dataframe if "contribution to the logit" in d.value.columns)
    assert list(table["feature"]) == list(card.feature_names)
    np.testing.assert_allclose(table["contribution to the logit"], explained.contributions[0], rtol=1e-12)
    waterfall = next(c for c in at.get("vega_lite_chart") if '"steps"' in c.proto.spec)
    steps = sorted(chart_rows(waterfall), key=lambda s: s["order"])
    assert steps[0]["end"] == pytest.approx(explained.base) and steps[-1]["end"] == pytest.approx(explained.logit[0])
    assert [s["kind"] for s in steps[1:-1]] == ["raises" if s["change"] >= 0 else "lowers" for s in steps[1:-1]]
    changes = [abs(s["change"]) for s in steps[1:-1]]
    assert changes == sorted(changes, reverse=True)  # the largest contributions first
    p = float(artifact.predict([shown]).probabilities[0, 1])
    said = f"Logit {format_number(float(explained.logit[0]))}, so P(sex = male) = {format_number(p)}."
    assert any(unescaped(c.value).startswith(said) for c in at.caption)
    at.text_input(key="x:bill_length_mm").input("oops").run()
    assert any("Enter values the model can score above" in unescaped(c.value) for c in at.caption)


def test_the_tutorial_is_served_beside_the_optimum_of_its_objective(page, tutorial_built):
    at = page.run()
    served = float(Artifact.from_bytes(tutorial_built.data).predict([[5.0]]).probabilities[0, 1])
    said = (
        "The optimum of the same objective (the exact solver after the run) says P(y = 1) = 0.5: the served "
        f"model's {format_number(served)} is {format_number(abs(served - 0.5))} away."
    )
    assert any(unescaped(i.value).startswith(said) for i in at.info), [i.value for i in at.info]
    curve = json.loads(drawn(at)[1].proto.spec)
    optimum = [row for row in chart_rows(drawn(at)[1]) if row.get("curve") == "the optimum of the objective"]
    assert optimum and all(row["P"] == pytest.approx(0.5, abs=1e-7) for row in optimum)
    assert "the optimum of the objective" in json.dumps(curve)
