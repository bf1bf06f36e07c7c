"""Export a checkpoint to ONNX: ``python -m export [--checkpoint artifacts/model.pt] [--out FILE.onnx]``.

Checks parity with torch and tail accuracy before writing; a failure writes nothing.
"""

from pathlib import Path

from export.cli import OneLineParser, exit_now, run_cli
from export.files import card_path, check_model_path, check_writable, write_together
from export.writer.build import artifact_files, build_artifact
from export.writer.checkpoint import load_checkpoint

DEFAULT_CHECKPOINT = Path("artifacts/model.pt")


def export(checkpoint: Path, out: Path) -> None:
    check_model_path(out, "--out")
    for path in (out, card_path(out)):
        check_writable(path, "--out", inputs=[checkpoint])
    layer, fields = load_checkpoint(checkpoint)
    built = build_artifact(layer, fields)
    write_together(artifact_files(built, out))
    print(
        f"saved {out} (parity with torch on {built.parity.rows:,} inputs: max |p difference| "
        f"{built.parity.max_probability_abs:.1e}; tail relative error {built.tail_rel_error:.1e})"
    )


def main(argv: list[str] | None = None) -> int:
    p = OneLineParser(
        prog="python -m export",
        description="Export a checkpoint to a self-describing ONNX file, after checking parity with torch.",
    )
    p.add_argument(
        "--checkpoint",
        type=Path,
        default=DEFAULT_CHECKPOINT,
        help=f"checkpoint written by `python -m training` (default: {DEFAULT_CHECKPOINT})",
    )
    p.add_argument(
        "--out", type=Path, default=None, help="ONNX file to write (default: the checkpoint's path with .onnx)"
    )
    args = p.parse_args(argv)
    return run_cli(lambda: export(args.checkpoint, args.out or args.checkpoint.with_suffix(".onnx")))


def command() -> None:
    """``python -m export`` and ``logreg-export``: ``main``, then the process ends at once (``exit_now``:
    torch is loaded, and its teardown took longer than the export)."""
    exit_now(main())


if __name__ == "__main__":
    command()
