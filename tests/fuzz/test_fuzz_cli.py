"""Generated command lines: a model, or exit status 2 with one line; the data and the previous
artifact are never touched by a run that fails."""

import tempfile
from pathlib import Path

from fuzz_inputs import NASTY_CELLS, SLOW
from hypothesis import event, given
from hypothesis import strategies as st

from training.__main__ import main

FOLDER = Path(tempfile.mkdtemp(prefix="fuzz-cli-"))
DATA = b"x,z,g,w,y\n1,2,a,1,0\n2,1,b,2,1\n3,0,a,1,1\n4,5,b,3,0\n5,4,a,1,1\n6,3,b,1,0\n"
PREVIOUS = b"the previous artifact"
WORDS = ["0", "1", "-1", "0.5", "1e308", "1e400", "nan", "-inf", "2**63", "9" * 30, "x", "y", "g", "w", "x,z", "x=1"]
WORDS += ["x=nan,z=1,g=a,w=1", "lbfgs", "sgd", "adam", "firth", "balanced", "f1", "1GB", "1e400GB", "\t", ";", '"']
WORDS += ["utf-16", "latin-1", "nope"]
VALUES = st.one_of(st.sampled_from(WORDS), st.sampled_from(NASTY_CELLS), st.text(max_size=6))
FLAGS = ["--target", "--features", "--weight-column", "--categorical", "--sep", "--decimal", "--encoding", "--epochs",
         "--lr", "--batch-size", "--seed", "--threshold", "--choose-threshold", "--tol", "--max-iter", "--l2",
         "--penalty", "--class-weight", "--valid-fraction", "--predict", "--memory-budget", "--optimizer",
         "--log-every"]  # fmt: skip
SWITCHES = ["--drop-missing", "--stream", "--standardize", "--no-standardize"]


@SLOW
@given(
    flags=st.lists(st.tuples(st.sampled_from(FLAGS), VALUES), max_size=4),
    switches=st.lists(st.sampled_from(SWITCHES), max_size=2),
    out=st.sampled_from(["model.onnx", "data.csv", "model.pt", ".", "sub/m.onnx", "/dev/null", "data.csv/m.onnx"]),
)
def test_a_command_line_trains_or_says_why_in_one_line(flags, switches, out, capsys):
    data, previous = FOLDER / "data.csv", FOLDER / "model.onnx"
    data.write_bytes(DATA)
    previous.write_bytes(PREVIOUS)
    argv = ["--data", str(data), "--target", "y", "--max-iter", "30", "--epochs", "30"]
    argv += [part for flag, value in flags for part in (flag, value)] + switches + ["--out", str(FOLDER / out)]
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own errors
        code = e.code
    err = capsys.readouterr().err
    event(f"exit status {code}")
    assert code in (0, 2), (argv, err)
    assert data.read_bytes() == DATA
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, (argv, err)
        assert previous.read_bytes() == PREVIOUS
