"""The page's charts: the learned curve, the objective per step and the class and level bars fill the
templates the static site also draws (``export.charts``); the decision map, the coefficient plot and
calibration are drawn with Altair here."""

import altair as alt
import numpy as np
import pandas as pd

from export.artifact import Artifact
from export.card.model_card import ModelCard
from export.card.sections import LossHistory, SplitMetrics
from export.charts import CURVES, classes_template, curve_template, filled, levels_template, loss_template, title
from export.design import Design
from export.formula.design import FormulaDesign
from export.optimum import coefficient_probabilities, optimum_probabilities

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
    if isinstance(design, FormulaDesign):  # the logit is no straight line in a formula's feature
        return None
    weights, intercept = card.weights[0], card.intercept[0]
    w = weights[design.term_indices(card.feature_names[along])[0]]
    if not card.binary or w == 0:
        return None
    logit = float(design.expand(values)[0] @ weights + intercept)
    return values[along] + (np.log(card.threshold / (1 - card.threshold)) - logit) / w


def shown_classes(card: ModelCard) -> list[int]:
    """The classes whose probability is drawn: class 1 for binary models, every class otherwise."""
    return [1] if card.binary else list(range(card.n_classes))


def _curve_rows(
    grid: np.ndarray, along: int, probabilities: np.ndarray, card: ModelCard, curve: str, level: str = ""
) -> list[dict]:
    """One curve's points per shown class; ``level``: the level these curves hold a feature at, if any."""
    rows = []
    for c in shown_classes(card):
        label = " · ".join(filter(None, [level, str(card.class_labels[c]) * (not card.binary or not level)]))
        rows += [
            {"value": float(v), "P": float(p), "series": label, "curve": curve}
            for v, p in zip(grid[:, along], probabilities[:, c])
        ]
    return rows


def probability_chart(
    artifact: Artifact,
    values: np.ndarray,
    along: int,
    epoch_params: tuple,
    entered: bool,
    by: int | None = None,
) -> dict:
    """The served curves (onnxruntime) along numeric feature ``along``, the curves as they were
    after the chosen step (``epoch_params``, from the card's history), the optimum's where the run
    stopped short of it (``export.optimum``), the training rows, the
    decision boundary (binary) and the entered input (``values``: codes, ``export.design``). ``by``:
    a categorical feature drawn with one curve per level (the others held at ``values``). The
    template is the static site's (``export.charts``)."""
    card = artifact.card
    design = card.design
    name = card.feature_names[along]
    extent = card.data.features[name]
    lo, hi = curve_range(extent.min, extent.max, values[along] if entered else None)
    w_epoch, b_epoch = epoch_params
    held = [("", values)]
    if by is not None:
        feature = card.feature_names[by]
        held = [(f"{feature} = {level}", _with(values, by, k)) for k, level in enumerate(design.levels[feature])]
    curves = []
    for level, start in held:
        grid = defined_rows(design, curve_grid(start, along, lo, hi))
        past = coefficient_probabilities(card, w_epoch, b_epoch, grid)
        curves += _curve_rows(grid, along, artifact.predict_codes(grid).probabilities, card, CURVES[0], level)
        curves += _curve_rows(grid, along, past, card, CURVES[1], level)
        best = optimum_probabilities(card, grid)
        if best is not None:  # the run stopped short: the optimum of its objective beside it
            curves += _curve_rows(grid, along, best, card, CURVES[2], level)
    stored, y = _training_rows(card)
    keep = (stored[:, along] >= lo) & (stored[:, along] <= hi)
    rows = [
        {"value": float(v), "P": float(label) if card.binary else 0.0, "class": str(card.class_labels[label])}
        for v, label in zip(stored[keep, along], y[keep])
    ]
    boundary = decision_boundary(card, values, along)
    point = []
    if entered and lo <= values[along] <= hi:
        p = artifact.predict_codes(values[None, :]).probabilities[0]
        point = [{"value": float(values[along]), "P": float(p[c])} for c in shown_classes(card)]
    data = {
        "curves": curves,
        "rows": rows,
        "boundary": [{"value": float(boundary)}] if boundary is not None and lo <= boundary <= hi else [],
        "point": point,
    }
    return filled(curve_template(card, name), data)


def defined_rows(design: Design | FormulaDesign, rows: np.ndarray) -> np.ndarray:
    """The rows (codes) where every term is defined: all of them, but a formula's log or square
    root takes only some numbers (a curve is drawn where the model answers)."""
    if not isinstance(design, FormulaDesign):
        return rows
    with np.errstate(all="ignore"):
        return rows[np.isfinite(design.expand(rows)).all(axis=1)]


def _with(values: np.ndarray, column: int, value: float) -> np.ndarray:
    changed = values.copy()
    changed[column] = value
    return changed


def level_bars(artifact: Artifact, values: np.ndarray, feature: int) -> dict:
    """P(y) for each level of categorical feature ``feature``, the others held at ``values`` (codes):
    the picture of a model whose features are all categorical."""
    card = artifact.card
    name = card.feature_names[feature]
    levels = card.design.levels[name]
    rows = np.array([_with(values, feature, k) for k in range(len(levels))])
    probabilities = artifact.predict_codes(rows).probabilities
    data = [
        {"level": level, "order": k, "P": float(probabilities[k, c]), "class": str(card.class_labels[c])}
        for c in shown_classes(card)
        for k, level in enumerate(levels)
    ]
    return filled(levels_template(card, name), {"levels": data})


def coefficient_plot(card: ModelCard) -> alt.LayerChart | None:
    """Each term's estimate with its 95% interval (odds ratios, on a log scale, for a binary model),
    from the card's coefficient table; None when the card has none."""
    table = card.statistics.coefficients if card.statistics else None
    if table is None:
        return None
    frame = pd.DataFrame({"term": table.terms, "estimate": table.estimate, "low": table.ci_low, "high": table.ci_high})
    if table.classes is not None:  # multinomial: each class's terms against the first class
        frame["term"] = [f"{label}: {term}" for label, term in zip(table.classes, table.terms)]
    # the intercepts have another scale (one per class); aliased terms have no estimate
    frame = frame[np.arange(len(frame)) % (len(card.design.terms) + 1) != 0].dropna()
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
    x = alt.X("a0:Q", title=title(a), scale=alt.Scale(domain=list(ranges[0]), nice=False))
    y = alt.Y("b0:Q", title=title(b), scale=alt.Scale(domain=list(ranges[1]), nice=False))
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


def class_bars(card: ModelCard, probabilities: np.ndarray) -> dict:
    classes = [{"class": str(c), "P": float(p)} for c, p in zip(card.class_labels, probabilities)]
    return filled(classes_template(card), {"classes": classes})


def loss_chart(history: LossHistory, epoch: int) -> dict:
    """The objective after each recorded step, with the selected one marked."""
    points = [{"epoch": e, "loss": loss} for e, loss in zip(history.epoch, history.loss)]
    return filled(loss_template(), {"history": points, "step": [{"epoch": epoch}]})


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
