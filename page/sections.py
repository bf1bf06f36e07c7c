"""Each section of the page renders on its own: a failure in one (a bad model, a bad file, a bug)
becomes one line in that section, and the sections after it still render."""

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

import streamlit as st

from export.errors import MAX_SHOWN, first_line

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
        st.error(f"This section could not be shown ({plain(public_message(e))}).")
        return fallback


def show_listed(items: Sequence[str], show: Callable[[str], object], what: str) -> None:
    """``show`` (``st.warning``, ``st.caption``, ...) each of the first MAX_SHOWN ``items`` as plain
    text, then how many more there are and where to read them."""
    for item in items[:MAX_SHOWN]:
        show(plain(item))
    if len(items) > MAX_SHOWN:
        st.caption(f"… and {len(items) - MAX_SHOWN:,} more {what}: the whole list is in the model card (Model facts).")


def public_message(error: BaseException) -> str:
    """The error's first line, with directory parts of any path removed."""
    return FOLDERS.sub("", f"{type(error).__name__}: {first_line(error)}")


# Every ASCII punctuation mark may be backslash-escaped in CommonMark, and escaping them all leaves
# nothing for Streamlit's markdown to act on: links, images, HTML, LaTeX ($), code, emphasis, lists
# and headings, tables, :emoji: shortcodes and :red[colour] directives. GFM still turns bare URLs
# (http://, www.) and e-mail addresses in the shown text into links; a word joiner (U+2060, shown as
# nothing) inside each keeps them text.
MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")
AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)|(?<=mailto)(?=:)|(?<=xmpp)(?=:)")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """``text`` from a model card, a file or an error message, escaped so Streamlit's markdown
    (captions, messages, metrics) shows it as written and links nothing: punctuation escaped, bare
    URLs broken by an invisible word joiner, line breaks and other control characters shown as
    spaces so they cannot start a block."""
    text = AUTOLINK.sub(WORD_JOINER, CONTROL.sub(" ", str(text)))
    return MARKDOWN.sub(r"\\\1", text)
