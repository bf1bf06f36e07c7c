"""scikit-learn's bundled data sets as our ``Dataset``, and the config the reference comparisons fit with."""

import numpy as np

from training.config import TrainConfig
from training.data.dataset import Dataset

LBFGS = TrainConfig(optimizer="lbfgs", standardize=True)


def bundled(loader, columns: slice = slice(None)) -> Dataset:
    x, y = loader(return_X_y=True)
    x = x[:, columns]
    k = int(y.max()) + 1
    return Dataset(x, y.astype(np.int64), tuple(f"f{i}" for i in range(x.shape[1])), "y", tuple(range(k)), "sk")
