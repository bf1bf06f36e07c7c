"""A static web site from an artifact: the same ONNX file scored by onnxruntime-web in the
visitor's browser, no server (``python -m export.site``)."""
