"""The fields' accessible names. Streamlit renders a widget's label as markdown and also makes the
label string, as given, the field's ``aria-label``. A label taken from a card must be escaped
(``page.text.plain``: a feature named ``![t](http://host/t.png)`` would otherwise fetch the
image, even from a collapsed label), so a field named ``__proto__`` would be announced as
``\\_\\_proto\\_\\_``. A small script gives each such field the name as written, and keeps giving it
when Streamlit redraws the field."""

import json

import streamlit as st

from page.text import plain

# Runs in the page (st.html with JavaScript allowed). The names come in as JSON made safe inside a
# <script> element; lookups are in a Map, so no name can reach Object.prototype.
SCRIPT = """<script>
(() => {
  window.logregNames = new Map(Object.entries(%s));
  if (window.logregNamesWatched) return window.logregNamesWatched();
  const name = () => {
    for (const field of document.querySelectorAll("[aria-label]")) {
      const written = window.logregNames.get(field.getAttribute("aria-label"));
      if (written !== undefined) field.setAttribute("aria-label", written);
    }
  };
  window.logregNamesWatched = name;
  const watched = { subtree: true, childList: true, attributeFilter: ["aria-label"] };
  new MutationObserver(name).observe(document.body, watched);
  name();
})();
</script>"""


def script_json(value: object) -> str:
    """JSON that cannot end or open anything inside a <script> element."""
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def name_fields(names: list[str]) -> None:
    """Make the accessible name of each field labelled ``plain(name)`` the name itself."""
    escaped = {plain(name): name for name in names if plain(name) != name}
    if escaped:
        st.html(SCRIPT % script_json(escaped), unsafe_allow_javascript=True)
