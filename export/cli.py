"""What the two command-line front doors share: one-line errors with exit status 2."""

import argparse
import atexit
import contextlib
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from export.errors import KitError, first_line, printable

MAX_MESSAGE = 2000  # an error line longer than this is cut (a message quotes at most a few clipped cells)

USAGE_ERROR = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage dump) and exits with status 2. Its
    ``prog`` is the ``python -m`` form, or the installed command's name (``logreg-fit``) when run
    as one, so usage and messages name what the user typed."""

    def __init__(self, *, prog: str, **kwargs: object):
        command = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
        super().__init__(prog=command if command.startswith("logreg-") else prog, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {printable(message, MAX_MESSAGE)} (see {self.prog} --help)\n")
        sys.exit(USAGE_ERROR)


INTERNAL_ERROR = 70  # sysexits' EX_SOFTWARE: a defect of ours, not of the input
SIGPIPE_STATUS = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader went away


def run_cli(main: Callable[[], None]) -> int:
    """Run ``main``; a ``KitError`` becomes ``error: <message>`` on stderr and exit status 2.

    Any other exception is a defect of the kit that no check foresaw: it still ends in one line
    (exit status 70, so tests and the fuzzing suite tell it from an input error), with the
    traceback only when ``LOGREG_TRACEBACK`` is set."""
    try:
        main()
        sys.stdout.flush()  # here, so that a reader gone away (below) is caught, not reported at exit
    except KitError as e:
        sys.stderr.write(f"error: {printable(e, MAX_MESSAGE)}\n")
        return USAGE_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        return 130
    except BrokenPipeError:
        # whoever read the output stopped reading (``| head``): files are written before the report
        # is printed, so the work is done; say nothing more, and point stdout at nothing so that
        # Python's own flush at exit stays quiet too (its documentation's advice)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_STATUS
    except Exception as e:
        if os.environ.get("LOGREG_TRACEBACK"):
            traceback.print_exc()
        sys.stderr.write(
            f"internal error: {type(e).__name__}: {first_line(e, 200)} (a defect of logreg-kit, not of your input; "
            "nothing was written. Please report it with the command; LOGREG_TRACEBACK=1 shows where)\n"
        )
        return INTERNAL_ERROR
    return 0


def exit_now(code: int) -> NoReturn:
    """End a command's process with ``code`` once its work is done and written: stdout and stderr
    flushed and the exit handlers run (the export's check helper is waited for), then ``os._exit``.
    What that skips is the interpreter's teardown of every module, which takes about half a second
    once torch is loaded (docs/benchmarks.md) and frees nothing the operating system would not."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone away, a stream closed
            stream.flush()
    atexit._run_exitfuncs()  # what the interpreter's own exit runs first
    os._exit(code)
