"""Train logistic regression and export it: ``python -m training [--data FILE.csv --target COL ...]``.

With no arguments it runs the tutorial's complete program (x = [1, 2, 3, 4], y = [0, 1, 1, 0],
SGD lr 0.01, 1000 full-batch epochs) and writes ``artifacts/model.onnx`` and ``artifacts/model.pt``.
"""

import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from export.build import build_artifact
from export.cli import OneLineParser, run_cli
from export.files import write_atomic
from training.checkpoint import checkpoint_bytes
from training.config import OPTIMIZERS, TrainConfig
from training.data import Dataset, load_csv, tutorial_dataset
from training.describe import describe
from training.fit import fit
from training.report import saved_lines, summary_lines

DEFAULT_OUT = Path("artifacts/model.onnx")


@dataclass(frozen=True)
class Request:
    """Where the data comes from and where the artifact goes: the I/O half of the command line."""

    data: Path | None
    target: str | None
    features: list[str] | None
    out: Path
    log_every: int


def build_parser() -> OneLineParser:
    defaults = TrainConfig()
    p = OneLineParser(
        prog="python -m training",
        description="Train logistic regression with PyTorch and export it to "
        "ONNX. With no arguments: the tutorial's program on its four points.",
    )
    p.add_argument(
        "--data", type=Path, metavar="FILE.csv", help="CSV file to train on (default: the tutorial's four points)"
    )
    p.add_argument("--target", metavar="COL", help="column to predict, with two distinct values (required with --data)")
    p.add_argument(
        "--features", metavar="A,B,...", help="comma-separated input columns (default: every column but the target)"
    )
    p.add_argument(
        "--epochs", type=int, default=defaults.epochs, help=f"passes over the data (default: {defaults.epochs})"
    )
    p.add_argument("--lr", type=float, default=defaults.lr, help=f"learning rate (default: {defaults.lr})")
    p.add_argument(
        "--optimizer", choices=OPTIMIZERS, default=defaults.optimizer, help=f"optimizer (default: {defaults.optimizer})"
    )
    p.add_argument(
        "--batch-size", type=int, default=None, metavar="N", help="rows per step (default: all rows, full batch)"
    )
    p.add_argument(
        "--seed", type=int, default=defaults.seed, help=f"seed for weights and shuffling (default: {defaults.seed})"
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=defaults.threshold,
        help=f"P(class 1) above which the label is class 1 (default: {defaults.threshold})",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="PATH",
        help=f"ONNX file to write; the checkpoint goes beside it as .pt (default: {DEFAULT_OUT})",
    )
    p.add_argument(
        "--log-every",
        type=int,
        default=0,
        metavar="N",
        help="print the loss every N epochs, as the tutorial did (default: 0, a progress bar only)",
    )
    return p


def parse(argv: list[str] | None) -> tuple[TrainConfig, Request]:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.log_every < 0:
        parser.error(f"argument --log-every: must be 0 or more, got {args.log_every}")
    if args.data is None and (args.target or args.features):
        parser.error("--target and --features need --data FILE.csv")
    config = TrainConfig(
        epochs=args.epochs,
        lr=args.lr,
        optimizer=args.optimizer,
        batch_size=args.batch_size,
        seed=args.seed,
        threshold=args.threshold,
    )
    features = [f.strip() for f in args.features.split(",")] if args.features else None
    return config, Request(args.data, args.target, features, args.out, args.log_every)


def train(config: TrainConfig, request: Request) -> None:
    data = load_data(request)
    with tqdm(total=config.epochs, desc="training", unit="epoch", disable=None, leave=False) as bar:

        def on_epoch(epoch: int, loss: float) -> None:
            bar.update()
            bar.set_postfix_str(f"loss {loss:.6f}", refresh=False)
            if request.log_every and epoch % request.log_every == 0:
                bar.write(f"epoch {epoch:>6}  loss {loss:.6f}", file=sys.stdout)

        result = fit(config, data, on_epoch)
    fields = describe(config, data, result)
    built = build_artifact(result.model, fields)  # raises before anything is written
    checkpoint = request.out.with_suffix(".pt")
    write_atomic(checkpoint, checkpoint_bytes(result.model, fields))
    write_atomic(request.out, built.data)
    print("\n".join(summary_lines(config, data, result, fields["example"])))
    print("\n".join(saved_lines(str(request.out), str(checkpoint), built.parity)))


def load_data(request: Request) -> Dataset:
    if request.data is None:
        return tutorial_dataset()
    return load_csv(request.data, request.target, request.features)


def main(argv: list[str] | None = None) -> int:
    return run_cli(lambda: train(*parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
