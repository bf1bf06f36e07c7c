"""The fitted model ``training.fit`` returns: its served graph in memory, as the artifact file
will hold it, so that what it predicts here is what the exported file predicts.

Nothing here imports torch: the fit made the bytes (``training.api.fitting``); this object keeps
them, serves them with onnxruntime (``export.artifact``), and writes them (``export``).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from export.artifact import Artifact, Prediction
from export.card.markdown import card_markdown
from export.card.model_card import ModelCard
from export.files import card_path, check_model_path, write_together
from training.api.boundary import one_line_errors
from training.api.options import check_paths
from training.api.report import card_html, coefficient_frame


class Model:
    """A fitted logistic regression: ``summary()``, ``predict_proba``, ``predict``, ``card``,
    ``warnings``, ``export(path)``. ``artifact`` serves it with everything the reader gives (95%
    intervals of the probabilities, explanations: ``export.artifact.Artifact``)."""

    def __init__(self, onnx: bytes, checkpoint: bytes, data_path: Path | None = None, artifact: Artifact | None = None):
        """``artifact``: ``onnx`` as the reader loaded it already (the export's own check did);
        else it is loaded here (an unpickled model)."""
        self._onnx, self._checkpoint, self._data_path = onnx, checkpoint, data_path
        self.artifact = artifact or Artifact.from_bytes(onnx, source="the fitted model")

    @property
    def card(self) -> ModelCard:
        """The model card, typed (``export.card.model_card.ModelCard``): what the artifact holds."""
        return self.artifact.card

    @property
    def warnings(self) -> list[str]:
        """What the fit found that a user must know (separation, no convergence, ...)."""
        return list(self.card.warnings or [])

    @property
    def classes(self) -> tuple:
        """The class labels, in the order of ``predict_proba``'s columns."""
        return tuple(self.card.class_labels)

    @one_line_errors
    def summary(self) -> pd.DataFrame:
        """The coefficient table (``training.api.report.coefficient_frame``)."""
        return coefficient_frame(self.card)

    @one_line_errors
    def scores(self, rows: object) -> Prediction:
        """The served outputs for ``rows`` (a DataFrame, a mapping of column to values, a list of
        mappings; an array for a model of numeric features): logits, probabilities, labels, and the
        95% intervals of the probabilities where the card holds a covariance."""
        return self.artifact.predict(rows)

    @one_line_errors
    def predict_proba(self, rows: object) -> np.ndarray:
        """P(class k) for each row, (n, K) in ``classes`` order: the exported file's numbers."""
        return self.scores(rows).probabilities.astype(np.float64)

    @one_line_errors
    def predict(self, rows: object) -> np.ndarray:
        """Each row's class label: binary, class 1 where its P is above the card's threshold;
        multinomial, the most probable class."""
        return np.asarray(self.classes)[self.scores(rows).label]

    @one_line_errors
    def export(self, path: str | Path) -> Path:
        """Write the artifact to ``path`` (an .onnx file), its checkpoint (.pt) and its model card
        (.model_card.md) beside it, all or none, as ``python -m training --out path`` would; never
        over the data file the model was fitted on. Returns the path."""
        out = Path(path)
        check_model_path(out, "export path")
        check_paths(out, self._data_path)
        files = {out.with_suffix(".pt"): self._checkpoint, out: self._onnx, card_path(out): self.markdown.encode()}
        write_together(files)
        return out

    @property
    def markdown(self) -> str:
        return card_markdown(self.card)

    def _repr_html_(self) -> str:
        return card_html(self.card)

    def __repr__(self) -> str:
        card = self.card
        warned = f", {len(self.warnings)} warning(s)" if self.warnings else ""
        return (
            f"<logreg-kit Model: {card.target_name} from {len(card.feature_names)} feature(s), "
            f"{card.n_classes} classes, {card.data.n_rows} rows{warned}>"
        )

    def __getstate__(self) -> dict:
        return {"onnx": self._onnx, "checkpoint": self._checkpoint, "data_path": self._data_path}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["onnx"], state["checkpoint"], state["data_path"])
