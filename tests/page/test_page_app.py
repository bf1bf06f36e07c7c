"""The page as the installed kit runs it (``page/app.py``, what ``logreg-page`` starts): the model
folder and file come from the environment ``logreg-page`` sets."""

import shutil

from paths import PROJECT
from streamlit.testing.v1 import AppTest

APP = PROJECT / "page" / "app.py"


def test_the_installed_page_serves_the_model_logreg_page_names(tmp_path, monkeypatch):
    for name in ("model.onnx", "iris.onnx"):
        shutil.copy(PROJECT / "artifacts" / name, tmp_path / name)
    monkeypatch.setenv("LOGREG_ARTIFACTS_DIR", str(tmp_path))
    monkeypatch.setenv("LOGREG_MODEL", "iris.onnx")
    page = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not page.exception
    assert page.sidebar.selectbox[0].options == ["iris.onnx", "model.onnx"]
    assert page.caption[0].value.startswith(r"Serving iris\.onnx with onnxruntime\: multinomial\, species")


def test_without_a_folder_it_serves_the_artifacts_of_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "artifacts").mkdir()
    shutil.copy(PROJECT / "artifacts" / "default.onnx", tmp_path / "artifacts" / "default.onnx")
    monkeypatch.delenv("LOGREG_ARTIFACTS_DIR", raising=False)
    monkeypatch.delenv("LOGREG_MODEL", raising=False)
    monkeypatch.chdir(tmp_path)
    page = AppTest.from_file(str(APP), default_timeout=60).run()
    assert page.caption[0].value.startswith(r"Serving default\.onnx")
