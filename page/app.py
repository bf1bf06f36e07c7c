"""The page, as an installed module: ``streamlit_app.py`` (in a clone) and ``logreg-page`` (from
an installed kit, ``page.launch``) both run ``main``.

Serves an exported model with onnxruntime and numpy (no torch): enter x, read the probabilities,
and see what the model learned, how it learned it and how good it is. Everything shown comes from
the one ONNX file. This file chooses the model; the sections (``page.sections``) show it.
"""

from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from export.artifact import Artifact
from export.errors import ArtifactError, InputError, listed
from page.models import (
    MAX_MODEL_MB,
    RECEIVED,
    artifacts_dir,
    checked_upload,
    file_version,
    model_files,
    read_model_file,
)
from page.sections import SECTIONS
from page.sections.section import View
from page.text import plain

REBUILD = "python -m training"
UPLOAD_SOURCE = "the uploaded file"


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_model_file(path: str, version: tuple[int, int, int]) -> Artifact:
    """One validated model per file version, shared by every session (``run`` is thread-safe).
    ``version`` is only the cache key: a re-export changes it and the next run loads the new file.
    Messages name the file, not the server's folders."""
    return Artifact.from_bytes(read_model_file(Path(path)), source=Path(path).name)


def uploaded_model(upload: UploadedFile) -> Artifact:
    """The visitor's uploaded model, loaded once per upload and kept in their session only (a
    shared cache would keep every visitor's uploads alive); a new upload replaces it."""
    kept = st.session_state.get("uploaded_model")
    if kept is None or kept[0] != upload.file_id:
        st.session_state.pop("uploaded_model", None)  # the old one goes before the new one loads
        artifact = Artifact.from_bytes(checked_upload(upload, MAX_MODEL_MB, UPLOAD_SOURCE), source=UPLOAD_SOURCE)
        st.session_state["uploaded_model"] = kept = (upload.file_id, artifact)
    return kept[1]


def choose_model(page_file: str | None) -> Artifact:
    """The model picked in artifacts/, or a valid upload; a refused upload is said on the main page
    too, with the model that is served instead."""
    folder = artifacts_dir(page_file)
    names = model_files(folder)
    st.sidebar.header("Model")
    name = st.sidebar.selectbox("Model in artifacts/", names, key="model") if names else None
    upload = st.sidebar.file_uploader(
        f"Or upload an exported model (at most {MAX_MODEL_MB} MB)",
        type=["onnx"],
        key="upload",
        max_upload_size=RECEIVED * MAX_MODEL_MB,
    )
    refused = None
    if upload is None:
        st.session_state.pop("uploaded_model", None)
    else:
        try:
            artifact = uploaded_model(upload)
            if st.sidebar.radio("Serve", ["the uploaded model", "the model picked above"], key="serve") == (
                "the uploaded model"
            ):
                return artifact
        except (ArtifactError, InputError) as e:
            refused = str(e)
            st.sidebar.error(plain(refused))
    if name is None:
        st.error(f"No model in the artifacts folder. Build the default one with `{REBUILD}`, then reload this page.")
        st.stop()
    path = folder / name
    try:
        artifact = cached_model_file(str(path), file_version(path))
    except FileNotFoundError:
        st.error(f"{plain(name)} disappeared while loading. Rebuild it with `{REBUILD}`, then reload this page.")
        st.stop()
    except ArtifactError as e:
        st.error(plain(e))
        st.stop()
    if refused:
        st.error(plain(f"The uploaded model was refused, so {name} from artifacts/ is served: {refused}"))
    return artifact


def main(page_file: str | None = None) -> None:
    """The page; ``page_file``: the script streamlit runs in a clone, whose ``artifacts/`` it serves
    (None: ``LOGREG_ARTIFACTS_DIR``, which ``logreg-page`` sets, else ./artifacts)."""
    st.set_page_config(page_title="Logistic regression", layout="wide")
    st.title("Logistic regression, served from ONNX")
    artifact = choose_model(page_file)
    card = artifact.card
    serving = f"Serving {artifact.source} with onnxruntime: {card.task}, {card.target_name}"
    st.caption(plain(f"{serving} from {listed(card.feature_names)}."))
    view = View(artifact, card.design.codes_row(card.example))
    for section in SECTIONS:
        section.show(view)


if __name__ == "__main__":  # as streamlit runs a script (``logreg-page`` runs this file)
    main()
