"""What the two command-line front doors share: one-line errors with exit status 2."""

import argparse
import sys
from collections.abc import Callable

from export.errors import KitError

USAGE_ERROR = 2


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage dump) and exits with status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (see {self.prog} --help)\n")
        sys.exit(USAGE_ERROR)


def run_cli(main: Callable[[], None]) -> int:
    """Run ``main``; a ``KitError`` becomes ``error: <message>`` on stderr and exit status 2."""
    try:
        main()
    except KitError as e:
        sys.stderr.write(f"error: {e}\n")
        return USAGE_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: nothing was written\n")
        return 130
    return 0
