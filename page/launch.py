"""``logreg-page [MODEL.onnx | FOLDER] [streamlit options]``: the page from an installed kit, on a
model file or a folder of models, from any folder (``streamlit_app.py`` is in a clone only).

It runs ``streamlit run`` on the installed ``page/app.py`` with ``LOGREG_ARTIFACTS_DIR`` set to the
model's folder and ``LOGREG_MODEL`` to its name (listed first, so served first).
"""

import os
import subprocess
import sys
from pathlib import Path

from export.cli import OneLineParser
from export.errors import printable

APP = Path(__file__).resolve().parent / "app.py"


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="logreg-page",
        description="Open the page on an exported model (a .onnx file) or a folder of them; other arguments go "
        "to `streamlit run` (e.g. --server.port 8502)",
    )
    parser.add_argument("model", nargs="?", type=Path, default=Path("artifacts"), help="(default: ./artifacts)")
    args, streamlit_args = parser.parse_known_args(argv)
    path: Path = args.model
    if not path.exists():
        parser.error(f"{printable(path, 200)} does not exist; give an exported .onnx file or a folder of them")
    if path.is_file() and path.suffix.lower() != ".onnx":
        parser.error(f"{printable(path, 200)} is not an .onnx file; give an exported model or a folder of them")
    folder = path if path.is_dir() else path.parent
    env = os.environ | {"LOGREG_ARTIFACTS_DIR": str(folder.resolve())}
    if path.is_file():
        env["LOGREG_MODEL"] = path.name
    command = [sys.executable, "-m", "streamlit", "run", str(APP), *streamlit_args]
    try:
        return subprocess.run(command, env=env).returncode
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
