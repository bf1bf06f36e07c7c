"""How the data file is read, decided before torch loads: whole (with a progress bar for a large
file) or streamed a row group at a time.

``python -m training`` reads a table whole while another thread imports torch and the exporter
(``training.__main__``): pyarrow reads without holding the GIL, so on two cores the read and the
imports overlap. Nothing here imports torch.
"""

import os
import sys

from tqdm import tqdm

from export.errors import ConfigError
from training.data.dataset import Dataset
from training.data.tables import load_table
from training.options import Request
from training.streaming.sizes import default_budget, human, in_memory_size

BAR_DELAY_SECONDS = 1.0  # a file read faster than this gets no bar


def launched_by_torchrun() -> bool:
    """torchrun (or any launcher of torch.distributed) describes the job in these variables."""
    return all(name in os.environ for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"))


def streams(request: Request, distributed: bool) -> bool:
    """Stream when asked, under torchrun, or when the file would not fit the memory budget."""
    if request.data is None:
        if distributed:
            raise ConfigError("under torchrun, give --data FILE (CSV or Parquet): the processes share its parts")
        return False
    if request.stream or distributed:
        return True
    budget = default_budget() if request.memory_budget is None else request.memory_budget
    needed = in_memory_size(request.data)
    if needed > budget:
        print(
            f"{request.data.name} would take about {human(needed)} in memory, more than the budget of "
            f"{human(budget)} (--memory-budget): streaming it",
            file=sys.stderr,
        )
        return True
    return False


class ReadingBar:
    """The bar while a file is read whole: rows read and rows per second (shown on a terminal, and
    only once the read has taken a second)."""

    def __init__(self, name: str):
        self.bar = tqdm(
            desc=f"reading {name}", unit="row", unit_scale=True, delay=BAR_DELAY_SECONDS, disable=None, leave=False
        )

    def start(self, rows: float) -> None:
        self.bar.total = rows

    def advance(self, rows: float) -> None:
        self.bar.update(rows)


def read_whole(request: Request) -> Dataset:
    """The table ``request.data`` in memory, checked; categorical features as their level codes
    (the fit makes them terms: ``training.data.dataset.coded``)."""
    bar = ReadingBar(request.data.name)
    with bar.bar:
        return load_table(request.data, request.columns, bar)
