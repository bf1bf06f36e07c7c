"""One artifact reader shared by many threads gives every thread the single-threaded answers."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from export.artifact import Artifact

THREADS = 16
CALLS = 10_000


def test_sixteen_threads_ten_thousand_predictions_each(tutorial_built):
    artifact = Artifact.from_bytes(tutorial_built.data)
    inputs = np.linspace(-10, 15, 257)[:, None]
    expected = [artifact.predict(row) for row in inputs]

    def worker(offset: int) -> int:
        mismatches = 0
        for call in range(CALLS):
            i = (offset + call * 7) % len(inputs)
            got = artifact.predict(inputs[i])
            want = expected[i]
            mismatches += not (
                np.array_equal(got.logit, want.logit)
                and np.array_equal(got.probabilities, want.probabilities)
                and np.array_equal(got.label, want.label)
            )
        return mismatches

    with ThreadPoolExecutor(THREADS) as pool:
        mismatches = list(pool.map(worker, range(THREADS)))
    assert mismatches == [0] * THREADS
