"""The page's sections, in the order the page shows them. Each is a module with one ``SECTION``:
its title, what it needs from the card and how it renders (``page.sections.section``); a new one is
a module here and a line in SECTIONS."""

from page.sections import (
    diagnostics,
    explanation,
    facts,
    learned,
    log_loss,
    metrics,
    objective,
    predict,
    scoring,
    statistics,
)

SECTIONS = (
    predict.SECTION,
    explanation.SECTION,
    learned.SECTION,
    objective.SECTION,
    diagnostics.SECTION,
    statistics.SECTION,
    metrics.SECTION,
    log_loss.SECTION,
    scoring.SECTION,
    facts.SECTION,
)
