"""A formula model's design, its arithmetic and its splines: numpy and ONNX, no formula library."""
