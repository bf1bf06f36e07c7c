"""scikit-learn's own estimator test suite on ``training.estimator.LogisticRegression``: every check
``check_estimator`` runs, as scikit-learn's contributors wire it (``parametrize_with_checks``),
for the default (unpenalized) estimator and each penalty and class weighting. No check is declared
an expected failure. The array-API checks skip unless ``SCIPY_ARRAY_API=1`` was set before scipy
loaded (as they do for scikit-learn's own LogisticRegression), so one more test runs the whole
suite in a fresh interpreter with it set, where they run too."""

import json
import os
import subprocess
import sys

from sklearn.utils.estimator_checks import parametrize_with_checks

from training.estimator import LogisticRegression

ESTIMATORS = [
    LogisticRegression(),
    LogisticRegression(l2=0.01),
    LogisticRegression(penalty="firth"),
    LogisticRegression(class_weight="balanced"),
]


@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_check(estimator, check) -> None:
    check(estimator)


def test_every_check_passes_with_the_array_api_checks_on() -> None:
    code = """
import json
from sklearn.utils.estimator_checks import check_estimator
from training.estimator import LogisticRegression
results = check_estimator(LogisticRegression(), on_fail=None, on_skip=None)
print(json.dumps([[r["check_name"], r["status"]] for r in results]))
"""
    env = os.environ | {"SCIPY_ARRAY_API": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    results = json.loads(out.stdout.strip().splitlines()[-1])
    assert any(name == "check_array_api_input" for name, _ in results)
    assert [r for r in results if r[1] != "passed"] == []
    assert len(results) >= 60
