"""The parts of the Streamlit page that are not widgets: input parsing, charts, tables.

Serving path: numpy, pandas, altair and the artifact reader only; never torch.
"""
