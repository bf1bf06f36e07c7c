"""The range the served graph computes in: float32's. Every input, feature and stored value is
checked against it; this module imports nothing heavy, so the command line's flag checks use it
before onnx or torch load."""

import numpy as np

FLOAT32_MAX = float(np.finfo(np.float32).max)
