"""Altair charts of what the model learned: the probability curve and the loss history."""

import altair as alt
import numpy as np
import pandas as pd

from export.artifact import Artifact
from export.parity import sigmoid64

GRID_POINTS = 400
MAX_ZOOM_OUT = 10.0  # an entered x further than this many data spans away is not drawn to


def curve_range(low: float, high: float, entered: float | None) -> tuple[float, float]:
    """Half a data span either side of the training range, widened to show the entered value
    unless it lies absurdly far away (x = 1e30 would flatten the curve into a step)."""
    span = high - low if high > low else 1.0
    lo, hi = low - 0.5 * span, high + 0.5 * span
    if entered is not None and lo - MAX_ZOOM_OUT * span <= entered <= hi + MAX_ZOOM_OUT * span:
        lo, hi = min(lo, entered - 0.1 * span), max(hi, entered + 0.1 * span)
    return lo, hi


def curve_grid(values: np.ndarray, along: int, lo: float, hi: float) -> np.ndarray:
    """Rows that vary feature ``along`` over [lo, hi] and hold the others at ``values``."""
    grid = np.tile(values, (GRID_POINTS, 1))
    grid[:, along] = np.linspace(lo, hi, GRID_POINTS)
    return grid


def decision_boundary(
    weights: np.ndarray, intercept: float, values: np.ndarray, along: int, threshold: float
) -> float | None:
    """The value of feature ``along`` where P(class 1) = threshold, others held at ``values``."""
    w = weights[along]
    if w == 0:
        return None
    rest = float(weights @ values - w * values[along])
    return (np.log(threshold / (1 - threshold)) - intercept - rest) / w


def probability_chart(
    artifact: Artifact, values: np.ndarray, along: int, epoch_params: tuple, entered: bool, epoch: int
) -> alt.LayerChart:
    """The served curve (onnxruntime), the curve as it was at ``epoch`` (from the card's history),
    the training points, the decision boundary and the entered input."""
    card = artifact.card
    name = card.feature_names[along]
    stats = card.data["features"][name]
    lo, hi = curve_range(stats["min"], stats["max"], values[along] if entered else None)
    grid = curve_grid(values, along, lo, hi)
    w_epoch, b_epoch = epoch_params
    names = ["served model", f"after epoch {epoch}"]
    curves = pd.concat(
        [
            pd.DataFrame({name: grid[:, along], "P": artifact.predict(grid).probabilities[:, 1], "curve": names[0]}),
            pd.DataFrame({name: grid[:, along], "P": sigmoid64(grid @ w_epoch + b_epoch), "curve": names[1]}),
        ]
    )
    x_scale = alt.Scale(domain=[lo, hi], nice=False)
    y_title = f"P({card.target_name} = {card.class_labels[1]})"
    layers = [
        alt.Chart(curves)
        .mark_line()
        .encode(
            x=alt.X(f"{name}:Q", scale=x_scale, title=name),
            y=alt.Y("P:Q", title=y_title, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "curve:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=names, range=["#1f77b4", "#ff7f0e"]),
            ),
            strokeDash=alt.StrokeDash(
                "curve:N",
                title=None,
                legend=alt.Legend(orient="top"),
                scale=alt.Scale(domain=names, range=[[1, 0], [6, 4]]),
            ),
        )
    ]
    layers.append(_training_points(card, along, lo, hi))
    boundary = decision_boundary(card.weights[0], card.intercept[0], values, along, card.threshold)
    if boundary is not None and lo <= boundary <= hi:
        layers.append(
            alt.Chart(pd.DataFrame({name: [boundary]}))
            .mark_rule(strokeDash=[4, 4], color="gray")
            .encode(x=f"{name}:Q", tooltip=[alt.Tooltip(f"{name}:Q", title="decision boundary")])
        )
    if entered and lo <= values[along] <= hi:
        p = float(artifact.predict(values[None, :]).probabilities[0, 1])
        layers.append(
            alt.Chart(pd.DataFrame({name: [values[along]], "P": [p]}))
            .mark_point(size=160, shape="diamond", filled=True, color="crimson")
            .encode(x=f"{name}:Q", y="P:Q", tooltip=[f"{name}:Q", "P:Q"])
        )
    return alt.layer(*layers).properties(height=340)


def _training_points(card, along: int, lo: float, hi: float) -> alt.Chart:
    rows = np.asarray(card.data["rows"]["x"], dtype=np.float64)
    y = np.asarray(card.data["rows"]["y"])
    name = card.feature_names[along]
    keep = (rows[:, along] >= lo) & (rows[:, along] <= hi)
    points = pd.DataFrame(
        {name: rows[keep, along], "P": y[keep].astype(float), "class": [str(card.class_labels[i]) for i in y[keep]]}
    )
    return (
        alt.Chart(points)
        .mark_point(size=80, filled=True, opacity=0.8, color="#555")
        .encode(
            x=f"{name}:Q",
            y="P:Q",
            shape=alt.Shape("class:N", title="training rows", legend=alt.Legend(orient="top")),
            tooltip=[f"{name}:Q", "class:N"],
        )
    )


def loss_chart(history: dict, epoch: int) -> alt.LayerChart:
    """Mean loss after each recorded epoch, with the selected epoch marked."""
    frame = pd.DataFrame({"epoch": history["epoch"], "loss": history["loss"]})
    line = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("epoch:Q"),
            y=alt.Y("loss:Q", title="mean binary cross-entropy", scale=alt.Scale(zero=False)),
            tooltip=["epoch:Q", alt.Tooltip("loss:Q", format=".6f")],
        )
    )
    rule = alt.Chart(pd.DataFrame({"epoch": [epoch]})).mark_rule(color="crimson").encode(x="epoch:Q")
    return alt.layer(line, rule).properties(height=260)
