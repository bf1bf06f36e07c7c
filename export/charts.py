"""A model's charts, defined once as Vega-Lite templates (built with Altair) for both pages: the
Streamlit page fills them in Python (``page/charts.py``), the static site in the browser with what
onnxruntime-web computed (``export/site/web/app.js``, which mirrors ``filled``). Each layer reads a
named data set (``curves``, ``rows``, ``boundary``, ``point``, ``history``, ``step``, ``classes``,
``levels``).

The charts: the learned curve along a numeric feature with the curve after a chosen step, the
training rows, the decision boundary and the entered input; the objective per step; the class
probabilities; P(y) per level of a categorical feature.
"""

import copy

import altair as alt

from export.card.model_card import ModelCard

TOP = alt.Legend(orient="top")
CURVES = ["served model", "after the chosen step"]  # the ``curve`` values of the ``curves`` data set


def chart_templates(card: ModelCard) -> dict:
    """The templates this model's page needs, as Vega-Lite JSON (dicts)."""
    design = card.design
    return {
        "curves": {name: curve_template(card, name) for name in design.numeric},
        "levels": {name: levels_template(card, name) for name in design.categorical},
        "loss": loss_template(),
        "classes": classes_template(card),
    }


def filled(template: dict, data: dict[str, list[dict]]) -> dict:
    """The template with its named data sets given (rows as dicts); a layer whose data set is
    empty is left out (Vega-Lite warns about the extent of an empty layer)."""
    spec = copy.deepcopy(template)
    spec["datasets"] = data
    if "layer" in spec:
        spec["layer"] = [layer for layer in spec["layer"] if data[layer["data"]["name"]]]
    return spec


def curve_template(card: ModelCard, name: str) -> dict:
    """P along numeric feature ``name`` (``value``): lines by ``class`` (a class, or a level the
    curves hold another feature at) and ``curve``, training rows, the boundary, the entered point."""
    x = alt.X("value:Q", title=name, scale=alt.Scale(nice=False, zero=False))
    title = f"P({card.target_name} = {card.class_labels[1]})" if card.binary else f"P({card.target_name} = class)"
    lines = (
        alt.Chart(alt.NamedData("curves"))
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("P:Q", title=title, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("class:N", title=None, legend=TOP),
            strokeDash=alt.StrokeDash(
                "curve:N", title=None, legend=TOP, scale=alt.Scale(domain=CURVES, range=[[1, 0], [6, 4]])
            ),
            detail="curve:N",
        )
    )
    rows = alt.Chart(alt.NamedData("rows"))
    rows = (
        rows.mark_point(size=60, filled=True, opacity=0.7, color="#555").encode(
            x="value:Q", y="P:Q", shape=alt.Shape("class:N", title="training rows", legend=TOP)
        )
        if card.binary
        else rows.mark_tick(thickness=2, size=14, opacity=0.7).encode(x="value:Q", y="P:Q", color="class:N")
    )
    boundary = alt.Chart(alt.NamedData("boundary")).mark_rule(strokeDash=[4, 4], color="gray").encode(x="value:Q")
    point = (
        alt.Chart(alt.NamedData("point"))
        .mark_point(size=160, shape="diamond", filled=True, color="crimson")
        .encode(x="value:Q", y="P:Q", tooltip=["value:Q", "P:Q"])
    )
    return alt.layer(lines, rows, boundary, point).properties(width="container", height=320).to_dict()


def levels_template(card: ModelCard, name: str) -> dict:
    """P for each ``level`` of categorical feature ``name``, a bar per shown ``class``."""
    title = f"P({card.target_name} = {card.class_labels[1]})" if card.binary else f"P({card.target_name} = class)"
    return (
        alt.Chart(alt.NamedData("levels"))
        .mark_bar()
        .encode(
            x=alt.X("level:N", sort=list(card.design.levels[name]), title=name),
            y=alt.Y("P:Q", title=title, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("class:N", title=None, legend=None if card.binary else TOP),
            xOffset="class:N",
            tooltip=["level:N", "class:N", alt.Tooltip("P:Q", format=".6g")],
        )
        .properties(width="container", height=300)
        .to_dict()
    )


def loss_template() -> dict:
    """The objective per ``epoch`` (``history``), the chosen ``step`` marked."""
    line = (
        alt.Chart(alt.NamedData("history"))
        .mark_line()
        .encode(
            x=alt.X("epoch:Q", title="epoch / iteration"),
            y=alt.Y("loss:Q", title="objective (mean log loss + penalty)", scale=alt.Scale(zero=False)),
            tooltip=["epoch:Q", alt.Tooltip("loss:Q", format=".6f")],
        )
    )
    rule = alt.Chart(alt.NamedData("step")).mark_rule(color="crimson").encode(x="epoch:Q")
    return alt.layer(line, rule).properties(width="container", height=240).to_dict()


def classes_template(card: ModelCard) -> dict:
    """Each ``class``'s probability ``P``."""
    return (
        alt.Chart(alt.NamedData("classes"))
        .mark_bar()
        .encode(
            x=alt.X("P:Q", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("class:N", sort=None),
            color=alt.Color("class:N", legend=None),
            tooltip=["class:N", alt.Tooltip("P:Q", format=".6g")],
        )
        .properties(width="container", height=40 * card.n_classes + 40)
        .to_dict()
    )
