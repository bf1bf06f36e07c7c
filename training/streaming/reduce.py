"""Adding up what several processes computed on their shares of the rows.

A fit and its description are built from sums over rows (losses, gradients, moments, counts), so a
job split across processes needs only two operations: an all-reduce of a float64 vector on the hot
path (one per gradient evaluation, d + 2 numbers per logit) and, for the few bounded summaries
(metric histograms, the plotted sample), a gather that every process merges the same way.
``LOCAL`` is the single-process case; ``DistributedReducer`` uses ``torch.distributed``.
"""

import datetime
import os
import signal
from collections.abc import Callable
from functools import reduce
from typing import Protocol, TypeVar

import numpy as np
import torch
import torch.distributed as dist

from export.errors import WorkerLost

T = TypeVar("T")


class Reducer(Protocol):
    rank: int
    world_size: int

    def sum(self, values: np.ndarray) -> np.ndarray: ...

    def combine(self, part: T, merge: Callable[[T, T], T]) -> T: ...


class LocalReducer:
    """One process: its sums are the totals."""

    rank = 0
    world_size = 1

    def sum(self, values: np.ndarray) -> np.ndarray:
        return values

    def combine(self, part: T, merge: Callable[[T, T], T]) -> T:
        return part


LOCAL = LocalReducer()


class DistributedReducer:
    """``torch.distributed`` over the process group torchrun set up: gloo on CPU, nccl with CUDA."""

    def __init__(self) -> None:
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()
        self._device = "cuda" if dist.get_backend() == "nccl" else "cpu"  # nccl reduces GPU tensors only

    def sum(self, values: np.ndarray) -> np.ndarray:
        tensor = torch.tensor(np.asarray(values, dtype=np.float64), device=self._device)
        self._guard(lambda: dist.all_reduce(tensor))
        return tensor.cpu().numpy()

    def combine(self, part: T, merge: Callable[[T, T], T]) -> T:
        parts: list = [None] * self.world_size
        self._guard(lambda: dist.all_gather_object(parts, part))
        return reduce(merge, parts)  # rank order: every process merges the same way

    def _guard(self, operation: Callable[[], object]) -> None:
        try:
            operation()
        except RuntimeError as e:
            text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            reason = text.split("] ", 1)[-1].split(". ", 1)[0][:160]  # gloo prefixes its source location
            raise WorkerLost(
                f"rank {self.rank} of {self.world_size} lost contact with the other workers ({reason}); "
                "a worker died or was stopped, so the job stops and the previous artifact is kept"
            ) from None


def start_distributed(timeout_seconds: float = 600.0) -> DistributedReducer:
    """Join the process group torchrun describes in the environment (gloo on CPU, nccl on CUDA).
    torchrun stops the other workers with SIGTERM when one fails: they then say so in one line."""
    signal.signal(signal.SIGTERM, _stopped_by_torchrun)
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_seconds))
    return DistributedReducer()


def _stopped_by_torchrun(signum: int, frame: object) -> None:
    rank, world = os.environ.get("RANK", "?"), os.environ.get("WORLD_SIZE", "?")
    raise WorkerLost(
        f"rank {rank} of {world} was stopped by torchrun because another worker failed (its error is above "
        "or in torchrun's report below); nothing was written, the previous artifact is kept"
    )


def stop_distributed() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
