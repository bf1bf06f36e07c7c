"""The page: ``streamlit run streamlit_app.py``.

Serves an exported model with onnxruntime and numpy (no torch): enter x, read the probabilities,
and see what the model learned, how it learned it and how good it is. Everything shown comes from
the one ONNX file.
"""

from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from export.artifact import Artifact
from export.card.model_card import ModelCard
from export.errors import MAX_SHOWN, ArtifactError, InputError, listed, printable
from export.extrapolation import extrapolation_warning
from export.scoring import MAX_CSV_MB, MAX_ROWS, score_table, scored_csv
from page.accessible import name_fields
from page.charts import class_bars, decision_map, level_bars, loss_chart, probability_chart
from page.evaluation import show_diagnostics, show_metrics, show_statistics
from page.inputs import format_number, parse_feature_value
from page.models import (
    MAX_MODEL_MB,
    artifacts_dir,
    checked_upload,
    file_version,
    model_files,
    read_model_file,
)
from page.sections import plain, show_section
from page.tables import class_table, feature_table, loss_table

REBUILD = "python -m training"
UPLOAD_SOURCE = "the uploaded file"
FIELDS_PER_ROW = 4
# Uploads up to this many times a limit reach the server, which refuses them with its own message and
# drops the previous file's result; larger ones Streamlit's uploader refuses in the browser, and the
# server never hears of them (the result shown names the file it belongs to).
RECEIVED = 2


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_model_file(path: str, version: tuple[int, int, int]) -> Artifact:
    """One validated model per file version, shared by every session (``run`` is thread-safe).
    ``version`` is only the cache key: a re-export changes it and the next run loads the new file.
    Messages name the file, not the server's folders."""
    return Artifact.from_bytes(read_model_file(Path(path)), source=Path(path).name)


def uploaded_model(upload: UploadedFile) -> Artifact:
    """The visitor's uploaded model, loaded once per upload and kept in their session only (a
    shared cache would keep every visitor's uploads alive); a new upload replaces it."""
    kept = st.session_state.get("uploaded_model")
    if kept is None or kept[0] != upload.file_id:
        st.session_state.pop("uploaded_model", None)  # the old one goes before the new one loads
        artifact = Artifact.from_bytes(checked_upload(upload, MAX_MODEL_MB, UPLOAD_SOURCE), source=UPLOAD_SOURCE)
        st.session_state["uploaded_model"] = kept = (upload.file_id, artifact)
    return kept[1]


def choose_model() -> Artifact:
    """The model picked in artifacts/, or a valid upload; a refused upload is said on the main page
    too, with the model that is served instead."""
    folder = artifacts_dir(__file__)
    names = model_files(folder)
    st.sidebar.header("Model")
    name = st.sidebar.selectbox("Model in artifacts/", names, key="model") if names else None
    upload = st.sidebar.file_uploader(
        f"Or upload an exported model (at most {MAX_MODEL_MB} MB)",
        type=["onnx"],
        key="upload",
        max_upload_size=RECEIVED * MAX_MODEL_MB,
    )
    refused = None
    if upload is None:
        st.session_state.pop("uploaded_model", None)
    else:
        try:
            artifact = uploaded_model(upload)
            if st.sidebar.radio("Serve", ["the uploaded model", "the model picked above"], key="serve") == (
                "the uploaded model"
            ):
                return artifact
        except (ArtifactError, InputError) as e:
            refused = str(e)
            st.sidebar.error(plain(refused))
    if name is None:
        st.error(f"No model in the artifacts folder. Build the default one with `{REBUILD}`, then reload this page.")
        st.stop()
    path = folder / name
    try:
        artifact = cached_model_file(str(path), file_version(path))
    except FileNotFoundError:
        st.error(f"{plain(name)} disappeared while loading. Rebuild it with `{REBUILD}`, then reload this page.")
        st.stop()
    except ArtifactError as e:
        st.error(plain(e))
        st.stop()
    if refused:
        st.error(plain(f"The uploaded model was refused, so {name} from artifacts/ is served: {refused}"))
    return artifact


def read_inputs(artifact: Artifact) -> tuple[np.ndarray, bool]:
    """The entered feature values as codes (``export.design``: a categorical feature's level index;
    the card's example where an entry is unusable), and whether every entry was usable. The fields
    are laid out in rows of FIELDS_PER_ROW, so the tab order (row by row) follows the reading order."""
    card = artifact.card
    values, problems = [], []
    names = card.feature_names
    width = min(len(names), FIELDS_PER_ROW)
    for start in range(0, len(names), width):
        for column, name in zip(st.columns(width), names[start : start + width]):
            if name in card.design.levels:
                values.append(choose_level(card, name, column))
                continue
            default = card.example[name]
            extent = card.data.features[name]
            text = column.text_input(plain(name), value=format_number(default), key=f"x:{name}")
            column.caption(f"trained on [{format_number(extent.min)}, {format_number(extent.max)}]")
            try:
                values.append(parse_feature_value(text, name))
            except InputError as e:
                problems.append(str(e))
                values.append(default)
    name_fields(list(names))
    for problem in problems[:MAX_SHOWN]:
        st.error(plain(problem))
    return np.array(values, dtype=np.float64), not problems


def choose_level(card: ModelCard, name: str, column) -> int:
    """A select box of a categorical feature's levels, each with its share of the training rows."""
    feature = card.categories.features[name]
    shares = dict(zip(feature.levels, feature.shares))
    level = column.selectbox(
        plain(name),
        feature.levels,
        index=feature.levels.index(card.example[name]),
        format_func=lambda level: f"{level} ({100 * shares[level]:.1f}% of training rows)",
        key=f"x:{name}",
    )
    reference = f", reference {plain(feature.levels[0])}" if card.design.coding == "treatment" else ""
    column.caption(f"{len(feature.levels)} levels{reference}")
    return feature.levels.index(level)


def show_prediction(artifact: Artifact, values: np.ndarray) -> None:
    card = artifact.card
    served = artifact.predict_codes(values[None, :])
    top = int(served.label[0])
    label = str(card.class_labels[top])
    left, middle, right = st.columns(3)
    if card.binary:
        p1 = float(served.probabilities[0, 1])
        left.metric(plain(f"P({card.target_name} = {card.class_labels[1]})"), format_number(p1))
        middle.metric(plain(f"class (threshold {format_number(card.threshold)})"), plain(label))
        right.metric("logit", format_number(float(served.logit[0])))
    else:
        left.metric("class (the most probable)", plain(label))
        middle.metric(plain(f"P({card.target_name} = {label})"), format_number(float(served.probabilities[0, top])))
    classes, chart = st.columns([1, 2])
    classes.dataframe(class_table(card, served), hide_index=True, key="class_probabilities")
    chart.vega_lite_chart(class_bars(card, served.probabilities[0]))
    warning = extrapolation_warning(dict(zip(card.feature_names, values)), card.data.features)
    if warning:
        st.warning(plain(warning))


def show_curve(artifact: Artifact, values: np.ndarray, entered: bool) -> int:
    """The learned curve with an epoch slider; returns the chosen epoch's index in the history."""
    card = artifact.card
    design = card.design
    if not design.numeric:
        return show_level_bars(artifact, values)
    along = card.feature_names.index(design.numeric[0])
    if len(design.numeric) > 1:
        along = card.feature_names.index(st.selectbox("Curve along", design.numeric, key="along"))
    by = None
    if design.categorical:
        chosen = st.selectbox("One curve per level of", ["(none)", *design.categorical], key="by")
        by = None if chosen == "(none)" else card.feature_names.index(chosen)
    if card.n_features > 1:
        st.caption("The other features are held at the values entered above.")
    epochs = card.history.epoch
    # keyed by the served model, so another model starts at its own last step, not at a stale one
    epoch = st.select_slider(
        "Epoch or iteration (replay training)", options=epochs, value=epochs[-1], key=f"epoch:{id(artifact)}"
    )
    index = epochs.index(epoch)
    params = (np.asarray(card.history.weights[index]), np.asarray(card.history.intercept[index]))
    st.vega_lite_chart(probability_chart(artifact, values, along, params, entered, by))
    st.caption(
        "Solid: the served model (onnxruntime). Dashed: the model after the chosen step. "
        + ("Gray dashes: the decision boundary, where P equals the threshold. " if card.binary else "")
        + "Diamond: your input."
    )
    if len(design.numeric) == 2:
        st.subheader("Decision map")
        st.altair_chart(decision_map(artifact, values, entered))
    return index


def show_level_bars(artifact: Artifact, values: np.ndarray) -> int:
    """A model with categorical features only: P(y) per level of a chosen feature; the last step."""
    design = artifact.card.design
    chosen = st.selectbox("Levels of", design.categorical, key="bars") if len(design.categorical) > 1 else None
    feature = artifact.card.feature_names.index(chosen or design.categorical[0])
    st.vega_lite_chart(level_bars(artifact, values, feature))
    if len(design.categorical) > 1:
        st.caption("The other features are held at the levels chosen above.")
    return len(artifact.card.history.epoch) - 1


def show_training(artifact: Artifact, index: int) -> None:
    history = artifact.card.history
    st.vega_lite_chart(loss_chart(history, history.epoch[index]))
    st.caption(f"After step {history.epoch[index]}: objective {history.loss[index]:.6f}.")


def show_cross_entropy(artifact: Artifact) -> None:
    card = artifact.card
    table = loss_table(artifact)
    st.markdown(
        "Each row's loss is $-\\log p$, the log of the probability the model gave the row's true class "
        "(binary: $-[y \\log p + (1-y) \\log(1-p)]$). `reduction='mean'`, the default, averages the rows; "
        "`reduction='sum'` adds them; `reduction='none'` keeps the column below; `weight` multiplies each row's "
        "loss first, which is what `--weight-column` and `--class-weight` do."
    )
    st.dataframe(table, hide_index=True, key="bce_table")
    mean, total = st.columns(2)
    mean.metric("mean (reduction='mean')", f"{table['loss'].mean():.6f}")
    total.metric("sum (reduction='sum')", f"{table['loss'].sum():.6f}")
    if len(table) < card.data.n_rows:
        st.caption(f"{len(table)} of {card.data.n_rows} training rows are stored in the model for this table.")


def show_batch_scoring(artifact: Artifact) -> None:
    upload = st.file_uploader(
        f"CSV with the feature columns (at most {MAX_CSV_MB} MB, {MAX_ROWS:,} rows)",
        type=["csv"],
        key="batch",
        max_upload_size=RECEIVED * MAX_CSV_MB,
    )
    if upload is None:
        design = artifact.design
        levels = "".join(f" {f} takes one of: {listed(design.levels[f])}." for f in design.categorical)
        st.caption(plain(f"Columns needed: {listed(artifact.card.feature_names)}.{levels}"))
        return
    complete = st.checkbox(
        "Score only the complete rows (a row with a missing cell is left unscored)", key="batch_complete"
    )
    name = printable(upload.name)  # messages name the file: a refused upload's says it is not the last one's
    try:
        scored, notes = score_table(
            checked_upload(upload, MAX_CSV_MB, name), artifact, name, max_rows=MAX_ROWS, complete_rows=complete
        )
    except InputError as e:
        st.error(plain(e))
        return
    for note in notes[:MAX_SHOWN]:
        st.info(plain(note))
    st.caption(plain(f"The scores of {name} ({len(scored):,} rows):"))
    probability = st.column_config.NumberColumn(format="%.6g")  # six digits, as everywhere on the page
    shown = {name: probability for name in scored.columns[-artifact.card.n_classes - 1 : -1]}
    st.dataframe(scored, hide_index=True, key="batch_table", column_config=shown)
    st.download_button(
        "Download the scored CSV",
        scored_csv(scored),
        file_name="scored.csv",
        mime="text/csv",
        key="batch_download",
    )
    st.caption("Text cells that a spreadsheet would run as a formula (starting with =, +, -, @) get a leading '.")


def show_facts(artifact: Artifact) -> None:
    card = artifact.card
    left, right = st.columns(2)
    left.subheader("Training")
    left.json(card.training, expanded=True)
    if card.summary is not None:
        left.json(card.summary.to_json(), expanded=False)
    right.subheader("Data")
    counts = listed(f"{label}: {n}" for label, n in zip(card.class_labels, card.data.class_counts))
    right.write(plain(f"{card.data.n_rows} training rows from {card.data.source}; rows per class {counts}."))
    right.dataframe(feature_table(card), key="features")
    right.subheader("Versions")
    right.json(card.versions, expanded=True)
    with st.expander("The whole model card (JSON in the ONNX metadata)"):
        st.json(card.to_json(), expanded=False)


def show_predict(artifact: Artifact) -> tuple[np.ndarray, bool]:
    values, entered = read_inputs(artifact)
    if entered:
        show_prediction(artifact, values)
    return values, entered


def main() -> None:
    st.set_page_config(page_title="Logistic regression", layout="wide")
    st.title("Logistic regression, served from ONNX")
    artifact = choose_model()
    card = artifact.card
    serving = f"Serving {artifact.source} with onnxruntime: {card.task}, {card.target_name}"
    st.caption(plain(f"{serving} from {listed(card.feature_names)}."))
    example = card.design.codes_row(card.example)
    values, entered = show_section("Predict", show_predict, artifact, fallback=(example, False))
    index = show_section("What the model learned", show_curve, artifact, values, entered, fallback=-1)
    show_section("How it learned: the objective per step", show_training, artifact, index)
    show_section("Diagnostics", show_diagnostics, card)
    show_section("Coefficients and statistics", show_statistics, card)
    show_section("Metrics", show_metrics, card)
    show_section("The log loss, row by row", show_cross_entropy, artifact)
    show_section("Score a file", show_batch_scoring, artifact)
    show_section("Model facts", show_facts, artifact)


main()
