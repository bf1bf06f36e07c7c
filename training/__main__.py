"""Train logistic regression and export it: ``python -m training [--data FILE --target COL ...]``.

With no arguments it runs the tutorial's complete program (x = [1, 2, 3, 4], y = [0, 1, 1, 0],
SGD lr 0.01, 1000 full-batch epochs) and writes ``artifacts/model.onnx``, its checkpoint
``artifacts/model.pt`` and ``artifacts/model.model_card.md``. With ``--data`` it fits the
maximum-likelihood (or penalized) optimum with L-BFGS on standardized features.

This module reads the command line (options are declared in ``training.options``) and hands the
rest to ``training.run``.
"""

import contextlib
import gc
import importlib
import os
import threading
from collections.abc import Iterator

import pyarrow as pa

from export.cli import exit_now, run_cli
from export.reader.isolation import warm_up
from training.config import TrainConfig
from training.options import Request, build_parser, check_outputs, flag_of, needing_data, values


def parse(argv: list[str] | None) -> tuple[TrainConfig, Request]:
    parser = build_parser(Request, TrainConfig)
    parsed = parser.parse_args(argv)
    with_data = parsed.data is not None
    if not with_data and any(getattr(parsed, f.name) for f in needing_data(Request)):
        flags = [flag_of(f) for f in needing_data(Request)]
        parser.error(f"{', '.join(flags[:-1])} and {flags[-1]} need --data FILE")
    if parsed.formula is not None and (parsed.target or parsed.features or parsed.categorical):
        parser.error(
            "--formula names the target and the columns it uses; leave out --target, --features and --categorical"
        )
    config, request = (
        TrainConfig(**values(TrainConfig, parsed, with_data)),
        Request(**values(Request, parsed, with_data)),
    )
    if request.formula is not None:
        from training.formula.parse import read_formula

        read_formula(request.formula)  # a formula that cannot be fitted is said before any data is read
    check_outputs(request)
    return config, request


def main(argv: list[str] | None = None) -> int:
    importing: list[threading.Thread] = []

    def parse_and_train() -> None:
        config, request = parse(argv)
        # torch, the fitting code and the exporter load only once the flags are read, and while a
        # table is read whole they load in another thread (``training.reading`` says why)
        from training.reading import launched_by_torchrun, read_whole, streams

        streaming = streams(request, launched_by_torchrun())
        if os.environ.get("RANK", "0") == "0":  # the process that exports: its graph check runs in a helper
            warm_up()  # process, which starts while the data is read
        whole = request.data is not None and not streaming
        with _collector_paused():
            if whole:
                importing.append(threading.Thread(target=importlib.import_module, args=("training.run",), daemon=True))
                importing[0].start()
            table = read_whole(request) if whole else None
            from training.run import train  # waits for the thread's import, if it is still going
        with _imports_frozen():
            train(config, request, streaming, table)

    code = run_cli(parse_and_train)
    # the error (if any) is said; a process that exits while torch is still importing in the
    # thread aborts ("terminate called without an active exception", exit status 134)
    for thread in importing:
        thread.join()
    return code


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while torch and the fitting code import (beside the read, if any):
    the imports make hundreds of thousands of objects, and each collection they set off walked the
    objects made so far again, holding the GIL the parsers wait for (docs/benchmarks.md)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _imports_frozen() -> Iterator[None]:
    """The objects made so far (the imports', the table's) left out of the collections the fit sets
    off, each of which would walk them all again, and given back to the collector afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def command() -> None:
    """``python -m training`` and ``logreg-fit``: ``main``, and the process ends as soon as it returns
    (``exit_now``); tests call ``main`` in their own process."""
    # pyarrow's default allocator (mimalloc) gives each parsed run's pages back and faults in fresh
    # ones for the next; the C library's keeps them: 0.2 s less on a 500 MB CSV (docs/benchmarks.md).
    # Set for this process only (never for a caller of ``training.fit``); a user's own choice stands.
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        pa.set_memory_pool(pa.system_memory_pool())
    exit_now(main())


if __name__ == "__main__":
    command()
