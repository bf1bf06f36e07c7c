"""Say when a requested prediction lies outside the range the model was trained on."""

from collections.abc import Sequence

from export.card.sections import FeatureRange


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
    continued = "continues its formula" if beyond is not None else "only continues its straight line in the logit"
    said = ["extrapolation:"]
    if outside:
        said.append(
            f"{'; '.join(outside)} lies outside the training range, where the data says nothing about the curve: "
            f"the model {continued}."
        )
    if beyond:
        said.append(f"{'; '.join(beyond)} lies beyond the spline's boundary knots: its last piece is continued.")
    return " ".join(said)
