"""Model facts: how it was trained, on what data, with which versions, and the whole card."""

import streamlit as st

from export.errors import listed
from page.sections.section import Section, View
from page.tables import feature_table
from page.text import plain


def render(view: View) -> None:
    card = view.card
    left, right = st.columns(2)
    left.subheader("Training")
    left.json(card.training.to_json(), expanded=True)
    if card.summary is not None:
        left.json(card.summary.to_json(), expanded=False)
    right.subheader("Data")
    counts = listed(f"{label}: {n}" for label, n in zip(card.class_labels, card.data.class_counts))
    right.write(plain(f"{card.data.n_rows} training rows from {card.data.source}; rows per class {counts}."))
    if card.formula is not None:
        right.write(plain(f"Formula: {card.formula.text} ({len(card.terms)} columns from {card.n_features} inputs)."))
    right.dataframe(feature_table(card), key="features")
    right.subheader("Versions")
    right.json(card.versions, expanded=True)
    with st.expander("The whole model card (JSON in the ONNX metadata)"):
        st.json(card.to_json(), expanded=False)


SECTION = Section("Model facts", render)
