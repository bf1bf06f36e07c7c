"""Predict: a field per feature, the probabilities of the entered input, and a warning when the
input lies outside the training range."""

import numpy as np
import streamlit as st

from export.artifact import Artifact, check_defined
from export.card.model_card import ModelCard
from export.entry import parse_entry
from export.errors import MAX_SHOWN, InputError
from export.extrapolation import extrapolation_warning
from export.intervals import NO_INTERVAL
from export.optimum import optimum_probabilities
from page.accessible import name_fields
from page.charts import class_bars
from page.inputs import format_number
from page.sections.section import Section, View
from page.tables import class_table
from page.text import plain

FIELDS_PER_ROW = 4


def render(view: View) -> None:
    view.values, view.entered = read_inputs(view.artifact)
    if view.entered:
        show_prediction(view.artifact, view.values)


def read_inputs(artifact: Artifact) -> tuple[np.ndarray, bool]:
    """The entered feature values as codes (``export.design``: a categorical feature's level index;
    the card's example where an entry is unusable), and whether every entry was usable. The fields
    are laid out in rows of FIELDS_PER_ROW, so the tab order (row by row) follows the reading order."""
    card = artifact.card
    if card.formula is not None:
        st.caption(plain(f"The model: {card.formula.text}"))
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
                values.append(parse_entry(text, name))
            except InputError as e:
                problems.append(str(e))
                values.append(default)
    name_fields(list(names))
    if card.formula is not None and not problems:  # a log or a square root takes only some numbers
        try:
            check_defined(card.design, np.array([values], dtype=np.float64), where="the entered values")
        except InputError as e:  # the page goes on from the card's example, as for an unusable entry
            problems.append(str(e))
            values = list(card.design.codes_row(card.example))
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
    if served.probability_low is None:
        st.caption(NO_INTERVAL + ".")
    elif card.binary:
        low, high = served.probability_low[0, 1], served.probability_high[0, 1]
        st.caption(
            plain(f"95% interval of P({card.target_name} = {card.class_labels[1]}): ")
            + f"{format_number(float(low))} to {format_number(float(high))} (from the coefficients' covariance)."
        )
    best = optimum_probabilities(card, values[None, :])
    if best is not None:  # the run stopped short of its objective's optimum: what that optimum says
        k = 1 if card.binary else top
        p, q = float(served.probabilities[0, k]), float(best[0, k])
        st.info(
            plain(f"The optimum of the same objective (the exact solver after the run) says P({card.target_name} = ")
            + plain(f"{card.class_labels[k]}) = {format_number(q)}: the served model's {format_number(p)} is ")
            + f"{format_number(abs(p - q))} away. The run stopped before reaching it (Diagnostics says why)."
        )
    classes, chart = st.columns([1, 2])
    classes.dataframe(class_table(card, served), hide_index=True, key="class_probabilities")
    chart.vega_lite_chart(class_bars(card, served.probabilities[0]))
    beyond = card.design.beyond(values[None, :]) if card.formula is not None else None
    warning = extrapolation_warning(dict(zip(card.feature_names, values)), card.data.features, beyond)
    if warning:
        st.warning(plain(warning))


SECTION = Section("Predict", render)
