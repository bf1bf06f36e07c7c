"""Each section of the page renders on its own: a failure in one (a bad model, a bad file, a bug)
becomes one line in that section, and the sections after it still render."""

import re
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from export.errors import first_line

T = TypeVar("T")
FOLDERS = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.\-~ ]+)+[\\/]")  # the folders of a path, kept out of messages


def show_section(title: str, render: Callable[..., T], *args: object, fallback: T | None = None) -> T | None:
    """``st.header(title)``, then ``render(*args)``; if it raises, one line instead of a traceback
    (without the server's folders) and ``fallback`` as the result. Streamlit's own control flow
    (``st.stop``, reruns) derives from BaseException and passes through."""
    st.header(title)
    try:
        return render(*args)
    except Exception as e:  # any failure at all: the visitor gets a line, the page goes on
        st.error(f"This section could not be shown ({public_message(e)}).")
        return fallback


def public_message(error: BaseException) -> str:
    """The error's first line, with directory parts of any path removed."""
    return FOLDERS.sub("", f"{type(error).__name__}: {first_line(error)}")


MARKDOWN = re.compile(r"([\\`*_\[\]<>!#|~$])")  # formatting, links, images, HTML, LaTeX


def plain(text: str) -> str:
    """``text`` from a model card or a file, escaped so Streamlit's markdown shows it as written
    (no links, images or formatting smuggled in by a hostile card)."""
    return MARKDOWN.sub(r"\\\1", str(text))
