"""``--formula`` on the command line: what it replaces, and every formula the kit cannot fit and
serve refused in one line that names the piece, before any data is read."""

import re

import numpy as np
import pandas as pd
import pytest

from export.artifact import load_artifact
from training.__main__ import main as training_main


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "rows.csv"
    pd.DataFrame(
        {
            "y": [0, 1, 0, 1, 1, 0, 1, 0],
            "x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.5],
            "z": [0.5, -1.0, 2.0, 0.0, 1.5, -0.5, 3.0, 1.0],
            "g": ["a", "b", "a", "c", "b", "c", "a", "b"],
            "code": [1, 2, 1, 2, 1, 2, 1, 2],
        }
    ).to_csv(path, index=False)
    return path


def refused(capsys, *args: str) -> str:
    """The one line of a run that ends with status 2 (a usage error ends by SystemExit)."""
    try:
        code = training_main(list(args))
    except SystemExit as exit:
        code = exit.code
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("y ~ np.sin(x)", r"np.sin\(x\) is not supported \(columns, C\(column\), I\(\.\.\.\)"),
        ("y ~ x + poly(z, 2)", r"poly\(z, 2\) is not supported"),
        ("y ~ x - 1", r"removes the intercept \(- 1 or 0 \+\); the kit's models always have one"),
        ("y ~ 0 + x", r"removes the intercept"),
        ("y ~ x | z", r"needs one target on the left of ~ and terms on the right"),
        ("~ x", r"needs one target on the left of ~"),
        ("y + z ~ x", r"the left of ~ must be the one column to predict"),
        ("y ~ x +", r"cannot be read \(Operator `\+` has insuff"),
        ("y ~ bs(x, df=4, extrapolation='zero')", r"bs\(\) does not take extrapolation= here \(it takes df, degree"),
        ("y ~ bs(x, df=0)", r"df= must be a whole number from 1 to 100"),
        ("y ~ bs(x, degree=9)", r"degree= must be a whole number from 1 to 5"),
        ("y ~ cr(x, df=4, constraints='other')", r"constraints= may only be 'center'"),
        ("y ~ C(x, Sum)", r"write C\(column\), with one column and no contrasts"),
        ("y ~ C(code) + np.log(code)", r"uses 'code' both as categories \(C\(code\)\) and as a number"),
        ("y ~ x + y", r"uses the target 'y' on the right of ~ too"),
        ("y ~ I(2)", r"I\(2\) reads no column"),
    ],
)
def test_a_formula_the_kit_cannot_serve_is_refused_in_one_line(table, capsys, formula, message):
    line = refused(capsys, "--data", str(table), "--formula", formula, "--out", str(table.with_suffix(".onnx")))
    assert line.startswith("error: --formula")
    assert re.search(message, line), line
    assert not table.with_suffix(".onnx").exists()


def test_formula_replaces_target_features_and_categorical(table, capsys):
    for extra in (["--target", "y"], ["--features", "x"], ["--categorical", "code"]):
        line = refused(capsys, "--data", str(table), "--formula", "y ~ x", *extra)
        assert "--formula names the target and the columns it uses; leave out --target, --features" in line


def test_arithmetic_on_a_text_column_is_refused_naming_it(table, capsys):
    line = refused(capsys, "--data", str(table), "--formula", "y ~ np.log(g)", "--out", str(table.with_suffix(".onnx")))
    assert "np.log(g) needs numbers, but 'g' of rows.csv is categorical (levels a, b, c); use it as C(g)" in line


def test_a_formula_column_that_is_not_in_the_file_is_named(table, capsys):
    line = refused(capsys, "--data", str(table), "--formula", "y ~ x + w", "--out", str(table.with_suffix(".onnx")))
    assert "error: --formula names w, not columns of rows.csv (columns: y, x, z, g, code)" in line


def test_the_run_says_its_formula_and_each_terms_drop1_test(table, capsys):
    out = table.with_suffix(".onnx")
    assert training_main(["--data", str(table), "--formula", "y ~ x * g", "--l2", "0.1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "formula:  y ~ x * g (5 columns)" in printed


def test_the_run_prints_each_outermost_terms_drop1_test_as_the_card_holds_it(tmp_path, capsys):
    rng = np.random.default_rng(4)
    rows = pd.DataFrame({"x": rng.normal(size=400), "g": rng.choice(["a", "b", "c"], 400)})
    rows["y"] = (rng.random(400) < 1 / (1 + np.exp(-rows.x - (rows.g == "b")))).astype(int)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    out = tmp_path / "rows.onnx"
    assert training_main(["--data", str(tmp_path / "rows.csv"), "--formula", "y ~ x * g", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    test = load_artifact(out).card.statistics.term_tests["x:g"]
    assert set(load_artifact(out).card.statistics.term_tests) == {"x:g"}  # x and g are inside x:g
    said = f"x:g (drop1, leaving out its columns): LR test chi2 {test.statistic:.4g} on 2 df, p = {test.p_value:.3g}"
    assert said in printed
