"""The penalty object (``training.penalty``): what each command line asks for, and what follows."""

import pytest
import torch

from training.config import TrainConfig
from training.penalty import Penalty


@pytest.mark.parametrize(
    ("config", "kind", "coding", "ml", "every_term"),
    [
        (TrainConfig(), "none", "treatment", True, False),
        (TrainConfig(l2=0.5), "l2", "one-hot", False, True),
        (TrainConfig(penalty="firth"), "firth", "treatment", False, False),
    ],
)
def test_each_penalty_says_its_coding_and_whether_the_fit_is_maximum_likelihood(config, kind, coding, ml, every_term):
    penalty = config.penalization
    assert (penalty.kind, penalty.coding, penalty.maximum_likelihood) == (kind, coding, ml)
    assert penalty.determines_every_term is every_term
    assert penalty.l2 == (0.5 if kind == "l2" else 0.0)


def test_the_terms_are_ridges_and_firths():
    weight = torch.tensor([[1.0, -2.0]])
    assert Penalty.of(0.5, "none").term(weight, lambda: 7.0).item() == pytest.approx(0.25 * 5)
    assert Penalty.of(0.0, "firth").term(weight, lambda: 7.0) == 7.0
    assert Penalty.of(0.0, "none").term(weight, lambda: 7.0) == 0.0
