"""Generated model files (our own artifacts with their cards or graphs broken): served as a
validated model, or refused with one line; the process survives whatever onnx does with them."""

from fuzz_inputs import mutated_card_model, mutated_onnx
from hypothesis import event, given

from export.artifact import Artifact
from export.errors import ArtifactError, InputError


def served_or_refused(data: bytes) -> None:
    try:
        artifact = Artifact.from_bytes(data, source="upload.onnx")
    except ArtifactError as e:
        event("refused")
        assert str(e).startswith("upload.onnx") and "\n" not in str(e), str(e)
        return
    event("served")
    try:  # a file that passed every check serves its own example
        served = artifact.predict({n: [v] for n, v in artifact.card.example.items()})
    except InputError as e:
        assert "\n" not in str(e)
    else:
        assert served.probabilities.shape == (1, artifact.card.n_classes)


@given(data=mutated_card_model())
def test_a_model_with_a_broken_card_is_refused_in_one_line(data):
    served_or_refused(data)


@given(data=mutated_onnx())
def test_a_model_with_a_broken_graph_is_refused_in_one_line(data):
    served_or_refused(data)
