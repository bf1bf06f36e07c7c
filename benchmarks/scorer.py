"""One scorer's run, in a process of its own: ``python -m benchmarks.scorer KIND FOLDER MODEL REPEATS``.

Prints one JSON line with the best and median seconds to score every row of the problem.
KIND: served (our artifact reader), onnx-plain (onnxruntime on a plain ``Linear + sigmoid``
export), torch, numpy, sklearn (``predict_proba``), bandwidth (a read of the whole array: the
bound that the others are measured against).
"""

import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.problems import load


def scorer(kind: str, model_path: Path, x: np.ndarray):
    """A function that scores all of ``x`` the way ``kind`` does."""
    if kind == "bandwidth":
        import torch

        xt = torch.from_numpy(x)
        return lambda: xt.sum()
    if kind == "served":
        from export.artifact import load_artifact

        artifact = load_artifact(model_path)
        return lambda: artifact.predict(x)
    card = _card(model_path)
    w = np.asarray(card.weights[0], dtype=np.float32)
    b = float(card.intercept[0])
    if kind == "numpy":
        return lambda: 1 / (1 + np.exp(-(x @ w + b)))
    if kind == "sklearn":
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression()
        model.coef_, model.intercept_, model.classes_ = w[None, :].astype(np.float64), np.array([b]), np.array([0, 1])
        return lambda: model.predict_proba(x)
    import torch

    linear = torch.nn.Linear(x.shape[1], 1)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(w[None, :]))
        linear.bias.fill_(b)
    plain = torch.nn.Sequential(linear, torch.nn.Sigmoid()).eval()
    xt = torch.from_numpy(x)
    if kind == "torch":
        return lambda: plain(xt)
    import onnxruntime as ort

    session = ort.InferenceSession(_plain_onnx(plain, x.shape[1]), providers=["CPUExecutionProvider"])
    return lambda: session.run(None, {"x": x})


def _card(model_path: Path):
    from export.artifact import load_artifact

    return load_artifact(model_path).card


def _plain_onnx(model, features: int) -> bytes:
    """What a user gets from ``torch.onnx.export`` with nothing special: float32 MatMul + Sigmoid."""
    import torch

    buffer = io.BytesIO()
    program = torch.onnx.export(
        model,
        (torch.zeros(2, features),),
        input_names=["x"],
        dynamic_shapes=({0: torch.export.Dim("batch")},),
        external_data=False,
        verbose=False,
    )
    buffer.write(program.model_proto.SerializeToString())
    return buffer.getvalue()


def main(kind: str, folder: Path, model_path: Path, repeats: int) -> dict:
    x, _ = load(folder)
    run = scorer(kind, model_path, x)
    run()  # warm: first-call allocations and thread start-up are not what is measured
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return {"best_s": min(seconds), "median_s": statistics.median(seconds), "bytes": x.nbytes, "rows": len(x)}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))))
