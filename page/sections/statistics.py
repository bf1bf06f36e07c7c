"""Coefficients and statistics: the coefficient table and plot, the likelihood tests and the model
comparison numbers, and what is not shown and why."""

import streamlit as st

from export.card.sections import Statistics
from page.charts import coefficient_plot
from page.sections.section import Section, View
from page.tables import coefficient_table
from page.text import plain, show_listed


def render(view: View) -> None:
    card = view.card
    st.dataframe(coefficient_table(card), hide_index=True, key="coefficient_table")
    plot = coefficient_plot(card)
    if plot is not None:
        st.altair_chart(plot)
        st.caption(
            "Each term's estimate with its 95% interval"
            + (
                ": odds ratios, a factor on the odds per unit (per level, against the reference)."
                if card.binary
                else "."
            )
        )
    stats = card.statistics
    if stats is None:
        st.caption("This model's card holds no statistics (it was not written by this kit's training).")
        return
    st.markdown("\n".join(f"- {plain(fact)}" for fact in facts(stats)))
    show_listed([f"Not shown: {note}." for note in stats.notes], st.caption, "notes")


def facts(stats: Statistics) -> list[str]:
    """The fit's likelihood numbers and tests, a sentence each."""
    said = [f"log-likelihood {stats.log_likelihood:.6g} (intercept only {stats.null_log_likelihood:.6g})"]
    if stats.lr_test:
        test = stats.lr_test
        said.append(
            f"likelihood-ratio test against the intercept-only model: chi-squared {test.statistic:.4g} "
            f"on {test.df} degrees of freedom, p = {test.p_value:.3g}"
        )
    for feature, test in (stats.feature_tests or {}).items():
        said.append(
            f"{feature} as a whole (leaving out all its levels' terms): chi-squared {test.statistic:.4g} on "
            f"{test.df} degrees of freedom, p = {test.p_value:.3g}"
        )
    for term, test in (stats.term_tests or {}).items():
        said.append(
            f"{term} (leaving out its {test.df} column(s), as R's drop1 does): chi-squared {test.statistic:.4g}, "
            f"p = {test.p_value:.3g}"
        )
    if stats.mcfadden_r2 is not None:
        said.append(f"McFadden's pseudo-R-squared {stats.mcfadden_r2:.4f}")
    if stats.deviance is not None:
        said.append(comparison_fact(stats))
    return said


def comparison_fact(stats: Statistics) -> str:
    """The model comparison numbers in a sentence (the static site writes the same one)."""
    return (
        f"residual deviance {stats.deviance:.6g} (null deviance {stats.null_deviance:.6g}); "
        f"AIC {stats.aic:.6g}, BIC {stats.bic:.6g} (lower is better, for models of the same rows)"
    )


SECTION = Section("Coefficients and statistics", render)
