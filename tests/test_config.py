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
        ({"lr": -0.1}, r"--lr must be a positive finite number, got -0.1; try --lr 0.01"),
        ({"lr": float("nan")}, r"--lr must be a positive finite number, got nan"),
        ({"optimizer": "rmsprop"}, r"--optimizer must be one of sgd, adam, got 'rmsprop'"),
        ({"batch_size": 0}, r"--batch-size must be a whole number of at least 1, got 0; omit it for full batch"),
        ({"threshold": 1.0}, r"--threshold must lie strictly between 0 and 1, got 1.0"),
        ({"seed": -1}, r"--seed must be a whole number from 0 to 2\*\*63 - 1, got -1"),
    ],
)
def test_bad_settings_are_named_with_the_fix(change, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**change)
