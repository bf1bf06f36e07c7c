"""Diagnostics: the fit's warnings (separation, base rate, constant features, convergence)."""

import streamlit as st

from page.sections.section import Section, View
from page.text import show_listed


def render(view: View) -> None:
    warnings = view.card.warnings
    if not warnings:
        st.success(
            "No warnings: the fit converged and none of the checks (separation, base rate, constant "
            "features) found a problem."
        )
    show_listed(warnings, st.warning, "warnings")


SECTION = Section("Diagnostics", render)
