"""The closed-form objective and gradient agree with torch autograd; moments survive large means."""

import numpy as np
import pytest
import torch

from training.data.standardize import Standardizer
from training.penalty import Penalty
from training.solvers.model import LogisticRegression
from training.solvers.objective import Problem, objective
from training.solvers.oracle import chunk_sums, objective_from_sums
from training.solvers.sources import as_arrays


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("weighted", [False, True])
def test_closed_form_gradient_matches_autograd(n_classes, weighted):
    rng = np.random.default_rng(n_classes)
    x = rng.normal(size=(300, 4)) * [1, 5, 0.1, 2] + [0, 3, 1, -1]
    y = rng.integers(0, n_classes, 300)
    v = rng.uniform(0.5, 2, 300) if weighted else None
    standardizer = Standardizer.fit(x)
    logits = 1 if n_classes == 2 else n_classes
    w, b = rng.normal(size=(logits, 4)), rng.normal(size=logits)
    value, grad_w, grad_b = objective_from_sums(chunk_sums(*as_arrays(x, y, v, n_classes), w, b, standardizer), w, 0.1)
    model = LogisticRegression(4, n_classes).double()
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor(w))
        model.linear.bias.copy_(torch.tensor(b))
    target = torch.tensor(y, dtype=torch.float64 if n_classes == 2 else torch.int64)
    problem = Problem(
        torch.tensor(standardizer.transform(x)), target, None if v is None else torch.tensor(v), Penalty("l2", 0.1)
    )
    reference = objective(model, problem)
    reference.backward()
    assert value == pytest.approx(reference.item(), rel=1e-12)
    np.testing.assert_allclose(grad_w, model.linear.weight.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(grad_b, model.linear.bias.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_standardization_of_float32_data_with_a_large_mean():
    x = np.random.default_rng(1).normal(1000, 0.01, size=(50_000, 3)).astype(np.float32)
    standardizer = Standardizer.fit(x)
    exact = x.astype(np.float64)
    np.testing.assert_allclose(standardizer.mean, exact.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(standardizer.scale, exact.std(axis=0), rtol=1e-4)


def test_constant_columns_get_scale_one():
    x = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    standardizer = Standardizer.fit(x)
    assert standardizer.scale[1] == 1.0 and standardizer.mean[1] == 3.0
    np.testing.assert_allclose(standardizer.scale[0], np.arange(10.0).std(), rtol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_sums_do_not_depend_on_blocks_or_threads(n_classes, monkeypatch):
    """Many small blocks shared by two threads give the sums of one block (to rounding), and the
    same bits with one thread as with two: blocks are added in order whatever the threads."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(5_000, 3)).astype(np.float32)
    y = rng.integers(0, n_classes, 5_000)
    standardizer = Standardizer.fit(x)
    logits = 1 if n_classes == 2 else n_classes
    w, b = rng.normal(size=(logits, 3)), rng.normal(size=logits)
    arrays = as_arrays(x, y, rng.uniform(0.5, 2, 5_000), n_classes)
    whole = chunk_sums(*arrays, w, b, standardizer)
    monkeypatch.setattr("training.data.blocks.BLOCK_BYTES", 64 * 3 * 4)  # 79 blocks of 64 rows
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        blocked = chunk_sums(*arrays, w, b, standardizer)
        torch.set_num_threads(1)
        single = chunk_sums(*arrays, w, b, standardizer)
    finally:
        torch.set_num_threads(threads)
    assert blocked.loss == single.loss
    np.testing.assert_array_equal(blocked.grad_w, single.grad_w)
    assert blocked.loss == pytest.approx(whole.loss, rel=1e-6)
    np.testing.assert_allclose(blocked.grad_w, whole.grad_w, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(blocked.grad_b, whole.grad_b, rtol=1e-4, atol=1e-3)
