import logging
from typing import Iterable, Iterator, List

from allennlp.data.dataset_readers.dataset_reader import DatasetReader

from allennlp_xfuse.data.dataset_readers.pawsx import PawsxDatasetReader
from allennlp_xfuse.data.pair_rows import PairRow

logger = logging.getLogger(__name__)


@DatasetReader.register("adversarial_pawsx")
class AdversarialPawsxDatasetReader(PawsxDatasetReader):
    """
    Reads adversarial PAWS-X splits, the JSON lines `allennlp xfuse-attack` and
    `allennlp xfuse-perturb` write (see `allennlp_xfuse.data.adversarial_split`), and plain
    PAWS-X files, into the same instances as the `pawsx` reader (whose every parameter it
    takes). The `pawsx` reader reads these splits too; this one adds:

    - `metadata` always has `original_sentence1`, `original_sentence2`, `recipe` and
      `status` (for a plain PAWS-X row: its own sentences, `None`, and "clean"), with every
      other field of the split (`num_queries`, `perturbed_word_ratio`, predictions...);
    - `only_attacked` keeps only the examples whose text the attack changed (a file where it
      keeps nothing is a `ConfigurationError`, as any file that gives no instance).

    Registered as a `DatasetReader` with name "adversarial_pawsx".

    # Parameters

    only_attacked : `bool`, optional (default = `False`)
        Keep only pairs where `sentence1` or `sentence2` differs from the original: successful
        attacks and model-agnostic perturbations, and failed attacks that did change the text;
        skipped examples (already misclassified) and plain PAWS-X rows are dropped.
    **kwargs
        The `pawsx` reader's parameters (`tokenizer`, `token_indexers`, `max_length`,
        `language`, `strict`, `drop_untranslated`, ...).
    """

    def __init__(self, only_attacked: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self._only_attacked = only_attacked

    def _filter_rows(self, rows: Iterable[PairRow], verbose: bool) -> Iterator[PairRow]:
        kept = dropped = 0
        for row in super()._filter_rows(map(_with_attack_fields, rows), verbose):
            if self._only_attacked and not _attacked(row):
                dropped += 1
                continue
            kept += 1
            yield row
        if verbose and self._only_attacked:
            logger.info("Kept %d attacked pair(s), dropped %d unchanged one(s).", kept, dropped)

    def _filters(self) -> List[str]:
        only_attacked = ["only_attacked (pairs no attack changed)"] if self._only_attacked else []
        return super()._filters() + only_attacked


def _with_attack_fields(row: PairRow) -> PairRow:
    for original, sentence in (("original_sentence1", row.sentence1),
                               ("original_sentence2", row.sentence2)):
        if row.extra.get(original) is None:
            row.extra[original] = sentence
    row.extra.setdefault("recipe", None)
    row.extra.setdefault("status", "clean")
    return row


def _attacked(row: PairRow) -> bool:
    # Sentences are read stripped; compare the originals the same way.
    originals = (str(row.extra["original_sentence1"]).strip(),
                 str(row.extra["original_sentence2"]).strip())
    return (row.sentence1, row.sentence2) != originals
