"""The page's account of how good the model is: warnings, statistics, metrics, calibration."""

import streamlit as st

from export.card.model_card import ModelCard
from export.card.sections import Statistics
from page.charts import calibration_chart, coefficient_plot
from page.sections import plain, show_listed
from page.tables import coefficient_table, confusion_table, metrics_table


def show_diagnostics(card: ModelCard) -> None:
    if not card.warnings:
        st.success(
            "No warnings: the fit converged and none of the checks (separation, base rate, constant "
            "features) found a problem."
        )
    show_listed(card.warnings, st.warning, "warnings")


def show_statistics(card: ModelCard) -> None:
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
    facts = [f"log-likelihood {stats.log_likelihood:.6g} (intercept only {stats.null_log_likelihood:.6g})"]
    if stats.lr_test:
        test = stats.lr_test
        facts.append(
            f"likelihood-ratio test against the intercept-only model: chi-squared {test.statistic:.4g} "
            f"on {test.df} degrees of freedom, p = {test.p_value:.3g}"
        )
    for feature, test in (stats.feature_tests or {}).items():
        facts.append(
            f"{feature} as a whole (leaving out all its levels' terms): chi-squared {test.statistic:.4g} on "
            f"{test.df} degrees of freedom, p = {test.p_value:.3g}"
        )
    if stats.mcfadden_r2 is not None:
        facts.append(f"McFadden's pseudo-R-squared {stats.mcfadden_r2:.4f}")
    if stats.deviance is not None:
        facts.append(comparison_fact(stats))
    st.markdown("\n".join(f"- {plain(fact)}" for fact in facts))
    show_listed([f"Not shown: {note}." for note in stats.notes], st.caption, "notes")


def comparison_fact(stats: Statistics) -> str:
    """The model comparison numbers in a sentence (the static site writes the same one)."""
    return (
        f"residual deviance {stats.deviance:.6g} (null deviance {stats.null_deviance:.6g}); "
        f"AIC {stats.aic:.6g}, BIC {stats.bic:.6g} (lower is better, for models of the same rows)"
    )


def show_metrics(card: ModelCard) -> None:
    if card.metrics is None:
        st.caption("This model's card holds no metrics (it was not written by this kit's training).")
        return
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
