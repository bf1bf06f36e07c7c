"""Train logistic regression and export it: ``python -m training [--data FILE --target COL ...]``.

With no arguments it runs the tutorial's complete program (x = [1, 2, 3, 4], y = [0, 1, 1, 0],
SGD lr 0.01, 1000 full-batch epochs) and writes ``artifacts/model.onnx``, its checkpoint
``artifacts/model.pt`` and ``artifacts/model.model_card.md``. With ``--data`` it fits the
maximum-likelihood (or penalized) optimum with L-BFGS on standardized features.

This module reads the command line (options are declared in ``training.options``) and hands the
rest to ``training.run``.
"""

import sys

from export.cli import run_cli
from training.config import TrainConfig
from training.options import Request, build_parser, flag_of, needing_data, values


def parse(argv: list[str] | None) -> tuple[TrainConfig, Request]:
    parser = build_parser(Request, TrainConfig)
    parsed = parser.parse_args(argv)
    with_data = parsed.data is not None
    if not with_data and any(getattr(parsed, f.name) for f in needing_data(Request)):
        flags = [flag_of(f) for f in needing_data(Request)]
        parser.error(f"{', '.join(flags[:-1])} and {flags[-1]} need --data FILE")
    return TrainConfig(**values(TrainConfig, parsed, with_data)), Request(**values(Request, parsed, with_data))


def main(argv: list[str] | None = None) -> int:
    def parse_and_train() -> None:
        config, request = parse(argv)
        from training.run import train  # torch and the fitting code load only once the flags are read

        train(config, request)

    return run_cli(parse_and_train)


if __name__ == "__main__":
    sys.exit(main())
