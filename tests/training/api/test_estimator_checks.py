"""scikit-learn's own estimator test suite on ``training.estimator.LogisticRegression``: every check
``check_estimator`` runs (``estimator_checks_generator``, what ``parametrize_with_checks`` is built
on), for the default (unpenalized) estimator and each penalty and class weighting. No check is
declared an expected failure. The array-API checks run only where ``SCIPY_ARRAY_API=1`` was set
before scipy loaded (elsewhere they skip, for scikit-learn's own LogisticRegression too), so they
run in a fresh interpreter with it set, with the whole suite again."""

import functools
import json
import os
import subprocess
import sys

import pytest
from sklearn.utils.estimator_checks import estimator_checks_generator

from training.estimator import LogisticRegression

ESTIMATORS = [
    LogisticRegression(),
    LogisticRegression(l2=0.01),
    LogisticRegression(penalty="firth"),
    LogisticRegression(class_weight="balanced"),
]


def check_name(check: functools.partial) -> str:
    name = check.func.__name__
    return name + "".join(f"({k}={v})" for k, v in check.keywords.items())


CHECKS = [
    pytest.param(estimator, check, id=f"{estimator!r}-{check_name(check)}")
    for model in ESTIMATORS
    for estimator, check in estimator_checks_generator(model, legacy=True)
    if not check_name(check).startswith("check_array_api")  # run below, where they can
]


@pytest.mark.parametrize(("estimator", "check"), CHECKS)
def test_scikit_learn_check(estimator, check) -> None:
    check(estimator)


def test_every_check_passes_with_the_array_api_checks_on() -> None:
    code = """
import json
from sklearn.utils.estimator_checks import check_estimator
from training.estimator import LogisticRegression
estimators = [LogisticRegression(), LogisticRegression(l2=0.01), LogisticRegression(penalty="firth"),
              LogisticRegression(class_weight="balanced")]
results = [r for e in estimators for r in check_estimator(e, on_fail=None, on_skip=None)]
print(json.dumps([[r["check_name"], r["status"]] for r in results]))
"""
    env = os.environ | {"SCIPY_ARRAY_API": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    results = json.loads(out.stdout.strip().splitlines()[-1])
    assert any(name == "check_array_api_input" for name, _ in results)
    assert [r for r in results if r[1] != "passed"] == []
    assert len(results) >= 4 * 60
