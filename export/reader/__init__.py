"""The reader's checks on a model file before and after onnxruntime loads it (no torch)."""
