"""One training run, after the command line is read: load or stream the data, fit, describe,
export, and save the artifact, its card and checkpoint (one process writes under torchrun).

Nothing is written until the exported graph has passed its parity checks; each file is written
atomically, so a failed run leaves any previous artifact as it was.
"""

import sys
from typing import NamedTuple

from tqdm import tqdm

from export.card.sections import Description
from export.cli import USAGE_ERROR
from export.errors import ConfigError, KitError, RowError, WorkerLost
from export.files import write_together
from export.writer.build import artifact_files, build_artifact
from export.writer.checkpoint import checkpoint_bytes
from training.config import TrainConfig
from training.data.categories import check_split_levels
from training.data.dataset import Dataset, coded, tutorial_dataset
from training.data.split import stratified_split
from training.description.describe import checked_query, describe
from training.description.report import report_lines
from training.formula.learn import formula_rows
from training.formula.parse import read_formula
from training.options import Request, check_outputs
from training.reading import launched_by_torchrun
from training.solvers.fit import FitResult, fit
from training.streaming.reduce import LOCAL, Reducer, start_distributed, stop_distributed
from training.streaming.rows import Rows
from training.streaming.streamed import open_streamed


def check_query(query: dict[str, float | str] | None, data: Rows) -> None:
    names = data.inputs.features
    if query is not None and set(query) != set(names):
        raise ConfigError(f"--predict must give every feature once ({', '.join(names)}), got {', '.join(query)}")
    checked_query(query, data.inputs)


class Progress:
    """The progress bar (the writing process's only): rows/s while streaming, else steps.
    ``shown``: None shows it on a terminal only (tqdm's rule: not in a notebook cell, a log or a
    pipe), True always, False never."""

    def __init__(self, config: TrainConfig, log_every: int, streaming: bool, shown: bool | None):
        self.config, self.log_every = config, log_every
        unit = "row" if streaming else "step"
        total = None if streaming else (config.max_iter if config.optimizer == "lbfgs" else config.epochs)
        disable = None if shown is None else not shown
        self.bar = tqdm(total=total, desc="training", unit=unit, unit_scale=streaming, disable=disable, leave=False)
        self.streaming = streaming

    def on_rows(self, rows: int) -> None:
        self.bar.update(rows)

    def on_step(self, step: int, loss: float) -> None:
        if not self.streaming:
            self.bar.update(step - self.bar.n)
        unit = "iteration" if self.config.optimizer == "lbfgs" else "epoch"
        self.bar.set_postfix_str(f"{unit} {step} loss {loss:.6f}", refresh=False)
        if self.log_every and step % self.log_every == 0:
            self.bar.write(f"{unit} {step:>6}  loss {loss:.6f}", file=sys.stdout)


class Fitted(NamedTuple):
    """A fit and what it knows: the solver's result, the card's description, the training rows."""

    result: FitResult
    description: Description
    data: Rows


def train(config: TrainConfig, request: Request, streaming: bool, table: Dataset | None) -> None:
    """Fit, describe, export and save. ``streaming``: the data is read a row group at a time
    (``training.reading.streams`` decided); else ``table`` holds it, read whole (None: the
    tutorial's four rows)."""
    distributed = launched_by_torchrun()
    reducer = start_distributed() if distributed else LOCAL
    try:
        fit_and_save(config, request, reducer, streaming, table)
    except KitError as e:
        if reducer.rank != 0 and not isinstance(e, (RowError, WorkerLost)):
            sys.exit(USAGE_ERROR)  # every process found the same problem: rank 0 alone says it
        raise
    finally:
        if distributed:
            stop_distributed()


def fit_and_save(
    config: TrainConfig, request: Request, reducer: Reducer, streaming: bool, table: Dataset | None
) -> None:
    progress = Progress(config, request.log_every, streaming, shown=None if reducer.rank == 0 else False)
    with progress.bar:
        result, description, data = fit_and_describe(config, request, reducer, streaming, table, progress)
    if reducer.rank != 0:  # one process writes the artifact
        return
    built = build_artifact(result.model.linear, description)  # raises before anything is written
    out = request.artifact
    replaced = out.exists()
    checkpoint = out.with_suffix(".pt")
    check_outputs(request)  # again: a file may have appeared while the fit ran
    write_together({checkpoint: checkpoint_bytes(result.model.state_dict(), description), **artifact_files(built, out)})
    print("\n".join(report_lines(built.artifact, result.convergence, data)))
    print(
        f"saved {out}{' (replacing the file that was there)' * replaced} "
        f"(parity with torch on {built.parity.rows:,} inputs: max |p difference| "
        f"{built.parity.max_probability_abs:.1e}), its card and checkpoint "
        f"(re-export with `python -m export --checkpoint {checkpoint}`)"
    )


def fit_and_describe(
    config: TrainConfig,
    request: Request,
    reducer: Reducer,
    streaming: bool,
    table: Dataset | None,
    progress: Progress,
) -> Fitted:
    """The fit of ``request``'s data (``table``: read whole; None with ``streaming``, or for the
    tutorial's rows) and its description: what a run saves, and what ``training.fit`` returns."""
    if streaming:
        formula = None if request.formula is None else read_formula(request.formula)
        streamed = open_streamed(request.data, request.columns, config, reducer, progress.on_rows, formula)
        data = streamed.train
        check_query(request.query, data)
        result = fit(config, data, progress.on_step, summary=streamed.summary, reducer=reducer)
        description = describe(
            data,
            streamed.valid,
            result,
            request.query,
            request.columns.weight,
            streamed.summary,
            reducer,
            request.profile,
            streamed.inputs,
        )
    else:
        data = tutorial_dataset() if table is None else table
        check_query(request.query, data)
        training_rows, valid = stratified_split(data, config.valid_fraction, config.seed)
        check_split_levels(training_rows, valid)
        if request.formula is not None:
            training_rows, valid = formula_rows(read_formula(request.formula), training_rows, valid)
        else:  # the penalty decides how levels become terms
            coding = config.penalization.coding
            training_rows, valid = coded(training_rows, coding), None if valid is None else coded(valid, coding)
        result = fit(config, training_rows, progress.on_step)
        description = describe(
            training_rows, valid, result, request.query, request.columns.weight, profile=request.profile
        )
    return Fitted(result, description, data)
