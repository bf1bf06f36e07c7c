"""What a section of the page is, and what sections share on one run of the page.

Each section renders on its own: a failure in one (a bad model, a bad file, a bug) becomes one line
in that section, and the sections after it still render."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from export.artifact import Artifact
from export.card.model_card import ModelCard
from export.errors import first_line
from page.text import plain

FOLDERS = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][\w.\-~ ]+)+[\\/]")  # the folders of a path, kept out of messages


@dataclass
class View:
    """One run of the page: the served model, the entered values as codes (``export.design``; the
    card's example until the form is read), whether every entry was usable, and the history step
    chosen on the curve (-1: the last). Sections read it, and the form and the curve set it."""

    artifact: Artifact
    values: np.ndarray
    entered: bool = False
    step: int = -1

    @property
    def card(self) -> ModelCard:
        return self.artifact.card


@dataclass(frozen=True)
class Section:
    """A header, and what renders under it. ``needs`` says whether the card holds what the section
    shows; a card without it (an older or foreign model) gets ``missing`` instead, in one caption."""

    title: str
    render: Callable[[View], None]
    needs: Callable[[ModelCard], bool] = lambda card: True
    missing: str = ""

    def show(self, view: View) -> None:
        """The header, then the section; if it raises, one line instead of a traceback (without the
        server's folders). Streamlit's own control flow (``st.stop``, reruns) derives from
        BaseException and passes through."""
        st.header(self.title)
        if not self.needs(view.card):
            st.caption(self.missing)
            return
        try:
            self.render(view)
        except Exception as e:  # any failure at all: the visitor gets a line, the page goes on
            st.error(f"This section could not be shown ({plain(public_message(e))}).")


def public_message(error: BaseException) -> str:
    """The error's first line, with directory parts of any path removed."""
    return FOLDERS.sub("", f"{type(error).__name__}: {first_line(error)}")
