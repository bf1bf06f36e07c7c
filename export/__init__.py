"""The artifact: written here, read here. Every other package imports this one; it imports none of them.

artifact.py    the reader (``load_artifact``, ``Artifact``): onnx + onnxruntime + numpy, no torch
card/          the typed model card: its sections with their checks, JSON, markdown
reader/        what the reader checks before and after onnxruntime loads a file
writer/        a fitted linear layer -> ONNX + card, parity with torch, the checkpoint (torch)
errors.py      every exception of the kit; csv_input.py, files.py: reading tables, atomic writes
"""
