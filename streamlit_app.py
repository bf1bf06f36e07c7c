"""The page: ``streamlit run streamlit_app.py`` serves the models in ``artifacts/`` beside this file.

Serves an exported model with onnxruntime and numpy (no torch). The page itself is ``page.app``,
installed with the kit, so that ``logreg-page MODEL.onnx`` opens it on any model from any folder.
"""

from page.app import main

main(__file__)
