"""Score a file with an exported model:
``python -m export.score --model artifacts/M.onnx --data NEW.csv|NEW.parquet [--out SCORED.csv]``.

The served path (onnx, onnxruntime and numpy: no torch), with the page's column checks, messages
and formula escaping (``export.scoring``). A Parquet file is read a batch at a time, so memory does
not grow with its rows; a CSV is read whole. The scored file is written atomically.
"""

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq  # a dependency of Streamlit's, so the serving install has it

from export.artifact import Artifact, load_artifact
from export.cli import OneLineParser, run_cli
from export.errors import DataError, first_line, shorten
from export.files import atomic_file, check_writable, is_parquet
from export.intervals import NO_INTERVAL
from export.scoring import (
    NO_EXTRAS,
    Extras,
    extra_note,
    other_columns,
    score_names,
    score_table,
    scored,
    scored_csv,
    spreadsheet_safe,
    unscored_note,
)

BATCH_ROWS = 65_536


def score_file(model: Path, data: Path, out: Path, complete_rows: bool = False, extras: Extras = NO_EXTRAS) -> None:
    check_writable(out, "--out", inputs=[data, model])
    artifact = load_artifact(model)
    if extras.interval and not artifact.intervals:
        raise DataError(f"--interval: {model.name} serves no interval. {NO_INTERVAL}; drop --interval")
    if not data.is_file():
        raise DataError(f"data file {data} does not exist; check the path given to --data")
    try:
        rows, notes = _score(artifact, data, out, complete_rows, extras)
    except OSError as e:
        raise DataError(f"cannot read {data.name} or write {out} ({e.strerror or e}); check the paths") from None
    for note in notes:
        print(f"note: {note}")
    print(f"scored {rows:,} rows of {data.name} with {model.name}: wrote {out}")


def _score(artifact: Artifact, data: Path, out: Path, complete_rows: bool, extras: Extras) -> tuple[int, list[str]]:
    if is_parquet(data):
        return _score_parquet(artifact, data, out, complete_rows, extras)
    table, notes = score_table(data.read_bytes(), artifact, data.name, complete_rows=complete_rows, extras=extras)
    with atomic_file(out) as f:
        f.write(scored_csv(table))
    return len(table), notes


def _score_parquet(
    artifact: Artifact, data: Path, out: Path, complete_rows: bool, extras: Extras
) -> tuple[int, list[str]]:
    try:
        file = pq.ParquetFile(data)
    except Exception as e:  # pyarrow raises its own types for a file that is not Parquet
        raise DataError(f"{data.name} is not a readable Parquet file ({first_line(e, 120)})") from None
    columns = [str(c) for c in file.schema_arrow.names]
    extra = other_columns(columns, artifact.card.feature_names, data.name)
    names, renamed = score_names(artifact.card, columns, extras)
    rows = skipped = 0
    with atomic_file(out) as f:
        for batch in file.iter_batches(batch_size=BATCH_ROWS):
            frame = batch.to_pandas()
            frame.columns = [str(c) for c in frame.columns]
            where = _row_namer(frame, rows)
            scores = scored(frame, artifact, data.name, where, names, complete_rows=complete_rows, extras=extras)
            spreadsheet_safe(scores).to_csv(f, index=False, header=rows == 0)
            rows += len(frame)
            skipped += int(scores[names[artifact.card.n_classes]].isna().sum())
    return rows, extra_note(extra) + renamed + unscored_note(skipped, data.name)


def _row_namer(frame: pd.DataFrame, first: int) -> Callable[[int, str], str]:
    def where(row: int, feature: str) -> str:
        cell = frame[feature].iloc[row]
        shown = "a missing value" if pd.isna(cell) else repr(shorten(str(cell)))
        return f"on row {first + row + 1} has {shown}"

    return where


def main(argv: list[str] | None = None) -> int:
    p = OneLineParser(
        prog="python -m export.score",
        description="Score a CSV or Parquet file with an exported model (no torch): one probability column "
        "per class and the label, appended to the file's own columns.",
    )
    p.add_argument("--model", type=Path, required=True, help="the exported model (.onnx)")
    p.add_argument("--data", type=Path, required=True, help="a CSV or Parquet (.parquet) file with the feature columns")
    p.add_argument(
        "--out", type=Path, help="the scored CSV to write (default: DATA's name with .scored.csv, beside it)"
    )
    p.add_argument(
        "--complete-rows",
        action="store_true",
        help="score only the rows with every feature cell filled; the others are left unscored (default: a row "
        "with a missing cell stops the run)",
    )
    p.add_argument(
        "--interval",
        action="store_true",
        help="also write each probability's 95%% interval (two columns per class; a model whose card holds the "
        "coefficients' covariance)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="also write the explanation of each row's logit: its base (the logit at the training means) and one "
        "contribution column per feature (per feature and class, multinomial), which add up to the logit",
    )
    args = p.parse_args(argv)
    out = args.out or args.data.with_name(f"{args.data.stem}.scored.csv")
    extras = Extras(interval=args.interval, explain=args.explain)
    return run_cli(lambda: score_file(args.model, args.data, out, args.complete_rows, extras))


if __name__ == "__main__":
    sys.exit(main())
