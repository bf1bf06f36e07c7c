"""Models whose card text is hostile, fitted for real: feature names, levels, a target and class labels
that are Markdown links and images, HTML, LaTeX, Streamlit directives, or JavaScript's own object
members. Both pages must show them as written, fetch nothing they name, and score as the reader does.

Every URL points at 127.0.0.1 port 9 (discard): a page that rendered one would request it, which
the browser tests see.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from export.writer.build import build_artifact
from training.config import TrainConfig
from training.data.columns import Columns
from training.data.dataset import coded
from training.data.tables import load_table
from training.description.describe import describe
from training.solvers.fit import fit

LEAK = "127.0.0.1:9"  # nothing may ever be fetched from here
NUMERIC = [
    f"[link](http://{LEAK}/link)",
    "toString",
    "__proto__",
    "`code` *em* :red[red] :smile: $x^2$",
    f"![f](http://{LEAK}/feature.png) www.example.com",
]
CATEGORICAL = "constructor"
LEVELS = [f"![t](http://{LEAK}/track.png)", f"<img src=http://{LEAK}/img.png>", "$\\alpha$", "hasOwnProperty"]
BINARY_TARGET = "# y"
CLASSES = [f"![c](http://{LEAK}/c.png)", "<b>b</b>", "valueOf"]
MULTINOMIAL_TARGET = "**kind**"


def hostile_frame(rows: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.normal(size=rows).round(4) for name in NUMERIC})
    frame.insert(1, CATEGORICAL, [LEVELS[i % len(LEVELS)] for i in range(rows)])
    signal = frame[NUMERIC[1]] + 0.8 * frame[CATEGORICAL].map({level: i for i, level in enumerate(LEVELS)})
    frame[BINARY_TARGET] = (signal + rng.normal(size=rows) > 1).astype(int)
    frame[MULTINOMIAL_TARGET] = [CLASSES[int(v)] for v in np.digitize(signal + rng.normal(size=rows), [0.3, 1.8])]
    return frame


def hostile_models(folder: Path) -> dict[str, bytes]:
    """``{"binary": ..., "multinomial": ...}``: the exported bytes of each kind, fitted on
    ``hostile_frame`` (written to ``folder``)."""
    frame = hostile_frame()
    models = {}
    for kind, target, other in (
        ("binary", BINARY_TARGET, MULTINOMIAL_TARGET),
        ("multinomial", MULTINOMIAL_TARGET, BINARY_TARGET),
    ):
        path = folder / f"{kind}.csv"
        frame.drop(columns=other).to_csv(path, index=False)
        data = coded(load_table(path, Columns(target)), "treatment")
        result = fit(TrainConfig(optimizer="lbfgs", standardize=True), data)
        models[kind] = build_artifact(result.model.linear, describe(data, None, result)).data
    return models
