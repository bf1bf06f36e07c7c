"""Where the project's files are, for tests at any depth of this folder."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PAGE = PROJECT / "streamlit_app.py"
