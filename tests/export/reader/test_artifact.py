"""The artifact reader: what it exposes, and one clear error for each way a file can be wrong."""

import json
import os
import subprocess
import sys

import hostile_models as hostile
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from hostile_models import EXTERNAL, HOSTILE, edited_card, with_card
from paths import PROJECT

from export.artifact import Artifact, load_artifact
from export.card.model_card import FORMAT_VERSION, NUMERIC_FORMAT, REQUIRED_KEYS
from export.errors import ArtifactError, InputError


def test_card_exposes_the_public_contract(tutorial_built, tutorial_fit):
    card = Artifact.from_bytes(tutorial_built.data).card
    assert set(REQUIRED_KEYS) <= set(card.to_json())
    assert card.to_json()["format_version"] == NUMERIC_FORMAT and card.to_json()["task"] == "binary"
    assert card.feature_names == ("x",) and card.target_name == "y" and card.class_labels == (0, 1)
    assert card.weights[0, 0] == pytest.approx(tutorial_fit.model.linear.weight.item())
    expected = {"optimizer": "sgd", "lr": 0.01, "epochs": 1000, "batch_size": None, "seed": 0}
    assert card.to_json()["training"].items() >= expected.items()
    history, data = card.history.to_json(), card.data.to_json()
    assert set(history) == {"epoch", "loss", "weights", "intercept"} and history["epoch"][0] == 0
    assert data["n_rows"] == 4 and data["features"]["x"] == {"min": 1.0, "max": 4.0, "mean": 2.5}
    assert data["rows"] == {"x": [[1.0], [2.0], [3.0], [4.0]], "y": [0, 1, 1, 0]}
    assert {"torch", "onnxruntime", "onnx", "numpy", "python"} <= set(card.to_json()["versions"])
    assert card.example == {"x": 5.0}


def test_predict_matches_the_card_coefficients(tutorial_built):
    artifact = Artifact.from_bytes(tutorial_built.data)
    x = np.array([[5.0], [-2.0]])
    expected = 1 / (1 + np.exp(-(x @ artifact.card.weights.T + artifact.card.intercept)))[:, 0]
    assert artifact.predict(x).probabilities[:, 1] == pytest.approx(expected, rel=1e-6)
    with pytest.raises(InputError, match=r"expected rows of 1 feature\(s\) \(x\), got shape \(2, 3\)"):
        artifact.predict(np.zeros((2, 3)))


def test_missing_file_says_how_to_rebuild(tmp_path):
    with pytest.raises(ArtifactError, match=r"no model at .*model.onnx; rebuild it with `python -m training`"):
        load_artifact(tmp_path / "model.onnx")


def other_graph() -> bytes:
    node = onnx.helper.make_node("Identity", ["z"], ["out"])
    graph = onnx.helper.make_graph(
        [node],
        "g",
        [onnx.helper.make_tensor_value_info("z", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, [1])],
    )
    return onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 20)]).SerializeToString()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda good: b"just some text", r"is not a loadable ONNX model \(.*\); rebuild it with `python -m training`"),
        (lambda good: good[: len(good) // 2], r"is not a loadable ONNX model"),
        (
            lambda good: other_graph(),
            r"is an ONNX model but not one of ours \(expected input x: float32 \[batch, "
            r"n_features\] .*found inputs z: tensor\(float\)",
        ),
        (lambda good: with_card(good, None), r"has no model card in its metadata, so it was not exported by this kit"),
        (lambda good: with_card(good, "{not json"), r"its model card is not valid JSON"),
        (lambda good: with_card(good, "[1, 2]"), r"its model card is not a JSON object"),
        (lambda good: with_card(good, json.dumps({"format_version": 1})), r"its model card lacks producer, task"),
        (lambda good: edited_card(good, producer="someone"), r"was made by 'someone', not by this kit"),
        (
            lambda good: edited_card(good, format_version=99),
            r"uses card format 99, newer than this kit reads "
            rf"\({FORMAT_VERSION}\); upgrade the kit",
        ),
        (
            lambda good: edited_card(good, feature_names=["a", "b"]),
            r"its model card is inconsistent \(card.coefficients.weights\[0\] has 1 entries, not 2\)",
        ),
        (lambda good: edited_card(good, threshold=2), r"threshold 2 outside \(0, 1\)"),
    ],
)
def test_each_defect_gets_one_clear_line(tutorial_built, make, message):
    with pytest.raises(ArtifactError, match=message) as info:
        Artifact.from_bytes(make(tutorial_built.data), source="upload.onnx")
    assert str(info.value).startswith("upload.onnx") and "\n" not in str(info.value)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_files_are_refused_with_one_line(tutorial_built, case):
    make, message = HOSTILE[case]
    with pytest.raises(ArtifactError, match=message) as info:
        Artifact.from_bytes(make(tutorial_built.data), source="upload.onnx")
    assert "\n" not in str(info.value)


def test_the_file_disclosure_is_real_without_the_checks(tutorial_built, tmp_path, monkeypatch):
    """What the reader prevents: onnxruntime alone reads a relative external file and the graph returns it."""
    secret = b"token = 'hunter2'"
    (tmp_path / "secrets.toml").write_bytes(secret)
    monkeypatch.chdir(tmp_path)
    data = hostile.disclosing_graph(tutorial_built.data, "secrets.toml", len(secret))
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    leaked = session.run(["probabilities"], {"x": np.arange(len(secret), dtype=np.float32)[:, None]})[0][:, 1]
    assert bytes(leaked.astype(np.uint8)) == secret
    with pytest.raises(ArtifactError, match=EXTERNAL):
        Artifact.from_bytes(data, source="upload.onnx")


def test_a_card_without_optional_sections_loads(tutorial_built):
    data = hostile.without_section(tutorial_built.data, "statistics", "metrics", "summary", "warnings", "example")
    card = Artifact.from_bytes(data).card
    assert card.statistics is None and card.metrics is None and card.summary is None and card.warnings == []
    assert card.example == {"x": 2.5}  # the training mean stands in


PEAK_SCRIPT = """
import json, sys
from pathlib import Path
from export.artifact import Artifact
from export.errors import ArtifactError

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024

Artifact.from_bytes(Path(sys.argv[1]).read_bytes())  # libraries warm: their one-off costs are not the refusal's
for path in sys.argv[2:]:
    data = Path(path).read_bytes()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak (VmHWM) starts again from the current size
    before = status("VmRSS:")
    try:
        Artifact.from_bytes(data, source="upload.onnx")
        outcome = "loaded"
    except ArtifactError as e:
        outcome = str(e)
    print(json.dumps({"size": len(data), "growth": status("VmHWM:") - before, "outcome": outcome}))
"""


def test_refusals_take_no_more_memory_than_the_file(tutorial_built, tmp_path):
    """Peak resident memory of each refusal, measured in a fresh process (Linux's VmHWM, reset before
    each file): at most the file's own size plus 4 MiB, where the huge graph alone would take 3.6 GB."""
    paths = []
    for i, (make, _) in enumerate(HOSTILE.values()):
        paths.append(tmp_path / f"{i}.onnx")
        paths[-1].write_bytes(make(tutorial_built.data))
    paths.append(tmp_path / "large.onnx")  # 16 MB: shows the cost grows with the file, not beyond it
    paths[-1].write_bytes(hostile.oversized_initializer(tutorial_built.data, 4_000_000))
    good = tmp_path / "good.onnx"
    good.write_bytes(tutorial_built.data)
    run = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(good), *map(str, paths)], capture_output=True, text=True, check=True
    )
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(results) == len(paths)
    for path, result in zip(paths, results):
        assert result["outcome"] != "loaded", path
        assert result["growth"] <= result["size"] + 4 * 2**20, (path, result)


def test_a_model_from_the_earlier_torch_exporter_still_loads_and_agrees():
    """Artifacts written by torch.onnx.export (the kit before it built graphs itself) stay servable."""
    old = load_artifact(PROJECT / "tests" / "fixtures" / "torch_exported_tutorial.onnx")
    new = load_artifact(PROJECT / "artifacts" / "model.onnx")
    x = np.linspace(-50, 50, 1001, dtype=np.float32)[:, None]
    np.testing.assert_array_equal(old.predict(x).probabilities, new.predict(x).probabilities)
    assert old.card.feature_names == new.card.feature_names


def test_a_graph_that_crashes_onnx_is_refused_and_the_process_lives_on():
    """A Gather axis out of range made onnx's shape inference segfault in the reader's own process
    (issue 18); the checks run in a child process now, which alone dies."""
    data = hostile.with_attribute((PROJECT / "artifacts" / "penguins.onnx").read_bytes(), "Gather", "axis", 5)
    for _ in range(2):  # and the checking process is there again for the next upload
        with pytest.raises(
            ArtifactError,
            match=r"^upload.onnx is not a model this kit exported: onnx's checks (crashed on|reject) its graph",
        ) as info:
            Artifact.from_bytes(data, source="upload.onnx")
        assert "\n" not in str(info.value)
    assert load_artifact(PROJECT / "artifacts" / "penguins.onnx").card.n_classes == 2


def test_a_forked_process_checks_models_with_its_own_helper():
    """The checking helper's pipes belong to the process that started it; a fork starts its own."""
    load_artifact(PROJECT / "artifacts" / "model.onnx")
    pid = os.fork()
    if pid == 0:  # the child: load, and say how it went through the exit status only
        try:
            load_artifact(PROJECT / "artifacts" / "iris.onnx")
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert load_artifact(PROJECT / "artifacts" / "iris.onnx").card.n_classes == 3
