"""
Token-per-line tagged files: WikiANN / PAN-X as XTREME distributes it, XTREME's processed
`{split}-{lang}.tsv` files (PAN-X and UD POS) and CoNLL-style column files; and the BIO checks
of NER tags.

Layouts, one word per line, a blank line between sentences:

- PAN-X raw release (the `<lang>.tar.gz` members `train`/`dev`/`test` of XTREME's
  `AmazonPhotos.zip`, renamed `<lang>-train` ... by XTREME's `download_data.sh`):
  `en:Paris<TAB>B-LOC`; every token carries its language as a `lang:` prefix;
- XTREME-processed (`utils_preprocess.py --task panx` / `udpos`): `Paris<TAB>B-LOC`;
- CoNLL (e.g. CoNLL-2003): columns separated by spaces or tabs, the word first, the tag last,
  `-DOCSTART-` lines between documents.
"""
import logging
import re
from itertools import chain
from typing import Iterator, List, Optional, Tuple

from allennlp_xfuse.data.pair_rows import BadRow
from allennlp_xfuse.data.tagged_sentences import (
    BadSentenceLog,
    NumberedLine,
    TaggedSentence,
    WordSpan,
)

logger = logging.getLogger(__name__)

DOCSTART = "-DOCSTART-"

# A PAN-X language prefix (`en:`, `zh-yue:` style codes included) before a non-empty token.
_LANGUAGE_PREFIX = re.compile(r"^([a-z]{2,3}(?:-[a-z]+)?):(.+)$")
_BIO_TAG = re.compile(r"^(?:O|[BI]-\S+)$")

#: The tag schemes `read_column_sentences` accepts for NER files.
TAG_SCHEMES = ("BIO", "IOB1")


def read_column_sentences(
    path: str,
    lines: Iterator[NumberedLine],
    problems: BadSentenceLog,
    tag_scheme: Optional[str] = None,
) -> Iterator[TaggedSentence]:
    """
    The sentences of one token-per-line file (see the module's docstring for the layouts).

    A line without a tag column, or, for NER (`tag_scheme` given), with a tag other than `O`,
    `B-TYPE` or `I-TYPE`, is bad: its sentence is reported to `problems` and skipped. In a file
    whose first two words have the same `lang:` prefix (PAN-X's raw release) every word must
    carry it; it is stripped and the sentences get that language.

    # Parameters

    path : `str`
        The path as the user gave it (ids, messages).
    lines : `Iterator[NumberedLine]`
    problems : `BadSentenceLog`
    tag_scheme : `str`, optional (default = `None`)
        `None` takes tags as they are (POS). `"BIO"` (IOB2): the tags must be BIO; an `I-X`
        that starts a span (after `O` or another type) is made `B-X`, with a warning naming
        `file:line`, or an error when strict. `"IOB1"` (CoNLL-2003's original scheme, where
        `I-X` starts a span and `B-X` only separates two adjacent spans of one type): the
        same conversion, silently, since that is what IOB1 means. Either way the spans are
        those AllenNLP's span F1 (`bio_tags_to_spans`) reads from the file's tags.
    """
    lines, prefix = _language_prefix(lines)
    repairs = _BioRepairs(path, problems, tag_scheme)
    words: List[str] = []
    tags: List[str] = []
    word_lines: List[int] = []
    spans: List[WordSpan] = []
    bad = False
    start = 0
    for number, line in lines:
        stripped = line.strip()
        if not stripped or stripped.split()[0] == DOCSTART:
            if words and not bad:
                yield TaggedSentence(words, repairs.check(tags, word_lines), path, start,
                                     language=prefix, word_spans=spans)
            words, tags, word_lines, spans, bad = [], [], [], [], False
            continue
        if not words and not bad:
            start = number
        if bad:
            continue
        columns = [column.strip() for column in line.split("\t")] if "\t" in line \
            else stripped.split()
        columns = [column for column in columns if column]
        try:
            if len(columns) < 2:
                raise BadRow(
                    f"no tag: {stripped!r} is one column, a word line is `word<TAB>tag`",
                    "Give every word a tag in its last column (XTREME's processed test-<lang>.tsv "
                    "files have none: read the raw release's <lang>-test file)",
                )
            word, tag = columns[0], columns[-1]
            if tag == "_" and tag_scheme is None:
                # CoNLL's placeholder for an empty field: a word without a tag, not a tag `_`
                raise BadRow(
                    f"tag is '_' (an empty field) in {stripped!r}",
                    "Give the word its tag in the last column"
                    + (" (this looks like CoNLL-U: read it with the ud_pos reader, or name "
                       "the file .conllu)" if len(columns) >= 9 else ""),
                )
            # the first non-empty column: only blanks come before it in the line
            word_start = line.index(word)
            if prefix is not None:
                if not word.startswith(prefix + ":") or len(word) == len(prefix) + 1:
                    raise BadRow(
                        f"word {word!r} lacks the `{prefix}:` prefix every word of this file "
                        f"has had so far",
                        "Keep the PAN-X release's prefixes on every word, or none",
                    )
                word = word[len(prefix) + 1:]
                word_start += len(prefix) + 1
            if tag_scheme is not None and not _BIO_TAG.match(tag):
                raise BadRow(
                    f"tag {tag!r} is not a BIO tag (O, B-TYPE or I-TYPE)",
                    "NER tags are BIO (e.g. B-PER, I-PER, O); convert the file's scheme first"
                    + (" (this looks like CoNLL-U: read it with the ud_pos reader)"
                       if len(columns) == 10 else ""),
                )
        except BadRow as problem:
            problems.report(number, problem)
            bad = True
            continue
        words.append(word)
        tags.append(tag)
        word_lines.append(number)
        spans.append((number, word_start, word_start + len(word)))
    if words and not bad:
        yield TaggedSentence(words, repairs.check(tags, word_lines), path, start, language=prefix,
                             word_spans=spans)
    repairs.finish()


def _language_prefix(lines: Iterator[NumberedLine]) -> Tuple[Iterator[NumberedLine], Optional[str]]:
    """
    The file's PAN-X `lang:` prefix, or `None`, and its lines (those looked at given back).
    Two words decide, not one: a CoNLL file may begin with a word like `re:Invent`, but not
    with two words of the same made-up prefix.
    """
    head: List[NumberedLine] = []
    codes: List[Optional[str]] = []
    for number, line in lines:
        head.append((number, line))
        columns = line.split()
        if columns and columns[0] != DOCSTART:
            match = _LANGUAGE_PREFIX.match(columns[0])
            codes.append(match.group(1) if match else None)
            if len(codes) == 2:
                break
    prefix = codes[0] if codes and len(set(codes)) == 1 else None
    return chain(head, lines), prefix


def bio_span_starts(tags: List[str]) -> List[int]:
    """
    The positions of the `I-X` tags of `tags` that start a span (not after `B-X` or `I-X`): in
    BIO (IOB2) every span starts with `B-X`, so these are what IOB1 files and broken BIO have.

    # Parameters

    tags : `List[str]`
        BIO tags.
    """
    starts = []
    previous = "O"
    for position, tag in enumerate(tags):
        if tag.startswith("I-") and previous[2:] != tag[2:]:
            starts.append(position)
        previous = tag
    return starts


class _BioRepairs:
    """`I-X` tags that start a span, made `B-X`, and what to say about them (see
    `read_column_sentences`'s `tag_scheme`)."""

    def __init__(self, path: str, problems: BadSentenceLog, tag_scheme: Optional[str]) -> None:
        if tag_scheme is not None and tag_scheme not in TAG_SCHEMES:
            raise ValueError(f"tag_scheme must be one of {TAG_SCHEMES} or None, not {tag_scheme!r}")
        self.path = path
        self.problems = problems
        self.tag_scheme = tag_scheme
        self.lines: List[int] = []

    def check(self, tags: List[str], word_lines: List[int]) -> List[str]:
        if self.tag_scheme is None:
            return tags
        starts = bio_span_starts(tags)
        if not starts:
            return tags
        if self.tag_scheme == "BIO":
            if self.problems.strict:
                # the sentence is fine to read; strict asks for valid BIO all the same
                self.problems.report(word_lines[starts[0]], BadRow(
                    f"tag {tags[starts[0]]!r} starts a span: in BIO a span starts with B-",
                    "Fix the tag, or set the reader's `tag_scheme` to \"IOB1\" if the file is "
                    "IOB1",
                ))
            for position in starts:
                self.lines.append(word_lines[position])
                if self.problems.verbose and len(self.lines) <= self.problems.max_warnings:
                    logger.warning(
                        "%s:%d: tag %r starts a span, read as B-%s (in BIO a span starts with "
                        "B-; set `tag_scheme: \"IOB1\"` for IOB1 files).",
                        self.path, word_lines[position], tags[position], tags[position][2:],
                    )
        starting = set(starts)
        return [f"B-{tag[2:]}" if position in starting else tag
                for position, tag in enumerate(tags)]

    def finish(self) -> None:
        if self.lines and self.problems.verbose:
            logger.warning(
                "%s: %d I- tag(s) started a span and were read as B- (lines %s%s).",
                self.path, len(self.lines), ", ".join(map(str, self.lines[:10])),
                ", ..." if len(self.lines) > 10 else "",
            )
