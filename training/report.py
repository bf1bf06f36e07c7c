"""The summary ``python -m training`` prints: what the tutorial printed, in readable form."""

import numpy as np

from export.parity import ParityReport, sigmoid64
from training.config import TrainConfig
from training.data import Dataset
from training.fit import FitResult


def summary_lines(config: TrainConfig, data: Dataset, result: FitResult, example: dict[str, float]) -> list[str]:
    w = result.model.linear.weight.detach().double().numpy()[0]
    b = float(result.model.linear.bias.detach().double().item())
    x = np.array([example[name] for name in data.feature_names])
    p = float(sigmoid64(x @ w + b))
    predicted = data.class_labels[int(p > config.threshold)]
    query = ", ".join(f"{name} = {value:g}" for name, value in example.items())
    target_one = f"{data.target_name} = {data.class_labels[1]}"
    batch = "full batch" if config.batch_size is None else f"batches of {config.batch_size}"
    lines = [
        f"data:     {data.source}, {len(data.y)} rows, features {', '.join(data.feature_names)}, "
        f"target {data.target_name} (classes {', '.join(map(str, data.class_labels))})",
        f"training: {config.optimizer}, lr {config.lr:g}, {config.epochs} epochs, {batch}, seed {config.seed}",
    ]
    if len(w) == 1:
        lines.append(f"w = {w[0]:.6f}")
    else:
        lines += [f"w[{name}] = {value:.6f}" for name, value in zip(data.feature_names, w)]
    lines += [
        f"b = {b:.6f}",
        f"final loss = {result.final_loss:.6f}",
        f"P({target_one} | {query}) = {p:.6f}",
        f"class at threshold {config.threshold:g}: {predicted}",
    ]
    return lines


def saved_lines(onnx_path: str, checkpoint_path: str, parity: ParityReport) -> list[str]:
    return [
        f"saved {onnx_path} (parity with torch on {parity.rows:,} inputs: "
        f"max |p difference| {parity.max_probability_abs:.1e})",
        f"saved {checkpoint_path} (checkpoint; re-export with `python -m export --checkpoint {checkpoint_path}`)",
    ]
