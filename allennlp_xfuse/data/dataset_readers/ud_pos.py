from itertools import chain
from typing import Iterator, List

from allennlp.data.dataset_readers.dataset_reader import DatasetReader

from allennlp_xfuse.data.column_files import read_column_sentences
from allennlp_xfuse.data.conllu_files import is_conllu, read_conllu_sentences
from allennlp_xfuse.data.languages import UDPOS_LANGUAGES
from allennlp_xfuse.data.tagged_sentences import (
    BadSentenceLog,
    NumberedLine,
    TaggedSentence,
    TaggedSentenceReader,
)


@DatasetReader.register("ud_pos")
class UdPosDatasetReader(TaggedSentenceReader):
    """
    Reads part-of-speech tags (UPOS) from Universal Dependencies treebanks: CoNLL-U `.conllu`
    files as UD releases them (see `allennlp_xfuse.data.conllu_files`), and XTREME's processed
    `train-en.tsv` / `test-de.tsv` files (one `word<TAB>UPOS` per line, a blank line between
    sentences), told apart by the name (`.conllu`) and the first word line (10 tab-separated
    fields, or a word ID followed by more than one field: see `conllu_files.is_conllu`).

    In CoNLL-U, comment lines (`#`) are skipped (`# sent_id` goes to the metadata); a multiword
    token's range line (`1-2  zum`) is skipped and its syntactic words (`zu` ADP, `dem` DET) are
    read, as UD defines them; empty nodes (`8.1`) are skipped. Sentences of treebanks that
    withhold their text (every FORM `_`) are skipped and counted.

    A data path may be a URL or `archive!member` (the UD 2.5 tarball
    `.../ud-treebanks-v2.5.tgz!ud-treebanks-v2.5/UD_German-GSD/de_gsd-ud-test.conllu`), a
    comma-separated list, or a glob pattern. The language is the reader's `language`, else the
    one the path names among XTREME's 33 UD POS languages (the treebank file's prefix:
    `de_gsd-ud-test.conllu` is German; `test-de.tsv`), else `None`.

    A bad line (not 10 tab-separated fields, a bad or out-of-sequence ID, an empty FORM, UPOS
    `_`, a word without a tag) costs its sentence, with a warning naming `file:line`, or raises a
    `ConfigurationError` with `strict`. A file that gives no sentence is a
    `ConfigurationError` naming the file and why. No word is ever dropped: long sentences are
    folded by the indexer and embedder (their `max_length`), not truncated.

    Shards sentences across distributed processes and data-loader workers itself.

    Registered as a `DatasetReader` with name "ud_pos".

    Fields: `tokens` (`TextField` of the words), `tags` (`SequenceLabelField` of UPOS tags in
    namespace "labels"), `metadata` (`MetadataField`: `words`, `language`, `id` = `file:line` of
    the sentence's first line, and `sent_id` when the CoNLL-U sentence has one).

    # Parameters

    token_indexers : `Dict[str, TokenIndexer]`, optional
            (default = `{"tokens": SingleIdTokenIndexer()}`)
        The indexers of the `tokens` field; the shipped configs use
        `pretrained_transformer_mismatched`.
    language : `str`, optional (default = `None`)
        The language of every sentence, instead of the one the path names.
    strict : `bool`, optional (default = `False`)
        Raise a `ConfigurationError` naming `file:line` at the first bad line instead of
        skipping its sentence with a warning.
    **kwargs
        Passed to `DatasetReader` (e.g. `max_instances`).
    """

    languages = UDPOS_LANGUAGES
    no_sentence_hint = (
        "Point the data path at a Universal Dependencies .conllu file (or an XTREME-processed "
        "`word<TAB>UPOS` file)."
    )

    def _parse(
        self, path: str, lines: Iterator[NumberedLine], problems: BadSentenceLog
    ) -> Iterator[TaggedSentence]:
        # The first word line tells the layout; the lines before it are given back.
        head: List[NumberedLine] = []
        first_word_line = None
        for number, line in lines:
            head.append((number, line))
            if line.strip() and not line.startswith("#"):
                first_word_line = line
                break
        everything = chain(head, lines)
        if is_conllu(path, first_word_line):
            return read_conllu_sentences(path, everything, problems)
        return read_column_sentences(path, everything, problems)
