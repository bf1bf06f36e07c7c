"""One contender's run, in a process of its own: ``python -m benchmarks.contender KIND ARGS...``.

Prints one JSON line. Each run loads the data and makes a tiny warm-up fit first (untimed), then
times only the fit; a process per run means no library's idle BLAS threads from an earlier
contender slow this one (../shared/notes/RECIPES.md).
"""

import json
import sys
import time
from pathlib import Path

from benchmarks.problems import load

WARM_ROWS = 200  # a tiny fit first, so first-call costs of either library are not what is timed


def fit(kind: str, folder: Path, l2: float) -> dict:
    x, y = load(folder)
    if kind == "ours":
        from training.config import TrainConfig
        from training.data.dataset import Dataset
        from training.solvers.fit import fit as ours

        names = tuple(f"f{i}" for i in range(x.shape[1]))
        config = TrainConfig(optimizer="lbfgs", l2=l2, standardize=False)  # features are N(0, 1) already
        ours(config, Dataset(x[:WARM_ROWS], y[:WARM_ROWS], names, "y", (0, 1), "warm-up"))
        data = Dataset(x, y, names, "y", (0, 1), "bench")
        start = time.perf_counter()
        result = ours(config, data)
        seconds = time.perf_counter() - start
        w = result.model.linear.weight.detach().double().numpy()[0]
        b = float(result.model.linear.bias.item())
        return {"seconds": seconds, "evaluations": result.convergence.evaluations, "w": w.tolist(), "b": b}
    from sklearn.linear_model import LogisticRegression

    calls = count_evaluations()
    options = {
        "sklearn-lbfgs": {"solver": "lbfgs"},
        "sklearn-lbfgs-tight": {"solver": "lbfgs", "tol": 1e-10, "max_iter": 10_000},
        "sklearn-newton-cholesky": {"solver": "newton-cholesky"},
    }[kind]
    model = LogisticRegression(C=1.0 / (l2 * len(y)), **options)
    LogisticRegression(**options).fit(x[:WARM_ROWS], y[:WARM_ROWS])
    calls["n"] = 0
    start = time.perf_counter()
    model.fit(x, y)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "evaluations": calls["n"],
        "w": model.coef_[0].tolist(),
        "b": float(model.intercept_[0]),
    }


def count_evaluations() -> dict:
    """Count scikit-learn's passes of loss-and-gradient (lbfgs) or gradient-and-Hessian (Newton)
    by wrapping its loss object's methods; the solvers do not report them."""
    from sklearn.linear_model._linear_loss import LinearModelLoss

    calls = {"n": 0}
    for name in ("loss_gradient", "gradient_hessian", "gradient_hessian_product"):
        original = getattr(LinearModelLoss, name)

        def counted(*args, _original=original, **kwargs):
            calls["n"] += 1
            return _original(*args, **kwargs)

        setattr(LinearModelLoss, name, counted)
    return calls


if __name__ == "__main__":
    kind, folder, l2 = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    print(json.dumps(fit(kind, folder, l2)))
