"""The training configuration: a frozen dataclass, checked once when it is made, saved in the card."""

import math
from dataclasses import asdict, dataclass

from export.errors import ConfigError

OPTIMIZERS = ("sgd", "adam")


@dataclass(frozen=True)
class TrainConfig:
    """How to fit. The defaults are the tutorial's: SGD, lr 0.01, 1000 full-batch epochs."""

    epochs: int = 1000
    lr: float = 0.01
    optimizer: str = "sgd"
    batch_size: int | None = None  # None: every row in one batch, as the tutorial does
    seed: int = 0
    threshold: float = 0.5  # P(class 1) above this is labelled class 1; the tutorial's `> 0.5`

    def __post_init__(self) -> None:
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 1:
            raise ConfigError(f"--epochs must be a whole number of at least 1, got {self.epochs!r}; try --epochs 1000")
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ConfigError(f"--lr must be a positive finite number, got {self.lr!r}; try --lr 0.01")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"--optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.batch_size is not None and (not isinstance(self.batch_size, int) or self.batch_size < 1):
            raise ConfigError(
                f"--batch-size must be a whole number of at least 1, got {self.batch_size!r}; omit it for full batch"
            )
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            raise ConfigError(f"--seed must be a whole number from 0 to 2**63 - 1, got {self.seed!r}")
        if not 0.0 < self.threshold < 1.0:
            raise ConfigError(f"--threshold must lie strictly between 0 and 1, got {self.threshold!r}")

    def to_dict(self) -> dict:
        return asdict(self)
