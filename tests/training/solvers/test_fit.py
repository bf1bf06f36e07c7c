import numpy as np
import pytest
import torch
import torch.nn.functional as F

from export.errors import ConfigError
from training.config import TrainConfig
from training.data.dataset import Dataset, tutorial_dataset
from training.solvers.fit import fit
from training.solvers.history import recorded_steps


def tutorial_program(seed: int) -> tuple[float, float, float]:
    """The tutorial's complete program, as written there (sigmoid + BCELoss, SGD lr 0.01, 1000
    epochs), seeded; returns w, b and P(y = 1 | x = 5)."""
    torch.manual_seed(seed)
    x_data = torch.Tensor([[1.0], [2.0], [3.0], [4.0]])
    y_data = torch.Tensor([[0.0], [1.0], [1.0], [0.0]])
    linear = torch.nn.Linear(1, 1)
    loss = torch.nn.BCELoss(size_average=None)
    opt = torch.optim.SGD(linear.parameters(), lr=0.01)
    for _ in range(1000):
        loss1 = loss(F.sigmoid(linear(x_data)), y_data)
        opt.zero_grad()
        loss1.backward()
        opt.step()
    return linear.weight.item(), linear.bias.item(), F.sigmoid(linear(torch.Tensor([[5.0]]))).item()


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_no_argument_run_reproduces_the_tutorial_program(seed):
    w, b, p5 = tutorial_program(seed)
    model = fit(TrainConfig(seed=seed), tutorial_dataset()).model
    assert model.linear.weight.item() == pytest.approx(w, abs=1e-6)
    assert model.linear.bias.item() == pytest.approx(b, abs=1e-6)
    assert torch.sigmoid(model(torch.tensor([[5.0]], dtype=torch.float64))).item() == pytest.approx(p5, abs=1e-6)


def test_history_starts_before_the_first_step_and_records_every_epoch(tutorial_fit):
    history = tutorial_fit.history
    torch.manual_seed(0)
    initial = torch.nn.Linear(1, 1)
    assert history.epoch == list(range(1001))
    assert history.weights[0] == [[pytest.approx(initial.weight.item())]]
    assert history.intercept[0] == [pytest.approx(initial.bias.item())]
    assert history.weights[-1] == [[pytest.approx(tutorial_fit.model.linear.weight.item())]]
    assert history.loss[-1] < history.loss[0]


def test_long_runs_record_a_bounded_evenly_spaced_history():
    epochs = recorded_steps(100_000)
    assert len(epochs) == 1001
    assert {0, 100, 100_000} <= epochs
    assert recorded_steps(10) == set(range(11))


def test_same_seed_same_weights_other_seed_other_weights():
    data = tutorial_dataset()
    first, again, other = (fit(TrainConfig(seed=s, epochs=50), data).model for s in (3, 3, 4))
    assert torch.equal(first.linear.weight, again.linear.weight)
    assert not torch.equal(first.linear.weight, other.linear.weight)


def separable_data(n: int = 200) -> Dataset:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    y = (x @ np.array([2.0, -1.0]) + 0.3 + rng.logistic(size=n) > 0).astype(np.int64)
    return Dataset(x, y, ("a", "b"), "y", (0, 1), "synthetic")


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_minibatches_shuffle_and_learn_the_sign_of_the_weights(optimizer):
    config = TrainConfig(optimizer=optimizer, batch_size=16, epochs=60, lr=0.1, seed=1)
    result = fit(config, separable_data())
    w = result.model.linear.weight.detach().numpy()[0]
    assert w[0] > 0.5 and w[1] < -0.2
    assert result.history.loss[-1] < 0.8 * result.history.loss[0]


def test_progress_callback_sees_every_epoch():
    seen = []
    fit(TrainConfig(epochs=5), tutorial_dataset(), lambda epoch, loss: seen.append(epoch))
    assert seen == [1, 2, 3, 4, 5]


def test_divergence_is_reported_with_the_fix():
    with pytest.raises(ConfigError, match=r"training diverged: the loss became (nan|inf) in epoch \d+; lower --lr"):
        data = separable_data()  # features of 1e20: the largest --lr (1e10) overflows the first steps
        fit(
            TrainConfig(lr=1e10, epochs=20),
            Dataset(data.x * 1e20, data.y, data.feature_names, "y", (0, 1), "synthetic"),
        )
