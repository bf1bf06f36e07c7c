"""onnx's C++ checker and shape inference, run on an untrusted graph in a child process.

Why a child: onnx's shape inference trusts the attributes it reads. A ``Gather`` whose ``axis`` is
out of range makes it read out of bounds and crash the whole process (a segfault, seen with onnx
1.23), so one uploaded file would take the page's server down with every visitor's session.
Checking each attribute ourselves first would have to foresee every such defect in every
operator's C++; a child process contains them all, with bounded memory and time.

How: on first use a helper process starts (``serve``, in a new Python), imports onnx
once and waits on its stdin. For each check it forks a child (the helper has one thread, so the
fork is safe) that limits its own memory and time, runs onnx, and writes the outcome to a pipe; the
helper reports it, or how the child died. A check costs a fork, not a Python start-up. The helper
leaves when the process that started it does (its stdin closes). multiprocessing is not used: its
forkserver and spawn children re-run the caller's main script, which a user's script or notebook
calling ``load_artifact`` at top level must never see.
"""

import atexit
import os
import resource
import signal
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import BinaryIO

from export.errors import ArtifactError

CHILD_MEMORY = 4 << 30  # bytes of address space: checking our largest graphs takes tens of MB
CHILD_SECONDS = 60  # checking an export takes milliseconds; this only stops a runaway
INFERRED, REJECTED, DIED = b"I", b"R", b"D"
FIX = "export one with `python -m training`"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where ``export`` is imported from, installed or not
# the helper leaves without the interpreter's teardown (of onnx and numpy, which the process that
# started it would otherwise wait 0.06 s for at its exit): it has nothing to flush or close
HELPER = (
    "import os, sys; sys.path.insert(0, sys.argv[1]); from export.reader.isolation import serve; serve(); os._exit(0)"
)


class Rejected(Exception):
    """onnx's checker or shape inference refused the graph; the message is onnx's first line."""


class _Helper:
    """The helper process, shared by every thread of this process (one request at a time)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.owner = os.getpid()  # a forked copy of this process must not talk over its parent's pipes

    def ask(self, payloads: tuple[bytes, ...]) -> tuple[bytes, bytes]:
        with self.lock:
            if self.owner != os.getpid():
                self.process, self.owner = None, os.getpid()
            for attempt in range(2):  # a helper that died (killed from outside) is started again once
                self._start()
                try:
                    _write(self.process.stdin, payloads)
                    kind, value = _read(self.process.stdout)
                    return kind, value
                except (BrokenPipeError, EOFError):
                    self.process.kill()
                    self.process.wait()
                    if attempt:
                        raise
        raise AssertionError("unreachable")

    def warm_up(self) -> None:
        with self.lock:
            if self.owner == os.getpid():
                self._start()

    def _start(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-c", HELPER, str(PACKAGE_ROOT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )

    def close(self) -> None:
        """At exit: the helper sees its stdin close and leaves; waited for, so nothing is left running."""
        if self.process is not None and self.owner == os.getpid() and self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=CHILD_SECONDS)
            self.process.stdout.close()


_helper = _Helper()
atexit.register(_helper.close)


def warm_up() -> None:
    """Start the helper now (its Python and onnx take most of a second), so that it is ready by the
    time a check needs it: ``python -m training`` calls this before reading the data."""
    _helper.warm_up()


def inferred_model(checked: bytes, prepared: bytes, source: str) -> bytes:
    """onnx's checker run on the model ``checked`` (serialized), then its shape inference on
    ``prepared``: the inferred model's bytes. ``Rejected`` with onnx's message if either refuses,
    ``ArtifactError`` if the child crashed or ran out of memory or time."""
    try:
        kind, value = _helper.ask((checked, prepared))
    except (BrokenPipeError, EOFError, OSError):
        raise ArtifactError(f"{source} could not be checked: the checking process stopped; try again") from None
    if kind == INFERRED:
        return value
    if kind == REJECTED:
        raise Rejected(value.decode())
    raise ArtifactError(f"{source} is not a model this kit exported: {value.decode()}; {FIX}")


def _write(stream: BinaryIO, payloads: tuple[bytes, ...]) -> None:
    stream.write(struct.pack("<I", len(payloads)))
    for payload in payloads:
        stream.write(struct.pack("<Q", len(payload)) + payload)
    stream.flush()


def _read(stream: BinaryIO) -> list[bytes]:
    """What ``_write`` wrote; ``EOFError`` at the end of the stream."""
    count = struct.unpack("<I", _read_exactly(stream, 4))[0]
    return [_read_exactly(stream, struct.unpack("<Q", _read_exactly(stream, 8))[0]) for _ in range(count)]


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise EOFError
    return data


# The helper's side.


def serve(requests: BinaryIO = sys.stdin.buffer, answers: BinaryIO = sys.stdout.buffer) -> None:
    """The helper's loop: a request (two serialized models) in, its outcome out, until EOF."""
    import onnx  # once, before any fork: every child has it

    while True:
        try:
            checked, prepared = _read(requests)
        except EOFError:
            return  # the caller has gone
        _write(answers, _in_child(onnx, checked, prepared))


def _in_child(onnx, checked: bytes, prepared: bytes) -> tuple[bytes, bytes]:
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: limits, onnx, the outcome to the pipe, and out without cleanup
        os.close(reading)
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
        signal.alarm(CHILD_SECONDS)
        with os.fdopen(writing, "wb") as out:
            out.write(b"".join(_check(onnx, checked, prepared)))
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as out:
        answer = out.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and answer[:1] in (INFERRED, REJECTED):
        return answer[:1], answer[1:]
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGALRM:
        return DIED, f"onnx's checks of its graph took longer than {CHILD_SECONDS} s".encode()
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return DIED, f"onnx's checks crashed on its graph ({name})".encode()
    return DIED, f"onnx's checks of its graph stopped without an answer (status {status})".encode()


def _check(onnx, checked: bytes, prepared: bytes) -> tuple[bytes, bytes]:
    try:
        onnx.checker.check_model(onnx.load_model_from_string(checked))
        inferred = onnx.shape_inference.infer_shapes(
            onnx.load_model_from_string(prepared), check_type=True, strict_mode=True
        )
        return INFERRED, inferred.SerializeToString()
    except MemoryError:
        return REJECTED, b"it needs more memory than checking one of our exports does"
    except Exception as e:  # onnx's ValidationError, InferenceError, and whatever else it raises
        text = str(e).strip()
        return REJECTED, (text.splitlines()[0] if text else type(e).__name__)[:160].encode()
