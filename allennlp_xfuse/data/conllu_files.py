"""
Universal Dependencies CoNLL-U files (https://universaldependencies.org/format.html), read as
words and their UPOS tags.

Each word line has 10 tab-separated fields: ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC;
`#` lines are comments (`# sent_id = ...`, `# text = ...`); a blank line ends a sentence. As UD
defines them, a multiword token (`1-2  zum`, then `1 zu` and `2 dem`) is a surface form whose
syntactic words follow it: the words are what is tagged, so the range line is skipped; an
empty node (`8.1`) is not a word of the surface sentence and is skipped too.
"""
import re
from typing import Any, Dict, Iterator, List, Optional

from allennlp_xfuse.data.pair_rows import BadRow
from allennlp_xfuse.data.tagged_sentences import (
    BadSentenceLog,
    NumberedLine,
    TaggedSentence,
    WordSpan,
)

NUM_COLUMNS = 10
FORM, UPOS = 1, 3

_WORD_ID = re.compile(r"^[1-9][0-9]*$")
_RANGE_ID = re.compile(r"^[1-9][0-9]*-[1-9][0-9]*$")
_EMPTY_NODE_ID = re.compile(r"^[0-9]+\.[1-9][0-9]*$")

# Some treebanks ship without their text for licensing reasons (every FORM is `_`): nothing to
# tag there. (XTREME's preprocessing drops these sentences too.)
WITHHELD = "its text is withheld (every FORM is `_`, as in treebanks distributed without text)"


def looks_like_conllu(line: str) -> bool:
    """Whether a (non-comment, non-blank) line is a CoNLL-U word line: 10 tab-separated fields."""
    return len(line.split("\t")) == NUM_COLUMNS


#: File names that say CoNLL-U (`de_gsd-ud-test.conllu`, `archive!member.conllu`).
CONLLU_SUFFIXES = (".conllu",)


def is_conllu(path: str, first_word_line: Optional[str]) -> bool:
    """
    Whether a POS file is CoNLL-U rather than a `word<TAB>tag` column file, on evidence a
    column file cannot give: a name ending `.conllu`, or a first word line with 10
    tab-separated fields, or one that starts with a word ID and has more than the two columns
    of a `word<TAB>tag` file (a CoNLL-U line that lost or gained a field). Read as a column
    file, such a line would silently become the word `1` tagged `_` (its last field); read as
    CoNLL-U, it is a bad line named by `file:line`.

    # Parameters

    path : `str`
        The data path as the user gave it (`archive!member` names the member).
    first_word_line : `Optional[str]`
        The file's first line that is neither blank nor a `#` comment; `None` if it has none.
    """
    if path.split("!")[-1].lower().endswith(CONLLU_SUFFIXES):
        return True
    if first_word_line is None:
        return True  # only comments: the CoNLL-U reader says the file has no word
    fields = first_word_line.split("\t")
    return looks_like_conllu(first_word_line) or (
        len(fields) > 2
        and bool(_WORD_ID.match(fields[0]) or _RANGE_ID.match(fields[0]))
    )


def read_conllu_sentences(
    path: str, lines: Iterator[NumberedLine], problems: BadSentenceLog
) -> Iterator[TaggedSentence]:
    """
    The sentences of one CoNLL-U file: the syntactic words (FORM) and their UPOS tags; the
    `sent_id` comment, when there is one, goes to the sentence's `extra`.

    A line that does not have 10 tab-separated fields, an ID that is not a word index, a range
    or an empty node, a word ID out of sequence, an empty FORM, or a UPOS `_` (untagged) is
    bad: its sentence is reported to `problems` and skipped. Sentences whose text the treebank
    withholds are skipped and counted.

    # Parameters

    path : `str`
        The path as the user gave it (ids, messages).
    lines : `Iterator[NumberedLine]`
    problems : `BadSentenceLog`
    """
    words: List[str] = []
    tags: List[str] = []
    spans: List[WordSpan] = []
    extra: Dict[str, Any] = {}
    bad = False
    start = 0
    for number, line in lines:
        if not line.strip():
            if words and not bad:
                if all(word == "_" for word in words):
                    problems.skip(WITHHELD)
                else:
                    yield TaggedSentence(words, tags, path, start, extra=extra, word_spans=spans)
            words, tags, spans, extra, bad = [], [], [], {}, False
            start = 0
            continue
        if not start:
            start = number
        if bad:
            continue
        if line.startswith("#"):
            key, _, value = line[1:].partition("=")
            if key.strip() == "sent_id" and value.strip():
                extra["sent_id"] = value.strip()
            continue
        try:
            fields = line.split("\t")
            if len(fields) != NUM_COLUMNS:
                raise BadRow(
                    f"{len(fields)} tab-separated field(s), a CoNLL-U word line has "
                    f"{NUM_COLUMNS}",
                    "Separate the fields with tabs (spaces are allowed inside FORM only)"
                    + (" or, for a `word<TAB>UPOS` file, drop the .conllu from its name"
                       if len(fields) == 2 else ""),
                )
            word_id = fields[0]
            if _RANGE_ID.match(word_id) or _EMPTY_NODE_ID.match(word_id):
                continue  # a multiword token's surface form, or an empty node: not a word
            if not _WORD_ID.match(word_id):
                raise BadRow(
                    f"ID {word_id!r} is not a word index (1, 2, ...), a multiword range (1-2) "
                    f"or an empty node (8.1)",
                    "Fix the ID column",
                )
            if int(word_id) != len(words) + 1:
                raise BadRow(
                    f"word ID {word_id} follows word {len(words)}: IDs count 1, 2, ... in "
                    f"each sentence",
                    "Renumber the sentence, or add the blank line that ends the previous one",
                )
            form, upos = fields[FORM], fields[UPOS].strip()
            if not form.strip():
                raise BadRow("FORM is empty", "Give the word its form")
            if upos in ("", "_"):
                raise BadRow(
                    f"UPOS is {upos!r}: the word has no part-of-speech tag",
                    "Tag it (UPOS is the 4th field), or remove the sentence",
                )
        except BadRow as problem:
            problems.report(number, problem)
            bad = True
            continue
        words.append(form)
        tags.append(upos)
        form_start = len(fields[0]) + 1  # FORM is the second tab-separated field
        spans.append((number, form_start, form_start + len(form)))
    if words and not bad:
        if all(word == "_" for word in words):
            problems.skip(WITHHELD)
        else:
            yield TaggedSentence(words, tags, path, start, extra=extra, word_spans=spans)
