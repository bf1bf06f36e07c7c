import pytest

from export.errors import ConfigError
from training.config import TrainConfig


def test_defaults_are_the_tutorials():
    config = TrainConfig()
    assert (config.optimizer, config.lr, config.epochs, config.batch_size) == ("sgd", 0.01, 1000, None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epochs": 0}, r"--epochs must be a whole number of at least 1, got 0; try --epochs 1000"),
        ({"lr": -0.1}, r"--lr must be a positive number up to 1e\+10, got -0.1; try --lr 0.01"),
        ({"lr": float("nan")}, r"--lr must be a positive number up to 1e\+10, got nan"),
        ({"optimizer": "rmsprop"}, r"--optimizer must be one of sgd, adam, lbfgs, got 'rmsprop'"),
        ({"batch_size": 0}, r"--batch-size must be a whole number of at least 1, got 0; omit it for full batch"),
        ({"threshold": 1.0}, r"--threshold must lie strictly between 0 and 1, got 1.0"),
        ({"seed": -1}, r"--seed must be a whole number from 0 to 2\*\*63 - 1, got -1"),
        ({"l2": -1.0}, r"--l2 must be a finite number of at least 0, got -1.0; try --l2 0.01"),
        ({"tol": 0.0}, r"--tol must be a positive finite number, got 0.0; try --tol 1e-8"),
        ({"max_iter": 0}, r"--max-iter must be a whole number of at least 1, got 0"),
        ({"penalty": "firth", "l2": 0.1}, r"--penalty firth and --l2 are two different penalties; choose one"),
        (
            {"penalty": "firth", "batch_size": 8},
            r"--penalty firth needs the whole data in every step; drop --batch-size",
        ),
        ({"penalty": "lasso"}, r"--penalty must be one of none, firth, got 'lasso'"),
        ({"class_weight": "auto"}, r"--class-weight must be one of none, balanced, got 'auto'"),
        ({"valid_fraction": 1.0}, r"--valid-fraction must be at least 0 and below 1, got 1.0"),
        ({"valid_fraction": -0.1}, r"--valid-fraction must be at least 0 and below 1, got -0.1"),
        (
            {"threshold_metric": "f1"},
            r"--choose-threshold picks the threshold on validation rows; add --valid-fraction",
        ),
        ({"threshold_metric": "recall", "valid_fraction": 0.2}, r"--choose-threshold must be one of accuracy, "),
    ],
)
def test_bad_settings_are_named_with_the_fix(change, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**change)
