"""How it learned: the objective per step, the step chosen on the curve marked."""

import streamlit as st

from page.charts import loss_chart
from page.sections.section import Section, View


def render(view: View) -> None:
    history = view.card.history
    epoch = history.epoch[view.step]
    st.vega_lite_chart(loss_chart(history, epoch))
    st.caption(f"After step {epoch}: objective {history.loss[view.step]:.6f}.")


SECTION = Section("How it learned: the objective per step", render)
