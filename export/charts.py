"""A model's charts, defined once as Vega-Lite templates (built with Altair) for both pages: the
Streamlit page fills them in Python (``page/charts.py``), the static site in the browser with what
onnxruntime-web computed (``export/site/web/charts.js``, which mirrors ``filled``). Each layer reads a
named data set (``curves``, ``rows``, ``boundary``, ``point``, ``history``, ``step``, ``classes``,
``levels``). Card text goes into a template only as a title (``title``) and into its data as values.

The charts: the learned curve along a numeric feature with the curve after a chosen step, the
training rows, the decision boundary and the entered input; the objective per step; the class
probabilities; P(y) per level of a categorical feature; the waterfall of a prediction's explanation
(``steps``: from the base through each feature's contribution to the logit).
"""

import copy

import altair as alt

from export.card.model_card import ModelCard

# Legends above the plot, each on its own line, its entries in rows of three: on a phone (390 px) side
# by side they ran off the right edge
TOP = alt.Legend(orient="top", columns=3)
# Vega's legend layout (Vega-Lite passes it through; Altair's schema does not list it)
LEGENDS = {"legend": {"layout": {"top": {"direction": "vertical", "anchor": "start"}}}}
# the ``curve`` values of the ``curves`` data set (the optimum's: a run that stopped short of it)
CURVES = ["served model", "after the chosen step", "the optimum of the objective"]
# Vega looks a title or a sort list's text up among its operators without an own-property check, so a
# feature named toString fails to draw ("Operator not defined"); such a title gets an invisible mark
OBJECT_MEMBERS = frozenset(
    [
        "constructor",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
        "__proto__",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
    ]
)


def title(text: str) -> str:
    """``text`` as a chart title Vega draws as written: a name that is one of JavaScript's object
    members gets a zero-width space after it."""
    return f"{text}\u200b" if text in OBJECT_MEMBERS else text


def chart_templates(card: ModelCard) -> dict:
    """The templates this model's page needs, as Vega-Lite JSON (dicts)."""
    design = card.design
    return {
        "curves": {name: curve_template(card, name) for name in design.numeric},
        "levels": {name: levels_template(card, name) for name in design.categorical},
        "loss": loss_template(),
        "classes": classes_template(card),
        "waterfall": waterfall_template(card),
    }


def probability_title(card: ModelCard) -> str:
    return f"P({card.target_name} = {card.class_labels[1]})" if card.binary else f"P({card.target_name} = class)"


def filled(template: dict, data: dict[str, list[dict]]) -> dict:
    """The template with its named data sets given (rows as dicts); a layer whose data set is
    empty is left out (Vega-Lite warns about the extent of an empty layer)."""
    spec = copy.deepcopy(template)
    spec["datasets"] = data
    if "layer" in spec:
        spec["layer"] = [layer for layer in spec["layer"] if data[layer["data"]["name"]]]
    return spec


def curve_template(card: ModelCard, name: str) -> dict:
    """P along numeric feature ``name`` (``value``): lines by ``series`` (a class, or a level the
    curves hold another feature at) and ``curve``, training rows, the boundary, the entered point."""
    x = alt.X("value:Q", title=title(name), scale=alt.Scale(nice=False, zero=False))
    lines = (
        alt.Chart(alt.NamedData("curves"))
        .mark_line()
        .encode(
            x=x,
            y=alt.Y("P:Q", title=probability_title(card), scale=alt.Scale(domain=[0, 1])),
            # not "class": the training rows' shapes use that field, and Vega-Lite would merge the two
            # legends into one listing only the rows' classes (the curves per level went unnamed)
            color=alt.Color("series:N", title=None, legend=TOP),
            strokeDash=alt.StrokeDash(
                "curve:N", title=None, legend=TOP, scale=alt.Scale(domain=CURVES, range=[[1, 0], [6, 4], [1, 3]])
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
    chart = alt.layer(lines, rows, boundary, point).properties(width="container", height=320).to_dict()
    return {**chart, "config": LEGENDS}


def levels_template(card: ModelCard, name: str) -> dict:
    """P for each ``level`` of categorical feature ``name``, a bar per shown ``class``, the levels
    in the card's order (each row's ``order``: a sort list of the levels themselves would be card
    text that Vega looks up, see ``OBJECT_MEMBERS``)."""
    return (
        alt.Chart(alt.NamedData("levels"))
        .mark_bar()
        .encode(
            x=alt.X("level:N", sort=alt.EncodingSortField(field="order", op="min"), title=title(name)),
            y=alt.Y("P:Q", title=probability_title(card), scale=alt.Scale(domain=[0, 1])),
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


# the waterfall shows this many features, the largest contributions first, and the rest as one bar
WATERFALL_FEATURES = 12
STEP_KINDS = ["base", "raises", "lowers", "the others", "logit"]


def waterfall_template(card: ModelCard) -> dict:
    """A prediction's explanation (``export.explain``): one bar per ``step`` from ``start`` to
    ``end`` on the logit scale, in ``order``: the base, the features that move the logit most, the
    rest together, and the logit; ``kind`` colours them. Rows are labelled ``row``, the step
    numbered, so two steps of one name (a feature called logit) stay two rows."""
    bars = (
        alt.Chart(alt.NamedData("steps"))
        .mark_bar()
        .encode(
            x=alt.X("start:Q", title="log-odds (logit)"),
            x2="end:Q",
            y=alt.Y("row:N", sort=alt.EncodingSortField("order"), title=None),
            color=alt.Color("kind:N", scale=alt.Scale(domain=STEP_KINDS), legend=TOP, title=None),
            tooltip=["step:N", alt.Tooltip("change:Q", format=".6g"), alt.Tooltip("end:Q", format=".6g")],
        )
    )
    # a height in pixels: with rows of their own height, Vega-Lite warns that it cannot fit it
    parts = len(card.design.parts())  # features, or a formula model's terms
    rows = min(parts, WATERFALL_FEATURES) + 2 + (parts > WATERFALL_FEATURES)
    return {**bars.properties(width="container", height=24 * rows + 20).to_dict(), "config": LEGENDS}


def waterfall_steps(
    base: float, contributions: list[float], names: list[str], logit: float, parts: str = "features"
) -> list[dict]:
    """The waterfall's rows for one prediction's logit (the static site builds the same rows);
    ``parts``: what the names are (a formula model's: terms)."""
    order = sorted(range(len(names)), key=lambda j: -abs(contributions[j]))  # stable: ties keep feature order
    shown, rest = order[:WATERFALL_FEATURES], order[WATERFALL_FEATURES:]
    steps = [{"step": "base (at the training means)", "start": 0.0, "end": base, "change": base, "kind": "base"}]
    running = base
    for j in shown:
        change = contributions[j]
        kind = "raises" if change >= 0 else "lowers"
        steps.append({"step": names[j], "start": running, "end": running + change, "change": change, "kind": kind})
        running += change
    if rest:
        change = sum(contributions[j] for j in rest)
        label = f"the other {len(rest)} {parts}"
        steps.append({"step": label, "start": running, "end": running + change, "change": change, "kind": "the others"})
    steps.append({"step": "logit", "start": 0.0, "end": logit, "change": logit, "kind": "logit"})
    return [{**step, "order": i, "row": f"{i + 1}. {step['step']}"} for i, step in enumerate(steps)]
