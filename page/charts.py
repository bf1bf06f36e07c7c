"""Altair charts of what the model learned: curves, the decision map, the loss history, calibration."""

import altair as alt
import numpy as np
import pandas as pd

from export.artifact import Artifact
from export.card.model_card import ModelCard
from export.card.sections import LossHistory, SplitMetrics
from export.parity import probabilities64

GRID_POINTS = 400
MAP_POINTS = 70
MAX_ZOOM_OUT = 10.0  # an entered x further than this many data spans away is not drawn to


def curve_range(low: float, high: float, entered: float | None) -> tuple[float, float]:
    """Half a data span either side of the training range, widened to show the entered value
    unless it lies absurdly far away (x = 1e30 would flatten the curve into a step)."""
    span = high - low if high > low else 1.0
    lo, hi = low - 0.5 * span, high + 0.5 * span
    if entered is not None and lo - MAX_ZOOM_OUT * span <= entered <= hi + MAX_ZOOM_OUT * span:
        lo, hi = min(lo, entered - 0.1 * span), max(hi, entered + 0.1 * span)
    return lo, hi


def curve_grid(values: np.ndarray, along: int, lo: float, hi: float, points: int = GRID_POINTS) -> np.ndarray:
    """Rows that vary feature ``along`` over [lo, hi] and hold the others at ``values``."""
    grid = np.tile(values, (points, 1))
    grid[:, along] = np.linspace(lo, hi, points)
    return grid


def decision_boundary(card: ModelCard, values: np.ndarray, along: int) -> float | None:
    """Binary models: the value of numeric feature ``along`` where P(class 1) = threshold, others at
    ``values`` (codes: ``export.design``)."""
    design = card.design
    weights, intercept = card.weights[0], card.intercept[0]
    w = weights[design.term_indices(card.feature_names[along])[0]]
    if not card.binary or w == 0:
        return None
    logit = float(design.expand(values)[0] @ weights + intercept)
    return values[along] + (np.log(card.threshold / (1 - card.threshold)) - logit) / w


def shown_classes(card: ModelCard) -> list[int]:
    """The classes whose probability is drawn: class 1 for binary models, every class otherwise."""
    return [1] if card.binary else list(range(card.n_classes))


def _curve_frame(
    name: str, grid: np.ndarray, along: int, probabilities: np.ndarray, card: ModelCard, curve: str, level: str = ""
) -> pd.DataFrame:
    """One curve's points per shown class; ``level``: the level these curves hold a feature at, if any."""
    frames = [
        pd.DataFrame(
            {
                name: grid[:, along],
                "P": probabilities[:, c],
                "class": " · ".join(filter(None, [level, str(card.class_labels[c]) * (not card.binary or not level)])),
                "curve": curve,
            }
        )
        for c in shown_classes(card)
    ]
    return pd.concat(frames)


def probability_chart(
    artifact: Artifact,
    values: np.ndarray,
    along: int,
    epoch_params: tuple,
    entered: bool,
    epoch: int,
    by: int | None = None,
) -> alt.LayerChart:
    """The served curves (onnxruntime) along numeric feature ``along``, the curves as they were at
    ``epoch`` (from the card's history), the training rows, the decision boundary (binary) and the
    entered input (``values``: codes, ``export.design``). ``by``: a categorical feature drawn with
    one curve per level (the others held at ``values``)."""
    card = artifact.card
    design = card.design
    name = card.feature_names[along]
    extent = card.data.features[name]
    lo, hi = curve_range(extent.min, extent.max, values[along] if entered else None)
    w_epoch, b_epoch = epoch_params
    names = ["served model", f"after epoch {epoch}"]
    held = [("", values)]
    if by is not None:
        held = [
            (f"{card.feature_names[by]} = {level}", _with(values, by, k))
            for k, level in enumerate(design.levels[card.feature_names[by]])
        ]
    parts = []
    for level, start in held:
        grid = curve_grid(start, along, lo, hi)
        logits = design.expand(grid) @ w_epoch.T + b_epoch
        parts += [
            _curve_frame(name, grid, along, artifact.predict_codes(grid).probabilities, card, names[0], level),
            _curve_frame(
                name, grid, along, probabilities64(logits[:, 0] if card.binary else logits), card, names[1], level
            ),
        ]
    curves = pd.concat(parts)
    x = alt.X(f"{name}:Q", scale=alt.Scale(domain=[lo, hi], nice=False), title=name)
    y_title = f"P({card.target_name} = {card.class_labels[1]})" if card.binary else f"P({card.target_name} = class)"
    top = alt.Legend(orient="top")
    layers = [
        alt.Chart(curves)
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("P:Q", title=y_title, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("class:N", title=None, legend=top if not card.binary or by is not None else None),
            strokeDash=alt.StrokeDash(
                "curve:N", title=None, legend=top, scale=alt.Scale(domain=names, range=[[1, 0], [6, 4]])
            ),
            detail="curve:N",
        )
    ]
    layers.append(_training_points(card, along, lo, hi))
    boundary = decision_boundary(card, values, along)
    if boundary is not None and lo <= boundary <= hi:
        layers.append(
            alt.Chart(pd.DataFrame({name: [boundary]}))
            .mark_rule(strokeDash=[4, 4], color="gray")
            .encode(x=f"{name}:Q", tooltip=[alt.Tooltip(f"{name}:Q", title="decision boundary")])
        )
    if entered and lo <= values[along] <= hi:
        p = artifact.predict_codes(values[None, :]).probabilities[0]
        marks = pd.DataFrame({name: values[along], "P": [p[c] for c in shown_classes(card)]})
        layers.append(
            alt.Chart(marks)
            .mark_point(size=160, shape="diamond", filled=True, color="crimson")
            .encode(x=f"{name}:Q", y="P:Q", tooltip=[f"{name}:Q", "P:Q"])
        )
    return alt.layer(*layers).properties(height=340)


def _with(values: np.ndarray, column: int, value: float) -> np.ndarray:
    changed = values.copy()
    changed[column] = value
    return changed


def level_bars(artifact: Artifact, values: np.ndarray, feature: int) -> alt.Chart:
    """P(y) for each level of categorical feature ``feature``, the others held at ``values`` (codes):
    the picture of a model whose features are all categorical."""
    card = artifact.card
    name = card.feature_names[feature]
    levels = card.design.levels[name]
    rows = np.array([_with(values, feature, k) for k in range(len(levels))])
    probabilities = artifact.predict_codes(rows).probabilities
    frame = pd.concat(
        pd.DataFrame({name: list(levels), "P": probabilities[:, c], "class": str(card.class_labels[c])})
        for c in shown_classes(card)
    )
    title = f"P({card.target_name} = {card.class_labels[1]})" if card.binary else f"P({card.target_name} = class)"
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{name}:N", sort=list(levels), title=name),
            y=alt.Y("P:Q", title=title, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("class:N", title=None, legend=None if card.binary else alt.Legend(orient="top")),
            xOffset="class:N",
            tooltip=[f"{name}:N", "class:N", alt.Tooltip("P:Q", format=".6g")],
        )
        .properties(height=300)
    )


def coefficient_plot(card: ModelCard) -> alt.LayerChart | None:
    """Each term's estimate with its 95% interval (odds ratios, on a log scale, for a binary model),
    from the card's coefficient table; None when the card has none."""
    table = card.statistics.coefficients if card.statistics else None
    if table is None:
        return None
    frame = (
        pd.DataFrame({"term": table.terms, "estimate": table.estimate, "low": table.ci_low, "high": table.ci_high})
        .iloc[1:]
        .dropna()
    )  # the intercept has another scale; aliased terms have no estimate
    if frame.empty:
        return None
    title = "estimate (95% interval)"
    scale = alt.Scale(zero=False)
    if card.binary:
        frame[["estimate", "low", "high"]] = np.exp(frame[["estimate", "low", "high"]].clip(-700, 700))
        title, scale = "odds ratio (95% interval), log scale", alt.Scale(type="log")
    y = alt.Y("term:N", sort=None, title=None)
    whiskers = alt.Chart(frame).mark_rule().encode(x=alt.X("low:Q", title=title, scale=scale), x2="high:Q", y=y)
    points = (
        alt.Chart(frame)
        .mark_point(filled=True, size=70)
        .encode(x="estimate:Q", y=y, tooltip=["term:N", "estimate:Q", "low:Q", "high:Q"])
    )
    reference = (
        alt.Chart(pd.DataFrame({"at": [1.0 if card.binary else 0.0]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(x="at:Q")
    )
    return alt.layer(whiskers, points, reference).properties(height=28 * len(frame) + 40)


def _training_rows(card: ModelCard) -> tuple[np.ndarray, np.ndarray]:
    return card.data.stored_x(card.n_features), np.asarray(card.data.rows.y)


def _training_points(card: ModelCard, along: int, lo: float, hi: float) -> alt.Chart:
    """Binary: each row at P = 0 or 1 by its class. Multinomial: a rug of ticks at P = 0, by class."""
    rows, y = _training_rows(card)
    name = card.feature_names[along]
    keep = (rows[:, along] >= lo) & (rows[:, along] <= hi)
    labels = [str(card.class_labels[i]) for i in y[keep]]
    if card.binary:
        points = pd.DataFrame({name: rows[keep, along], "P": y[keep].astype(float), "class": labels})
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
    points = pd.DataFrame({name: rows[keep, along], "P": 0.0, "class": labels})
    return (
        alt.Chart(points)
        .mark_tick(thickness=2, size=14, opacity=0.7)
        .encode(x=f"{name}:Q", y="P:Q", color="class:N", tooltip=[f"{name}:Q", "class:N"])
    )


def decision_map(artifact: Artifact, values: np.ndarray, entered: bool) -> alt.LayerChart:
    """For models with exactly two numeric features: the served probability over their plane
    (binary: P of class 1; multinomial: the predicted class, paler where less sure), any
    categorical features held at ``values`` (codes), training rows on top."""
    card = artifact.card
    a, b = card.design.numeric
    ja, jb = card.feature_names.index(a), card.feature_names.index(b)
    ranges = [curve_range(card.data.features[n].min, card.data.features[n].max, None) for n in (a, b)]
    ga, gb = (np.linspace(lo, hi, MAP_POINTS) for lo, hi in ranges)
    plane = np.array(np.meshgrid(ga, gb)).reshape(2, -1).T
    mesh = np.tile(values, (len(plane), 1))
    mesh[:, [ja, jb]] = plane
    served = artifact.predict_codes(mesh)
    mesh = plane
    step_a, step_b = (ga[1] - ga[0]) / 2, (gb[1] - gb[0]) / 2
    cells = pd.DataFrame(
        {"a0": mesh[:, 0] - step_a, "a1": mesh[:, 0] + step_a, "b0": mesh[:, 1] - step_b, "b1": mesh[:, 1] + step_b}
    )
    x = alt.X("a0:Q", title=a, scale=alt.Scale(domain=list(ranges[0]), nice=False))
    y = alt.Y("b0:Q", title=b, scale=alt.Scale(domain=list(ranges[1]), nice=False))
    if card.binary:
        cells["P"] = served.probabilities[:, 1]
        fill = alt.Color(
            "P:Q",
            title=f"P({card.target_name} = {card.class_labels[1]})",
            scale=alt.Scale(scheme="blueorange", domain=[0, 1]),
        )
        area = alt.Chart(cells).mark_rect().encode(x=x, x2="a1", y=y, y2="b1", color=fill)
    else:
        cells["class"] = [str(card.class_labels[i]) for i in served.label]
        cells["confidence"] = served.probabilities.max(axis=1)
        area = (
            alt.Chart(cells)
            .mark_rect()
            .encode(
                x=x,
                x2="a1",
                y=y,
                y2="b1",
                color=alt.Color("class:N"),
                opacity=alt.Opacity("confidence:Q", legend=None, scale=alt.Scale(domain=[0, 1])),
            )
        )
    rows, labels = _training_rows(card)
    points = pd.DataFrame({"a0": rows[:, ja], "b0": rows[:, jb], "class": [str(card.class_labels[i]) for i in labels]})
    layers = [
        area,
        alt.Chart(points)
        .mark_point(filled=True, size=45, color="black", opacity=0.8)
        .encode(
            x="a0:Q", y="b0:Q", shape=alt.Shape("class:N", title="training rows"), tooltip=["a0:Q", "b0:Q", "class:N"]
        ),
    ]
    if entered:
        mark = pd.DataFrame({"a0": [values[ja]], "b0": [values[jb]]})
        layers.append(
            alt.Chart(mark)
            .mark_point(shape="diamond", size=200, filled=True, color="crimson")
            .encode(x="a0:Q", y="b0:Q")
        )
    return alt.layer(*layers).properties(height=420)


def class_bars(card: ModelCard, probabilities: np.ndarray) -> alt.Chart:
    frame = pd.DataFrame({"class": [str(c) for c in card.class_labels], "P": probabilities})
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("P:Q", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("class:N", sort=None),
            color="class:N",
            tooltip=["class:N", alt.Tooltip("P:Q", format=".6g")],
        )
        .properties(height=40 * card.n_classes + 40)
    )


def loss_chart(history: LossHistory, epoch: int) -> alt.LayerChart:
    """The objective after each recorded step, with the selected one marked."""
    frame = pd.DataFrame({"epoch": history.epoch, "loss": history.loss})
    line = (
        alt.Chart(frame)
        .mark_line()
        .encode(
            x=alt.X("epoch:Q", title="epoch / iteration"),
            y=alt.Y("loss:Q", title="objective (mean log loss + penalty)", scale=alt.Scale(zero=False)),
            tooltip=["epoch:Q", alt.Tooltip("loss:Q", format=".6f")],
        )
    )
    rule = alt.Chart(pd.DataFrame({"epoch": [epoch]})).mark_rule(color="crimson").encode(x="epoch:Q")
    return alt.layer(line, rule).properties(height=260)


def calibration_chart(metrics: SplitMetrics, binary: bool) -> alt.LayerChart:
    """Observed rate against mean predicted probability per bin, for each set of rows."""
    bins = [{**b.to_json(), "rows": split} for split, m in metrics.splits().items() for b in m.calibration]
    frame = pd.DataFrame(bins)
    what = "P(class 1)" if binary else "top-class probability"
    diagonal = (
        alt.Chart(pd.DataFrame({"p": [0, 1]})).mark_line(color="gray", strokeDash=[4, 4]).encode(x="p:Q", y="p:Q")
    )
    points = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("mean_predicted:Q", title=f"mean predicted {what}", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y(
                "observed:Q", title="observed rate" if binary else "observed accuracy", scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color("rows:N", title=None),
            tooltip=["rows:N", "count:Q", "mean_predicted:Q", "observed:Q"],
        )
    )
    return alt.layer(diagonal, points).properties(height=300)
