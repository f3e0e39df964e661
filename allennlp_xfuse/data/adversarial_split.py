"""
The adversarial split: the JSON-lines files `allennlp xfuse-attack` and `allennlp xfuse-perturb`
write, one object per example, appended and flushed as each example finishes. This module is the
format's only owner: its fields and statuses, parsing a line for the readers, reading a whole
split (strictly for `--resume`, leniently for reports), writing and resuming, the companion
`<split>.summary.json`, and the per-language figures.

Every line has the fields of `SPLIT_FIELDS`, in that order:

- `id`, `language`: what identifies the example (ids are unique within a language);
- `sentence1`, `sentence2`: the texts to classify (perturbed when the attack changed them);
- `label`: the dataset label, 0 or 1 (null for unlabeled data);
- `original_sentence1`, `original_sentence2`: the pair the split was made from;
- `recipe`: the `AttackRecipe` that made it (`deepwordbug`, `charnoise`, `textattack:pwws`...);
- `status`: `succeeded` | `failed` | `skipped` (a model-in-the-loop attack's outcome, as
  TextAttack defines them; skipped = the model was already wrong) or `perturbed` (a
  model-agnostic perturbation, the same text for every model);
- `num_queries`: model queries the attack made (null for `perturbed`);
- `perturbed_word_ratio`: changed words / words of the pair;
- `original_prediction`, `perturbed_prediction`: the attacked model's label index before and
  after (null for `perturbed`).

The figures (`SplitOutcome`, `split_metrics`) follow TextAttack's definitions
(`textattack.metrics.attack_metrics`):

- original accuracy = (examples - skipped) / examples;
- accuracy under attack = failed / examples;
- attack success rate = succeeded / (succeeded + failed);
- average perturbed word % = mean over successful attacks of changed words / words (x100),
  zero ratios left out; for model-agnostic splits, over the perturbed examples. Changed words
  are a word-level edit distance, which equals TextAttack's position-by-position count unless
  an edit changes the number of words;
- average queries = mean model queries over the examples not skipped.

Summary files give them in percent, rounded to 2 decimals as TextAttack prints them.

Pure Python: importing this module must not import TextAttack.
"""
import json
import logging
import os
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.atomic_files import atomic_write_json
from allennlp_xfuse.data.pair_rows import BadRow, check_pair

logger = logging.getLogger(__name__)

#: The fields of every line, in order.
SPLIT_FIELDS = (
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

SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"
PERTURBED = "perturbed"
#: The outcomes of a model-in-the-loop attack; `PERTURBED` marks model-agnostic records.
ATTACK_STATUSES = (SUCCEEDED, FAILED, SKIPPED)

Record = Dict[str, Any]
ExampleKey = Tuple[str, str]

# Fields that become the pair itself rather than metadata when a reader parses a line.
_PAIR_FIELDS = ("id", "language", "sentence1", "sentence2", "label")


def example_key(language: Any, example_id: Any) -> ExampleKey:
    """What identifies an example in a split: ids are only unique within a language's file."""
    return (str(language), str(example_id))


def record_key(record: Record) -> ExampleKey:
    """The `example_key` of a record."""
    return example_key(record.get("language"), record["id"])


# -- parsing lines for the dataset readers -----------------------------------------------------


def is_json_lines(path: str, first_line: str) -> bool:
    """Whether a data file is JSON lines: by its name (`.jsonl`), else by its first line."""
    name = path.split("!")[-1].lower()
    return name.endswith((".jsonl", ".ndjson")) or first_line.lstrip().startswith("{")


def _label(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, bool) or str(value).strip() not in ("0", "1"):
        raise BadRow(f"label is {value!r}, not 0 or 1", "Labels must be 0 or 1 (or null)")
    return str(value).strip()


def parse_json_line(
    line: str, row_number: int, labeled: bool
) -> Tuple[str, str, str, Optional[str], Optional[str], Dict[str, Any]]:
    """
    `(id, sentence1, sentence2, label, language, extra)` of one line; raises `BadRow`.
    `labeled` says whether the file's rows carry labels (decided by its first row).
    A record without an id gets its row's position (1 = first row). Every field other than
    the pair, its id, label and language is kept in `extra`, for the reader's metadata.
    """
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadRow(f"not valid JSON ({error})", "Each line must be one JSON object") from None
    if not isinstance(record, dict):
        raise BadRow(f"a JSON {type(record).__name__}, not an object",
                     "Each line must be one JSON object")
    sentences = []
    for name in ("sentence1", "sentence2"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRow(f"{name} is a {type(value).__name__}, not a string",
                         "Sentences must be strings")
        sentences.append((value or "").strip())
    label = _label(record.get("label"))
    check_pair(sentences[0], sentences[1], label, labeled)
    pair_id = record.get("id")
    language = record.get("language")
    extra = {key: value for key, value in record.items() if key not in _PAIR_FIELDS}
    return (str(row_number) if pair_id in (None, "") else str(pair_id), sentences[0],
            sentences[1], label, str(language) if language else None, extra)


def has_label(line: str) -> Optional[bool]:
    """Whether a JSON line carries a label; `None` when it is not a JSON object."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record.get("label") is not None if isinstance(record, dict) else None


# -- reading whole splits ----------------------------------------------------------------------


def read_split(path: str, strict: bool = True) -> List[Record]:
    """
    The records of the split at `path`.

    # Parameters

    path : `str`
        The split (JSON lines).
    strict : `bool`, optional (default = `True`)
        Raise a `ConfigurationError` naming `path:line` at the first line that is not a record
        (what `--resume` needs before it appends). Otherwise such lines are skipped with a
        warning, as a report over a split an attack is still writing (or was killed while
        writing) must be.
    """
    return list(_records(path, strict))


def _records(path: str, strict: bool) -> Iterator[Record]:
    with open(path, encoding="utf-8") as split:
        for number, line in enumerate(split, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                if strict:
                    raise ConfigurationError(
                        f"{path}:{number} is not a JSON line ({error}); only a truncated last "
                        "line can be repaired by --resume."
                    ) from None
                logger.warning("%s:%d is not a JSON object; skipped.", path, number)
                continue
            if isinstance(record, dict) and (not strict or "id" in record):
                yield record
            elif strict:
                raise ConfigurationError(f"{path}:{number} is not an adversarial split record.")


def summary_path(split_path: str) -> str:
    """Where the summary of the split at `split_path` is written: `<split>.summary.json`."""
    return f"{split_path}.summary.json"


def read_summary(split_path: str) -> Dict[str, Any]:
    """
    The summary written beside a split (`<split>.summary.json`, else `<stem>.summary.json`);
    `{}` when there is none or it cannot be read.
    """
    path = summary_path(split_path)
    if not os.path.isfile(path):
        path = os.path.splitext(split_path)[0] + ".summary.json"
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as summary_file:
            summary = json.load(summary_file)
    except (OSError, json.JSONDecodeError):
        return {}
    return summary if isinstance(summary, dict) else {}


# -- writing and resuming ----------------------------------------------------------------------


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
    Appends records to a split: one write and one flush per line, so that a run killed at any
    moment loses at most the line being written, and `--resume` continues where it stopped
    with every example written exactly once.

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
            self.existing = read_split(path, strict=True)
            other = {r.get("recipe") for r in self.existing} - {recipe}
            if recipe is not None and other:
                raise ConfigurationError(
                    f"{path} was made with recipe {sorted(map(str, other))}, not {recipe!r}; "
                    "resume it with the same recipe or write to another file."
                )
        self.done: Set[ExampleKey] = {record_key(record) for record in self.existing}
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        self._file = open(path, "a", encoding="utf-8")

    def write(self, record: Record) -> None:
        """Appends one record as a line and flushes it to the operating system."""
        line = json.dumps({field: record.get(field) for field in SPLIT_FIELDS}, ensure_ascii=False)
        # one write call per line, so an interrupted run leaves at most one partial line
        self._file.write(line + "\n")
        self._file.flush()
        self.done.add(record_key(record))

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "SplitWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# -- figures -----------------------------------------------------------------------------------


def _fraction(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


def _percent(part: int, whole: int) -> Optional[float]:
    return round(100.0 * part / whole, 2) if whole else None


def _mean(values: List[float]) -> Optional[float]:
    return round(sum(values) / len(values), 2) if values else None


@dataclass
class SplitOutcome:
    """
    The outcome counts of a group of records (one language of a split, or all of it), from
    which every figure of the module docstring follows.

    # Parameters

    examples : `int`
        Records in the group.
    statuses : `Counter`
        Status -> number of records with it (records without a status are not counted).
    """

    examples: int
    statuses: Counter

    @classmethod
    def of(cls, records: List[Record]) -> "SplitOutcome":
        return cls(
            len(records), Counter(str(r["status"]) for r in records if r.get("status"))
        )

    @property
    def model_agnostic(self) -> bool:
        """Whether every record was perturbed without a model (the same text for every model)."""
        return bool(self.statuses) and set(self.statuses) == {PERTURBED}

    @property
    def attacked(self) -> bool:
        """Whether the records carry a model-in-the-loop attack's outcomes, and only those."""
        return bool(self.statuses) and set(self.statuses) <= set(ATTACK_STATUSES)

    @property
    def original_accuracy(self) -> Optional[float]:
        """The attacked model's accuracy before the attack, as a fraction."""
        return _fraction(self.examples - self.statuses[SKIPPED], self.examples)

    @property
    def success_rate(self) -> Optional[float]:
        """Succeeded / (succeeded + failed), as a fraction; `None` when nothing was attacked."""
        return _fraction(self.statuses[SUCCEEDED], self.statuses[SUCCEEDED] + self.statuses[FAILED])


def split_metrics(records: List[Record]) -> Dict[str, Any]:
    """The figures of one group of records in percent (see the module docstring)."""
    outcome = SplitOutcome.of(records)
    counts = outcome.statuses
    total = outcome.examples
    attacked = counts[SUCCEEDED] + counts[FAILED]
    model_agnostic = outcome.model_agnostic
    ratio_status = PERTURBED if model_agnostic else SUCCEEDED
    ratios = [
        100.0 * float(record["perturbed_word_ratio"])
        for record in records
        if record["status"] == ratio_status and record.get("perturbed_word_ratio")
    ]
    queries = [
        float(record["num_queries"])
        for record in records
        if record["status"] != SKIPPED and record.get("num_queries") is not None
    ]
    return OrderedDict(
        examples=total,
        succeeded=counts[SUCCEEDED],
        failed=counts[FAILED],
        skipped=counts[SKIPPED],
        perturbed=counts[PERTURBED],
        original_accuracy=None if model_agnostic else _percent(total - counts[SKIPPED], total),
        accuracy_under_attack=None if model_agnostic else _percent(counts[FAILED], total),
        attack_success_rate=None
        if model_agnostic
        else (_percent(counts[SUCCEEDED], attacked) if attacked else 0.0),
        avg_perturbed_word_percent=_mean(ratios),
        avg_num_queries=_mean(queries),
    )


def summarize(records: List[Record], **run_info: Any) -> Dict[str, Any]:
    """
    `run_info` (recipe, input, ...) plus the figures of every language (in order of first
    appearance) and of all records together under "all".
    """
    by_language: Dict[str, List[Record]] = OrderedDict()
    for record in records:
        by_language.setdefault(str(record.get("language")), []).append(record)
    return OrderedDict(
        **run_info,
        languages=OrderedDict(
            (language, split_metrics(group)) for language, group in by_language.items()
        ),
        all=split_metrics(records),
    )


def write_summary(path: str, summary: Dict[str, Any]) -> None:
    """Writes `summary` as JSON to `path` atomically (a temporary file renamed over it)."""
    atomic_write_json(path, summary)
