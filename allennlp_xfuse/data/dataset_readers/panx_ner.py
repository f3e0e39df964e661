from typing import Dict, Iterator, Optional

from allennlp.common.checks import ConfigurationError
from allennlp.data.dataset_readers.dataset_reader import DatasetReader
from allennlp.data.token_indexers import TokenIndexer

from allennlp_xfuse.data.column_files import TAG_SCHEMES, read_column_sentences
from allennlp_xfuse.data.languages import PANX_LANGUAGES
from allennlp_xfuse.data.tagged_sentences import (
    BadSentenceLog,
    NumberedLine,
    TaggedSentence,
    TaggedSentenceReader,
)


@DatasetReader.register("panx")
class PanxNerDatasetReader(TaggedSentenceReader):
    """
    Reads named-entity tags in WikiANN / PAN-X (Pan et al., 2017) as XTREME distributes it, and
    CoNLL-style NER files: one word per line with its tag last, a blank line between sentences.

    Layouts (see `allennlp_xfuse.data.column_files`): the raw PAN-X release (`en:Paris<TAB>B-LOC`:
    the `lang:` prefix is stripped and gives the sentences' language), XTREME's processed
    `train-en.tsv` / `dev-de.tsv` (`Paris<TAB>B-LOC`), CoNLL files (columns separated by spaces
    or tabs, word first, tag last, `-DOCSTART-` lines ignored). UTF-8 with or without BOM, LF or
    CRLF. A data path may be a URL or `archive!member` (through `cached_path`), a
    comma-separated list, or a glob pattern. The language of a sentence is, in order: the
    reader's `language`, the file's `lang:` prefix, the language its path names among the 40
    PAN-X languages (`en-test`, `test-de.tsv`, `panx/ja/dev.tsv`), else `None`.

    Tags are BIO (`O`, `B-TYPE`, `I-TYPE`; PAN-X has PER, ORG, LOC). An `I-X` that starts a span
    is read as `B-X` (see `tag_scheme`): the spans, and so span F1, are those AllenNLP's
    `bio_tags_to_spans` finds in the file, and constrained CRF decoding sees valid BIO only.

    A line without a tag, with a tag that is not BIO, or without the prefix the file's other
    words have, is bad: its sentence is skipped with a warning naming `file:line` (a sentence
    cannot lose a word without misaligning its tags), or, with `strict`, a `ConfigurationError`
    is raised. A file that gives no sentence is a `ConfigurationError` naming the file and why.
    No word is ever dropped: long sentences are folded by the indexer and embedder (their
    `max_length`), not truncated, so evaluation scores every entity of the file.

    Shards sentences across distributed processes and data-loader workers itself.

    Registered as a `DatasetReader` with name "panx".

    Fields: `tokens` (`TextField` of the words), `tags` (`SequenceLabelField` of BIO tags in
    namespace "labels"), `metadata` (`MetadataField`: `words`, `language`, `id` = `file:line` of
    the sentence's first word).

    # Parameters

    token_indexers : `Dict[str, TokenIndexer]`, optional
            (default = `{"tokens": SingleIdTokenIndexer()}`)
        The indexers of the `tokens` field; the shipped configs use
        `pretrained_transformer_mismatched`.
    language : `str`, optional (default = `None`)
        The language of every sentence, instead of the one the file or its path gives.
    strict : `bool`, optional (default = `False`)
        Raise a `ConfigurationError` naming `file:line` at the first bad line (and, with
        `tag_scheme` "BIO", at the first `I-` tag that starts a span) instead of warning.
    tag_scheme : `str`, optional (default = `"BIO"`)
        `"BIO"` (IOB2, PAN-X's): an `I-X` that starts a span is a mistake, read as `B-X` with a
        warning naming `file:line`. `"IOB1"` (CoNLL-2003's original scheme, where spans start
        with `I-X` and `B-X` only separates adjacent spans of one type): converted to BIO the
        same way, silently.
    **kwargs
        Passed to `DatasetReader` (e.g. `max_instances`).
    """

    languages = PANX_LANGUAGES
    no_sentence_hint = (
        "Point the data path at a PAN-X / CoNLL NER file (one `word<TAB>tag` per line, a blank "
        "line between sentences)."
    )

    def __init__(
        self,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        language: Optional[str] = None,
        strict: bool = False,
        tag_scheme: str = "BIO",
        **kwargs,
    ) -> None:
        super().__init__(token_indexers=token_indexers, language=language, strict=strict,
                         **kwargs)
        if tag_scheme not in TAG_SCHEMES:
            raise ConfigurationError(
                f"Unknown tag_scheme {tag_scheme!r} for the panx reader: choose one of "
                f"{', '.join(TAG_SCHEMES)}."
            )
        self._tag_scheme = tag_scheme

    def _parse(
        self, path: str, lines: Iterator[NumberedLine], problems: BadSentenceLog
    ) -> Iterator[TaggedSentence]:
        return read_column_sentences(path, lines, problems, tag_scheme=self._tag_scheme)
