"""
Reading one line of an adversarial split: the JSON-lines files `allennlp xfuse-attack` and
`allennlp xfuse-perturb` write, one object per example (fields in `ADVERSARIAL_FIELDS`).

`sentence1`/`sentence2` are the texts to classify (perturbed when the attack changed them),
`original_sentence1`/`original_sentence2` what the split was made from, `label` the dataset
label (0/1, absent or null for unlabeled data). Every field other than the pair, its id,
label and language is kept as is, for the reader's metadata.
"""
import json
from typing import Any, Dict, Optional, Tuple

from allennlp_xfuse.data.pair_rows import BadRow, check_pair

ADVERSARIAL_FIELDS = (
    "id", "language", "sentence1", "sentence2", "label", "original_sentence1",
    "original_sentence2", "recipe", "status", "num_queries", "perturbed_word_ratio",
    "original_prediction", "perturbed_prediction",
)
ATTACK_STATUSES = ("succeeded", "failed", "skipped", "perturbed")

# Fields that become the pair itself rather than metadata.
_PAIR_FIELDS = ("id", "language", "sentence1", "sentence2", "label")


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
    A record without an id gets its row's position (1 = first row).
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
