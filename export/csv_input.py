"""Read a CSV that a person supplied, turning each way it can be broken into one line.

Shared by training (``--data``) and the page (batch scoring); numpy and pandas only.
"""

from pathlib import Path
from typing import BinaryIO

import pandas as pd

from export.errors import DataError


def read_csv(source: Path | BinaryIO, name: str) -> pd.DataFrame:
    """The table with stripped column names; ``DataError`` naming ``name`` if it is empty, not
    UTF-8 text, malformed, or has no data rows."""
    try:
        table = pd.read_csv(source, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(f"{name} is empty; it needs a header line and data rows") from None
    except UnicodeDecodeError:
        raise DataError(f"{name} is not a text CSV file (it is not UTF-8); save it as CSV and retry") from None
    except pd.errors.ParserError as e:
        raise DataError(f"{name} is not well-formed CSV ({str(e).strip()}); fix that line and retry") from None
    if table.empty:
        raise DataError(f"{name} has a header but no data rows; add rows and retry")
    table.columns = [str(c).strip() for c in table.columns]
    return table
