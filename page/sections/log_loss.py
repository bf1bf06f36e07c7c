"""The log loss, row by row: what BCELoss and CrossEntropyLoss compute, on the stored training rows."""

import streamlit as st

from page.sections.section import Section, View
from page.tables import loss_table


def render(view: View) -> None:
    card = view.card
    table = loss_table(view.artifact)
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


SECTION = Section("The log loss, row by row", render)
