"""The writer: a fitted linear layer -> ONNX graph + card, checked for parity with torch; the
torch checkpoint beside it."""
