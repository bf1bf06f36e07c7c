"""Two-process torchrun jobs of ``python -m training`` on this machine, for the tests that compare
them with one process."""

import subprocess
import sys
from pathlib import Path


def torchrun(args: list[str], cwd: Path, **popen) -> subprocess.Popen:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    return subprocess.Popen(
        [*command, "-m", "training", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def finished(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err
