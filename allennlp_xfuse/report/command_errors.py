"""Turning user errors of the report subcommands into one-line messages instead of tracebacks."""
import argparse
import functools
import sys
from typing import Any, Callable

from allennlp.common.checks import ConfigurationError


def exit_on_user_error(command: str) -> Callable:
    """
    Decorates a subcommand function: a missing file or a configuration problem ends the
    process with `allennlp <command>: error: <message>` and exit status 2 (as argparse does);
    other exceptions keep their traceback, since they are bugs.
    """

    def decorator(function: Callable[[argparse.Namespace], Any]) -> Callable:
        @functools.wraps(function)
        def wrapper(args: argparse.Namespace) -> Any:
            try:
                return function(args)
            except (ConfigurationError, FileNotFoundError, ValueError) as error:
                print(f"allennlp {command}: error: {error}", file=sys.stderr)
                sys.exit(2)

        return wrapper

    return decorator
