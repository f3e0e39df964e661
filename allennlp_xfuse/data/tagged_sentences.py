"""
Sentences of words with one tag each (NER, POS), and the reader both tagging readers build on:
files to sentences (with bad lines reported by `file:line`), sentences to instances, sharding.
"""
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from allennlp.common.checks import ConfigurationError
from allennlp.data.dataset_readers.dataset_reader import DatasetReader, PathOrStr
from allennlp.data.fields import Field, MetadataField, SequenceLabelField, TextField
from allennlp.data.instance import Instance
from allennlp.data.token_indexers import SingleIdTokenIndexer, TokenIndexer
from allennlp.data.tokenizers import Token

from allennlp_xfuse.data.data_paths import DataPaths, expand_data_paths, local_data_file
from allennlp_xfuse.data.languages import infer_language
from allennlp_xfuse.data.pair_files import first_undecodable_line
from allennlp_xfuse.data.pair_rows import BadRow, BadRowLog

logger = logging.getLogger(__name__)

# (line number, line without its line break)
NumberedLine = Tuple[int, str]
# (line number, start, end): where a word's text is in its line
WordSpan = Tuple[int, int, int]

#: What a strict reader's error for a bad line ends with. Tools that read strictly on purpose
#: (`xfuse-perturb` copies files line for line) replace it with their own advice.
STRICT_NOTE = "(or set the reader's `strict` to false to skip the sentences of bad lines)"


@dataclass
class TaggedSentence:
    """
    The words of one sentence and their tags, read from `source` (the path as the user gave it)
    starting at line `line_number`. `language` is what the file content says (a PAN-X `en:`
    prefix), `None` when it says nothing, until the reader resolves it (its `language`, the
    content's, the path's); `file_language` keeps what the content said. `extra` goes into the
    instance's metadata (a CoNLL-U `sent_id`). `word_spans` gives, for each word, `(line number,
    start, end)`: where its text is in its line (without the line break), so that a tool can
    rewrite the words and leave every other byte of the file as it was (`xfuse-perturb`).
    """

    words: List[str]
    tags: List[str]
    source: str
    line_number: int
    language: Optional[str] = None
    extra: Dict[str, Any] = field(default_factory=dict)
    word_spans: List[WordSpan] = field(default_factory=list)
    file_language: Optional[str] = None

    @property
    def id(self) -> str:
        return f"{self.source}:{self.line_number}"


class BadSentenceLog(BadRowLog):
    """
    `BadRowLog` for tagged files: a bad line costs its whole sentence (dropping one word would
    shift every later tag, and silently change what an evaluation counts), so the summary counts
    sentences. `skipped` counts whole sentences a parser drops for a reason that is not a bad line
    (reason -> count), e.g. a treebank that withholds its text.
    """

    def __init__(self, source: str, strict: bool, verbose: bool, max_warnings: int = 5) -> None:
        super().__init__(source, strict, verbose, max_warnings)
        self.skipped: Dict[str, int] = {}

    def report(self, line_number: int, problem: BadRow) -> None:
        where = f"{self.source}:{line_number}"
        if self.first_problem is None:
            self.first_problem = (line_number, problem)
        if self.strict:
            raise ConfigurationError(
                f"{where}: {problem.reason}. {problem.fix} {STRICT_NOTE}."
            )
        self.bad_lines.append(line_number)
        if self.verbose and len(self.bad_lines) <= self.max_warnings:
            logger.warning("%s: skipping the sentence of a bad line: %s. %s",
                           where, problem.reason, problem.fix)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def finish(self) -> None:
        if not self.verbose:
            return
        if self.bad_lines:
            shown = ", ".join(str(line) for line in self.bad_lines[: self.max_warnings * 2])
            more = ", ..." if len(self.bad_lines) > self.max_warnings * 2 else ""
            logger.warning(
                "%s: skipped %d sentence(s) with a bad line (lines %s%s) of %d; set `strict: "
                "true` to stop at the first one.",
                self.source, len(self.bad_lines), shown, more, self.rows_seen,
            )
        for reason, count in self.skipped.items():
            logger.warning("%s: skipped %d sentence(s): %s.", self.source, count, reason)

    def no_sentence_error(self, hint: str) -> ConfigurationError:
        """
        The error for a file that gave no sentence, saying why.

        # Parameters

        hint : `str`
            What the file should hold, ending the message ("Point the data path at ...").
        """
        if self.first_problem is not None:
            line_number, problem = self.first_problem
            why = (f"all {len(self.bad_lines)} sentence(s) have a bad line, the first at line "
                   f"{line_number}: {problem.reason}. {problem.fix}")
        elif self.skipped:
            why = "every sentence was skipped: " + "; ".join(
                f"{count} because {reason}" for reason, count in self.skipped.items()
            )
        else:
            why = "the file holds no tagged word (it is empty, or only blank or comment lines)"
        return ConfigurationError(f"{self.source}: no sentence: {why}. {hint}")


class TaggedSentenceReader(DatasetReader):
    """
    What the tagging readers (`panx`, `ud_pos`) share: reading each data path (comma lists,
    globs, URLs, `archive!member`, see `expand_data_paths`), the language of each sentence,
    bad-line handling, sharding, and the instances. A subclass says how one file's lines become
    sentences (`_parse`) and which languages its paths may name (`languages`).

    Fields: `tokens` (`TextField` of the words), `tags` (`SequenceLabelField` in namespace
    "labels"; absent when no tags are given), `metadata` (`words`, `language`, `id` =
    `file:line` of the sentence's first line, plus what the format adds).

    Words are never truncated: a sentence longer than the encoder's input is folded by the
    `pretrained_transformer_mismatched` indexer and embedder (their `max_length`), so every
    word gets a tag and an evaluation counts every word of the file.

    # Parameters

    token_indexers : `Dict[str, TokenIndexer]`, optional
            (default = `{"tokens": SingleIdTokenIndexer()}`)
        The indexers of the `tokens` field; the shipped configs use
        `pretrained_transformer_mismatched`.
    language : `str`, optional (default = `None`)
        The language of every sentence, instead of the one the file or its path gives.
    strict : `bool`, optional (default = `False`)
        Raise a `ConfigurationError` naming `file:line` at the first bad line instead of
        skipping its sentence with a warning.
    **kwargs
        Passed to `DatasetReader` (e.g. `max_instances`).
    """

    #: The language codes a data path may name (`infer_language`).
    languages: Sequence[str] = ()
    #: How the error for a file without a sentence ends.
    no_sentence_hint = "Point the data path at a file of tagged sentences."

    def __init__(
        self,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        language: Optional[str] = None,
        strict: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(
            manual_distributed_sharding=True, manual_multiprocess_sharding=True, **kwargs
        )
        self._token_indexers = token_indexers or {"tokens": SingleIdTokenIndexer()}
        self._language = language
        self._strict = strict

    def _read(self, file_path: Union[PathOrStr, List[PathOrStr]]) -> Iterator[Instance]:
        # Every worker parses every line (cheap) and builds instances of its share only, so
        # bad lines are judged over the whole file, the first worker alone reports them, and
        # every worker raises the same error for a file that gives nothing.
        for sentence in self.shard_iterable(self._sentences(file_path, self._is_first_worker())):
            yield self.text_to_instance(
                sentence.words, sentence.tags, sentence.language, sentence.id, sentence.extra
            )

    def read_sentences(self, file_path: DataPaths) -> Iterator[TaggedSentence]:
        """
        The sentences of `file_path` (every file, unsharded, no instances made), with the
        reader's checks; for tools that need the words and tags only (e.g. a vocabulary).

        # Parameters

        file_path : `DataPaths`
            As `read` takes it.
        """
        return self._sentences(file_path, verbose=False)

    def _sentences(self, file_path: DataPaths, verbose: bool) -> Iterator[TaggedSentence]:
        for path in expand_data_paths(file_path):
            local = local_data_file(path)
            problems = BadSentenceLog(path, self._strict, verbose)
            path_language = infer_language(path, self.languages)
            found = 0
            # utf-8-sig drops a byte order mark; universal newlines take CRLF files as they come.
            with open(local, encoding="utf-8-sig") as data_file:
                lines = ((number, line.rstrip("\r\n")) for number, line in enumerate(data_file, 1))
                try:
                    for sentence in self._parse(path, lines, problems):
                        sentence.file_language = sentence.language
                        sentence.language = self._language or sentence.language or path_language
                        found += 1
                        problems.rows_seen += 1
                        yield sentence
                except UnicodeDecodeError as error:
                    raise ConfigurationError(
                        f"{path}:{first_undecodable_line(local)}: not UTF-8 text "
                        f"({error.reason}: {error.object[error.start:error.end]!r}). Re-encode "
                        f"it as UTF-8 (e.g. iconv -f latin1 -t utf-8), or name the file inside "
                        f"an archive as `{path}!<member>`."
                    ) from None
            problems.rows_seen += len(problems.bad_lines)
            problems.finish()
            if not found:
                raise problems.no_sentence_error(self.no_sentence_hint)

    def _parse(
        self, path: str, lines: Iterator[NumberedLine], problems: BadSentenceLog
    ) -> Iterator[TaggedSentence]:
        """
        The sentences of one file, its lines numbered from 1; bad lines go to
        `problems.report` (which raises when strict).

        # Parameters

        path : `str`
            The path as the user gave it, for messages and ids.
        lines : `Iterator[NumberedLine]`
        problems : `BadSentenceLog`
        """
        raise NotImplementedError

    def _is_first_worker(self) -> bool:
        worker = self.get_worker_info()
        distributed = self.get_distributed_info()
        return (worker is None or worker.id == 0) and (
            distributed is None or distributed.global_rank == 0
        )

    def text_to_instance(  # type: ignore[override]
        self,
        words: Sequence[Union[str, Token]],
        tags: Optional[Sequence[str]] = None,
        language: Optional[str] = None,
        id: Optional[str] = None,
        extra_metadata: Optional[Dict[str, Any]] = None,
    ) -> Instance:
        """
        # Parameters

        words : `Sequence[Union[str, Token]]`
            The sentence's words (`Token`s as the `sentence_tagger` predictor gives them).
        tags : `Sequence[str]`, optional (default = `None`)
            One tag per word; no `tags` field when `None`.
        language : `str`, optional (default = `None`)
        id : `str`, optional (default = `None`)
        extra_metadata : `Dict[str, Any]`, optional (default = `None`)
            More entries for the `metadata` field.
        """
        texts = [word.text if isinstance(word, Token) else word for word in words]
        if not texts:
            raise ConfigurationError(f"Sentence {id or ''} has no word: nothing to tag.")
        if tags is not None and len(tags) != len(texts):
            raise ConfigurationError(
                f"Sentence {id or ''} has {len(texts)} words but {len(tags)} tags: give one tag "
                f"per word."
            )
        text_field = TextField([Token(text) for text in texts])
        fields: Dict[str, Field] = {
            "tokens": text_field,
            "metadata": MetadataField(
                {"words": texts, "language": language, "id": id, **(extra_metadata or {})}
            ),
        }
        if tags is not None:
            fields["tags"] = SequenceLabelField(list(tags), text_field, label_namespace="labels")
        return Instance(fields)

    def apply_token_indexers(self, instance: Instance) -> None:
        instance.fields["tokens"].token_indexers = self._token_indexers  # type: ignore
