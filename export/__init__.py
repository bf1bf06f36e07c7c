"""Export a trained checkpoint to a self-describing ONNX artifact, and read such artifacts.

The reader side (``export.artifact``, ``export.card``, ``export.parity``) needs only numpy and
onnxruntime; the page imports it. Only ``export.graph``, ``export.build`` and ``python -m export``
import torch.
"""
