"""
The four tasks `allennlp xfuse-report` reports on, in one place: which dataset readers make a run
of a task, the metric each task is scored by (its key in AllenNLP's metrics and its display
name), its display name and its languages (`allennlp_xfuse.data.languages.TASK_LANGUAGES`).
"""
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.languages import TASK_LANGUAGES

PAWSX = "pawsx"
XNLI = "xnli"
NER = "ner"
POS = "pos"


@dataclass(frozen=True)
class ReportTask:
    """
    One task of the report.

    # Parameters

    name : `str`
        The task's name on the command line (`--task-data NAME=DIR`) and in the result files:
        `"pawsx"`, `"xnli"`, `"ner"` or `"pos"`.
    display_name : `str`
        Its name in report.md, e.g. `"NER (PAN-X)"`.
    readers : `Tuple[str, ...]`
        The `dataset_reader.type`s whose runs are of this task.
    metric : `str`
        The key of the task's metric in what AllenNLP's `Evaluator` returns.
    metric_name : `str`
        How report.md names that metric (`"accuracy"`, `"span F1"`).
    languages : `Tuple[str, ...]`
        The task's languages, English first, in the order its tables show them.
    per_example : `bool`
        Whether an evaluation keeps per-example outcomes (classifiers: one label per example),
        which confidence intervals are computed from; taggers have none.
    """

    name: str
    display_name: str
    readers: Tuple[str, ...]
    metric: str
    metric_name: str
    languages: Tuple[str, ...]
    per_example: bool


#: Every task, in the order of the report's tables and of the across-tasks summary's columns.
TASKS: Dict[str, ReportTask] = {
    task.name: task
    for task in (
        ReportTask(PAWSX, "PAWS-X", ("pawsx", "adversarial_pawsx"), "accuracy", "accuracy",
                   TASK_LANGUAGES[PAWSX], True),
        ReportTask(XNLI, "XNLI", ("xnli",), "accuracy", "accuracy", TASK_LANGUAGES[XNLI], True),
        ReportTask(NER, "NER (PAN-X)", ("panx",), "f1-measure-overall", "span F1",
                   TASK_LANGUAGES[NER], False),
        ReportTask(POS, "POS (UD)", ("ud_pos",), "accuracy", "accuracy", TASK_LANGUAGES[POS],
                   False),
    )
}

#: `dataset_reader.type` -> the task of its runs.
READER_TASKS: Dict[str, str] = {
    reader: task.name for task in TASKS.values() for reader in task.readers
}


def task_of_config(config: Dict[str, Any]) -> Optional[str]:
    """
    The task of a run, from its training config's `dataset_reader.type` (`READER_TASKS`); a
    config without a reader type is a PAWS-X run (the first configs named none), a reader of no
    task gives `None`.

    # Parameters

    config : `Dict[str, Any]`
        AllenNLP's `config.json` of the run.
    """
    reader = config.get("dataset_reader")
    reader_type = reader.get("type") if isinstance(reader, dict) else None
    if reader_type is None:
        return PAWSX
    return READER_TASKS.get(str(reader_type))


def get_task(name: str, where: str = "--task-data") -> ReportTask:
    """
    The task called `name`; an unknown name is a `ConfigurationError` naming `where` and the
    tasks there are.

    # Parameters

    name : `str`
    where : `str`, optional (default = `"--task-data"`)
        Where the name was given, for the message.
    """
    if name not in TASKS:
        raise ConfigurationError(
            f"{where}: unknown task {name!r}; the tasks are {', '.join(TASKS)}."
        )
    return TASKS[name]


def task_score(record: Any) -> Optional[float]:
    """
    The task's metric of a `MetricsRecord` as a fraction: `metrics[<task metric>]`, else (for
    accuracy tasks, and hand-made records) its `accuracy`; `None` when there is neither.

    # Parameters

    record : `MetricsRecord`
    """
    task = TASKS.get(getattr(record, "task", PAWSX) or PAWSX, TASKS[PAWSX])
    value = (record.metrics or {}).get(task.metric)
    if value is None and task.metric == "accuracy":
        value = record.accuracy
    return None if value is None else float(value)
