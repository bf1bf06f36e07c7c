"""The training configuration: a frozen dataclass, checked once when it is made, saved in the card."""

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from export.errors import ConfigError
from training.options import option
from training.penalty import Penalty

OPTIMIZERS = ("sgd", "adam", "lbfgs")
PENALTIES = ("none", "firth")
CLASS_WEIGHTS = ("none", "balanced")
THRESHOLD_METRICS = ("accuracy", "balanced_accuracy", "f1", "youden")
# a step this large already diverges on any data; much larger ones overflow float32 inside the
# optimizers' own arithmetic (Adam's lr / (1 - beta1) at 1e38) before divergence can be reported
MAX_LR = 1e10


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _positive_float(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


@dataclass(frozen=True)
class TrainConfig:
    """How to fit. The defaults are the tutorial's: SGD, lr 0.01, 1000 full-batch epochs, raw
    features, no penalty. ``python -m training --data`` switches to L-BFGS on standardized features.
    Every field is also a command-line option (``training.options``)."""

    epochs: int = option(1000, "SGD/Adam passes over the data (default: {default})", "fitting")
    lr: float = option(0.01, "SGD/Adam learning rate (default: {default})", "fitting")
    optimizer: str = option(
        "sgd",
        "default: lbfgs with --data, sgd without (the tutorial)",
        "fitting",
        choices=OPTIMIZERS,
        with_data="lbfgs",
    )
    # None: every row in one batch, as the tutorial does
    batch_size: int | None = option(None, "SGD/Adam rows per step (default: all rows)", "fitting", metavar="N")
    seed: int = option(0, "seed for weights, shuffling and the split (default: {default})", "fitting")
    # binary: P(class 1) above this is labelled class 1; the tutorial's `> 0.5`
    threshold: float = option(
        0.5, "binary: P(class 1) above which the label is class 1 (default: {default})", "decision and output"
    )
    threshold_metric: str | None = option(
        None,
        f"binary: pick the threshold maximizing METRIC ({', '.join(THRESHOLD_METRICS)}) on the validation rows",
        "decision and output",
        flag="--choose-threshold",
        metavar="METRIC",
        choices=THRESHOLD_METRICS,
    )
    # None: resolved for the data by ``for_data``
    tol: float | None = option(
        None,
        "converged when the largest gradient entry is at most this (default: 1e-8; 1e-6 for float32 data)",
        "fitting",
    )
    max_iter: int = option(1000, "L-BFGS iterations at most (default: {default})", "fitting")
    l2: float = option(
        0.0,
        "ridge penalty LAMBDA/2 |w|^2 on standardized weights; scikit-learn's C = 1/(LAMBDA N) (default: 0)",
        "fitting",
        metavar="LAMBDA",
    )
    penalty: str = option(
        "none",
        "firth: Firth's bias-reduced estimate, finite under separation (binary) (default: {default})",
        "fitting",
        choices=PENALTIES,
    )
    # fit on standardized features; folded back into raw units for export
    standardize: bool = option(
        False,
        "fit on standardized features (default: on with --data, off for the tutorial)",
        "fitting",
        switch=True,
        with_data=True,
    )
    class_weight: str = option(
        "none", "balanced: weight classes by N/(K N_class) (default: {default})", "fitting", choices=CLASS_WEIGHTS
    )
    valid_fraction: float = option(
        0.0, "share of each class held out for validation, seeded (default: {default})", "data", metavar="F"
    )

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise ConfigError(problems[0])

    def _problems(self) -> list[str]:
        checks = [
            (
                _positive_int(self.epochs),
                f"--epochs must be a whole number of at least 1, got {self.epochs!r}; try --epochs 1000",
            ),
            (
                _positive_float(self.lr) and self.lr <= MAX_LR,
                f"--lr must be a positive number up to {MAX_LR:g}, got {self.lr!r}; try --lr 0.01",
            ),
            (
                self.optimizer in OPTIMIZERS,
                f"--optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}",
            ),
            (
                self.batch_size is None or _positive_int(self.batch_size),
                f"--batch-size must be a whole number of at least 1, got {self.batch_size!r}; omit it for full batch",
            ),
            (
                isinstance(self.seed, int) and 0 <= self.seed < 2**63,
                f"--seed must be a whole number from 0 to 2**63 - 1, got {self.seed!r}",
            ),
            (
                isinstance(self.threshold, (int, float)) and 0.0 < self.threshold < 1.0,
                f"--threshold must lie strictly between 0 and 1, got {self.threshold!r}",
            ),
            (
                self.threshold_metric in (None, *THRESHOLD_METRICS),
                f"--choose-threshold must be one of {', '.join(THRESHOLD_METRICS)}, got {self.threshold_metric!r}",
            ),
            (
                self.tol is None or _positive_float(self.tol),
                f"--tol must be a positive finite number, got {self.tol!r}; try --tol 1e-8",
            ),
            (_positive_int(self.max_iter), f"--max-iter must be a whole number of at least 1, got {self.max_iter!r}"),
            (
                isinstance(self.l2, (int, float)) and math.isfinite(self.l2) and self.l2 >= 0,
                f"--l2 must be a finite number of at least 0, got {self.l2!r}; try --l2 0.01",
            ),
            (self.penalty in PENALTIES, f"--penalty must be one of {', '.join(PENALTIES)}, got {self.penalty!r}"),
            (
                not (self.penalty == "firth" and self.l2 > 0),
                "--penalty firth and --l2 are two different penalties; choose one",
            ),
            (
                not (self.penalty == "firth" and self.batch_size is not None),
                "--penalty firth needs the whole data in every step; drop --batch-size",
            ),
            (
                self.class_weight in CLASS_WEIGHTS,
                f"--class-weight must be one of {', '.join(CLASS_WEIGHTS)}, got {self.class_weight!r}",
            ),
            (
                isinstance(self.valid_fraction, (int, float)) and 0.0 <= self.valid_fraction < 1.0,
                f"--valid-fraction must be at least 0 and below 1, got {self.valid_fraction!r}; "
                "try --valid-fraction 0.2",
            ),
            (
                not (self.threshold_metric and self.valid_fraction == 0),
                "--choose-threshold picks the threshold on validation rows; add --valid-fraction 0.2 (or more)",
            ),
        ]
        return [message for ok, message in checks if not ok]

    @property
    def penalization(self) -> Penalty:
        """The penalty ``--l2`` and ``--penalty`` ask for, and what follows from it (``training.penalty``)."""
        return Penalty.of(self.l2, self.penalty)

    def for_data(self, dtype: np.dtype) -> "TrainConfig":
        """The config with ``tol`` resolved (``fit`` does it once; ``FitResult.config`` carries it):
        float32 gradients carry about 1e-8 of rounding noise, so they get 1e-6 (the benchmarks check that
        this still reaches the optimum's objective within 1e-7)."""
        if self.tol is not None:
            return self
        return replace(self, tol=1e-6 if np.dtype(dtype) == np.float32 else 1e-8)

    def to_dict(self) -> dict:
        return asdict(self)
