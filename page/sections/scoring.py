"""Score a file: a CSV of feature columns in, the same file with the class probabilities and the
label appended out (``export.scoring``, the rules ``python -m export.score`` and the static site use)."""

import streamlit as st

from export.errors import MAX_SHOWN, InputError, listed, printable
from export.scoring import MAX_CSV_MB, MAX_ROWS, score_table, scored_csv
from page.models import RECEIVED, checked_upload
from page.sections.section import Section, View
from page.text import plain


def render(view: View) -> None:
    artifact = view.artifact
    upload = st.file_uploader(
        f"CSV with the feature columns (at most {MAX_CSV_MB} MB, {MAX_ROWS:,} rows)",
        type=["csv"],
        key="batch",
        max_upload_size=RECEIVED * MAX_CSV_MB,
    )
    if upload is None:
        design = artifact.design
        levels = "".join(f" {f} takes one of: {listed(design.levels[f])}." for f in design.categorical)
        st.caption(plain(f"Columns needed: {listed(artifact.card.feature_names)}.{levels}"))
        return
    complete = st.checkbox(
        "Score only the complete rows (a row with a missing cell is left unscored)", key="batch_complete"
    )
    name = printable(upload.name)  # messages name the file: a refused upload's says it is not the last one's
    try:
        scored, notes = score_table(
            checked_upload(upload, MAX_CSV_MB, name), artifact, name, max_rows=MAX_ROWS, complete_rows=complete
        )
    except InputError as e:
        st.error(plain(e))
        return
    for note in notes[:MAX_SHOWN]:
        st.info(plain(note))
    st.caption(plain(f"The scores of {name} ({len(scored):,} rows):"))
    probability = st.column_config.NumberColumn(format="%.6g")  # six digits, as everywhere on the page
    shown = {name: probability for name in scored.columns[-artifact.card.n_classes - 1 : -1]}
    st.dataframe(scored, hide_index=True, key="batch_table", column_config=shown)
    st.download_button(
        "Download the scored CSV",
        scored_csv(scored),
        file_name="scored.csv",
        mime="text/csv",
        key="batch_download",
    )
    st.caption("Text cells that a spreadsheet would run as a formula (starting with =, +, -, @) get a leading '.")


SECTION = Section("Score a file", render)
