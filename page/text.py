"""Text from a card, a file or an error message, shown by Streamlit as written."""

import re
from collections.abc import Callable, Sequence

import streamlit as st

from export.errors import MAX_SHOWN


def show_listed(items: Sequence[str], show: Callable[[str], object], what: str) -> None:
    """``show`` (``st.warning``, ``st.caption``, ...) each of the first MAX_SHOWN ``items`` as plain
    text, then how many more there are and where to read them."""
    for item in items[:MAX_SHOWN]:
        show(plain(item))
    if len(items) > MAX_SHOWN:
        st.caption(f"… and {len(items) - MAX_SHOWN:,} more {what}: the whole list is in the model card (Model facts).")


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
