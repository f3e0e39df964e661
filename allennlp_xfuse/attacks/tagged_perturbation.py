"""
Model-agnostic perturbation of tagged sentence files (NER, POS) that keeps every word aligned
with its tag: character noise inside words, never a word split, merged, added or dropped.

A file is read with the task's own reader (`panx` for NER, `ud_pos` for POS), strictly, so a bad
line is the reader's `file:line` error; then it is copied line for line with only the edited
words' characters replaced (`TaggedSentence.word_spans`), so the output has the input's layout:
PAN-X `lang:` prefixes and tags, CoNLL columns, every CoNLL-U column, comment, multiword-token
range and empty node. The one line that changes besides the words: CoNLL-U `# text =` comments
of sentences with an edited word are dropped, since they would no longer spell the words.
Before a file is committed it is read back with the same reader and must give the same
sentences, words (but the edited ones) and tags.

Which words change depends only on the seed, the file's name and the sentence's first line
(`sentence_id`), so the same file gives the same noise wherever it lies and whatever is read
with it.
"""
import os
import random
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from allennlp.common.checks import ConfigurationError
from allennlp.data.dataset_readers.dataset_reader import DatasetReader

from allennlp_xfuse.atomic_files import atomic_path
from allennlp_xfuse.attacks.recipes.charnoise import CharNoise
from allennlp_xfuse.attacks.segmentation import script_of
from allennlp_xfuse.data.conllu_files import is_conllu
from allennlp_xfuse.data.data_paths import local_data_file
from allennlp_xfuse.data.languages import infer_language
from allennlp_xfuse.data.tagged_sentences import (
    STRICT_NOTE,
    NumberedLine,
    TaggedSentence,
    TaggedSentenceReader,
)

#: The tagged tasks and the dataset reader (registered name) that reads their files.
TAGGED_TASK_READERS: Dict[str, str] = {"ner": "panx", "pos": "ud_pos"}

#: What replaces a strict reader's advice in a bad-line error: a copy cannot skip a sentence.
BAD_LINE_NOTE = (
    "(xfuse-perturb copies a tagged file line for line, so every sentence must read: fix the "
    "line, or drop its sentence from the input)"
)

# A CoNLL-U `# text = ...` comment (not `# text_en = ...`, a translation, which stays true).
_TEXT_COMMENT = re.compile(r"^#\s*text\s*=")

# Archive suffixes left out of an output name made from `archive!member`.
_ARCHIVE_SUFFIX = re.compile(r"\.(tar\.gz|tgz|tar\.bz2|tar|zip|gz)$")


def tagged_reader(task: str, language: Optional[str] = None) -> TaggedSentenceReader:
    """
    The reader of `task`'s files (`TAGGED_TASK_READERS`), strict: the first bad line is an
    error naming `file:line`, as the reader gives it.

    # Parameters

    task : `str`
        `"ner"` or `"pos"`.
    language : `str`, optional (default = `None`)
        The language of every sentence (the reader's `language`), instead of the file's.
    """
    params: Dict[str, Any] = {"language": language, "strict": True}
    if task == "ner":
        # Tags are copied as the file has them (the archived reader applies its own scheme when
        # it evaluates); only "O or not" matters here, which no scheme changes, so an I- tag that
        # starts a span is no reason to refuse the file.
        params["tag_scheme"] = "IOB1"
    reader_class = DatasetReader.by_name(TAGGED_TASK_READERS[task])
    return reader_class(**params)  # type: ignore[return-value]


def output_name(path: str) -> str:
    """
    The file name an input keeps in an output directory: its own base name; for an archive
    member `<archive stem>-<member base name>` (`panx_dataset/de.tar.gz!test` -> `de-test`, the
    name XTREME's download script gives PAN-X files), so members of several archives do not
    collide.

    # Parameters

    path : `str`
        A data path: local file, URL or `archive!member`.
    """
    if "!" in path:
        archive, member = path.split("!", 1)
        stem = _ARCHIVE_SUFFIX.sub("", os.path.basename(archive.rstrip("/")))
        return f"{stem}-{os.path.basename(member.rstrip('/'))}"
    return os.path.basename(path.split("?", 1)[0].rstrip("/"))


def sentence_id(name: str, sentence: TaggedSentence) -> str:
    """
    What seeds a sentence's noise (with the seed): `<file name>:<first line>`. The file's name,
    not the path as given, so the same file gives the same noise from any directory.

    # Parameters

    name : `str`
        The file's `output_name`.
    sentence : `TaggedSentence`
    """
    return f"{name}:{sentence.line_number}"


@dataclass
class TaggedFileResult:
    """
    What perturbing one file did.

    # Parameters

    input : `str`
        The input data path.
    output : `str`
        The file written.
    language : `str`, optional
        The sentences' language as the task's reader gives it (`None`: not known).
    sentences : `int`
        Sentences written (as many as the input has).
    words : `int`
        Words in them.
    words_changed : `int`
        Words the noise changed.
    sentence_ratios : `List[float]`
        Each changed sentence's share of changed words.
    """

    input: str
    output: str
    language: Optional[str]
    sentences: int = 0
    words: int = 0
    words_changed: int = 0
    sentence_ratios: List[float] = field(default_factory=list)


def perturb_words(
    recipe: CharNoise,
    words: Sequence[str],
    tags: Sequence[str],
    language: Optional[str],
    rng: random.Random,
    protect_entities: bool = False,
) -> List[str]:
    """
    The words of one sentence with `recipe`'s character noise: a share `recipe.rate` of the
    words (at least one when the rate is above 0), each edited by one of the recipe's character
    edits. A word is never split, merged or emptied: an edit that would put whitespace into a
    word or empty it is not made (the edits never do; this keeps the tags aligned whatever an
    edit becomes). Words without a letter (numbers, punctuation) are never chosen.

    # Parameters

    recipe : `CharNoise`
        Its `rate` and `edits` are used.
    words : `Sequence[str]`
    tags : `Sequence[str]`
        One per word.
    language : `str`, optional
        Chooses the letters and keyboard of the edits (English ones when `None`).
    rng : `random.Random`
        The sentence's own generator.
    protect_entities : `bool`, optional (default = `False`)
        Leave every word whose tag is not `O` (NER) as it is.
    """
    editable = [
        position
        for position, word in enumerate(words)
        if (not protect_entities or tags[position] == "O")
        and any(script_of(char) not in (None, "digit") for char in word)
    ]
    result = list(words)
    if recipe.rate == 0.0 or not editable:
        return result
    # the share of all the sentence's words, as charnoise counts it in a sentence of a pair
    count = min(len(editable), max(1, int(recipe.rate * len(words) + 0.5)))
    for position in sorted(rng.sample(editable, count)):
        edited = recipe.edit_word(words[position], language or "en", rng)
        if edited and not any(char.isspace() for char in edited):
            result[position] = edited
    return result


def _numbered_lines(local: str) -> Iterator[NumberedLine]:
    # exactly as `TaggedSentenceReader` reads (BOM dropped, universal newlines), so line
    # numbers and word spans match
    with open(local, encoding="utf-8-sig") as data_file:
        for number, line in enumerate(data_file, 1):
            yield number, line.rstrip("\r\n")


def _is_conllu(task: str, path: str, local: str) -> bool:
    """Whether the `ud_pos` reader reads `path` (its local copy `local`) as CoNLL-U."""
    if task != "pos":
        return False
    first_word_line = next((line for _, line in _numbered_lines(local)
                            if line.strip() and not line.startswith("#")), None)
    return is_conllu(path, first_word_line)


def read_tagged_file(reader: TaggedSentenceReader, path: str) -> List[TaggedSentence]:
    """
    The sentences of one data path, read strictly by `reader`; a bad line is the reader's
    one-line `file:line` error, with advice for a copy instead of the reader's.

    # Parameters

    reader : `TaggedSentenceReader`
        From `tagged_reader`.
    path : `str`
        One data path (not a list or a glob).
    """
    try:
        return list(reader.read_sentences(path))
    except ConfigurationError as error:
        raise ConfigurationError(str(error).replace(STRICT_NOTE, BAD_LINE_NOTE)) from None


@dataclass
class TaggedFilePlan:
    """
    One input file of a run and where its copy goes, checked before anything is written.

    # Parameters

    input : `str`
        The data path.
    output : `str`
        The file to write.
    language : `str`, optional
        The sentences' language as the task's reader gives it (`None`: not known).
    """

    input: str
    output: str
    language: Optional[str]


def plan_tagged_files(
    task: str,
    paths: Sequence[str],
    output: str,
    directory: bool,
    language: Optional[str] = None,
) -> List[TaggedFilePlan]:
    """
    Reads every input (so that a bad line anywhere stops the run before a file is written) and
    decides each one's output, which must not exist: `output` itself, or, with `directory`,
    `output/<output_name>`, with the language put in front of the name
    (`<language>_<name>`) when the file has no `lang:` prefixes and the name would not give it.

    Raises a `ConfigurationError` for a bad line (the reader's `file:line` message), an output
    that exists, two inputs with one output name, or a file output whose path would give the
    sentences another language than they have (see `output_language`).

    # Parameters

    task : `str`
        `"ner"` or `"pos"`.
    paths : `Sequence[str]`
        The input data paths, expanded (no lists, no globs).
    output : `str`
        The output file, or directory.
    directory : `bool`
        Whether `output` is a directory (one file per input).
    language : `str`, optional (default = `None`)
        The sentences' language, instead of the one the files or their paths give.
    """
    reader = tagged_reader(task, language)
    plans: List[TaggedFilePlan] = []
    for path in paths:
        first = read_tagged_file(reader, path)[0]
        if directory:
            name = output_name(path)
            target = os.path.join(output, name)
            if output_language(first, target, reader) != first.language:
                target = os.path.join(output, f"{first.language}_{name}")
        else:
            target = output
            _check_output_language(first, target, reader)
        plans.append(TaggedFilePlan(path, target, first.language))
    seen: Dict[str, str] = {}
    for plan in plans:
        if plan.output in seen:
            raise ConfigurationError(
                f"{seen[plan.output]} and {plan.input} would both be written to {plan.output}: "
                "perturb them in separate runs, with separate --output directories."
            )
        seen[plan.output] = plan.input
        if os.path.lexists(plan.output):
            raise ConfigurationError(
                f"{plan.output} already exists: xfuse-perturb never overwrites a file; delete it "
                "or choose another --output."
            )
    return plans


def output_language(
    sentence: TaggedSentence, output: str, reader: TaggedSentenceReader
) -> Optional[str]:
    """
    The language the task's reader, without a `language` of its own (as `allennlp evaluate`
    runs an archive's reader), gives `sentence` once it is written to `output`: that of its
    `lang:` prefix (kept in the copy), else the one `output`'s path names.

    # Parameters

    sentence : `TaggedSentence`
        A sentence of the input file.
    output : `str`
        Where it will be written.
    reader : `TaggedSentenceReader`
        The reader that read it.
    """
    return sentence.file_language or infer_language(output, reader.languages)


def _check_output_language(
    sentence: TaggedSentence, output: str, reader: TaggedSentenceReader
) -> None:
    wanted = sentence.language
    found = output_language(sentence, output, reader)
    if wanted is None or found == wanted:
        return  # (an input of no known language: nothing to keep)
    prefix = sentence.file_language
    where = f"its `{prefix}:` prefixes" if prefix else "its path"
    name = os.path.basename(output)
    raise ConfigurationError(
        f"--output {output}: allennlp evaluate would read its sentences as language "
        f"{found or 'unknown'} (from {where}), not {wanted}. The language of a tagged file "
        f"without `lang:` prefixes comes from its path: name it in the file name, e.g. "
        f"{os.path.join(os.path.dirname(output), f'{wanted}_{name}')}."
    )


def rewrite_lines(
    local: str,
    replacements: Dict[int, List[Tuple[int, int, str]]],
    drop_text_of: Sequence[int] = (),
) -> Iterator[str]:
    """
    The lines of `local` (without line breaks) with the words of `replacements` changed:
    line number -> `(start, end, new word)`; and the `# text =` comments of the CoNLL-U sentences
    whose first line is in `drop_text_of` left out.

    # Parameters

    local : `str`
        The input file (local copy).
    replacements : `Dict[int, List[Tuple[int, int, str]]]`
    drop_text_of : `Sequence[int]`, optional (default = `()`)
        First lines of sentences (`TaggedSentence.line_number`) whose `# text` goes.
    """
    dropping = set(drop_text_of)
    block_start = 0
    for number, line in _numbered_lines(local):
        if not line.strip():
            block_start = 0
        elif not block_start:
            block_start = number
        if block_start in dropping and _TEXT_COMMENT.match(line):
            continue
        # right to left, so the offsets of the words before stay valid
        for start, end, word in sorted(replacements.get(number, ()), reverse=True):
            line = line[:start] + word + line[end:]
        yield line


def perturb_tagged_file(
    recipe: CharNoise,
    task: str,
    plan: TaggedFilePlan,
    seed: int,
    protect_entities: bool = False,
) -> TaggedFileResult:
    """
    Writes the perturbed copy of one tagged file (see the module docstring) to `plan.output`,
    atomically: nothing is there unless the whole file was written and read back right.

    # Parameters

    recipe : `CharNoise`
        The character noise (its `rate` and `edits`).
    task : `str`
        `"ner"` or `"pos"`: which reader reads the file.
    plan : `TaggedFilePlan`
        The input and its output, from `plan_tagged_files`.
    seed : `int`
        With `sentence_id`, decides every edit.
    protect_entities : `bool`, optional (default = `False`)
        Leave the words whose tag is not `O` unchanged.
    """
    # the planned language: the one `--language`, the prefixes or the path gave
    reader = tagged_reader(task, plan.language)
    sentences = read_tagged_file(reader, plan.input)
    local = local_data_file(plan.input)
    name = output_name(plan.input)
    result = TaggedFileResult(plan.input, plan.output, plan.language)
    replacements: Dict[int, List[Tuple[int, int, str]]] = {}
    changed_sentences = []
    expected = []
    for sentence in sentences:
        rng = random.Random(f"{seed}:{sentence_id(name, sentence)}")
        words = perturb_words(
            recipe, sentence.words, sentence.tags, sentence.language, rng, protect_entities
        )
        changed = sum(old != new for old, new in zip(sentence.words, words))
        for old, new, (number, start, end) in zip(sentence.words, words, sentence.word_spans):
            if old != new:
                replacements.setdefault(number, []).append((start, end, new))
        if changed:
            changed_sentences.append(sentence.line_number)
            result.sentence_ratios.append(changed / len(words))
        result.sentences += 1
        result.words += len(words)
        result.words_changed += changed
        expected.append((words, sentence.tags))
    conllu = _is_conllu(task, plan.input, local)
    with atomic_path(plan.output) as temporary:
        with open(temporary, "w", encoding="utf-8", newline="\n") as out:
            for line in rewrite_lines(local, replacements, changed_sentences if conllu else ()):
                out.write(line + "\n")
        _check_copy(reader, temporary, plan.input, expected)
    return result


def _check_copy(
    reader: TaggedSentenceReader,
    path: str,
    input_path: str,
    expected: List[Tuple[List[str], List[str]]],
) -> None:
    """Raises unless `path` reads back as `expected` (a bug here, never the user's input)."""
    copy = [(s.words, s.tags) for s in reader.read_sentences(path)]
    if copy != expected:
        raise RuntimeError(
            f"The perturbed copy of {input_path} does not read back with the words and tags it "
            "was written with; nothing was written. Please report this with the input file."
        )


def metrics(results: Sequence[TaggedFileResult]) -> Dict[str, Any]:
    """
    The figures of a group of perturbed files: `sentences`, `sentences_changed`, `words`,
    `words_changed`, `perturbed_word_ratio` (words changed / words) and
    `avg_perturbed_word_percent` (the mean share of changed words over the changed sentences,
    in percent, as the pair splits' summaries average it).

    # Parameters

    results : `Sequence[TaggedFileResult]`
    """
    words = sum(r.words for r in results)
    changed = sum(r.words_changed for r in results)
    ratios = [ratio for r in results for ratio in r.sentence_ratios]
    return OrderedDict(
        sentences=sum(r.sentences for r in results),
        sentences_changed=len(ratios),
        words=words,
        words_changed=changed,
        perturbed_word_ratio=round(changed / words, 6) if words else None,
        avg_perturbed_word_percent=round(100.0 * sum(ratios) / len(ratios), 2) if ratios else None,
    )


def summarize_tagged(results: Sequence[TaggedFileResult], **run_info: Any) -> Dict[str, Any]:
    """
    `run_info` (output, task, recipe, input, seed, rate, ...) plus every file's figures under
    "files", every language's under "languages" and all of them under "all".

    # Parameters

    results : `Sequence[TaggedFileResult]`
    **run_info : `Any`
    """
    by_language: Dict[str, List[TaggedFileResult]] = OrderedDict()
    for result in results:
        by_language.setdefault(str(result.language), []).append(result)
    return OrderedDict(
        **run_info,
        files=[
            OrderedDict(input=r.input, output=r.output, language=r.language, **metrics([r]))
            for r in results
        ],
        languages=OrderedDict((lang, metrics(group)) for lang, group in by_language.items()),
        all=metrics(results),
    )
