"""Fit logistic regression with PyTorch; ``python -m training`` trains and exports in one step.

data/          a table read and checked, the validation split, standardization
solvers/       the model, its objective, the optimizers, ``fit``
streaming/     Parquet read a batch at a time, the summary pass, sums across torchrun processes
description/   metrics, statistics, separation and warnings: the card's ``Description`` of a fit
options.py     the command line, declared once; config.py the ``TrainConfig``; run.py one run
api/           ``training.fit`` from Python and the fitted ``Model`` it returns
estimator.py   ``LogisticRegression``, a scikit-learn estimator on the same fit

It imports ``export`` (to write the artifact); ``export`` imports nothing from here.
"""


def __getattr__(name: str) -> object:
    """``training.fit`` (``training.api.fitting.fit``) loads on first use: ``import training``
    loads nothing more, and torch loads only when a fit runs."""
    if name == "fit":
        from training.api.fitting import fit

        return fit
    raise AttributeError(f"module 'training' has no attribute {name!r}")
