"""The Streamlit page: ``app.py`` (the page itself; ``streamlit_app.py`` and ``logreg-page``,
``launch.py``, run it) and its parts that are not widgets: input parsing, charts, tables.

Serving path: numpy, pandas, altair and the artifact reader only; never torch.
"""
