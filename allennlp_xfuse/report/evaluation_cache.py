"""
The evaluation cache of `allennlp xfuse-report`: one JSON file per (archive, split) pair under
`<output>/cache/`, keyed by both files' path, size and modification time, so a re-run evaluates
only new or changed pairs (a retrained archive or a regenerated split has a new mtime).
"""
import hashlib
import json
import os
import re
from typing import Any, Dict, Optional

from allennlp_xfuse.atomic_files import atomic_write_json
from allennlp_xfuse.report.archive_evaluation import EvaluationResult
from allennlp_xfuse.report.records import FusionWeightStats

CACHE_VERSION = 1


def file_signature(path: str) -> Dict[str, Any]:
    """Absolute path, size and modification time (ns) of `path`."""
    status = os.stat(path)
    return {"path": os.path.abspath(path), "size": status.st_size, "mtime_ns": status.st_mtime_ns}


class EvaluationCache:
    """
    # Parameters

    directory : `str`
        Where the cache files live (created when first written).
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory

    @staticmethod
    def key(archive: str, split: str) -> Dict[str, Any]:
        return {
            "version": CACHE_VERSION,
            "archive": file_signature(archive),
            "split": file_signature(split),
        }

    def path(self, archive: str, split: str) -> str:
        """A readable, unique file name: run, split, and a hash of the absolute paths."""
        run = os.path.basename(os.path.dirname(os.path.abspath(archive)))
        stem = os.path.basename(split)
        digest = hashlib.sha1(
            f"{os.path.abspath(archive)}\n{os.path.abspath(split)}".encode()
        ).hexdigest()[:12]
        name = re.sub(r"[^A-Za-z0-9_.@-]+", "_", f"{run}__{stem}")
        return os.path.join(self.directory, f"{name}__{digest}.json")

    def load(self, archive: str, split: str) -> Optional[EvaluationResult]:
        """The cached result of the pair, or `None` if absent or stale (either file changed)."""
        path = self.path(archive, split)
        if not os.path.isfile(path):
            return None
        try:
            with open(path, encoding="utf-8") as cache_file:
                entry = json.load(cache_file)
        except (OSError, json.JSONDecodeError):
            return None
        if entry.get("key") != self.key(archive, split):
            return None
        result = entry["result"]
        return EvaluationResult(
            metrics=result["metrics"],
            num_examples=result["num_examples"],
            fusion_weights={
                language: [FusionWeightStats(**stats) for stats in steps]
                for language, steps in result["fusion_weights"].items()
            },
        )

    def save(self, archive: str, split: str, result: EvaluationResult) -> str:
        path = self.path(archive, split)
        atomic_write_json(
            path,
            {
                "key": self.key(archive, split),
                "result": {
                    "metrics": result.metrics,
                    "num_examples": result.num_examples,
                    "fusion_weights": {
                        language: [vars(stats) for stats in steps]
                        for language, steps in result.fusion_weights.items()
                    },
                },
            },
        )
        return path
