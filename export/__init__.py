"""Export a trained checkpoint to a self-describing ONNX artifact, and read such artifacts.

The reader side (``export.artifact``, ``export.card.model_card``, ``export.parity``) needs only numpy and
onnxruntime; the page imports it. Only ``export.writer.graph``, ``export.writer.build`` and ``python -m export``
import torch.
"""
