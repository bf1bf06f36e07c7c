"""Say when a requested prediction lies outside the range the model was trained on."""

from export.card.sections import FeatureRange


def extrapolation_warning(values: dict[str, float], features: dict[str, FeatureRange]) -> str | None:
    """``values``: feature -> requested value; ``features``: the card's ``data.features`` (the
    numeric features': a categorical feature's value is one of its levels, never outside them)."""
    outside = [
        f"{name} = {value:g} (trained on [{features[name].min:g}, {features[name].max:g}])"
        for name, value in values.items()
        if name in features and not features[name].min <= value <= features[name].max
    ]
    if not outside:
        return None
    return (
        f"extrapolation: {'; '.join(outside)} lies outside the training range, where the data says nothing "
        "about the curve: the model only continues its straight line in the logit."
    )
