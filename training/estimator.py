"""``LogisticRegression``: the kit's fit as a scikit-learn classifier, for Pipeline,
ColumnTransformer, cross_val_score and GridSearchCV, and passing scikit-learn's own estimator checks
(``sklearn.utils.estimator_checks.check_estimator``, in ``tests/training/test_estimator_checks.py``).

Its objective is scikit-learn's on the columns it is given: the mean weighted log loss plus
``l2 / 2 * |coef_|^2`` (scikit-learn's ``C`` is ``1 / (l2 * sum of sample weights)``), the
intercept unpenalized. It standardizes internally only where that leaves the optimum where it is:
unpenalized and Firth fits (the maximum-likelihood and Firth estimates follow a rescaling of the
columns); an L2 fit runs on the columns as given, so the penalty is on their coefficients. Its
default is no penalty: the maximum-likelihood estimate, as R's glm and statsmodels give it.

A fitted estimator is a ``training.api.model.Model`` away (``model()``): ``summary()`` and
``export(path)`` give the same coefficient table and artifact as ``training.fit``. Torch loads in
``fit``, not on import.
"""

import numbers
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from export.card.sections import Description
from export.errors import ConfigError, DataError, listed, printable
from training.api.model import Model
from training.config import TrainConfig
from training.data.dataset import Dataset

FLOATS = (np.float64, np.float32)  # float32 columns stay float32: half the bytes of every pass
RAW_L2_TOL = 1e-10


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression fitted by the kit (L-BFGS to the optimum, or Firth's method).

    Parameters are the command line's: ``l2`` (the ridge penalty on the coefficients of the columns
    given; default 0: unpenalized maximum likelihood), ``penalty`` ("none" or "firth", binary),
    ``class_weight`` (None, "balanced" or a dict of class to weight), ``tol`` (the largest gradient
    entry at convergence; None: 1e-8, 1e-10 with ``l2``, 1e-6 for float32 columns) and ``max_iter``."""

    def __init__(
        self,
        l2: float = 0.0,
        penalty: str = "none",
        class_weight: "str | dict | None" = None,
        tol: float | None = None,
        max_iter: int = 1000,
    ):
        self.l2 = l2
        self.penalty = penalty
        self.class_weight = class_weight
        self.tol = tol
        self.max_iter = max_iter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = self.penalty != "firth"  # Firth's penalty here is binary
        return tags

    def fit(self, X, y, sample_weight=None) -> "LogisticRegression":
        """Fit to ``X`` (n, d) numbers (an array or a DataFrame) and class labels ``y`` (n,)."""
        X, y = validate_data(self, X, y, dtype=FLOATS)
        check_classification_targets(y)
        self.classes_, index = np.unique(y, return_inverse=True)
        if self.penalty == "firth" and len(self.classes_) > 2:
            raise ConfigError(
                f"Only binary classification is supported with penalty='firth'; y has {len(self.classes_)} classes "
                "(use l2 for a multinomial target)"
            )
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        weights = weights * self._class_factors()[index]
        weighted = np.bincount(index, weights=weights, minlength=len(self.classes_)) > 0
        if weighted.sum() < 2:
            seen = listed(self.classes_[weighted]) if weighted.any() else "none"
            raise DataError(
                f"y has one class with weight ({seen}); a classifier needs two classes or more with positive weight"
            )
        config = TrainConfig(
            optimizer="lbfgs",
            standardize=not self.l2,
            l2=self.l2,
            penalty=self.penalty,
            class_weight="balanced" if self.class_weight == "balanced" else "none",
            tol=self._tolerance(X.dtype),
            max_iter=self.max_iter,
        )
        names = getattr(self, "feature_names_in_", None)
        names = tuple(str(n) for n in names) if names is not None else tuple(f"x{j}" for j in range(X.shape[1]))
        labels = tuple(label.item() if hasattr(label, "item") else label for label in self.classes_)
        source = "a DataFrame" if hasattr(self, "feature_names_in_") else "arrays"
        plain = None if sample_weight is None and not isinstance(self.class_weight, dict) else weights
        rows = Dataset(X, index.astype(np.int64), names, "y", labels, source, plain)
        from training.description.describe import describe
        from training.solvers.fit import fit

        result = fit(config, rows)
        self._description: Description = describe(rows, None, result, profile=False)
        self.coef_ = result.model.linear.weight.detach().numpy().astype(np.float64)
        self.intercept_ = result.model.linear.bias.detach().numpy().astype(np.float64)
        self.n_iter_ = np.array([max(1, result.convergence.iterations)])
        if not result.convergence.converged:
            warnings.warn(
                f"the fit stopped before converging ({result.convergence.stop}, largest gradient entry "
                f"{result.convergence.gradient_norm:.3g}); raise max_iter or look at summary()'s warnings",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _tolerance(self, dtype: np.dtype) -> float | None:
        """``tol``, else the fit's default (``TrainConfig.for_data``), but 1e-10 for an L2 fit of
        float64 columns: it runs on the columns as given, where a gradient of 1e-8 still left
        probabilities 1e-6 from the optimum on standardized penguins at C = 20."""
        if self.tol is not None or not self.l2 or dtype != np.float64:
            return self.tol
        return RAW_L2_TOL

    def _class_factors(self) -> np.ndarray:
        """Each class's multiplier of the sample weights: a dict's values (1 for a class it leaves
        out); 'balanced' and None leave them as given (the fit weighs 'balanced' itself)."""
        factors = np.ones(len(self.classes_))
        if self.class_weight is None or self.class_weight == "balanced":
            return factors
        if not isinstance(self.class_weight, dict):
            raise ConfigError(
                "class_weight must be None, 'balanced' or a dict of class to weight, "
                f"got {printable(self.class_weight)}"
            )
        known = {printable(c): i for i, c in enumerate(self.classes_)}
        for label, weight in self.class_weight.items():
            if printable(label) not in known:
                raise ConfigError(
                    f"class_weight names {printable(label)!r}, not a class of y ({listed(self.classes_)})"
                )
            if not (isinstance(weight, numbers.Real) and np.isfinite(weight) and weight >= 0):
                raise ConfigError(
                    f"class_weight of {printable(label)!r} must be a finite number >= 0, got {printable(weight)}"
                )
            factors[known[printable(label)]] = float(weight)
        return factors

    def decision_function(self, X) -> np.ndarray:
        """The logits: (n,) for two classes (of ``classes_[1]`` against ``classes_[0]``), (n, K) for more."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=FLOATS, reset=False)
        scores = X.astype(np.float64, copy=False) @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X) -> np.ndarray:
        """P(class k) for each row, (n, K) in ``classes_`` order."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.column_stack([expit(-scores), expit(scores)])
        return softmax(scores, axis=1)

    def predict_log_proba(self, X) -> np.ndarray:
        """log P(class k), computed from the logits (finite where P itself rounds to 0)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return np.column_stack([log_expit(-scores), log_expit(scores)])
        return log_softmax(scores, axis=1)

    def predict(self, X) -> np.ndarray:
        """The class of each row: ``classes_[1]`` where its logit is positive (P > 0.5) for two
        classes, the most probable one for more."""
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)]

    def model(self) -> Model:
        """The fitted model as ``training.fit`` returns it: ``summary()``, ``export(path)``, the
        served graph's predictions; built (and its parity with torch checked) on each call."""
        check_is_fitted(self)
        import torch

        from export.writer.build import build_artifact
        from export.writer.checkpoint import checkpoint_bytes

        layer = torch.nn.Linear(self.coef_.shape[1], self.coef_.shape[0]).double()
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(self.coef_))
            layer.bias.copy_(torch.as_tensor(self.intercept_))
        built = build_artifact(layer, self._description)
        return Model(built.data, checkpoint_bytes(layer.state_dict(), self._description), artifact=built.artifact)

    def summary(self) -> pd.DataFrame:
        """The coefficient table, with standard errors, tests and intervals where they apply."""
        return self.model().summary()

    def export(self, path: str | Path) -> Path:
        """Write the artifact, its checkpoint and card (``Model.export``); its inputs are the
        columns the estimator was fitted on, by ``feature_names_in_`` (else x0, x1, ...)."""
        return self.model().export(path)
