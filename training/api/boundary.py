"""Where the Python API meets a user: a ``KitError`` leaves with its one-line message and none of
the kit's frames, as the command line prints one line and no traceback. A notebook then shows the
user's own line and the message (IPython also hides the frame that re-raises it, which sets
``__tracebackhide__``). Any other exception is a defect of the kit and keeps its traceback."""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from export.errors import KitError

P = ParamSpec("P")
R = TypeVar("R")


def one_line_errors(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def said(*args: P.args, **kwargs: P.kwargs) -> R:
        __tracebackhide__ = True  # read from the frame by IPython and pytest
        try:
            return function(*args, **kwargs)
        except KitError as e:
            raise e.with_traceback(None) from None

    return said
