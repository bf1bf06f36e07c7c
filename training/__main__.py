"""Train logistic regression and export it: ``python -m training [--data FILE --target COL ...]``.

With no arguments it runs the tutorial's complete program (x = [1, 2, 3, 4], y = [0, 1, 1, 0],
SGD lr 0.01, 1000 full-batch epochs) and writes ``artifacts/model.onnx``, its checkpoint
``artifacts/model.pt`` and ``artifacts/model.model_card.md``. With ``--data`` it fits the
maximum-likelihood (or penalized) optimum with L-BFGS on standardized features.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from export.cli import USAGE_ERROR, OneLineParser, run_cli
from export.errors import ConfigError, KitError
from export.files import write_atomic
from export.writer.build import build_artifact, save_artifact
from export.writer.checkpoint import checkpoint_bytes
from training.config import CLASS_WEIGHTS, OPTIMIZERS, PENALTIES, THRESHOLD_METRICS, TrainConfig
from training.data.split import stratified_split
from training.data.tables import Columns, load_table, tutorial_dataset
from training.description.describe import describe
from training.description.report import report_lines
from training.solvers.fit import fit, fit_stream
from training.streaming.parquet import RowError
from training.streaming.reduce import (
    LOCAL,
    Reducer,
    WorkerLost,
    launched_by_torchrun,
    start_distributed,
    stop_distributed,
)
from training.streaming.rows import Rows
from training.streaming.sizes import default_budget, human, in_memory_size, parse_size
from training.streaming.streamed import open_streamed

DEFAULT_OUT = Path("artifacts/model.onnx")


@dataclass(frozen=True)
class Request:
    """Where the data comes from and where the artifact goes: the I/O half of the command line."""

    data: Path | None
    columns: Columns
    out: Path
    log_every: int
    query: dict[str, float] | None
    stream: bool = False
    memory_budget: int | None = None  # None: half the memory available at start


def build_parser() -> OneLineParser:
    d = TrainConfig()
    p = OneLineParser(
        prog="python -m training",
        description="Train logistic regression with PyTorch and export it "
        "to ONNX. With no arguments: the tutorial's program on its four points.",
    )
    data = p.add_argument_group("data")
    data.add_argument(
        "--data",
        type=Path,
        metavar="FILE",
        help="CSV or Parquet (.parquet) file to train on (default: the tutorial's four points)",
    )
    data.add_argument("--target", metavar="COL", help="column to predict: two classes or more (required with --data)")
    data.add_argument(
        "--features",
        metavar="A,B,...",
        help="input columns (default: every column but the target and the weight column)",
    )
    data.add_argument(
        "--weight-column",
        metavar="COL",
        help="column of sample weights, finite and >= 0 (default: none, every row weighs 1)",
    )
    data.add_argument(
        "--drop-missing",
        action="store_true",
        help="leave out rows with a missing value in a used column (default: stop and say how many)",
    )
    data.add_argument(
        "--valid-fraction",
        type=float,
        default=d.valid_fraction,
        metavar="F",
        help=f"share of each class held out for validation, seeded (default: {d.valid_fraction})",
    )
    data.add_argument(
        "--stream",
        action="store_true",
        help="read the Parquet file a batch at a time, so memory does not grow with its rows "
        "(default: only when it would not fit in --memory-budget; always under torchrun)",
    )
    data.add_argument(
        "--memory-budget",
        metavar="SIZE",
        help="stream a Parquet file that would take more than SIZE in memory, e.g. 2GB, 512MiB "
        "(default: half the memory available)",
    )
    fitting = p.add_argument_group("fitting")
    fitting.add_argument(
        "--optimizer", choices=OPTIMIZERS, help="default: lbfgs with --data, sgd without (the tutorial)"
    )
    fitting.add_argument(
        "--epochs", type=int, default=d.epochs, help=f"SGD/Adam passes over the data (default: {d.epochs})"
    )
    fitting.add_argument("--lr", type=float, default=d.lr, help=f"SGD/Adam learning rate (default: {d.lr})")
    fitting.add_argument("--batch-size", type=int, metavar="N", help="SGD/Adam rows per step (default: all rows)")
    fitting.add_argument(
        "--tol",
        type=float,
        default=d.tol,
        help="converged when the largest gradient entry is at most this (default: 1e-8; 1e-6 for float32 data)",
    )
    fitting.add_argument(
        "--max-iter", type=int, default=d.max_iter, help=f"L-BFGS iterations at most (default: {d.max_iter})"
    )
    fitting.add_argument(
        "--l2",
        type=float,
        default=d.l2,
        metavar="LAMBDA",
        help="ridge penalty LAMBDA/2 |w|^2 on standardized weights; scikit-learn's C = 1/(LAMBDA N) (default: 0)",
    )
    fitting.add_argument(
        "--penalty",
        choices=PENALTIES,
        default=d.penalty,
        help="firth: Firth's bias-reduced estimate, finite under separation (binary) (default: none)",
    )
    fitting.add_argument(
        "--class-weight",
        choices=CLASS_WEIGHTS,
        default=d.class_weight,
        help="balanced: weight classes by N/(K N_class) (default: none)",
    )
    fitting.add_argument(
        "--standardize",
        action=argparse.BooleanOptionalAction,
        help="fit on standardized features (default: on with --data, off for the tutorial)",
    )
    fitting.add_argument(
        "--seed", type=int, default=d.seed, help=f"seed for weights, shuffling and the split (default: {d.seed})"
    )
    output = p.add_argument_group("decision and output")
    output.add_argument(
        "--threshold",
        type=float,
        default=d.threshold,
        help=f"binary: P(class 1) above which the label is class 1 (default: {d.threshold})",
    )
    output.add_argument(
        "--choose-threshold",
        choices=THRESHOLD_METRICS,
        metavar="METRIC",
        help=f"binary: pick the threshold maximizing METRIC ({', '.join(THRESHOLD_METRICS)}) on the validation rows",
    )
    output.add_argument(
        "--predict",
        metavar="A=1,B=2",
        help="the input to report P for (default: the tutorial's x = 5, else the training means)",
    )
    output.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="PATH",
        help="ONNX file to write; the "
        f"checkpoint (.pt) and model card (.model_card.md) go beside it (default: {DEFAULT_OUT})",
    )
    output.add_argument(
        "--log-every",
        type=int,
        default=0,
        metavar="N",
        help="print the loss every N epochs or iterations, as the tutorial did (default: 0, a progress bar only)",
    )
    return p


def parse_query(text: str | None, parser: OneLineParser) -> dict[str, float] | None:
    if not text:
        return None
    query = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            query[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            parser.error(f"argument --predict: {part!r} is not NAME=NUMBER; write e.g. --predict x=5")
    return query


def parse(argv: list[str] | None) -> tuple[TrainConfig, Request]:
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.log_every < 0:
        parser.error(f"argument --log-every: must be 0 or more, got {a.log_every}")
    if a.data is None and (a.target or a.features or a.weight_column or a.stream):
        parser.error("--target, --features, --weight-column and --stream need --data FILE")
    budget = None if a.memory_budget is None else parse_size(a.memory_budget)
    optimizer = a.optimizer or ("sgd" if a.data is None else "lbfgs")
    standardize = a.standardize if a.standardize is not None else a.data is not None
    config = TrainConfig(
        epochs=a.epochs,
        lr=a.lr,
        optimizer=optimizer,
        batch_size=a.batch_size,
        seed=a.seed,
        threshold=a.threshold,
        threshold_metric=a.choose_threshold,
        tol=a.tol,
        max_iter=a.max_iter,
        l2=a.l2,
        penalty=a.penalty,
        standardize=standardize,
        class_weight=a.class_weight,
        valid_fraction=a.valid_fraction,
    )
    features = [f.strip() for f in a.features.split(",")] if a.features else None
    columns = Columns(a.target, features, a.weight_column, a.drop_missing)
    request = Request(a.data, columns, a.out, a.log_every, parse_query(a.predict, parser), a.stream, budget)
    return config, request


def check_query(query: dict[str, float] | None, data: Rows) -> None:
    if query is not None and set(query) != set(data.feature_names):
        raise ConfigError(
            f"--predict must give every feature once ({', '.join(data.feature_names)}), got {', '.join(query)}"
        )


def streams(request: Request, distributed: bool) -> bool:
    """Stream when asked, under torchrun, or when a Parquet file would not fit the memory budget."""
    if request.data is None:
        if distributed:
            raise ConfigError("under torchrun, give --data FILE.parquet: the processes share its row groups")
        return False
    if request.stream or distributed:
        return True
    budget = default_budget() if request.memory_budget is None else request.memory_budget
    needed = in_memory_size(request.data)
    if needed > budget:
        print(
            f"{request.data.name} would take about {human(needed)} in memory, more than the budget of "
            f"{human(budget)} (--memory-budget): streaming it",
            file=sys.stderr,
        )
        return True
    return False


class Progress:
    """The progress bar (the writing process's only): rows/s while streaming, else steps."""

    def __init__(self, config: TrainConfig, request: Request, streaming: bool, shown: bool):
        self.config, self.log_every = config, request.log_every
        unit = "row" if streaming else "step"
        total = None if streaming else (config.max_iter if config.optimizer == "lbfgs" else config.epochs)
        self.bar = tqdm(
            total=total, desc="training", unit=unit, unit_scale=streaming, disable=None if shown else True, leave=False
        )
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


def train(config: TrainConfig, request: Request) -> None:
    distributed = launched_by_torchrun()
    reducer = start_distributed() if distributed else LOCAL
    try:
        fit_and_save(config, request, reducer, streams(request, distributed))
    except KitError as e:
        if reducer.rank != 0 and not isinstance(e, (RowError, WorkerLost)):
            sys.exit(USAGE_ERROR)  # every process found the same problem: rank 0 alone says it
        raise
    finally:
        if distributed:
            stop_distributed()


def fit_and_save(config: TrainConfig, request: Request, reducer: Reducer, streaming: bool) -> None:
    progress = Progress(config, request, streaming, shown=reducer.rank == 0)
    with progress.bar:
        if streaming:
            streamed = open_streamed(request.data, request.columns, config, reducer, progress.on_rows)
            data = streamed.train
            check_query(request.query, data)
            result = fit_stream(config, data, streamed.summary, reducer, progress.on_step)
            fields = describe(
                config,
                data,
                streamed.valid,
                result,
                request.query,
                request.columns.weight,
                streamed.summary,
                reducer,
            )
        else:
            data = tutorial_dataset() if request.data is None else load_table(request.data, request.columns)
            check_query(request.query, data)
            training_rows, valid = stratified_split(data, config.valid_fraction, config.seed)
            result = fit(config, training_rows, progress.on_step)
            fields = describe(config, training_rows, valid, result, request.query, request.columns.weight)
    if reducer.rank != 0:  # one process writes the artifact
        return
    built = build_artifact(result.model.linear, fields)  # raises before anything is written
    checkpoint = request.out.with_suffix(".pt")
    write_atomic(checkpoint, checkpoint_bytes(result.model.state_dict(), fields))
    save_artifact(built, request.out)
    print("\n".join(report_lines(built.artifact, result.convergence, data)))
    print(
        f"saved {request.out} (parity with torch on {built.parity.rows:,} inputs: max |p difference| "
        f"{built.parity.max_probability_abs:.1e}), its card and checkpoint "
        f"(re-export with `python -m export --checkpoint {checkpoint}`)"
    )


def main(argv: list[str] | None = None) -> int:
    return run_cli(lambda: train(*parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
