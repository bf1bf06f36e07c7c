"""The model: one linear layer whose output is the logit; the sigmoid or softmax lives in the loss
and in the exported graph."""

import torch
from torch import nn


class LogisticRegression(nn.Module):
    """Binary: ``logit = x @ w + b``, shape (batch,). Multinomial (K >= 3 classes): one logit per
    class, shape (batch, K). Built as the tutorial builds it (``nn.Linear(n, 1)`` first), so the same
    seed draws the same initial weights as the tutorial's program."""

    def __init__(self, n_features: int, n_classes: int = 2):
        super().__init__()
        self.n_classes = n_classes
        self.linear = nn.Linear(n_features, 1 if n_classes == 2 else n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (batch, n_features) -> logit (batch,) for binary, logits (batch, K) otherwise."""
        logits = self.linear(x)
        return logits.squeeze(-1) if self.n_classes == 2 else logits
