"""The exported graph: its contract, its tails, its determinism, and what a failed check leaves."""

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

import export.writer.build
from export.artifact import Artifact
from export.card.sections import DataSummary, Description
from export.design import Design
from export.errors import ParityError
from export.parity import (
    assert_parity,
    assert_tail_accuracy,
    binary_probabilities64,
    float32_dot_allowance,
    probabilities64,
)
from export.writer.build import build_artifact
from export.writer.graph import serving_graph
from training.solvers.model import LogisticRegression


def session_for(graph: onnx.ModelProto) -> ort.InferenceSession:
    return ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])


def test_graph_contract_names_types_and_a_symbolic_batch(tutorial_built):
    model = onnx.load_from_string(tutorial_built.data)
    (x,) = model.graph.input
    assert x.name == "x" and x.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert x.type.tensor_type.shape.dim[0].dim_param and x.type.tensor_type.shape.dim[1].dim_value == 1
    outputs = {o.name: o.type.tensor_type.elem_type for o in model.graph.output}
    assert outputs == {
        "logit": onnx.TensorProto.FLOAT,
        "probabilities": onnx.TensorProto.FLOAT,
        "label": onnx.TensorProto.INT64,
    }
    assert all(t.data_location == onnx.TensorProto.DEFAULT for t in model.graph.initializer)  # no side file


@pytest.mark.parametrize("batch", [0, 1, 7, 10_000])
def test_any_batch_size_is_served(tutorial_built, batch):
    served = Artifact.from_bytes(tutorial_built.data).predict(np.linspace(-3, 8, batch)[:, None])
    assert served.logit.shape == (batch,) and served.probabilities.shape == (batch, 2)
    assert served.label.shape == (batch,) and served.label.dtype == np.int64


def test_labels_use_the_stored_threshold():
    graph = serving_graph(np.array([[1.0]]), np.array([0.0]), threshold=0.8)
    _, probabilities, label = session_for(graph).run(None, {"x": np.array([[1.0], [1.5], [2.0]], np.float32)})
    assert label.tolist() == (probabilities[:, 1] > 0.8).astype(int).tolist() == [0, 1, 1]


def test_probabilities_are_accurate_in_both_tails_on_250k_inputs():
    logit_grid = np.concatenate([np.linspace(-110, 110, 200_001), np.random.default_rng(0).normal(0, 30, 50_000)])
    graph = serving_graph(np.array([[1.0]]), np.array([0.0]), threshold=0.5)
    logit, probabilities, _ = session_for(graph).run(None, {"x": logit_grid.astype(np.float32)[:, None]})
    worst = assert_tail_accuracy(logit, probabilities)
    assert worst < 1e-6
    far = np.abs(logit - -65).argmin()  # P(class 1) about 6e-29 here: onnxruntime's Sigmoid says 0
    assert probabilities[far, 1] == pytest.approx(binary_probabilities64(logit[far : far + 1])[0, 1], rel=1e-6)


def test_onnxruntime_sigmoid_kernel_would_fail_the_tail_check():
    """Why the graph builds its own sigmoid: the stock kernel flunks the same check."""
    node = onnx.helper.make_node("Sigmoid", ["z"], ["p"])
    z_info = onnx.helper.make_tensor_value_info("z", onnx.TensorProto.FLOAT, [None])
    p_info = onnx.helper.make_tensor_value_info("p", onnx.TensorProto.FLOAT, [None])
    graph = onnx.helper.make_graph([node], "g", [z_info], [p_info])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 20)])
    z = np.linspace(-60, 60, 100_001).astype(np.float32)
    (p,) = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"z": z})
    with pytest.raises(ParityError):
        assert_tail_accuracy(z, np.stack([1 - p, p], axis=1))


def test_overflowing_inputs_give_infinite_logits_never_nan():
    graph = serving_graph(np.array([[10.0, 10.0]]), np.array([0.0]), threshold=0.5)
    x = np.array([[1e38, -1e38], [3e38, 3e38], [-3e38, -3e38], [3e38, -1.0]], np.float32)
    logit, probabilities, label = session_for(graph).run(None, {"x": x})
    assert logit.tolist() == [0.0, np.inf, -np.inf, np.inf]
    assert probabilities.tolist() == [[0.5, 0.5], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
    assert label.tolist() == [0, 1, 0, 1]


def test_same_weights_give_the_same_bytes(tutorial_fit, tutorial_fields, tutorial_built):
    assert build_artifact(tutorial_fit.model.linear, tutorial_fields).data == tutorial_built.data


def test_parity_failure_raises_before_any_bytes_exist(monkeypatch, tutorial_fit, tutorial_fields):
    real = export.writer.build.reference_logit
    monkeypatch.setattr(export.writer.build, "reference_logit", lambda model, x: real(model, x) + 1e-3)
    with pytest.raises(ParityError, match=r"logit differs from torch"):
        build_artifact(tutorial_fit.model.linear, tutorial_fields)


def test_parity_with_torch_on_100k_inputs_near_and_far(tutorial_fit, tutorial_built):
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(0, 5, 50_000), rng.normal(0, 1e4, 50_000), [1e30, -1e30, 3e38, -3e38]])[:, None]
    artifact = Artifact.from_bytes(tutorial_built.data)
    served = artifact.predict(x)
    reference = export.writer.build.reference_logit(tutorial_fit.model.linear, x)
    allowance = float32_dot_allowance(x, artifact.card.weights, artifact.card.intercept)
    report = assert_parity(reference, served.logit, served.probabilities, served.label, 0.5, logit_allowance=allowance)
    assert report.rows == 100_004 and report.max_probability_abs < 1e-6
    with pytest.raises(ParityError, match="logit differs from torch"):  # the allowance is float32's, no more
        assert_parity(
            reference * (1 + 1e-4), served.logit, served.probabilities, served.label, 0.5, logit_allowance=allowance
        )


def test_logit_is_one_float32_einsum_with_a_float64_branch_for_overflow(tutorial_built):
    graph = onnx.load_from_string(tutorial_built.data).graph
    ops = [node.op_type for node in graph.node]
    assert ops.count("If") == 2  # MatMul or Einsum by batch size, then the float64 branch for overflow
    products = [n.op_type for n in graph.node if n.op_type == "If" for a in n.attribute for n in a.g.node]
    assert {"MatMul", "Einsum"} <= set(products)
    assert all(i.data_type == onnx.TensorProto.FLOAT for i in graph.initializer if i.name.endswith("32"))


def test_parity_runs_on_training_rows_and_far_outside(tutorial_built):
    data = {"rows": {"x": [[1.0], [4.0]], "y": [0, 1]}, "features": {"x": {"min": 1.0, "max": 4.0, "mean": 2.5}}}
    ordinary, extreme = export.writer.build.parity_inputs(
        DataSummary.from_json({"source": "t.csv", "n_rows": 2, "class_counts": [1, 1], **data}), Design(("x",)), seed=0
    )
    assert ordinary.min() < -1000 and ordinary.max() > 1000 and {1.0, 4.0} <= set(ordinary[:, 0])
    assert np.abs(extreme).max() == float(np.finfo(np.float32).max)
    assert tutorial_built.parity.rows >= 3000


def test_multi_feature_model_exports_and_matches_torch():
    torch.manual_seed(0)
    model = LogisticRegression(3)
    fields = {
        "task": "binary",
        "feature_names": ["a", "b", "c"],
        "target_name": "y",
        "class_labels": ["n", "y"],
        "threshold": 0.3,
        "training": {"seed": 0},
        "history": {"epoch": [0], "loss": [0.7], "weights": [[[0.0, 0.0, 0.0]]], "intercept": [[0.0]]},
        "data": {
            "source": "t.csv",
            "n_rows": 2,
            "class_counts": [1, 1],
            "rows": {"x": [[0, 1, 2], [3, 4, 5]], "y": [0, 1]},
            "features": {n: {"min": 0.0, "max": 5.0, "mean": 2.5} for n in "abc"},
        },
    }
    built = build_artifact(model.linear, Description.from_json(fields))
    x = torch.tensor([[0.5, -2.0, 9.0]])
    served = Artifact.from_bytes(built.data).predict(x.numpy())
    assert served.probabilities[0, 1] == pytest.approx(torch.sigmoid(model(x)).item(), abs=1e-7)


def test_softmax_probabilities_are_accurate_in_the_tails_on_120k_inputs():
    weights = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    graph = serving_graph(weights, np.zeros(3), threshold=None)
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 30, (100_000, 2)), rng.uniform(-80, 80, (20_000, 2))]).astype(np.float32)
    logit, probabilities, label = session_for(graph).run(None, {"x": x})
    assert logit.shape == (120_000, 3) and probabilities.shape == (120_000, 3)
    # float32 z - max(z) is off by up to 2**-24 |z - max| <= 4e-6 relative where p >= 1e-30: inside the 1e-5 bar
    assert assert_tail_accuracy(logit, probabilities) < 1e-5
    assert (label == probabilities.argmax(axis=1)).all()
    tiny = probabilities64(logit) < 1e-20
    assert tiny.sum() > 1000  # the tails were really visited


def test_softmax_with_overflowing_logits_gives_no_nan():
    graph = serving_graph(np.array([[1.0, 1.0], [1.0, 1.0], [1.0, -1.0]]), np.zeros(3), threshold=None)
    x = np.array([[3e38, 3e38], [3e38, -3e38], [-3e38, -3e38]], np.float32)
    logit, probabilities, _ = session_for(graph).run(None, {"x": x})
    assert np.isinf(logit).sum() == 5 and not np.isnan(probabilities).any()
    # two infinite logits share the probability; one takes it all
    assert probabilities.tolist() == [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]


def test_multinomial_export_matches_torch_and_writes_its_model_card(tmp_path):
    from sklearn.datasets import load_iris

    from export.files import card_path, write_together
    from export.writer.build import artifact_files
    from training.config import TrainConfig
    from training.data.dataset import Dataset
    from training.description.describe import describe
    from training.solvers.fit import fit

    x, y = load_iris(return_X_y=True)
    data = Dataset(x, y.astype(np.int64), ("sl", "sw", "pl", "pw"), "species", ("a", "b", "c"), "iris")
    config = TrainConfig(optimizer="lbfgs", standardize=True, l2=0.01)
    result = fit(config, data)
    built = build_artifact(result.model.linear, describe(data, None, result))
    assert built.card.to_json()["task"] == "multinomial" and built.card.threshold is None
    assert built.parity.rows > 9000
    probe = np.random.default_rng(0).normal(5, 3, (100_000, 4)).astype(np.float32)  # what the graph takes
    served = built.artifact.predict(probe)
    report = assert_parity(
        export.writer.build.reference_logit(result.model.linear, probe),
        served.logit,
        served.probabilities,
        served.label,
        logit_allowance=float32_dot_allowance(probe, built.card.weights, built.card.intercept),
        threshold=None,
    )
    assert report.max_probability_abs < 1e-6
    write_together(artifact_files(built, tmp_path / "iris.onnx"))
    card = card_path(tmp_path / "iris.onnx").read_text()
    assert card.startswith("# Model card: species from sl, sw, pl, pw") and "| class a | class b | class c |" in card


@pytest.mark.parametrize(
    "weights", [np.array([[0.5, -1.5, 2.0]]), np.array([[0.5, -1.5, 2.0], [1.0, 1.0, 1.0], [0.0, 3.0, -1.0]])]
)
def test_small_and_large_batches_give_the_same_answers_within_float32_rounding(weights):
    """Batches of up to SMALL_BATCH rows take MatMul, larger ones Einsum: both are float32 dots."""
    from export.writer.graph import SMALL_BATCH

    session = session_for(
        serving_graph(weights, np.array([0.25] * len(weights)), threshold=0.5 if len(weights) == 1 else None)
    )
    x = np.random.default_rng(6).normal(0, 50, (SMALL_BATCH + 1, 3)).astype(np.float32)
    many = session.run(None, {"x": x})
    few = [session.run(None, {"x": x[i : i + 1]}) for i in range(len(x))]
    logit_few = np.concatenate([f[0] for f in few])
    allowance = float32_dot_allowance(x.astype(np.float64), weights, np.array([0.25] * len(weights)))
    assert np.all(np.abs(logit_few - many[0]) <= 2 * allowance)  # each within the bound of the exact value
    np.testing.assert_allclose(np.concatenate([f[1] for f in few]), many[1], rtol=1e-5, atol=1e-7)
