"""
The test data of the XNLI, NER and POS tasks for `allennlp xfuse-report --task-data`: what a
`TASK[:SPLIT]=DIR` option names (`TaskData`), and each language's evaluation file under `DIR`
(`find_task_splits`), clean test data or a perturbed copy of it made by `xfuse-perturb`.

File names per task, most preferred first (searched recursively, the file nearest to `DIR`
first):

- XNLI: `test-<lang>.tsv` (XTREME's layout, the bundled sample; XTREME's own are unlabeled and
  skipped), `<lang>.<recipe>.jsonl` (perturbed splits; a multilingual `all.<recipe>.jsonl` is
  divided per language under the report's output), else the official `xnli.test.tsv`
  (every language in one file): divided into one XTREME-layout file per language under the
  report's output, since the archived reader keeps English rows only;
- NER: the raw PAN-X release's `<lang>-test`, XTREME's `test-<lang>.tsv` (when tagged);
- POS: every `*-ud-test.conllu` of a language (UD's `UD_<Language>-<Treebank>/` directories, or a
  perturbed copy's flat directory), several treebanks evaluated together as one comma list;
  XTREME's `test-<lang>.tsv` when there is none.

The language of a file is the code its name starts with (`infer_language`, among the task's
languages).
"""
import csv
import glob
import io
import json
import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.atomic_files import atomic_write_text
from allennlp_xfuse.data.languages import infer_language
from allennlp_xfuse.data.xnli_files import read_xnli_file
from allennlp_xfuse.report.tasks import NER, PAWSX, POS, XNLI, get_task

#: The official XNLI test file, all languages in one.
XNLI_OFFICIAL_TEST = "xnli.test.tsv"

#: What `find_task_splits` looks for, per task, for messages.
EXPECTED_FILES = {
    XNLI: f"test-<lang>.tsv, <lang>.<recipe>.jsonl or {XNLI_OFFICIAL_TEST}",
    NER: "<lang>-test (raw PAN-X) or a tagged test-<lang>.tsv",
    POS: "*-ud-test.conllu (UD_*/ directories) or a tagged test-<lang>.tsv",
}


@dataclass(frozen=True)
class TaskData:
    """
    One `--task-data` option: a task's test data, or a perturbed copy of it.

    # Parameters

    task : `str`
        `"xnli"`, `"ner"`, `"pos"` (or `"pawsx"`).
    directory : `str`
        Where its files are.
    split : `Optional[str]`, optional (default = `None`)
        The name of a perturbed copy (`ner:charnoise=adv/ner` -> `"charnoise"`), the recipe its
        tables are named after; `None` for the clean test data.
    """

    task: str
    directory: str
    split: Optional[str] = None


def parse_task_data(option: str) -> TaskData:
    """
    Reads a `--task-data` value, `TASK=DIR` or `TASK:SPLIT=DIR`; a malformed one, an unknown
    task or a missing directory is a `ConfigurationError` that says how to write it.

    # Parameters

    option : `str`
    """
    where = f"--task-data {option}"
    name, separator, directory = option.partition("=")
    if not separator or not name or not directory:
        raise ConfigurationError(
            f"{where}: expected TASK=DIR or TASK:SPLIT=DIR, e.g. ner=data/panx or "
            "ner:charnoise=adv/ner"
        )
    task, _, split = name.partition(":")
    get_task(task, where)
    if ":" in name and not split:
        raise ConfigurationError(f"{where}: empty split name after ':' (e.g. ner:charnoise=DIR)")
    if split == "clean":
        # the name of the test data's own tables (`ner/clean`): a perturbed copy needs another
        raise ConfigurationError(f"{where}: 'clean' names the test data itself; write {task}=DIR, "
                                 f"or name the perturbed copy after its recipe")
    if not os.path.isdir(directory):
        raise ConfigurationError(f"{where}: no such directory {directory!r}")
    return TaskData(task=task, directory=directory, split=split or None)


def _nearest_first(paths: Sequence[str]) -> List[str]:
    return sorted(set(paths), key=lambda path: (path.count(os.sep), path))


def _glob(directory: str, pattern: str) -> List[str]:
    root = glob.escape(directory)
    return _nearest_first(
        glob.glob(os.path.join(root, pattern))
        + glob.glob(os.path.join(root, "**", pattern), recursive=True)
    )


def _xnli_labeled(path: str) -> bool:
    """
    Whether an XNLI test file has labels (XTREME's own `test-<lang>.tsv` have none: left out,
    with why). Any other problem (an empty file, not UTF-8, every row bad) is the reader's
    `file:line` error, not a reason given in its place.
    """
    row = next(read_xnli_file(path, verbose=False, require_labels=False), None)
    return row is not None and row.label is not None


def _tagged(path: str) -> bool:
    """
    Whether the first word line of a token-per-line file has a tag column. A file without a
    word line, or not UTF-8, counts as tagged: the reader then says what is wrong with it, by
    `file:line`, instead of a wrong "no tag column".
    """
    try:
        with open(path, encoding="utf-8-sig") as lines:
            for line in lines:
                if line.strip() and not line.startswith("#"):
                    return len(line.split()) >= 2
    except UnicodeDecodeError:
        return True
    return True


def find_task_splits(
    task: str, directory: str, work_dir: str
) -> Tuple[Dict[str, str], List[Tuple[str, str]]]:
    """
    Each language's evaluation file of `task` under `directory` (see the module's docstring),
    in the task's language order, and the files found but not usable, with why.

    # Parameters

    task : `str`
        `"xnli"`, `"ner"` or `"pos"`.
    directory : `str`
    work_dir : `str`
        Where the per-language parts of an official `xnli.test.tsv` are written.

    # Returns

    `(language -> split, [(path, why it is left out)])`: a split is a path, or a comma list of
    the paths of one language's treebanks (POS).
    """
    if task == PAWSX:
        raise ValueError("PAWS-X splits are found by discovery.find_clean_splits")
    languages = get_task(task).languages
    found: Dict[str, List[str]] = {}
    skipped: List[Tuple[str, str]] = []

    def add(paths: Sequence[str], usable: Optional[Callable[[str], bool]] = None,
            why: str = "") -> None:
        # the first usable file of a language wins: `paths` are nearest first
        for path in paths:
            language = infer_language(os.path.basename(path), languages)
            if language is None or language in found:
                continue
            if usable is not None and not usable(path):
                skipped.append((path, why))
                continue
            found.setdefault(language, []).append(path)

    if task == XNLI:
        add(_glob(directory, "test-*.tsv"), _xnli_labeled,
            "no labels (XTREME keeps XNLI's test labels; give XNLI-1.0's xnli.test.tsv)")
        splits = _glob(directory, "*.jsonl")
        add(splits)
        for split in splits:
            if infer_language(os.path.basename(split), languages) is None:
                # a multilingual split (`xfuse-perturb --task xnli "test-*.tsv"` writes one)
                for language, path in divide_split_by_language(split, work_dir).items():
                    if language in languages and language not in found:
                        found[language] = [path]
        for official in _glob(directory, XNLI_OFFICIAL_TEST)[:1]:
            missing = [language for language in languages if language not in found]
            for language, path in split_official_xnli(official, missing, work_dir).items():
                found[language] = [path]
    elif task == NER:
        add(_glob(directory, "*-test"), _tagged, "no tag column")
        add(_glob(directory, "test-*.tsv"), _tagged,
            "no tag column (XTREME's processed test files are untagged; give the raw PAN-X "
            "release's <lang>-test)")
    elif task == POS:
        treebanks = _glob(directory, "*-ud-test.conllu")
        by_language: Dict[str, List[str]] = {}
        for path in treebanks:
            language = infer_language(os.path.basename(path), languages)
            if language is not None:
                by_language.setdefault(language, []).append(path)
        for language, paths in by_language.items():
            found[language] = sorted(paths)
        add(_glob(directory, "test-*.tsv"), _tagged, "no tag column")
    splits = {
        language: ",".join(found[language]) for language in languages if language in found
    }
    return splits, skipped


def split_official_xnli(path: str, languages: Sequence[str], work_dir: str) -> Dict[str, str]:
    """
    Writes the pairs of each of `languages` in the official `xnli.test.tsv` (one file, a
    `language` column) to `<work_dir>/test-<lang>.tsv` in XTREME's layout (premise, hypothesis,
    label; no header), which the `xnli` reader reads as that language whatever its archived
    `languages` setting (the shipped configs keep English rows of multilingual files). A file is
    only rewritten when its content changed: the evaluation cache keys on modification times.
    Returns language -> file, for the languages with pairs.

    # Parameters

    path : `str`
    languages : `Sequence[str]`
    work_dir : `str`
    """
    rows: Dict[str, List[Tuple[str, str, str]]] = {}
    for row in read_xnli_file(path, verbose=False, require_labels=True):
        if row.language in languages:
            rows.setdefault(str(row.language), []).append(
                (row.sentence1, row.sentence2, str(row.label))
            )
    written = {}
    for language in languages:
        if language not in rows:
            continue
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
        writer.writerows(rows[language])
        target = os.path.join(work_dir, f"test-{language}.tsv")
        if _read(target) != buffer.getvalue():
            atomic_write_text(target, buffer.getvalue())
        written[language] = target
    return written


def divide_split_by_language(path: str, work_dir: str) -> Dict[str, str]:
    """
    Writes the records of each language of a multilingual split (`all.charnoise.jsonl`) to
    `<work_dir>/<lang>.<file name>`, lines as they are, and returns language -> file. As for
    `split_official_xnli`, a file is only rewritten when its content changed (the evaluation
    cache keys on modification times), and a record without a language is an error naming its
    line.

    # Parameters

    path : `str`
        A JSON-lines split written by `xfuse-perturb` / `xfuse-attack`.
    work_dir : `str`
    """
    lines: Dict[str, List[str]] = {}
    with open(path, encoding="utf-8") as split:
        for line_number, line in enumerate(split, start=1):
            if not line.strip():
                continue
            try:
                language = json.loads(line).get("language")
            except (ValueError, AttributeError):
                language = None
            if not isinstance(language, str):
                raise ConfigurationError(
                    f"{path}:{line_number}: not a split record with a language; give one split "
                    "per language (<lang>.<recipe>.jsonl) or a split written by xfuse-perturb."
                )
            lines.setdefault(language, []).append(line if line.endswith("\n") else line + "\n")
    written = {}
    for language, records in lines.items():
        target = os.path.join(work_dir, f"{language}.{os.path.basename(path)}")
        text = "".join(records)
        if _read(target) != text:
            atomic_write_text(target, text)
        written[language] = target
    return written


def _read(path: str) -> Optional[str]:
    """The text of `path`, `None` if there is no such file."""
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as text:
        return text.read()
