"""Imports run one way: training -> export <- page. The export package imports nothing of training
or page, and the reader with everything it imports loads without torch."""

import ast
import subprocess
import sys

import pytest
from paths import PROJECT


def imported_packages(folder: str) -> set[str]:
    found = set()
    for path in (PROJECT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


@pytest.mark.parametrize(("folder", "forbidden"), [("export", {"training", "page"}), ("page", {"training"})])
def test_no_package_imports_against_the_arrows(folder, forbidden):
    assert not imported_packages(folder) & forbidden


def test_the_reader_loads_without_torch_or_training():
    code = "import sys, export.artifact; print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'training'}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
