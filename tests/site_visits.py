"""Visiting a static site in headless Chromium: a page's requests and console problems, its rows
to probe with, files handed to its upload field, and an accessibility scan (axe-core, from npm)."""

import functools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from paths import PROJECT
from playwright.sync_api import Browser, Page

from export.artifact import Artifact

AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}  # an iPhone 12-15's CSS viewport


class Visit:
    """A page of one site, with every request and console problem it caused."""

    def __init__(self, browser: Browser, url: str, viewport: dict | None = None, wait: bool = True):
        self.page: Page = browser.new_page(viewport=viewport or {"width": 1100, "height": 2000})
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        if wait:
            self.open(url)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_function("document.body.dataset.ready !== undefined", timeout=60_000)
        assert self.page.evaluate("document.body.dataset.ready") == "true", self.page.inner_text("#failure")

    def predict(self, rows: list[dict]) -> np.ndarray:
        """The site's probabilities for ``rows``, handed over as JSON and parsed in the page, as a
        client reading JSON would (an object literal's ``__proto__`` key would set the prototype)."""
        return np.array(self.page.evaluate("text => window.logreg.predict(JSON.parse(text))", json.dumps(rows)))

    def refusal(self, script: str) -> str:
        """The message ``window.logreg.predict`` rejects with, for rows made by ``script`` (a JS
        expression: BigInts and other values JSON cannot carry)."""
        outcome = "then(r => 'scored: ' + JSON.stringify(r), e => e.message)"
        return self.page.evaluate(f"window.logreg.predict({script}).{outcome}")

    def check_stayed_home(self, home: str) -> None:
        assert self.requests and all(url.startswith(home + "/") for url in self.requests), self.requests
        assert not self.problems, self.problems


def upload(page: Page, name: str, data: bytes) -> None:
    page.set_input_files("#batch-file", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def probe_rows(artifact: Artifact, n: int = 300) -> list[dict]:
    """Rows over the training ranges and a span beyond, every level of every categorical feature.
    (Both sides compute the logit in float32, summed in different orders: the probabilities differ
    by a few float32 roundings of the logit, which grows with it; measured on 10,000 iris rows here:
    at most 6.3e-7 a span beyond the range, 9.5e-7 three spans beyond, too near 1e-6 to hold on
    every CPU.)"""
    card, rng = artifact.card, np.random.default_rng(7)
    rows = [{} for _ in range(n)]
    for name in card.feature_names:
        if name in card.design.levels:
            levels = card.design.levels[name]
            values = [levels[i % len(levels)] for i in range(n)]
        else:
            r = card.data.features[name]
            span = max(r.max - r.min, 1.0)
            values = rng.uniform(r.min - span, r.max + span, n).tolist()
        for row, value in zip(rows, values):
            row[name] = value
    return rows


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now (WCAG 2.1 A and AA rules),
    one line each: the rule, and the first offending element."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] }))
            .violations.filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => `${v.id}: ${v.help} (${v.nodes.length} element(s), e.g. ${v.nodes[0].html.slice(0, 160)})`)"""
    )
    return list(found)


def page_width(page: Page) -> int:
    """How wide the page's content is: more than the viewport means a sideways scroll."""
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(root: Path) -> Iterator[str]:
    """Python's plain http.server on 127.0.0.1 serving ``root``; yields its address."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
