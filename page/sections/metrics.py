"""Metrics: the metrics table per split, confusion matrices and calibration."""

import streamlit as st

from page.charts import calibration_chart
from page.sections.section import Section, View
from page.tables import confusion_table, metrics_table


def render(view: View) -> None:
    card = view.card
    st.dataframe(metrics_table(card), key="metrics_table")
    splits = list(card.metrics.splits())
    decision = f"threshold {card.threshold:g}" if card.binary else "the most probable class"
    st.caption(f"Each row counts once. Labels use {decision}.")
    for column, split in zip(st.columns(len(splits)), splits):
        column.markdown(f"**Confusion matrix, {split} rows**")
        column.dataframe(confusion_table(card, split), key=f"confusion_{split}")
    st.altair_chart(calibration_chart(card.metrics, card.binary))
    st.caption(
        "Calibration: in each bin of predicted probability, the share of rows where it came true. "
        "A calibrated model follows the dashed diagonal."
    )


SECTION = Section(
    "Metrics",
    render,
    needs=lambda card: card.metrics is not None,
    missing="This model's card holds no metrics (it was not written by this kit's training).",
)
