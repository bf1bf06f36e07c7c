"""What the model learned: the probability along a numeric feature (one curve per level of a
categorical one, if chosen), replayed step by step; P per level for a model of categories only; the
decision map of a model with two numeric features."""

import numpy as np
import streamlit as st

from export.artifact import Artifact
from page.charts import decision_map, level_bars, probability_chart
from page.sections.section import Section, View


def render(view: View) -> None:
    """The learned curve with an epoch slider; the chosen step goes to ``view.step``."""
    artifact, values = view.artifact, view.values
    card = artifact.card
    design = card.design
    if not design.numeric:
        show_level_bars(artifact, values)
        return
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
    view.step = epochs.index(epoch)
    params = (np.asarray(card.history.weights[view.step]), np.asarray(card.history.intercept[view.step]))
    st.vega_lite_chart(probability_chart(artifact, values, along, params, view.entered, by))
    st.caption(
        "Solid: the served model (onnxruntime). Dashed: the model after the chosen step. "
        + ("Gray dashes: the decision boundary, where P equals the threshold. " if card.binary else "")
        + "Diamond: your input."
    )
    if len(design.numeric) == 2:
        st.subheader("Decision map")
        st.altair_chart(decision_map(artifact, values, view.entered))


def show_level_bars(artifact: Artifact, values: np.ndarray) -> None:
    """A model with categorical features only: P(y) per level of a chosen feature."""
    design = artifact.card.design
    chosen = st.selectbox("Levels of", design.categorical, key="bars") if len(design.categorical) > 1 else None
    feature = artifact.card.feature_names.index(chosen or design.categorical[0])
    st.vega_lite_chart(level_bars(artifact, values, feature))
    if len(design.categorical) > 1:
        st.caption("The other features are held at the levels chosen above.")


SECTION = Section("What the model learned", render)
