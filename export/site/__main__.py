"""Build a static site from an exported model:
``python -m export.site --model artifacts/M.onnx --out DIR``.

The folder holds the page, its scripts, the onnxruntime-web and vega files it uses, the ONNX file
and its card: put it on any static host (GitHub Pages, S3, ``python -m http.server``). Needs the
JavaScript packages from npm once (``npm ci`` in the project), and no torch.
"""

import sys
from pathlib import Path

from export.cli import OneLineParser, run_cli
from export.site.build import build_site


def main(argv: list[str] | None = None) -> int:
    p = OneLineParser(
        prog="python -m export.site",
        description="Write a static web site that scores an exported model in the visitor's browser.",
    )
    p.add_argument("--model", type=Path, required=True, help="the exported model (.onnx)")
    p.add_argument("--out", type=Path, required=True, help="the folder to write (replaced if it holds a built site)")
    args = p.parse_args(argv)
    return run_cli(lambda: report(build_site(args.model, args.out), args.out))


def report(sizes: dict[str, int], out: Path) -> None:
    total, wasm = sum(sizes.values()), sizes["ort-wasm-simd-threaded.wasm"]
    print(f"wrote {out}: {len(sizes)} files, {total / 1e6:.1f} MB (onnxruntime-web's wasm: {wasm / 1e6:.1f} MB)")
    print(f"try it: python -m http.server --directory {out} 8000, then open http://127.0.0.1:8000/")


if __name__ == "__main__":
    sys.exit(main())
