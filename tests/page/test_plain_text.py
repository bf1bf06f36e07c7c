"""``page.text.plain``, proved on generated text with a CommonMark renderer (markdown-it-py, with
GFM's tables, strikethrough and bare-URL links on): whatever a card or a file holds, the escaped
markdown renders as one paragraph of exactly that text, with no link, image, code, emphasis, HTML or
LaTeX delimiters left to act."""

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from page.text import CONTROL, WORD_JOINER, plain

RENDERER = MarkdownIt("gfm-like", {"linkify": True, "html": True})
MARKUP = ["[", "]", "(", ")", "!", "*", "_", "`", "$", "<", ">", "&", "#", "|", "~", ":", "-", "+", "=", "\\", "\n"]
PIECES = ["http://127.0.0.1:9/t.png", "www.example.com", "me@example.org", "mailto:x", "<img src=x>", "&amp;", "1. "]
TEXT = st.lists(
    st.one_of(st.sampled_from(MARKUP + PIECES), st.text(max_size=4)),
    max_size=30,
).map("".join)


def rendered(text: str) -> list:
    return RENDERER.parse(plain(text))


@settings(max_examples=400, deadline=None)
@given(TEXT)
@example(WORD_JOINER)  # a text of the joiner alone: found by this test, the check once counted it lost
def test_any_text_renders_as_itself_and_nothing_else(text):
    tokens = rendered(text)
    expected = re.sub(r"\s+", " ", CONTROL.sub(" ", text)).strip()
    if not expected:
        return
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], (text, tokens)
    children = tokens[1].children
    assert {c.type for c in children} <= {"text", "softbreak"}, (text, [c.type for c in children])
    # the joiners ``plain`` puts in are invisible, and so are any the text held: both are left out
    shown = "".join(c.content for c in children).replace(WORD_JOINER, "")
    assert re.sub(r"\s+", " ", shown).strip() == re.sub(r"\s+", " ", expected.replace(WORD_JOINER, "")).strip()


def test_known_attacks_are_shown_as_written():
    for text in ["![t](http://127.0.0.1:9/t.png)", "[a](javascript:alert(1))", "$x^2$", ":red[red] :smile:", "# h"]:
        tokens = rendered(text)
        assert tokens[1].children[0].type == "text" and len(tokens[1].children) == 1
        assert tokens[1].children[0].content.replace(WORD_JOINER, "") == text
