"""Generated rows handed to the static site's ``window.logreg.predict`` and to the Python reader: both
score them (the same probabilities, within float32 rounding) or both refuse them, for a numeric, a
multinomial and a categorical model. Rows travel as JSON, as a page's script would receive them."""

import json
from collections.abc import Iterator

import numpy as np
import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS
from fuzz_inputs import MODELS
from hypothesis import event, given
from hypothesis import strategies as st
from playwright.sync_api import Page, sync_playwright
from site_visits import served

from export.artifact import Artifact
from export.errors import InputError
from export.site.build import build_site

pytestmark = pytest.mark.browser
KINDS = ("cancer", "iris", "penguins")
SERVED = {name: Artifact.from_bytes(MODELS[name], source=name) for name in KINDS}
# JSON values a script might pass for one feature: numbers in and out of float32's range, their
# text, blanks, booleans, lists, objects, and levels as written, padded or in another case
ODD_VALUES = st.sampled_from(
    [None, "", " ", "45", " 5 ", "nan", "inf", True, False, [45], {"a": 1}, 1e39, -1e39, 2**70, -0.0, 0, 1]
)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Iterator[dict[str, Page]]:
    """One open page per model's site, kept for every generated case (opening one takes a second)."""
    root = tmp_path_factory.mktemp("fuzz-sites")
    for name in KINDS:
        (root / f"{name}.onnx").write_bytes(MODELS[name])
        build_site(root / f"{name}.onnx", root / name)
    with served(root) as home, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        opened = {}
        for name in KINDS:
            opened[name] = browser.new_page()
            opened[name].goto(f"{home}/{name}/")
            opened[name].wait_for_function("document.body.dataset.ready === 'true'", timeout=60_000)
        yield opened
        browser.close()


@st.composite
def json_rows(draw, artifact: Artifact) -> list[dict]:
    """Up to four rows keyed by feature name: mostly what each feature takes, sometimes an odd
    value, a missing feature or an extra key."""
    design = artifact.design
    rows = []
    for _ in range(draw(st.integers(0, 4))):
        row = {}
        for name in design.features:
            choice = draw(st.integers(0, 24))
            if choice == 0:
                continue  # missing
            if choice == 1:
                row[name] = draw(ODD_VALUES)
            elif name in design.levels:
                level = draw(st.sampled_from(design.levels[name]))
                row[name] = draw(st.sampled_from([level] * 6 + [f" {level} ", level.lower(), "unseen"]))
            else:
                row[name] = draw(st.floats(-1e6, 1e6))
        if draw(st.integers(0, 5)) == 0:
            row["extra"] = "ignored"
        rows.append(row)
    return rows


@pytest.mark.parametrize("name", KINDS)
@given(data=st.data())
def test_the_site_and_the_reader_score_or_refuse_alike(pages, name, data):
    artifact = SERVED[name]
    rows = data.draw(json_rows(artifact))
    site = pages[name].evaluate(
        "text => window.logreg.predict(JSON.parse(text)).then(p => ({ p }), e => ({ error: e.message }))",
        json.dumps(rows),
    )
    try:
        theirs = artifact.predict(rows).probabilities
    except InputError as refused:
        event("refused")
        assert "error" in site, f"the site scored what the reader refuses ({refused}): {rows}"
        assert site["error"] and "\n" not in site["error"]
        return
    event("scored")
    assert "p" in site, f"the site refused what the reader scores ({site['error']}): {rows}"
    ours = np.array(site["p"], dtype=np.float64).reshape(theirs.shape)
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
