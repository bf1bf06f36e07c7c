"""Say when a requested prediction lies outside the range the model was trained on (the static site
says it in the same words: ``EXTRAPOLATION`` is handed to it in ``rules.json``)."""

from collections.abc import Sequence

from export.card.sections import FeatureRange

EXTRAPOLATION = {
    "start": "extrapolation:",
    "outside": (
        "{values} lies outside the training range, where the data says nothing about the curve: the model {how}."
    ),
    "linear": "only continues its straight line in the logit",
    "formula": "continues its formula",
    "beyond": "{splines} lies beyond the spline's boundary knots: its last piece is continued.",
}


def extrapolation_warning(
    values: dict[str, float], features: dict[str, FeatureRange], beyond: Sequence[str] | None = None
) -> str | None:
    """``values``: feature -> requested value; ``features``: the card's ``data.features`` (the
    numeric features': a categorical feature's value is one of its levels, never outside them).
    ``beyond``: for a formula model (None otherwise), its splines whose argument lies past their
    boundary knots (``export.formula.design.FormulaDesign.beyond``)."""
    outside = [
        f"{name} = {value:g} (trained on [{features[name].min:g}, {features[name].max:g}])"
        for name, value in values.items()
        if name in features and not features[name].min <= value <= features[name].max
    ]
    if not outside and not beyond:
        return None
    said = [EXTRAPOLATION["start"]]
    if outside:
        how = EXTRAPOLATION["formula" if beyond is not None else "linear"]
        said.append(EXTRAPOLATION["outside"].format(values="; ".join(outside), how=how))
    if beyond:
        said.append(EXTRAPOLATION["beyond"].format(splines="; ".join(beyond)))
    return " ".join(said)
