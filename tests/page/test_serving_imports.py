"""The serving path must run where torch cannot be imported at all."""

import os
import subprocess
import sys

from no_torch import BLOCK_TORCH
from paths import PAGE

# Runs in a fresh interpreter: any attempt to import torch raises, then the page is run.
WITHOUT_TORCH = (
    BLOCK_TORCH
    + f"""
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(PAGE)!r}, default_timeout=60).run()
assert not at.exception, at.exception
assert not at.error, [e.value for e in at.error]
assert "torch" not in sys.modules
print("P =", {{m.label.replace(chr(92), "") : m.value for m in at.metric}}["P(y = 1)"])  # the label unescaped
"""
)


def test_page_serves_with_torch_unimportable(artifact_dir, tutorial_built):
    env = {**os.environ, "LOGREG_ARTIFACTS_DIR": str(artifact_dir)}
    run = subprocess.run([sys.executable, "-c", WITHOUT_TORCH], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("P = 0.")
