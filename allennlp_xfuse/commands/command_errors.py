"""Turning user errors of the subcommands into one-line messages instead of tracebacks."""
import argparse
import functools
import sys
from typing import Any, Callable, Optional, Tuple, Type

from allennlp.common.checks import ConfigurationError

#: What a user can get wrong: a missing file, a bad configuration or argument value.
USER_ERRORS: Tuple[Type[Exception], ...] = (ConfigurationError, FileNotFoundError, ValueError)


def exit_on_user_error(
    command: str,
    user_errors: Tuple[Type[Exception], ...] = USER_ERRORS,
    on_interrupt: Optional[str] = None,
) -> Callable:
    """
    Decorates a subcommand function: a user error ends the process with
    `allennlp <command>: error: <message>` on stderr and exit status 2 (as argparse does for bad
    arguments); other exceptions keep their traceback, since they are bugs.

    # Parameters

    command : `str`
        The subcommand's name, for the message.
    user_errors : `Tuple[Type[Exception], ...]`, optional (default = `USER_ERRORS`)
        The exceptions that are the user's to fix.
    on_interrupt : `str`, optional (default = `None`)
        With it, Ctrl-C ends the process with `allennlp <command>: interrupted; <on_interrupt>`
        on stderr and exit status 130 instead of a traceback.
    """
    interrupts: Tuple[Type[BaseException], ...] = (
        (KeyboardInterrupt,) if on_interrupt is not None else ()
    )

    def decorator(function: Callable[[argparse.Namespace], Any]) -> Callable:
        @functools.wraps(function)
        def wrapper(args: argparse.Namespace) -> Any:
            try:
                return function(args)
            except user_errors as error:
                print(f"allennlp {command}: error: {error}", file=sys.stderr)
                sys.exit(2)
            except interrupts:
                print(f"allennlp {command}: interrupted; {on_interrupt}", file=sys.stderr)
                sys.exit(130)

        return wrapper

    return decorator
