"""
The adversarial split: the JSON-lines files `allennlp xfuse-attack` and `allennlp xfuse-perturb`
write, one object per example, appended and flushed as each example finishes. This module is the
format's only owner: its fields and statuses, parsing a line for the readers, reading a whole
split (strictly for `--resume`, leniently for reports), writing and resuming, the companion
`<split>.summary.json`, and the per-language figures.

Every line has the fields of `SPLIT_FIELDS`, in that order:

- `id`, `language`: what identifies the example (ids are unique within a language);
- `sentence1`, `sentence2`: the texts to classify (perturbed when the attack changed them);
- `label`: the dataset label index (null for unlabeled data): PAWS-X's 0 or 1; XNLI's 0, 1, 2
  for entailment, neutral, contradiction (Hugging Face `xnli`'s order,
  `allennlp_xfuse.data.xnli_files.XNLI_LABELS`), which the `xnli` reader reads back by name;
- `original_sentence1`, `original_sentence2`: the pair the split was made from;
- `recipe`: the `AttackRecipe` that made it (`deepwordbug`, `charnoise`, `textattack:pwws`...);
- `status`: `succeeded` | `failed` | `skipped` (a model-in-the-loop attack's outcome, as
  TextAttack defines them; skipped = the model was already wrong) or `perturbed` (a
  model-agnostic perturbation, the same text for every model);
- `num_queries`: model queries the attack made (null for `perturbed`);
- `perturbed_word_ratio`: changed words / words of the pair;
- `original_prediction`, `perturbed_prediction`: the attacked model's prediction before and
  after, as a dataset label index like `label` (null for `perturbed`).

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
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

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


#: File name endings that say "JSON lines".
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")


def _json_object(line: str) -> Optional[Dict[str, Any]]:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def is_json_lines(path: str, first_lines: Sequence[str]) -> bool:
    """
    Whether a data file is JSON lines, from its name and its first non-blank lines, on evidence
    a PAWS-X TSV cannot give: its first line parses as a JSON object (a TSV line never does,
    even one whose sentence starts with `{`), or it is named `.jsonl`/`.ndjson` and one of
    `first_lines` is a JSON object (its first line is then a bad record, reported as such).
    A file named as JSON lines without any JSON object among `first_lines` (a TSV saved under
    the wrong name) is a `ConfigurationError`: reading it either way would guess.

    # Parameters

    path : `str`
        The data path as the user gave it (`archive!member` names the member).
    first_lines : `Sequence[str]`
        The file's first non-blank lines, without their line breaks.
    """
    if not first_lines:
        return False
    if _json_object(first_lines[0]) is not None:
        return True
    if not path.split("!")[-1].lower().endswith(JSON_LINES_SUFFIXES):
        return False
    if any(_json_object(line) is not None for line in first_lines[1:]):
        return True
    looks_like = ("tab-separated text" if "\t" in first_lines[0] else "not JSON")
    raise ConfigurationError(
        f"{path}:1: the name says JSON lines, but none of its first {len(first_lines)} "
        f"non-blank line(s) is a JSON object (line 1 is {looks_like}: {snippet(first_lines[0])}). "
        f"Rename the file to .tsv if it is tab-separated (PAWS-X, XNLI), or write one JSON "
        f"object per line."
    )


def snippet(text: str, length: int = 60) -> str:
    """`text` cut to about `length` characters, quoted, for an error message."""
    return repr(text if len(text) <= length else text[: length - 3] + "...")


def json_type_name(value: Any) -> str:
    """The JSON name of a parsed value's type ("object", "array", "number"...), for messages."""
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
             float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _label(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, bool) or str(value).strip() not in ("0", "1"):
        raise BadRow(f"label is {value!r}, not 0 or 1", "Labels must be 0 or 1 (or null)")
    return str(value).strip()


def parse_json_line(
    line: str, row_number: int, require_label: bool = False
) -> Tuple[str, str, str, Optional[str], Optional[str], Dict[str, Any]]:
    """
    `(id, sentence1, sentence2, label, language, extra)` of one line; raises `BadRow`.
    Each record's label is its own: a missing or null `label` gives `None`, or a `BadRow`
    when `require_label` (training and evaluation need one on every pair), so that one
    unlabeled record never makes the rest of the file unlabeled.
    A record without an id gets its row's position (1 = first row). Every field other than
    the pair, its id, label and language is kept in `extra`, for the reader's metadata.
    """
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as error:
        raise BadRow(f"not valid JSON ({error}): {snippet(line)}",
                     "Each line must be one JSON object") from None
    if not isinstance(record, dict):
        raise BadRow(f"a JSON {type(record).__name__}, not an object",
                     "Each line must be one JSON object")
    if "sentence1" not in record and "sentence2" not in record:
        raise BadRow(
            f"no sentence1 or sentence2 key (keys: {', '.join(map(str, record)) or 'none'})",
            'Each record needs "sentence1" and "sentence2"',
        )
    sentences = []
    for name in ("sentence1", "sentence2"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRow(f"{name} is a JSON {json_type_name(value)} ({json.dumps(value)[:30]}),"
                         f" not a string", "Sentences must be JSON strings")
        sentences.append((value or "").strip())
    label = _label(record.get("label"))
    if label is None and require_label:
        raise BadRow("the record has no label",
                     'Give every record a "label" of 0 or 1: training and evaluation need one')
    check_pair(sentences[0], sentences[1], label, labeled=label is not None)
    pair_id = record.get("id")
    language = record.get("language")
    extra = {key: value for key, value in record.items() if key not in _PAIR_FIELDS}
    return (str(row_number) if pair_id in (None, "") else str(pair_id), sentences[0],
            sentences[1], label, str(language) if language else None, extra)


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


def check_summary_replaceable(output: str) -> None:
    """
    Raises a `ConfigurationError` when `<output>.summary.json` exists but is not a summary the
    project's commands wrote for an output of that name (a JSON object whose `output` names
    it): a run would overwrite it, and a command never replaces a file it did not write. A
    summary of an earlier run to the same output (the split deleted since, or a run stopped
    before its first record) is replaced as usual.

    # Parameters

    output : `str`
        The split (or tagged copy) a run is about to write.
    """
    path = summary_path(output)
    if not os.path.lexists(path):
        return
    why = None
    try:
        with open(path, encoding="utf-8") as summary_file:
            summary = json.load(summary_file)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        why = f"not JSON: {type(error).__name__}"
    else:
        named = summary.get("output") if isinstance(summary, dict) else None
        if not isinstance(named, str):
            why = "a JSON file without the `output` key of a summary"
        elif os.path.basename(os.path.normpath(named)) != os.path.basename(
                os.path.normpath(output)):
            why = f"the summary of {named}"
    if why is not None:
        raise ConfigurationError(
            f"{path} exists and is not a summary written for {output} ({why}); this run would "
            f"overwrite it. Move it away, or choose another --output."
        )


#: Summaries written before runs recorded their `settings` have these at their top level.
_LEGACY_SETTINGS = ("seed", "perturb", "rate", "query_budget")


def recorded_settings(split_path: str) -> Optional[Dict[str, Any]]:
    """
    The settings the split at `split_path` was made with (see `SplitWriter`), from its summary
    file; `None` when nothing is recorded. Older summaries give their top-level `seed`,
    `perturb`, `rate` and `query_budget`.

    # Parameters

    split_path : `str`
        The split.
    """
    path = summary_path(split_path)
    if not os.path.isfile(path):
        return None
    summary = read_summary(split_path)
    if isinstance(summary.get("settings"), dict):
        return summary["settings"]
    legacy = {name: summary[name] for name in _LEGACY_SETTINGS if name in summary}
    return legacy or None


# -- writing and resuming ----------------------------------------------------------------------

#: The fields `--resume` requires of every line before it touches a file: what tells a split
#: record from any other JSON object (a config, another tool's JSON lines).
RESUME_FIELDS = ("id", "language", "recipe", "status")

# How every line `SplitWriter` writes begins (`json.dumps` of `SPLIT_FIELDS` in order), so an
# incomplete last line can be told from the tail of someone else's file.
_LINE_START = '{"id": '


def check_resumable(path: str) -> List[Record]:
    """
    The records on the complete lines of `path`; raises a `ConfigurationError` unless it is a
    split `SplitWriter` wrote (every complete line a record with `RESUME_FIELDS`; an incomplete
    last line the start of one). Reads only: `--resume` must never "repair" (cut the last line
    of) a file that is not a split, such as a TSV or a config.json given as `--output`.

    # Parameters

    path : `str`
        The existing, non-empty file `--resume` would continue.
    """
    with open(path, "rb") as split:
        data = split.read()
    lines = data.split(b"\n")
    problem = None
    records: List[Record] = []
    for number, raw in enumerate(lines[:-1], 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            text = raw.decode("utf-8", "replace")
            problem = f"line {number} is not a JSON object: {snippet(text)}"
            break
        missing = [f for f in RESUME_FIELDS if not isinstance(record, dict) or f not in record]
        if missing:
            problem = f"line {number} is not a split record (no {', '.join(missing)})"
            break
        records.append(record)
    tail = lines[-1].decode("utf-8", "replace")
    if problem is None and tail.strip() and not (
        tail.startswith(_LINE_START) or _LINE_START.startswith(tail)
    ):
        problem = f"its last line is not a split record: {snippet(tail)}"
    if problem is not None:
        raise ConfigurationError(
            f"{path} is not an adversarial split written by xfuse-attack or xfuse-perturb "
            f"({problem}); --resume only continues such a split and left this file untouched. "
            "Give --output a new file, or the split you meant."
        )
    return records


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
    with every example written exactly once. Nothing is created before the first record: a
    run that fails while it starts (a bad archive, an unwritable path) leaves no file behind.

    # Parameters

    path : `str`
        The split to write.
    resume : `bool`, optional (default = `False`)
        Continue an existing split: check that it is one (`check_resumable`), repair a
        truncated last line and report what is there in `done` (keys of `example_key`) and
        `existing`. Without it an existing non-empty file is an error, so that no run silently
        overwrites or mixes into another's output.
    recipe : `str`, optional (default = `None`)
        The recipe of this run; resuming a split made with another recipe is an error.
    settings : `Dict[str, Any]`, optional (default = `None`)
        Everything else that decides the records (seed, recipe parameters, the attacked
        archive's hash...), JSON-able. Recorded in the split's summary file when the first
        record is written; resuming a split whose recorded settings differ is an error that
        lists the differences, since the split would mix records of two different runs.
    """

    def __init__(
        self,
        path: str,
        resume: bool = False,
        recipe: Optional[str] = None,
        settings: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.path = path
        # as JSON gives them back, so that a tuple and the list read from the summary match
        self.settings: Dict[str, Any] = json.loads(json.dumps(settings or {}))
        self.existing: List[Record] = []
        exists = os.path.exists(path) and os.path.getsize(path) > 0
        if exists and not resume:
            raise ConfigurationError(
                f"{path} already exists: pass --resume to continue it, or choose another output."
            )
        self._record_settings = True
        if not exists:
            check_summary_replaceable(path)
        if exists:
            # every check before the repair: a refused resume leaves the file as it was
            other = {r.get("recipe") for r in check_resumable(path)} - {recipe}
            if recipe is not None and other:
                raise ConfigurationError(
                    f"{path} was made with recipe {sorted(map(str, other))}, not {recipe!r}; "
                    "resume it with the same recipe or write to another file."
                )
            recorded = recorded_settings(path)
            self._check_settings(recorded)
            repair_truncated_tail(path)
            self.existing = read_split(path, strict=True)
            # keep what the split's own run recorded (a finished run's full summary)
            self._record_settings = recorded is None
        self.done: Set[ExampleKey] = {record_key(record) for record in self.existing}
        self._file: Optional[Any] = None

    def _check_settings(self, recorded: Optional[Dict[str, Any]]) -> None:
        if recorded is None:
            if self.settings:
                logger.warning(
                    "%s: no settings recorded beside it (%s), so resuming cannot check that "
                    "this run's settings are the ones it was made with.",
                    self.path, summary_path(self.path),
                )
            return
        differences = [
            f"{name} {_shown(recorded[name])} (now {_shown(value)})"
            for name, value in self.settings.items()
            if name in recorded and recorded[name] != value
        ]
        if differences:
            raise ConfigurationError(
                f"{self.path} was made with {'; '.join(differences)}: resuming would mix records "
                "of two different runs in one split. Resume with the settings it was made with "
                f"(listed in {summary_path(self.path)}), or write to another output."
            )

    def _open(self) -> None:
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, exist_ok=True)
        if self._record_settings:
            # written before the first record, so an interrupted run can be resumed safely
            write_summary(summary_path(self.path), {"output": self.path,
                                                    "settings": self.settings})
        self._file = open(self.path, "a", encoding="utf-8")

    def write(self, record: Record) -> None:
        """Appends one record as a line and flushes it to the operating system."""
        if self._file is None:
            self._open()
        line = json.dumps({field: record.get(field) for field in SPLIT_FIELDS}, ensure_ascii=False)
        # one write call per line, so an interrupted run leaves at most one partial line
        self._file.write(line + "\n")
        self._file.flush()
        self.done.add(record_key(record))

    def close(self) -> None:
        """Closes the split (if a record was written)."""
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> "SplitWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _shown(value: Any) -> str:
    """A setting's value as a message shows it: hashes shortened, the rest as JSON."""
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value[:12] + "…"
    return json.dumps(value, ensure_ascii=False)


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
