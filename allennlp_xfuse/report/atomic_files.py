"""Atomic writes: a reader (or a killed run) never sees a half-written result file."""
import json
import os
import tempfile
from typing import Any


def atomic_write_text(path: str, text: str) -> None:
    """
    Writes `text` to `path` through a temporary file in the same directory and `os.replace`,
    which is atomic on POSIX and Windows when both are on the same file system.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, tmp_path = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as tmp_file:
            tmp_file.write(text)
        os.replace(tmp_path, path)
    except BaseException:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)
        raise


def atomic_write_json(path: str, data: Any) -> None:
    """Writes `data` as indented JSON to `path` atomically (see `atomic_write_text`)."""
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n")
