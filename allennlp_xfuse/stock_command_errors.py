"""
How a stock `allennlp` command (`train`, `evaluate`, `predict`) that fails ends: with the
project's one-line message as its last line, after Python's traceback.

The upstream break: AllenNLP's `main` lets every exception reach the interpreter, and a plugin
has no hook in the code paths that fail. Two failures end in a last line that names neither the
file nor a fix:

- a truncated or damaged `model.tar.gz`: gzip's "Compressed file ended before the end-of-stream
  marker was reached", raised inside `allennlp.models.archival.load_archive`;
- a dataset reader's error inside a data-loader worker (`num_workers > 0`):
  `MultiProcessDataLoader` re-raises it in the main process as `WorkerError`, whose message
  ends with the worker's traceback and a blank line, so the reader's message (file:line and
  the fix) is buried in an indented block.

`sys.excepthook` is Python's documented hook for exactly this (the exceptions that end the
process). The previous hook still prints the whole traceback; only these two cases get one more
line. Installed once, when `allennlp_xfuse` is imported.

The plugin's own commands that evaluate archives (`xfuse-report`, `xfuse-inspect`) turn a worker's
user error (an archive whose config sets `num_workers`) into the same line with
`user_error_from_worker`.
"""
import multiprocessing
import sys
from typing import Optional, Tuple

from allennlp.common.checks import ConfigurationError
from allennlp.data.data_loaders.multiprocess_data_loader import WorkerError

from allennlp_xfuse.archive_safety import CORRUPT_ARCHIVE_ERRORS, corrupt_archive_message


def archive_being_loaded(traceback) -> Optional[str]:
    """
    The `archive_file` of the innermost `load_archive` call in `traceback`, if any.

    # Parameters

    traceback : `types.TracebackType`
    """
    found = None
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_code.co_name == "load_archive" and "archive_file" in frame.f_locals:
            found = str(frame.f_locals["archive_file"])
        traceback = traceback.tb_next
    return found


def worker_error_message(error: WorkerError) -> Optional[str]:
    """
    The worker's own error line out of a `WorkerError`: the last non-blank line of the worker's
    traceback, without the exception's module path, and without the class name for a
    `ConfigurationError` (the readers' messages say what, where and how to fix by themselves).

    # Parameters

    error : `WorkerError`
    """
    parts = _worker_error_parts(error)
    if parts is None:
        return None
    kind, message = parts
    return message if kind in ("ConfigurationError", "") else f"{kind}: {message}"


# What a worker raises for input that is the user's to fix: a reader's `ConfigurationError`
# (file:line and the fix), or a data path that does not exist.
WORKER_USER_ERRORS = ("ConfigurationError", "FileNotFoundError")


def user_error_from_worker(error: WorkerError) -> Optional[ConfigurationError]:
    """
    A `ConfigurationError` with the worker's own error line (`worker_error_message`) when the
    worker failed on the user's input (`WORKER_USER_ERRORS`), so that a plugin command reports
    a bad file read by a data-loader worker as it reports one read in its own process;
    `None` for any other failure (a bug, which keeps its traceback).

    # Parameters

    error : `WorkerError`
    """
    parts = _worker_error_parts(error)
    if parts is None or parts[0] not in WORKER_USER_ERRORS:
        return None
    return ConfigurationError(worker_error_message(error))


def _worker_error_parts(error: WorkerError) -> Optional[Tuple[str, str]]:
    # (exception class name without its module, message) of the worker traceback's last line;
    # ("", line) when that line names no exception
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if not lines:
        return None
    kind, separator, message = lines[-1].partition(": ")
    if not separator:
        return "", lines[-1]
    return kind.rsplit(".", 1)[-1], message


def last_line(value: BaseException, traceback) -> Optional[str]:
    """
    The line to print after the traceback of an exception that ends a command, or `None`.

    # Parameters

    value : `BaseException`
        The exception.
    traceback : `types.TracebackType`
        Its traceback.
    """
    if isinstance(value, CORRUPT_ARCHIVE_ERRORS):
        archive_file = archive_being_loaded(traceback)
        if archive_file is not None:
            return corrupt_archive_message(archive_file, value)
    if isinstance(value, WorkerError):
        _end_worker_processes()
        return worker_error_message(value)
    return None


def _end_worker_processes(timeout: float = 5.0) -> None:
    """
    Ends the data loader's worker processes now, before the last line is printed. They are
    daemonic, so multiprocessing would terminate them at exit anyway, but after this hook: a
    worker then prints AllenNLP's `SigTermReceived` traceback (its SIGTERM handler) below the
    line that was meant to be last.

    # Parameters

    timeout : `float`, optional (default = `5.0`)
        Seconds to wait for each worker to end.
    """
    children = [child for child in multiprocessing.active_children() if child.daemon]
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout)
    sys.stderr.flush()


def install_last_line_hook() -> None:
    """Chains `last_line` after the current `sys.excepthook` (see the module docstring)."""
    previous = sys.excepthook

    def excepthook(kind, value, traceback) -> None:
        previous(kind, value, traceback)
        line = last_line(value, traceback)
        if line is not None:
            print(line, file=sys.stderr)

    sys.excepthook = excepthook


install_last_line_hook()
