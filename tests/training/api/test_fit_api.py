"""``training.fit`` from a notebook: the command line's run on a DataFrame or a file, the same card
and artifact, the same checks and one-line errors, quiet, and torch loaded only when it fits."""

import json
import subprocess
import sys

import numpy as np
import onnx
import pandas as pd
import pytest
import torch
from no_torch import BLOCK_TORCH
from paths import PROJECT

from export.artifact import load_artifact
from export.card.model_card import CARD_KEY, card_to_json
from export.errors import ConfigError, DataError, InputError, KitError
from training import fit
from training.__main__ import main as training_main

STATISTICS_TOLERANCE = 1e-10


def flat(value: object, path: str = "") -> dict[str, object]:
    """A card's JSON as {path: leaf}, to compare every number."""
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in flat(item, f"{path}.{key}").items()}
    if isinstance(value, list):
        return {k: v for i, item in enumerate(value) for k, v in flat(item, f"{path}[{i}]").items()}
    return {path: value}


def assert_same_card(ours: dict, theirs: dict, differ: set[str]) -> None:
    a, b = flat(ours), flat(theirs)
    assert a.keys() == b.keys()
    for key in a:
        if key in differ:
            continue
        if isinstance(a[key], float) and isinstance(b[key], float):
            assert a[key] == pytest.approx(b[key], rel=STATISTICS_TOLERANCE, abs=STATISTICS_TOLERANCE), key
        else:
            assert a[key] == b[key], key


@pytest.mark.parametrize(
    ("data", "target", "options"),
    [
        ("default.csv", "default", {}),
        ("penguins.csv", "species", {"drop_missing": True, "l2": 0.01, "valid_fraction": 0.2}),
        ("breast_cancer.csv", "diagnosis", {"features": ["mean_radius", "mean_texture"], "penalty": "firth"}),
    ],
)
def test_a_dataframe_fit_is_the_command_lines_fit_of_the_same_table(tmp_path, capsys, data, target, options) -> None:
    frame = pd.read_csv(PROJECT / "data" / data)
    frame.index = frame.index * 7 + 3  # an index is never a feature
    model = fit(frame, target, **options)
    flags = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        flags += [flag] if value is True else [flag, ",".join(value) if isinstance(value, list) else str(value)]
    csv = tmp_path / "table.csv"
    frame.to_csv(csv, index=False)
    assert training_main(["--data", str(csv), "--target", target, "--out", str(tmp_path / "cli.onnx"), *flags]) == 0
    capsys.readouterr()
    exported = model.export(tmp_path / "api.onnx")
    cli, api = load_artifact(tmp_path / "cli.onnx"), load_artifact(exported)
    assert api.card.data.source == "the DataFrame" and cli.card.data.source == "table.csv"
    ours, theirs = json.loads(card_to_json(api.card)), json.loads(card_to_json(cli.card))
    assert_same_card(ours, theirs, {".data.source"})
    graphs = [onnx.load(path) for path in (tmp_path / "cli.onnx", exported)]
    for proto in graphs:
        proto.ClearField("metadata_props")
    assert graphs[0].SerializeToString() == graphs[1].SerializeToString()  # the same graph, to the byte
    for name in ("cli", "api"):
        assert (tmp_path / f"{name}.pt").exists() and (tmp_path / f"{name}.model_card.md").exists()
    states = [torch.load(tmp_path / f"{name}.pt", weights_only=False) for name in ("cli", "api")]
    for key, value in states[0]["state_dict"].items():
        assert torch.equal(value, states[1]["state_dict"][key])
    rows = frame.dropna()
    np.testing.assert_array_equal(model.predict_proba(rows), cli.predict(rows).probabilities)
    np.testing.assert_array_equal(model.predict_proba(rows), api.predict(rows).probabilities.astype(np.float64))


def test_the_model_reads_like_a_statisticians_summary() -> None:
    frame = pd.read_csv(PROJECT / "data" / "default.csv")
    model = fit(frame, "default")
    table = model.summary()
    assert list(table.index) == ["(intercept)", "student[Yes]", "balance", "income"]
    assert list(table.columns[:6]) == ["estimate", "std. error", "z", "p-value", "95% low", "95% high"]
    card_table = model.card.statistics.coefficients
    np.testing.assert_array_equal(table["estimate"].to_numpy(), card_table.estimate)
    assert table.loc["balance", "p-value"] < 1e-10
    assert set(model.predict(frame.head(50))) <= {"No", "Yes"}
    assert model.warnings == [] and "<table" in model._repr_html_()
    assert "default from 3 feature(s)" in repr(model)


def test_the_html_view_puts_warnings_first_and_escapes_what_came_from_the_data() -> None:
    frame = pd.DataFrame({"<b>x</b>": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "y": [0, 0, 0, 1, 1, 1]})
    model = fit(frame, "y")
    assert model.warnings and "separation" in model.warnings[0]
    page = model._repr_html_()
    assert page.index("Warnings") < page.index("<table") and "<b>x</b>" not in page and "&lt;b&gt;x" in page


def test_a_path_is_read_as_the_command_line_reads_it(tmp_path) -> None:
    frame = pd.read_csv(PROJECT / "data" / "iris.csv")
    frame.to_parquet(tmp_path / "iris.parquet")  # pandas saves its index beside the columns
    from_file = fit(tmp_path / "iris.parquet", "species", l2=0.1)
    from_frame = fit(frame, "species", l2=0.1)
    np.testing.assert_allclose(from_file.predict_proba(frame), from_frame.predict_proba(frame), rtol=0, atol=1e-6)
    streamed = fit(str(tmp_path / "iris.parquet"), "species", l2=0.1, stream=True)
    np.testing.assert_allclose(streamed.predict_proba(frame), from_frame.predict_proba(frame), rtol=0, atol=1e-5)


def test_a_formula_fit() -> None:
    frame = pd.read_csv(PROJECT / "data" / "default.csv")
    model = fit(frame, formula="default ~ student * balance + np.log(income)")
    assert model.card.formula.text == "default ~ student * balance + np.log(income)"
    assert "student[T.Yes]:balance" in model.summary().index


@pytest.mark.parametrize(
    ("call", "kind", "message"),
    [
        (lambda f: fit(f, "nope"), DataError, r"--target 'nope' is not a column of the DataFrame \(columns: x, g, y\)"),
        (lambda f: fit(f, "y", l2=-1), ConfigError, r"--l2 must be a finite number of at least 0, got -1"),
        (lambda f: fit(f, "y", class_weights="balanced"), ConfigError, r"no option 'class_weights'; did you mean"),
        (lambda f: fit(f, "y", features="x,zz"), DataError, r"--features names zz, not columns of the DataFrame"),
        (lambda f: fit(f, "y", predict={"x": float("nan")}), ConfigError, r"predict: 'x=nan': give a finite number"),
        (lambda f: fit(f, "y", stream="yes"), ConfigError, r"stream must be True or False"),
        (lambda f: fit(f, "y", stream=True), ConfigError, r"a DataFrame is in memory already: drop stream"),
        (lambda f: fit(f, "y", penalty="firth", l2=1.0), ConfigError, r"two different penalties; choose one"),
        (lambda f: fit(f, formula="y ~ x", features=["x"]), ConfigError, r"formula= names the target"),
        (lambda f: fit(f, formula="y ~ exp2(x)"), ConfigError, r"exp2"),
        (lambda f: fit(f.assign(x=np.nan), "y"), DataError, r"missing values \(in x; the first on row 1\)"),
        (lambda f: fit(f.iloc[:0], "y"), DataError, r"the DataFrame has no rows"),
        (lambda f: fit([[1, 2]], "y"), ConfigError, r"data must be a pandas DataFrame or the path"),
        (lambda f: fit("/no/such/file.csv", "y"), DataError, r"data file /no/such/file.csv does not exist"),
    ],
)
def test_bad_input_raises_the_command_lines_one_line_error(call, kind, message) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 2.5, 0.5], "g": list("abcabc"), "y": [0, 1, 0, 1, 1, 0]})
    with pytest.raises(kind, match=message) as caught:
        call(frame)
    assert isinstance(caught.value, KitError) and isinstance(caught.value, ValueError)
    assert "\n" not in str(caught.value)


def test_export_never_replaces_the_data_it_was_fitted_on(tmp_path) -> None:
    data = tmp_path / "table.onnx"  # a data file with a model's name: export must not write over it
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]}).to_csv(tmp_path / "t.csv", index=False)
    model = fit(tmp_path / "t.csv", "y")
    with pytest.raises(ConfigError, match=r"must name an \.onnx file"):
        model.export(tmp_path / "t.csv")
    data.mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        model.export(data)
    assert (tmp_path / "t.csv").read_text().startswith("x,y")


def test_quiet_by_default_and_the_tutorials_loss_lines_when_asked(capsys) -> None:
    frame = pd.read_csv(PROJECT / "data" / "default.csv")
    fit(frame, "default")
    assert capsys.readouterr() == ("", "")  # not a terminal: no bar (a notebook cell is not one either)
    fit(frame, "default", log_every=5, profile=False)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("iteration      5  loss")


def test_importing_training_loads_no_torch_and_a_model_serves_without_it() -> None:
    code = "import training\nfrom training import fit\nfrom training.estimator import LogisticRegression\n"
    code += "import sys\nassert 'torch' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT)


def test_a_pickled_model_serves_in_a_process_without_torch(tmp_path) -> None:
    frame = pd.read_csv(PROJECT / "data" / "iris.csv")
    model = fit(frame, "species", l2=0.1)
    (tmp_path / "model.pickle").write_bytes(__import__("pickle").dumps(model))
    code = BLOCK_TORCH + (
        "import pickle, pandas as pd\n"
        f"model = pickle.loads(open({str(tmp_path / 'model.pickle')!r}, 'rb').read())\n"
        f"print(model.predict(pd.read_csv({str(PROJECT / 'data' / 'iris.csv')!r}).head(3))[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=PROJECT)
    assert out.stdout.strip() == model.predict(frame.head(1))[0]


def test_the_card_in_the_file_is_the_models_card(tmp_path) -> None:
    model = fit(pd.read_csv(PROJECT / "data" / "iris.csv"), "species")
    stored = {p.key: p.value for p in onnx.load(model.export(tmp_path / "m.onnx")).metadata_props}
    assert json.loads(stored[CARD_KEY]) == json.loads(card_to_json(model.card))


def test_an_error_leaves_with_its_message_and_none_of_the_kits_frames() -> None:
    import traceback

    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]})
    with pytest.raises(DataError) as caught:
        fit(frame, "nope")
    error = caught.value
    assert error.__cause__ is None and error.__suppress_context__
    ours = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(str(PROJECT / "training"))]
    assert [f.filename.rsplit("/", 2)[-1] for f in ours] == ["boundary.py"]  # the re-raise, hidden by IPython
    model = fit(frame, "y")
    with pytest.raises(InputError, match="feature 'x' takes numbers") as caught:
        model.predict_proba({"x": ["many"]})
    assert len(traceback.extract_tb(caught.value.__traceback__)) <= 2
