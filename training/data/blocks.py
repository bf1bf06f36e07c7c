"""Work over the rows of a table a cache-sized block at a time, shared among threads.

A pass over a large table is bound by memory bandwidth: each block of rows is read from memory
once and used while it is in cache. numpy's matrix products and ufuncs release the GIL, so a few
threads work on blocks at once; BLAS is held to one thread meanwhile, so that its own threads do
not fight the workers for the cores. The workers are as many as torch's intra-op threads (the
number of cores, or ``OMP_NUM_THREADS``; one per process under torchrun). Results come back in
block order, so sums added in that order do not depend on the number of threads.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

import numpy as np
import torch
from threadpoolctl import ThreadpoolController

BLOCK_BYTES = 1 << 21  # 2 MB of rows: one block stays in cache between the products that use it

T = TypeVar("T")


def block_starts(x: np.ndarray) -> range:
    """The first row of each block of ``x`` (n, d): blocks of ``step`` rows (the last one may be shorter)."""
    step = max(64, BLOCK_BYTES // max(1, x.shape[1] * x.itemsize))
    return range(0, len(x), step)


def in_order(work: Callable[[slice], T], starts: range) -> list[T]:
    """``work(rows)`` for the rows of every block, in block order. Each thread takes a contiguous
    run of blocks (its reads stay sequential)."""
    blocks = [slice(start, start + starts.step) for start in starts]
    workers = min(torch.get_num_threads(), len(blocks))
    with blas_controller().limit(limits=1, user_api="blas"):
        if workers <= 1:
            return [work(rows) for rows in blocks]
        runs = [blocks[len(blocks) * i // workers : len(blocks) * (i + 1) // workers] for i in range(workers)]
        done = worker_pool(workers).map(lambda run: [work(rows) for rows in run], runs)
        return [result for run in done for result in run]


@cache
def worker_pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="blocks")


@cache
def blas_controller() -> ThreadpoolController:
    return ThreadpoolController()
