"""
The examples an attack or perturbation run works on: the sentence pairs of a task's files, read
with that task's reader's row parsing, so every layout the reader reads works here too.

- `pawsx`: `allennlp_xfuse.data.pair_files` (every PAWS-X layout, adversarial splits);
- `xnli`: `allennlp_xfuse.data.xnli_files` (MultiNLI, XNLI-1.0 with a language per row, XNLI-MT,
  XTREME, Hugging Face exports, adversarial splits).

Comma lists and globs work; the language is the row's own (the official XNLI files), else the
path's, unless given. `Example.label` is the dataset label index: PAWS-X's 0 / 1, XNLI's
position in `XNLI_LABELS` (0 entailment, 1 neutral, 2 contradiction, Hugging Face `xnli`'s
order), which is what an adversarial split stores and what the model wrapper's columns are.

Pure Python: importing this module must not import TextAttack.
"""
from typing import Iterator, List, NamedTuple, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks.resources import check_language
from allennlp_xfuse.data.adversarial_split import example_key
from allennlp_xfuse.data.languages import TASK_LANGUAGES
from allennlp_xfuse.data.pair_files import read_pair_files
from allennlp_xfuse.data.pair_rows import PairRow
from allennlp_xfuse.data.xnli_files import XNLI_LABELS, is_split_record, read_xnli_files

#: The tasks whose files `load_examples` reads (the sentence-pair classification tasks).
PAIR_TASKS: Tuple[str, ...] = ("pawsx", "xnli")

_TASK_NAMES = {"pawsx": "PAWS-X", "xnli": "XNLI"}


class Example(NamedTuple):
    """
    One pair to perturb; `label` is the dataset label index (PAWS-X 0 / 1; XNLI 0 / 1 / 2 in
    the order of `XNLI_LABELS`) or None for unlabeled files.
    """

    id: str
    language: str
    sentence1: str
    sentence2: str
    label: Optional[int]

    @property
    def key(self):
        return example_key(self.language, self.id)


def label_index(label: Optional[str], task: str) -> Optional[int]:
    """
    The dataset label index of a label as the task's reader gives it: PAWS-X's "0" / "1" are
    their own index, XNLI's label names their position in `XNLI_LABELS`.

    # Parameters

    label : `Optional[str]`
        A `PairRow`'s label (None: unlabeled).
    task : `str`
        One of `PAIR_TASKS`.
    """
    if label is None:
        return None
    return XNLI_LABELS.index(label) if task == "xnli" else int(label)


def _rows(input_path: str, language: Optional[str], task: str) -> Iterator[PairRow]:
    if task != "xnli":
        yield from read_pair_files(input_path, language=language)
        return
    # A given language picks its rows out of files with a language per row (the official
    # xnli.test.tsv holds all 15; the reader's filter) and out of adversarial splits (which
    # that filter reads whole), and names the language of every other file.
    for row in read_xnli_files(input_path, languages=[language] if language else None):
        if language is not None:
            if is_split_record(row) and row.language != language:
                continue
            row.language = language
        yield row


def load_examples(
    input_path: str,
    language: Optional[str] = None,
    num_examples: Optional[int] = None,
    require_labels: bool = False,
    task: str = "pawsx",
) -> List[Example]:
    """
    The first `num_examples` valid pairs of `input_path` (all when None), in file order.

    Raises a `ConfigurationError` (with what to do) when the file is missing, holds no pair,
    a pair's language is not one of the task's or cannot be told from the path, labels are
    missing although `require_labels`, or two pairs of a language share an id (resuming
    needs unique ids).

    # Parameters

    input_path : `str`
        A file, comma list or glob in any layout of the task's reader (adversarial splits too).
    language : `str`, optional (default = `None`)
        The language of the pairs (`--language`): for `xnli`, files with a language per row
        keep only its rows. By default each row's own, else the one the path names.
    num_examples : `int`, optional (default = `None`)
        Keep only the first pairs (`--num-examples`); at least 1.
    require_labels : `bool`, optional (default = `False`)
        Every pair must have a label (model-in-the-loop attacks need the gold label).
    task : `str`, optional (default = `"pawsx"`)
        The task whose files these are: `"pawsx"` or `"xnli"` (`PAIR_TASKS`).
    """
    if task not in PAIR_TASKS:
        raise ConfigurationError(
            f"Unknown task {task!r} for sentence-pair examples: one of {', '.join(PAIR_TASKS)} "
            "(tagged files of ner/pos are perturbed with allennlp xfuse-perturb --task ner|pos)."
        )
    languages = TASK_LANGUAGES[task]
    supported = f"{_TASK_NAMES[task]} has"
    if language is not None:
        check_language(language, languages, supported)
    if num_examples is not None and num_examples < 1:
        raise ConfigurationError(f"--num-examples must be at least 1, not {num_examples}")
    examples: List[Example] = []
    seen = set()
    for row in _rows(input_path, language, task):
        if row.language is None:
            raise ConfigurationError(
                f"Cannot tell the language of {row.source} from its path: pass --language "
                f"(one of {' '.join(languages)})."
            )
        try:
            check_language(row.language, languages, supported)
        except ConfigurationError as error:
            raise ConfigurationError(f"{row.source}:{row.line_number}: {error}") from None
        if require_labels and row.label is None:
            raise ConfigurationError(
                f"{row.source}:{row.line_number} has no label; attacks need labeled pairs."
            )
        example = Example(
            row.id, row.language, row.sentence1, row.sentence2, label_index(row.label, task)
        )
        if example.key in seen:
            raise ConfigurationError(
                f"{row.source}:{row.line_number}: id {row.id!r} ({row.language}) occurs twice; "
                "the ids of an attacked split must be unique per language (attack files that "
                "share ids separately)."
            )
        seen.add(example.key)
        examples.append(example)
        if num_examples is not None and len(examples) >= num_examples:
            break
    if not examples:
        raise ConfigurationError(f"{input_path} holds no sentence pair to perturb.")
    return examples
