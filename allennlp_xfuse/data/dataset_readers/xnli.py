import logging
from typing import Dict, Iterator, List, Optional

from allennlp.common.checks import ConfigurationError
from allennlp.data.dataset_readers.dataset_reader import DatasetReader
from allennlp.data.token_indexers import TokenIndexer
from allennlp.data.tokenizers import Tokenizer

from allennlp_xfuse.data.data_paths import DataPaths, expand_data_paths
from allennlp_xfuse.data.dataset_readers.pawsx import PawsxDatasetReader
from allennlp_xfuse.data.pair_rows import PairRow
from allennlp_xfuse.data.xnli_files import read_xnli_file

logger = logging.getLogger(__name__)


@DatasetReader.register("xnli")
class XnliDatasetReader(PawsxDatasetReader):
    """
    Reads natural language inference pairs of XNLI (Conneau et al., 2018) and MultiNLI
    (Williams et al., 2018) for a pretrained transformer: each premise/hypothesis pair becomes
    one wordpiece sequence `[CLS] premise [SEP] hypothesis [SEP]` with token type ids,
    truncated longest-first to `max_length`, exactly as the `pawsx` reader makes its instances
    (batched tokenization, sharding, `pairs_to_instances` for the attacks' model queries).

    Reads every layout XNLI comes in (see `allennlp_xfuse.data.xnli_files`): MultiNLI 1.0
    JSON lines, the official XNLI-1.0 `xnli.dev.tsv` / `xnli.test.tsv` (all 15 languages in
    one file, each row's language in its `language` column), XNLI-MT and MultiNLI TSVs, XTREME's
    `train-en.tsv` / `dev-<lang>.tsv` / `test-<lang>.tsv`, and Hugging Face `xnli` exports
    (labels 0 / 1 / 2). Labels become `entailment`, `neutral` or `contradiction` (the spelling
    `contradictory` included); pairs whose gold label is `-` (no annotator consensus) are
    skipped and counted. A data path may be a URL or `archive!member` (through `cached_path`,
    e.g. `https://dl.fbaipublicfiles.com/XNLI/XNLI-1.0.zip!XNLI-1.0/xnli.test.tsv`), a
    comma-separated list, or a glob pattern. A row's language is its own (the official files),
    else the one its path names (`dev-de.tsv`, `.../de/...`), unless `language` is given.

    A file that gives no instance (empty, only a header, every row bad, every label `-`, no
    row in `languages`) is a `ConfigurationError` naming the file and why, as is, by default,
    a file without labels (`require_labels`; XTREME's test files have none). Rows that are not
    valid pairs (wrong number of columns, empty sentence, unknown label) are skipped with a
    warning naming `file:line`, or raise with `strict`.

    Registered as a `DatasetReader` with name "xnli".

    Fields: `tokens` (`TextField`), `label` (`LabelField` in namespace "labels":
    "entailment", "neutral" or "contradiction"; absent when the file has no labels; an
    adversarial split's `label` 0 / 1 / 2 is read in `XNLI_LABELS` order),
    `metadata` (`MetadataField`: `id`, `language`, `sentence1` (the premise), `sentence2` (the
    hypothesis), plus the attack fields of an adversarial split).

    # Parameters

    tokenizer : `Tokenizer`
        A `PretrainedTransformerTokenizer` configured with `add_special_tokens: false`: the
        reader adds the special tokens itself, after truncating the pair.
    token_indexers : `Dict[str, TokenIndexer]`, optional
            (default = `{"tokens": PretrainedTransformerIndexer(<the tokenizer's model>)}`)
        The indexers of the `tokens` field.
    max_length : `int`, optional (default = `128`)
        The longest sequence, special tokens included (XTREME's XNLI `max_seq_length`); longer
        pairs lose wordpieces from the end of the longer sentence first, exactly as a fast
        Hugging Face tokenizer's `longest_first` truncation. `None` keeps everything.
    language : `str`, optional (default = `None`)
        The language of every row, instead of the one the row or its path gives.
    languages : `List[str]`, optional (default = `None`)
        Keep only the rows in these languages from files that give each row's language (the
        official `xnli.dev.tsv` / `xnli.test.tsv`), e.g. `["en"]` to select on English dev as
        XTREME does. Files of one language (`dev-de.tsv`, MultiNLI) are read whole: their path
        chose their language; so are adversarial splits (`allennlp xfuse-attack` /
        `xfuse-perturb` output), so that `allennlp evaluate` of an archive trained with
        `["en"]` scores a German split without overrides. `None` keeps every row.
    strict : `bool`, optional (default = `False`)
        Raise a `ConfigurationError` naming `file:line` at the first bad row instead of
        skipping bad rows. (Pairs without a consensus label are not bad rows: always skipped.)
    require_labels : `bool`, optional (default = `True`)
        Every pair read from a file must have a label, as `allennlp train` and `evaluate` need
        (see the `pawsx` reader, whose predictor turns this off for `allennlp predict`).
    **kwargs
        Passed to `DatasetReader` (e.g. `max_instances`).
    """

    def __init__(
        self,
        tokenizer: Tokenizer,
        token_indexers: Optional[Dict[str, TokenIndexer]] = None,
        max_length: Optional[int] = 128,
        language: Optional[str] = None,
        languages: Optional[List[str]] = None,
        strict: bool = False,
        require_labels: bool = True,
        **kwargs,
    ) -> None:
        # Accepted through **kwargs from the pawsx reader's signature, but meaningless here.
        if kwargs.pop("drop_untranslated", False):
            raise ConfigurationError(
                "The xnli reader has no `drop_untranslated`: XNLI has no placeholder for "
                "untranslated sentences (that is PAWS-X's NS). Remove the key."
            )
        super().__init__(
            tokenizer,
            token_indexers=token_indexers,
            max_length=max_length,
            language=language,
            strict=strict,
            require_labels=require_labels,
            **kwargs,
        )
        self._languages = list(languages) if languages is not None else None

    def _rows(self, file_path: DataPaths, verbose: bool) -> Iterator[PairRow]:
        # `read_xnli_file` raises for a file that gives nothing, the language filter included.
        for path in expand_data_paths(file_path):
            yield from read_xnli_file(path, self._strict, verbose, self._language,
                                      self._require_labels, self._languages)
