"""Atomic writes: a reader (or a killed run) never sees a half-written result file."""
import contextlib
import json
import os
from typing import Any, Iterator


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """
    Yields a temporary path beside `path` to write to; when the block succeeds, the file is
    renamed over `path` (`os.replace` is atomic within a file system), otherwise removed.

    The temporary file is created by whoever writes it (e.g. `open()`), so it gets the usual
    umask permissions, not `mkstemp`'s 0600.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temporary = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def atomic_write_text(path: str, text: str) -> None:
    """Writes `text` (UTF-8) to `path` atomically, synced to disk before the rename."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())


def atomic_write_json(path: str, data: Any) -> None:
    """Writes `data` as indented JSON to `path` atomically (see `atomic_write_text`)."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
