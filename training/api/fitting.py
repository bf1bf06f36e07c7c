"""``training.fit``: the command line's whole run from Python, on a DataFrame or a file, returning
the fitted ``Model`` instead of writing files (``Model.export`` writes what the command line does).

Torch and the fitting code load only when ``fit`` is called, so ``import training`` stays light.
"""

import os
from pathlib import Path
from typing import Any

import pandas as pd

from export.errors import ConfigError, printable
from training.api.boundary import one_line_errors
from training.api.model import Model
from training.api.options import read_options
from training.data.frames import load_frame


@one_line_errors
def fit(
    data: "pd.DataFrame | str | os.PathLike",
    target: str | None = None,
    *,
    formula: str | None = None,
    progress: bool | None = None,
    **options: Any,
) -> Model:
    """Fit a logistic regression as ``python -m training --data ... --target ...`` does.

    ``data``: a pandas DataFrame (its index is never a feature) or the path of a CSV or Parquet
    file. ``target``: the column to predict; or ``formula="y ~ a * b + bs(c, df=4)"``. ``options``:
    the command line's, by their flag names in Python form (``l2=0.1``, ``penalty="firth"``,
    ``class_weight="balanced"``, ``weight_column="w"``, ``valid_fraction=0.2``, ``predict={"x": 5}``,
    ...), checked as the flags are. ``progress``: the progress bar, shown on a terminal by default
    and hidden in a notebook cell; True or False to choose.

    Raises a ``KitError`` (a ``ValueError``) with the command line's one-line message for bad input.
    """
    if progress is not None and not isinstance(progress, bool):
        raise ConfigError(f"progress must be True, False or None, got {printable(progress)}")
    path = None
    if isinstance(data, str | os.PathLike):
        path = Path(data)
    elif not isinstance(data, pd.DataFrame):
        raise ConfigError(
            f"data must be a pandas DataFrame or the path of a CSV or Parquet file, got {type(data).__name__}"
        )
    config, request = read_options(path, target, formula, options)
    if path is None and request.stream:
        raise ConfigError("stream=True reads a file a batch at a time; a DataFrame is in memory already: drop stream")
    from training.reading import read_whole, streams  # no torch yet: the file is read first

    streaming = path is not None and streams(request, distributed=False)
    table = None if streaming else load_frame(data, request.columns) if path is None else read_whole(request)
    from export.writer.build import build_artifact
    from export.writer.checkpoint import checkpoint_bytes
    from training.run import Progress, fit_and_describe
    from training.streaming.reduce import LOCAL

    bar = Progress(config, request.log_every, streaming, shown=progress)
    with bar.bar:
        result, description, _ = fit_and_describe(config, request, LOCAL, streaming, table, bar)
    built = build_artifact(result.model.linear, description)
    return Model(built.data, checkpoint_bytes(result.model.state_dict(), description), path, built.artifact)
