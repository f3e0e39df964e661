"""
Writing adversarial splits: one JSON object per line, appended and flushed as each example
finishes, so that a run killed at any moment loses at most the line being written, and
`--resume` continues where it stopped with every example written exactly once.

Pure Python: importing this module must not import TextAttack.
"""
import json
import logging
import os
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from allennlp.common.checks import ConfigurationError

logger = logging.getLogger(__name__)

#: The fields of every line, in order (DESIGN.md, "Adversarial split").
RECORD_FIELDS = (
    "id",
    "language",
    "sentence1",
    "sentence2",
    "label",
    "original_sentence1",
    "original_sentence2",
    "recipe",
    "status",
    "num_queries",
    "perturbed_word_ratio",
    "original_prediction",
    "perturbed_prediction",
)

Record = Dict[str, Any]
ExampleKey = Tuple[str, str]


def example_key(language: Any, example_id: Any) -> ExampleKey:
    """What identifies an example in a split: ids are only unique within a language's file."""
    return (str(language), str(example_id))


def read_records(path: str) -> List[Record]:
    """All records of a split; a `ConfigurationError` names the first line that is not one."""
    return list(_records(path))


def _records(path: str) -> Iterator[Record]:
    with open(path, encoding="utf-8") as split:
        for number, line in enumerate(split, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ConfigurationError(
                    f"{path}:{number} is not a JSON line ({error}); only a truncated last line "
                    "can be repaired by --resume."
                ) from None
            if not isinstance(record, dict) or "id" not in record:
                raise ConfigurationError(f"{path}:{number} is not an adversarial split record.")
            yield record


def repair_truncated_tail(path: str) -> bool:
    """
    Cuts an incomplete last line (a run killed mid-write) off `path`. A last line that is a
    complete record and only misses its line break gets the line break instead. Returns whether
    the file was changed.
    """
    with open(path, "rb") as split:
        data = split.read()
    if not data or data.endswith(b"\n"):
        return False
    cut = data.rfind(b"\n") + 1
    tail = data[cut:]
    try:
        complete = isinstance(json.loads(tail.decode("utf-8")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        complete = False
    with open(path, "r+b") as split:
        if complete:
            split.seek(len(data))
            split.write(b"\n")
        else:
            split.truncate(cut)
    logger.warning(
        "%s: %s its last line, left incomplete by an interrupted run.",
        path,
        "completed" if complete else "removed",
    )
    return True


class SplitWriter:
    """
    Appends records to a JSON-lines split.

    # Parameters

    path : `str`
        The split to write.
    resume : `bool`, optional (default = `False`)
        Continue an existing split: repair a truncated last line and report what is there in
        `done` (keys of `example_key`) and `existing`. Without it an existing non-empty file
        is an error, so that no run silently overwrites or mixes into another's output.
    recipe : `str`, optional (default = `None`)
        The recipe of this run; resuming a split made with another recipe is an error.
    """

    def __init__(self, path: str, resume: bool = False, recipe: Optional[str] = None) -> None:
        self.path = path
        self.existing: List[Record] = []
        exists = os.path.exists(path) and os.path.getsize(path) > 0
        if exists and not resume:
            raise ConfigurationError(
                f"{path} already exists: pass --resume to continue it, or choose another output."
            )
        if exists:
            repair_truncated_tail(path)
            self.existing = read_records(path)
            other = {r.get("recipe") for r in self.existing} - {recipe}
            if recipe is not None and other:
                raise ConfigurationError(
                    f"{path} was made with recipe {sorted(map(str, other))}, not {recipe!r}; "
                    "resume it with the same recipe or write to another file."
                )
        self.done: Set[ExampleKey] = {
            example_key(record.get("language"), record["id"]) for record in self.existing
        }
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        self._file = open(path, "a", encoding="utf-8")

    def write(self, record: Record) -> None:
        """Appends one record as a line and flushes it to the operating system."""
        line = json.dumps({field: record.get(field) for field in RECORD_FIELDS}, ensure_ascii=False)
        # one write call per line, so an interrupted run leaves at most one partial line
        self._file.write(line + "\n")
        self._file.flush()
        self.done.add(example_key(record.get("language"), record["id"]))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "SplitWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
