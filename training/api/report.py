"""A fitted model's card as a notebook shows it: the coefficient table as a pandas DataFrame, and
the HTML view (warnings first, then what was fitted, the table and the tests), built from the same
pieces as the markdown card (``export.card.markdown``) so the two never say different things.
Every text from the card is escaped: names and levels come from a user's data."""

import html

import numpy as np
import pandas as pd

from export.card.markdown import coefficient_rows, header_items, statistics_paragraphs
from export.card.model_card import ModelCard


def coefficient_frame(card: ModelCard) -> pd.DataFrame:
    """The card's coefficient table: a row per term (per class and term for a multinomial model,
    each class against the first), estimates in raw feature units with standard errors, z,
    p-values and 95% intervals (Wald, and profile likelihood where computed) where the card has
    them; a penalized fit without standard errors has its estimates only."""
    header, rows = coefficient_rows(card)
    frame = pd.DataFrame(rows, columns=header)
    index = header[:2] if header[1] == "term" else header[:1]
    frame = frame.set_index(index)
    return frame.apply(lambda column: pd.to_numeric(column.map(lambda v: np.nan if v is None else v)))


def card_html(card: ModelCard) -> str:
    """The summary a statistician reads first: warnings, what was fitted, the coefficient table, the
    likelihood statistics and tests, notes."""
    escape = html.escape
    stats = card.statistics
    parts = [f"<div><h4>Logistic regression: {escape(str(card.target_name))}</h4>"]
    if card.warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in card.warnings)
        parts.append(f'<div style="border-left:4px solid #c60;padding-left:8px"><b>Warnings</b><ul>{items}</ul></div>')
    parts.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in header_items(card)) + "</ul>")
    if card.formula is not None:
        parts.append(f"<p>Formula: <code>{escape(card.formula.text)}</code></p>")
    parts.append(coefficient_frame(card).to_html(float_format=lambda v: f"{v:.6g}", na_rep="-"))
    parts += [f"<p>{escape(paragraph)}</p>" for paragraph in statistics_paragraphs(card)]
    parts += [f"<p><i>Note: {escape(note)}.</i></p>" for note in (stats.notes if stats else [])]
    return "\n".join(parts) + "</div>"
