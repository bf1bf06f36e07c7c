"""Why this answer: the entered input's explanation (``export.explain``) as a waterfall, from the
logit at the training means through each feature's contribution to the logit, then the probability."""

import pandas as pd
import streamlit as st

from export.charts import filled, waterfall_steps, waterfall_template
from export.explain import explain_codes
from page.inputs import format_number
from page.sections.section import Section, View
from page.text import plain


def render(view: View) -> None:
    if not view.entered:
        st.caption("Enter values the model can score above to see why it answers as it does.")
        return
    card = view.card
    explanation = explain_codes(card, view.values[None, :])
    served = view.artifact.predict_codes(view.values[None, :])
    if card.binary:
        k, base, contributions = 1, explanation.base, explanation.contributions[0]
    else:
        labels = [str(c) for c in card.class_labels]
        chosen = st.selectbox("The logit of class", labels, index=int(served.label[0]), key="explained_class")
        k = labels.index(chosen)
        base, contributions = explanation.base[k], explanation.contributions[0, :, k]
    logit = float(explanation.logit[0] if card.binary else explanation.logit[0, k])
    names = list(explanation.feature_names)
    parts = "terms" if card.formula is not None else "features"
    steps = waterfall_steps(float(base), contributions.tolist(), names, logit, parts)
    st.vega_lite_chart(filled(waterfall_template(card), {"steps": steps}))
    probability = float(served.probabilities[0, k])
    st.caption(
        plain(f"Logit {format_number(logit)}, so P({card.target_name} = {card.class_labels[k]}) = ")
        + format_number(probability)
        + ". Each feature's contribution is its coefficient times its value minus its training mean (a categorical "
        "feature's: over its levels, against their training shares; a formula term's: over its columns); with the "
        "base, the logit at the training means, they add up to the logit exactly (SHAP's linear explanation)."
    )
    table = pd.DataFrame({parts[:-1]: names, "contribution to the logit": contributions})
    st.dataframe(table, hide_index=True, key="contributions")


SECTION = Section("Why this answer", render)
