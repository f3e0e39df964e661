"""
Per-example outcomes of one evaluation (one archive on one split): each example's id, gold
label, predicted label and whether the prediction was right. `allennlp xfuse-report` keeps them
with its cache and writes them, one JSON-lines file per metrics record, under
`<output>/predictions/`, so its confidence intervals and paired tests can be recomputed without
the models; a `MetricsRecord` refers to its file (`MetricsRecord.predictions`).

A line: `{"id": "de-17", "label": "1", "predicted": "0", "correct": false}`. The id is the
instance's `metadata["id"]` or, where the split has none or repeats one, `"#<position>"`.
"""
import json
import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Sequence

from allennlp_xfuse.atomic_files import atomic_write_text


@dataclass
class ExamplePrediction:
    """
    What a model did on one example.

    # Parameters

    id : `str`
        The example's id within its split.
    label : `Optional[str]`
        The gold label (the vocabulary's token), `None` for unlabeled data.
    predicted : `str`
        The predicted label (the vocabulary's token).
    correct : `Optional[bool]`
        `predicted == label`; `None` without a gold label.
    """

    id: str
    label: Optional[str]
    predicted: str
    correct: Optional[bool]


def unique_ids(ids: Sequence[Optional[str]]) -> List[str]:
    """
    `ids`, or positions (`"#0"`, `"#1"`...) for all of them when one is missing or repeated:
    pairing by id needs one id per example.
    """
    texts = [None if value is None else str(value) for value in ids]
    if None in texts or len(set(texts)) != len(texts):
        return [f"#{position}" for position in range(len(texts))]
    return texts  # type: ignore[return-value]


def predictions_to_text(predictions: Sequence[ExamplePrediction]) -> str:
    return "".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p in predictions)


def write_predictions(path: str, predictions: Sequence[ExamplePrediction]) -> str:
    """Writes `predictions` to `path` atomically, only when its content changes; returns it."""
    text = predictions_to_text(predictions)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as existing:
            if existing.read() == text:
                return path
    atomic_write_text(path, text)
    return path


def read_predictions(path: str) -> List[ExamplePrediction]:
    """
    The predictions in `path`; a malformed line is a `ValueError` naming `path:line`.

    # Parameters

    path : `str`
    """
    predictions = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                predictions.append(
                    ExamplePrediction(id=str(data["id"]), label=data.get("label"),
                                      predicted=str(data["predicted"]),
                                      correct=data.get("correct"))
                )
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise ValueError(
                    f"{path}:{number}: not a prediction line ({error}); expected "
                    '{"id", "label", "predicted", "correct"} as xfuse-report writes them '
                    "(delete the file and re-run the report to rewrite it)"
                ) from error
    return predictions


@lru_cache(maxsize=4096)
def _cached_correctness(path: str, mtime_ns: int) -> Dict[str, float]:
    return {
        p.id: float(p.correct) for p in read_predictions(path) if p.correct is not None
    }


def correctness(path: str) -> Dict[str, float]:
    """
    Example id -> 1.0 (right) / 0.0 (wrong) from a predictions file, unlabeled examples left
    out; read once per file version.

    # Parameters

    path : `str`
    """
    return dict(_cached_correctness(os.path.abspath(path), os.stat(path).st_mtime_ns))
