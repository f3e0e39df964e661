import logging
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from allennlp.common.checks import ConfigurationError
from allennlp.data.dataset_readers.dataset_reader import DatasetReader, PathOrStr
from allennlp.data.fields import Field, LabelField, MetadataField, TextField
from allennlp.data.instance import Instance
from allennlp.data.token_indexers import PretrainedTransformerIndexer, TokenIndexer
from allennlp.data.tokenizers import PretrainedTransformerTokenizer, Token, Tokenizer

from allennlp_xfuse.data.batch_tokenization import (
    garbage_collection_paused,
    tokenize_batch_shared,
)
from allennlp_xfuse.data.data_paths import DataPaths, expand_data_paths
from allennlp_xfuse.data.pair_files import read_pair_file
from allennlp_xfuse.data.pair_rows import PairRow

logger = logging.getLogger(__name__)

# Pairs tokenized per fast-tokenizer call when reading files: past a few hundred texts a call
# gains little, and instances still come out one batch behind the file at most.
TOKENIZATION_BATCH_SIZE = 256


@DatasetReader.register("pawsx")
class PawsxDatasetReader(DatasetReader):
    """
    Reads PAWS-X sentence pairs (Yang et al., 2019) for a pretrained transformer: each pair
    becomes one wordpiece sequence `[CLS] sentence1 [SEP] sentence2 [SEP]` with token type ids,
    truncated longest-first to `max_length`.

    Reads every layout PAWS-X comes in (see `allennlp_xfuse.data.pawsx_tsv`): the official
    release (header `id sentence1 sentence2 label`), Hugging Face exports, and the XTREME files
    (no header, no id, CSV-quoted, test files possibly without labels); UTF-8 with or without
    BOM, LF or CRLF. It also reads the adversarial splits that `allennlp xfuse-attack` and
    `xfuse-perturb` write (JSON lines, recognized when the first line is a JSON object, or the
    name is `.jsonl` and one of the first lines is), so `allennlp evaluate ARCHIVE split.jsonl`
    works on any archive trained with this reader. A data path may be a URL or
    `archive!member` (through `cached_path`), a comma-separated list, or a glob pattern; the
    language of a file's rows is inferred from its path (`x-final/de/test_2k.tsv`,
    `dev-de.tsv`, `.../de/...`) unless given.

    A file that gives no instance (empty, only a header, every row bad, every pair dropped by
    `drop_untranslated`) is a `ConfigurationError` naming the file and why, as is, by default,
    a file without labels (see `require_labels`): `allennlp train` and `evaluate` would
    otherwise train on nothing or report an accuracy of 0.0 and exit as if all were well.

    Rows that are not valid pairs (wrong number of columns, empty sentence, label other than
    0/1) are skipped with a warning naming `file:line`, or raise with `strict`. Rows holding the
    dataset's `NS` placeholder for an untranslated sentence are data: kept unless
    `drop_untranslated` (published PAWS-X numbers include them).

    Shards rows across distributed processes and data-loader workers itself.

    Registered as a `DatasetReader` with name "pawsx".

    Fields: `tokens` (`TextField`), `label` (`LabelField` in namespace "labels", "0" or "1";
    absent when the file has no labels), `metadata` (`MetadataField`: `id`, `language`,
    `sentence1`, `sentence2`, plus the attack fields of an adversarial split).

    # Parameters

    tokenizer : `Tokenizer`
        A `PretrainedTransformerTokenizer` configured with `add_special_tokens: false`: the
        reader adds the special tokens itself, after truncating the pair.
    token_indexers : `Dict[str, TokenIndexer]`, optional
            (default = `{"tokens": PretrainedTransformerIndexer(<the tokenizer's model>)}`)
        The indexers of the `tokens` field.
    max_length : `int`, optional (default = `128`)
        The longest sequence, special tokens included; longer pairs lose wordpieces from the
        end of the longer sentence first, exactly as a fast Hugging Face tokenizer's
        `longest_first` truncation (see `truncate_longest_first`). `None` keeps everything.
    language : `str`, optional (default = `None`)
        The language of every row, instead of the one the path (or a JSON line) gives.
    strict : `bool`, optional (default = `False`)
        Raise a `ConfigurationError` naming `file:line` at the first bad row instead of
        skipping bad rows.
    drop_untranslated : `bool`, optional (default = `False`)
        Drop pairs where a sentence is the `NS` placeholder.
    require_labels : `bool`, optional (default = `True`)
        Every pair read from a file must have a label: a TSV without a label column is a
        `ConfigurationError` naming the file; a JSON line without one is a bad row. The
        reader cannot tell what a file is read for, and it reads files for `allennlp train` and
        `evaluate` (and the project's evaluations), which need labels: a model trained without
        them has no loss, and evaluated without them scores 0.0. Predictions do not go through
        this check: the `pawsx` predictor turns JSON into instances with `text_to_instance`,
        which takes no label, and for `allennlp predict --use-dataset-reader` it reads files
        with a copy of this reader whose `require_labels` is off. Set it to `false` to read
        unlabeled files with another predictor.
    **kwargs
        Passed to `DatasetReader` (e.g. `max_instances`).
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        max_length: Optional[int] = 128,
        language: Optional[str] = None,
        strict: bool = False,
        drop_untranslated: bool = False,
        require_labels: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(
            manual_distributed_sharding=True, manual_multiprocess_sharding=True, **kwargs
        )
        if not isinstance(tokenizer, PretrainedTransformerTokenizer):
            raise ConfigurationError(
                f"The pawsx reader needs a `pretrained_transformer` tokenizer, got "
                f"{type(tokenizer).__name__}."
            )
        if tokenizer._add_special_tokens:
            raise ConfigurationError(
                "The pawsx reader adds [CLS]/[SEP] itself after truncating the pair: configure "
                "its tokenizer with `add_special_tokens: false`."
            )
        num_special_tokens = tokenizer.num_special_tokens_for_pair()
        if max_length is not None and max_length < num_special_tokens + 2:
            raise ConfigurationError(
                f"max_length {max_length} leaves no room for a pair: it must be at least "
                f"{num_special_tokens + 2} ({num_special_tokens} special tokens + 1 per sentence)."
            )
        self._tokenizer = tokenizer
        self._token_indexers = token_indexers or {
            "tokens": PretrainedTransformerIndexer(
                tokenizer._model_name, tokenizer_kwargs=tokenizer._tokenizer_kwargs
            )
        }
        self._max_length = max_length
        self._language = language
        self._strict = strict
        self._drop_untranslated = drop_untranslated
        self._require_labels = require_labels
        # The wordpiece tokens of the batched paths, one object per id and type id shared by
        # all instances (see `tokenize_batch_shared`): type id -> text id -> token.
        self._shared_tokens: Dict[int, Dict[int, Token]] = {}

    def _read(self, file_path: Union[PathOrStr, List[PathOrStr]]) -> Iterator[Instance]:
        # Every worker reads and checks all rows (cheap) and tokenizes only its share, so bad
        # rows are counted over the whole file, max_instances counts valid pairs, the first
        # worker alone reports, and every worker raises the same error for a file that gives
        # nothing.
        verbose = self._is_first_worker()
        # Rows are tokenized a batch at a time (one fast-tokenizer call per batch and
        # sentence column, see `tokenize_batch`): the instances are those of `text_to_instance`.
        batch: List[PairRow] = []
        for row in self.shard_iterable(self._rows(file_path, verbose)):
            batch.append(row)
            if len(batch) == TOKENIZATION_BATCH_SIZE:
                yield from self._row_instances(batch)
                batch = []
        yield from self._row_instances(batch)

    def _row_instances(self, rows: List[PairRow]) -> List[Instance]:
        """
        The instances of `rows`, tokenized in one batch.

        # Parameters

        rows : `List[PairRow]`
        """
        # a batch's tokens, fields and instances are tens of thousands of new objects, none in
        # a cycle: see `garbage_collection_paused`
        with garbage_collection_paused():
            tokenized = self._tokenize_pairs([(row.sentence1, row.sentence2) for row in rows])
            return [
                self._instance(
                    tokens1, tokens2, row.sentence1, row.sentence2, row.label, row.id,
                    row.language, row.extra, typed=True,
                )
                for row, (tokens1, tokens2) in zip(rows, tokenized)
            ]

    def pairs_to_instances(self, pairs: Sequence[Tuple[str, str]]) -> List[Instance]:
        """
        `[text_to_instance(sentence1, sentence2) for sentence1, sentence2 in pairs]`, with the
        pairs tokenized in one batch (for model queries: the attacks' model wrapper).

        # Parameters

        pairs : `Sequence[Tuple[str, str]]`
            `(sentence1, sentence2)` each.
        """
        tokenized = self._tokenize_pairs(pairs)
        return [
            self._instance(tokens1, tokens2, sentence1, sentence2, typed=True)
            for (sentence1, sentence2), (tokens1, tokens2) in zip(pairs, tokenized)
        ]

    def _tokenize_pairs(
        self, pairs: Sequence[Tuple[str, str]]
    ) -> List[Tuple[List[Token], List[Token]]]:
        """
        Each pair's two token lists (no special tokens), one batch call per sentence column.

        # Parameters

        pairs : `Sequence[Tuple[str, str]]`
        """
        if not pairs:
            return []
        tokenizer = self._tokenizer
        columns = []
        for texts, type_id in (
            ([sentence1 for sentence1, _ in pairs], tokenizer.sequence_pair_first_token_type_id),
            ([sentence2 for _, sentence2 in pairs], tokenizer.sequence_pair_second_token_type_id),
        ):
            shared = self._shared_tokens.setdefault(type_id, {})
            columns.append(tokenize_batch_shared(tokenizer, texts, type_id, shared))
        return list(zip(*columns))

    def _rows(self, file_path: DataPaths, verbose: bool) -> Iterator[PairRow]:
        # The rows to make instances of, file by file, so that a file the filters empty is
        # named (`read_pair_file` itself raises for a file without a valid pair).
        for path in expand_data_paths(file_path):
            valid = kept = 0

            def count_valid(rows: Iterable[PairRow]) -> Iterator[PairRow]:
                nonlocal valid
                for row in rows:
                    valid += 1
                    yield row

            rows = read_pair_file(path, self._strict, verbose, self._language,
                                  self._require_labels)
            for row in self._filter_rows(count_valid(rows), verbose):
                kept += 1
                yield row
            if not kept:
                raise ConfigurationError(
                    f"{path}: no sentence pair left: the reader's "
                    f"{' and '.join(self._filters())} dropped all {valid} valid pair(s). Turn "
                    f"the option off or read another file."
                )

    def _filters(self) -> List[str]:
        """The reader's options that drop valid pairs, as named in its config (for errors)."""
        return ["drop_untranslated (pairs with an NS sentence)"] if self._drop_untranslated else []

    def _filter_rows(self, rows: Iterable[PairRow], verbose: bool) -> Iterator[PairRow]:
        """The rows to make instances of (subclasses add their own conditions)."""
        dropped = 0
        for row in rows:
            if self._drop_untranslated and row.untranslated:
                dropped += 1
                continue
            yield row
        if verbose and dropped:
            logger.info("Dropped %d pair(s) with an untranslated (NS) sentence.", dropped)

    def _is_first_worker(self) -> bool:
        worker = self.get_worker_info()
        distributed = self.get_distributed_info()
        return (worker is None or worker.id == 0) and (
            distributed is None or distributed.global_rank == 0
        )

    def text_to_instance(  # type: ignore[override]
        self,
        sentence1: str,
        sentence2: str,
        label: Optional[Union[str, int]] = None,
        id: Optional[str] = None,
        language: Optional[str] = None,
        extra_metadata: Optional[Dict[str, Any]] = None,
    ) -> Instance:
        """
        # Parameters

        sentence1 : `str`
        sentence2 : `str`
        label : `Union[str, int]`, optional (default = `None`)
            "0"/0 (not paraphrases) or "1"/1 (paraphrases); no `label` field when `None`.
        id : `str`, optional (default = `None`)
        language : `str`, optional (default = `None`)
        extra_metadata : `Dict[str, Any]`, optional (default = `None`)
            More entries for the `metadata` field (an adversarial split's attack fields).
        """
        tokens1 = self._tokenizer.tokenize(sentence1)
        tokens2 = self._tokenizer.tokenize(sentence2)
        return self._instance(
            tokens1, tokens2, sentence1, sentence2, label, id, language, extra_metadata
        )

    def _instance(
        self,
        tokens1: List[Token],
        tokens2: List[Token],
        sentence1: str,
        sentence2: str,
        label: Optional[Union[str, int]] = None,
        id: Optional[str] = None,
        language: Optional[str] = None,
        extra_metadata: Optional[Dict[str, Any]] = None,
        typed: bool = False,
    ) -> Instance:
        """
        The instance of a pair whose sentences are tokenized: truncated, special tokens added.

        # Parameters

        tokens1 : `List[Token]`
            `sentence1`'s tokens, without special tokens.
        tokens2 : `List[Token]`
            `sentence2`'s tokens, without special tokens.
        sentence1 : `str`
        sentence2 : `str`
        label : `Union[str, int]`, optional (default = `None`)
        id : `str`, optional (default = `None`)
        language : `str`, optional (default = `None`)
        extra_metadata : `Dict[str, Any]`, optional (default = `None`)
            As in `text_to_instance`.
        typed : `bool`, optional (default = `False`)
            The tokens already carry their sentence's type id and are shared between instances
            (`tokenize_batch_shared`): left as they are. Otherwise they are fresh from the
            tokenizer and get their type ids here.
        """
        if self._max_length is not None:
            budget = self._max_length - self._tokenizer.num_special_tokens_for_pair()
            tokens1, tokens2 = truncate_longest_first(tokens1, tokens2, budget)
        fields: Dict[str, Field] = {
            "tokens": TextField(
                pair_with_special_tokens(self._tokenizer, tokens1, tokens2, set_type_ids=not typed)
            ),
            "metadata": MetadataField(
                {
                    "id": id,
                    "language": language,
                    "sentence1": sentence1,
                    "sentence2": sentence2,
                    **(extra_metadata or {}),
                }
            ),
        }
        if label is not None:
            fields["label"] = LabelField(str(label), label_namespace="labels")
        return Instance(fields)

    def apply_token_indexers(self, instance: Instance) -> None:
        instance.fields["tokens"].token_indexers = self._token_indexers  # type: ignore


def pair_with_special_tokens(
    tokenizer: PretrainedTransformerTokenizer,
    tokens1: List[Token],
    tokens2: List[Token],
    set_type_ids: bool = True,
) -> List[Token]:
    """
    What `tokenizer.add_special_tokens(tokens1, tokens2)` returns (the pair's special tokens,
    the first sentence's tokens with the first type id, the second's with the second), without
    its cost: it deep-copies `tokens2` and rebuilds every token with `dataclasses.replace`,
    which took two thirds of the reader's time. Here the tokens get their type id in place, so
    they must be the caller's own (as fresh from a tokenizer call): they become the instance's.

    # Parameters

    tokenizer : `PretrainedTransformerTokenizer`
    tokens1 : `List[Token]`
        The first sentence's tokens, without special tokens; modified.
    tokens2 : `List[Token]`
        The second sentence's tokens, without special tokens; modified.
    set_type_ids : `bool`, optional (default = `True`)
        `False` when the tokens carry their type ids already (shared tokens, which must not be
        modified): they are then only joined.
    """
    if set_type_ids:
        for tokens, type_id in (
            (tokens1, tokenizer.sequence_pair_first_token_type_id),
            (tokens2, tokenizer.sequence_pair_second_token_type_id),
        ):
            for token in tokens:
                token.type_id = type_id
    return (
        tokenizer.sequence_pair_start_tokens
        + tokens1
        + tokenizer.sequence_pair_mid_tokens
        + tokens2
        + tokenizer.sequence_pair_end_tokens
    )


def truncate_longest_first(
    tokens1: List[Token], tokens2: List[Token], budget: int
) -> Tuple[List[Token], List[Token]]:
    """
    Shortens a pair to `budget` tokens in all as a fast (Rust) Hugging Face tokenizer's
    `longest_first` truncation does, so that a reader's instances hold the wordpieces of
    `tokenizer(sentence1, sentence2, truncation=True, max_length=...)`: the shorter sequence
    is kept whole when it fits in half the budget (the longer one gets the rest); otherwise
    both are cut, the shorter to `budget // 2` and the longer (the second on ties) to the
    rest, so an odd budget's extra token goes to the longer one.

    This differs from the Python ("slow") tokenizers' rule (one token at a time from the
    longer sequence, the second on ties), which gives that extra token to the first sequence
    when both are cut. `AutoTokenizer`, AllenNLP's `PretrainedTransformerTokenizer` and one
    batched tokenizer call all use the fast rule.

    # Parameters

    tokens1 : `List[Token]`
        The first sequence, without special tokens.
    tokens2 : `List[Token]`
        The second sequence, without special tokens.
    budget : `int`
        The most tokens the two may keep together (the maximum length less the special
        tokens of a pair).
    """
    length1, length2 = len(tokens1), len(tokens2)
    if length1 + length2 <= budget:
        return tokens1, tokens2
    shorter, longer = min(length1, length2), max(length1, length2)
    if shorter > budget // 2:
        shorter, longer = budget // 2, budget // 2 + budget % 2
    else:
        longer = budget - shorter
    # the tokenizer names the shorter one by `n1 > n2`: on ties the first is "shorter"
    if length1 > length2:
        return tokens1[:longer], tokens2[:shorter]
    return tokens1[:shorter], tokens2[:longer]
