"""The page: ``streamlit run streamlit_app.py``.

Serves an exported model with onnxruntime and numpy (no torch): enter x, read P(y = 1), and see
what the model learned and how it learned it. Everything shown comes from the one ONNX file.
"""

from pathlib import Path

import numpy as np
import streamlit as st

from export.artifact import Artifact, load_artifact
from export.errors import ArtifactError
from page.charts import loss_chart, probability_chart
from page.inputs import InputError, format_number, parse_feature_value
from page.models import artifacts_dir, file_version, model_files
from page.tables import coefficient_table, feature_table, loss_table

REBUILD = "python -m training"


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_model_file(path: str, version: tuple[int, int, int]) -> Artifact:
    """One validated model per file version, shared by every session (``run`` is thread-safe).
    ``version`` is only the cache key: a re-export changes it and the next run loads the new file."""
    return load_artifact(Path(path))


@st.cache_resource(max_entries=4, show_spinner=False)
def cached_upload(data: bytes) -> Artifact:
    return Artifact.from_bytes(data, source="the uploaded file")


def choose_model() -> Artifact:
    folder = artifacts_dir(__file__)
    names = model_files(folder)
    st.sidebar.header("Model")
    upload = st.sidebar.file_uploader("Or upload an exported model", type=["onnx"], key="upload")
    if upload is not None:
        try:
            return cached_upload(upload.getvalue())
        except ArtifactError as e:
            st.sidebar.error(f"{e}")
    if not names:
        st.error(f"No model in {folder}. Build the default one with `{REBUILD}`, then reload this page.")
        st.stop()
    name = st.sidebar.selectbox("Model in artifacts/", names, key="model")
    path = folder / name
    try:
        return cached_model_file(str(path), file_version(path))
    except FileNotFoundError:
        st.error(f"{path} disappeared while loading. Rebuild it with `{REBUILD}`, then reload this page.")
    except ArtifactError as e:
        st.error(f"{e}")
    st.stop()


def read_inputs(artifact: Artifact) -> tuple[np.ndarray, bool]:
    """The entered feature values (the card's example where an entry is unusable), and whether
    every entry was usable."""
    card = artifact.card
    values, valid = [], True
    columns = st.columns(min(card.n_features, 4))
    for i, name in enumerate(card.feature_names):
        default = card.example[name]
        text = columns[i % len(columns)].text_input(name, value=format_number(default), key=f"x:{name}")
        try:
            values.append(parse_feature_value(text, name))
        except InputError as e:
            st.error(str(e))
            values.append(default)
            valid = False
    return np.array(values, dtype=np.float64), valid


def show_prediction(artifact: Artifact, values: np.ndarray) -> None:
    card = artifact.card
    served = artifact.predict(values[None, :])
    p1 = float(served.probabilities[0, 1])
    left, middle, right = st.columns(3)
    left.metric(f"P({card.target_name} = {card.class_labels[1]})", format_number(p1))
    middle.metric(f"class (threshold {format_number(card.threshold)})", str(card.class_labels[int(served.label[0])]))
    right.metric("logit", format_number(float(served.logit[0])))
    for name, value in zip(card.feature_names, values):
        stats = card.data["features"][name]
        if not stats["min"] <= value <= stats["max"]:
            st.info(
                f"{name} = {format_number(value)} lies outside the training range "
                f"[{format_number(stats['min'])}, {format_number(stats['max'])}]: the model is extrapolating."
            )


def show_curve(artifact: Artifact, values: np.ndarray, entered: bool) -> int:
    """The learned curve with an epoch slider; returns the chosen epoch's index in the history."""
    card = artifact.card
    along = 0
    if card.n_features > 1:
        along = card.feature_names.index(st.selectbox("Curve along", card.feature_names, key="along"))
        st.caption("The other features are held at the values entered above.")
    epochs = card.history["epoch"]
    epoch = st.select_slider("Epoch (replay training)", options=epochs, value=epochs[-1], key="epoch")
    index = epochs.index(epoch)
    params = (np.asarray(card.history["weights"][index][0]), float(card.history["intercept"][index][0]))
    st.altair_chart(probability_chart(artifact, values, along, params, entered, epoch))
    st.caption(
        "Solid: the served model (onnxruntime). Dashed: the model after the chosen epoch. "
        "Gray dashes: the decision boundary, where P equals the threshold. Diamond: your input."
    )
    return index


def show_training(artifact: Artifact, index: int) -> None:
    history = artifact.card.history
    st.altair_chart(loss_chart(history, history["epoch"][index]))
    st.caption(f"After epoch {history['epoch'][index]}: mean loss {history['loss'][index]:.6f}.")


def show_cross_entropy(artifact: Artifact) -> None:
    table = loss_table(artifact)
    st.markdown(
        "Each row's loss is $-[y \\log p + (1-y) \\log(1-p)]$: small when the model gives the true class a "
        "high probability. `BCELoss(reduction='mean')`, the default, averages the rows; `reduction='sum'` adds "
        "them; `reduction='none'` keeps the column below; `weight` multiplies each row's loss before that."
    )
    st.dataframe(table, hide_index=True, key="bce_table")
    n_rows = artifact.card.data["n_rows"]
    mean, total = st.columns(2)
    mean.metric("mean (reduction='mean')", f"{table['loss'].mean():.6f}")
    total.metric("sum (reduction='sum')", f"{table['loss'].sum():.6f}")
    if len(table) < n_rows:
        st.caption(f"{len(table)} of {n_rows} training rows are stored in the model for this table.")


def show_facts(artifact: Artifact) -> None:
    card = artifact.card
    left, right = st.columns(2)
    left.subheader("Coefficients (raw feature units)")
    left.dataframe(coefficient_table(artifact), hide_index=True, key="coefficients")
    left.subheader("Training")
    left.json(card.raw["training"], expanded=True)
    right.subheader("Data")
    counts = ", ".join(f"{label}: {n}" for label, n in zip(card.class_labels, card.data["class_counts"]))
    right.write(f"{card.data['n_rows']} rows from {card.data['source']}; rows per class {counts}.")
    right.dataframe(feature_table(artifact), key="features")
    right.subheader("Versions")
    right.json(card.raw["versions"], expanded=True)
    with st.expander("The whole model card (JSON in the ONNX metadata)"):
        st.json(card.raw, expanded=False)


def main() -> None:
    st.set_page_config(page_title="Logistic regression", layout="wide")
    st.title("Logistic regression, served from ONNX")
    artifact = choose_model()
    st.caption(f"Serving {artifact.source} with onnxruntime.")
    st.header("Predict")
    values, entered = read_inputs(artifact)
    if entered:
        show_prediction(artifact, values)
    st.header("What the model learned")
    index = show_curve(artifact, values, entered)
    st.header("How it learned: the loss per epoch")
    show_training(artifact, index)
    st.header("Binary cross-entropy, row by row")
    show_cross_entropy(artifact)
    st.header("Model facts")
    show_facts(artifact)


main()
