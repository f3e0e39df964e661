"""
The loops of `allennlp xfuse-perturb` and `allennlp xfuse-attack`: every example not yet in the
split is perturbed or attacked, written as soon as it is done, and counted in a progress bar.

Pure Python at import time: `attack_examples` imports TextAttack when it runs.
"""
import hashlib
import logging
from collections import Counter
from typing import Dict, Iterable, List, Optional

from allennlp.common.tqdm import Tqdm

from allennlp_xfuse.attacks.examples import Example
from allennlp_xfuse.attacks.recipes import COLUMNS, AttackRecipe
from allennlp_xfuse.data.adversarial_split import (
    ATTACK_STATUSES,
    FAILED,
    PERTURBED,
    SKIPPED,
    SUCCEEDED,
    Record,
    SplitWriter,
    record_key,
)

logger = logging.getLogger(__name__)


def example_seed(seed: int, example: Example) -> int:
    """
    A 32-bit seed for one example, from the run's seed and the example's language and id only,
    so an example gets the same randomness whether the run was resumed or not.
    """
    digest = hashlib.sha256(f"{seed}:{example.language}:{example.id}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


class _Progress:
    """A Tqdm bar over all examples whose postfix counts the outcomes, earlier runs included."""

    def __init__(self, total: int, existing: Iterable[Record], statuses: List[str]) -> None:
        self.counts: Counter = Counter({status: 0 for status in statuses})
        self.counts.update(record["status"] for record in existing)
        done = sum(self.counts.values())
        self.bar = Tqdm.tqdm(total=total, initial=min(done, total), desc="examples")
        self._show()

    def update(self, status: str) -> None:
        self.counts[status] += 1
        self.bar.update(1)
        self._show()

    def _show(self) -> None:
        self.bar.set_postfix(self.counts, refresh=False)

    def close(self) -> None:
        self.bar.close()


def _pending(examples: List[Example], writer: SplitWriter) -> List[Example]:
    pending = [example for example in examples if example.key not in writer.done]
    if len(pending) < len(examples):
        logger.info("Resuming: %d of %d examples already done.", len(examples) - len(pending),
                    len(examples))
    return pending


def _existing(examples: List[Example], writer: SplitWriter) -> List[Record]:
    """The records already in the split that belong to `examples` (for the progress counts)."""
    keys = {example.key for example in examples}
    return [record for record in writer.existing if record_key(record) in keys]


def perturb_examples(
    recipe: AttackRecipe, recipe_name: str, examples: List[Example], writer: SplitWriter, seed: int
) -> None:
    """Writes the model-agnostic perturbation of every example not yet in `writer`'s split."""
    pending = _pending(examples, writer)
    progress = _Progress(len(examples), _existing(examples, writer), [PERTURBED])
    try:
        for example in pending:
            pair = recipe.perturb_pair(
                example.sentence1, example.sentence2, example.language, example.id, seed
            )
            writer.write(
                {
                    "id": example.id,
                    "language": example.language,
                    "sentence1": pair.sentence1,
                    "sentence2": pair.sentence2,
                    "label": example.label,
                    "original_sentence1": example.sentence1,
                    "original_sentence2": example.sentence2,
                    "recipe": recipe_name,
                    "status": PERTURBED,
                    "num_queries": None,
                    "perturbed_word_ratio": round(pair.perturbed_word_ratio, 6),
                    "original_prediction": None,
                    "perturbed_prediction": None,
                }
            )
            progress.update(PERTURBED)
    finally:
        progress.close()


def attack_examples(
    recipe: AttackRecipe,
    recipe_name: str,
    model_wrapper,
    examples: List[Example],
    writer: SplitWriter,
    seed: int,
    query_budget: Optional[int] = None,
    batch_size: int = 32,
) -> None:
    """
    Attacks every example not yet in `writer`'s split with `recipe` against `model_wrapper`
    (one TextAttack `Attack` per language, built when first needed) and writes the outcome.
    TextAttack's global random state is seeded per example with `example_seed`.
    """
    from textattack.shared.utils import set_seed

    from allennlp_xfuse.attacks.textattack_shims import use_segmentation

    attacks: Dict[str, object] = {}
    pending = _pending(examples, writer)
    progress = _Progress(len(examples), _existing(examples, writer), list(ATTACK_STATUSES))
    try:
        for example in pending:
            with use_segmentation(example.language):
                if example.language not in attacks:
                    attacks[example.language] = recipe.attack_for(
                        model_wrapper, example.language, query_budget, batch_size
                    )
                set_seed(example_seed(seed, example))
                try:
                    record = attack_one(attacks[example.language], example)
                except Exception as error:
                    raise RuntimeError(
                        f"Attacking example {example.id} ({example.language}) failed: {error!r}. "
                        "Examples finished so far are saved; --resume continues after them."
                    ) from error
            record["recipe"] = recipe_name
            writer.write(record)
            progress.update(record["status"])
    finally:
        progress.close()


def attack_one(attack, example: Example) -> Record:
    """
    Runs a TextAttack `Attack` on one example and returns its split record. The sentences are
    the final texts of the search: adversarial when it succeeded, the last (still correctly
    classified) candidate when it failed, the originals when skipped. Call inside
    `use_segmentation(example.language)`.
    """
    from collections import OrderedDict

    from textattack.attack_results import (
        FailedAttackResult,
        SkippedAttackResult,
        SuccessfulAttackResult,
    )
    from textattack.shared import AttackedText

    original = AttackedText(
        OrderedDict(zip(COLUMNS, (example.sentence1, example.sentence2)))
    )
    result = attack.attack(original, example.label)
    if isinstance(result, SuccessfulAttackResult):
        status = SUCCEEDED
    elif isinstance(result, SkippedAttackResult):
        status = SKIPPED
    elif isinstance(result, FailedAttackResult):
        status = FAILED
    else:  # MaximizedAttackResult: not produced by classification goal functions
        raise ValueError(f"Unexpected attack result {type(result).__name__}")
    original_text = result.original_result.attacked_text
    perturbed_text = result.perturbed_result.attacked_text
    sentence1, sentence2 = perturbed_text.tokenizer_input
    num_words = len(original_text.words)
    # Words changed = TextAttack's word-level edit distance (`words_diff_num`). TextAttack's
    # WordsPerturbed metric compares position by position, which equals it while the number of
    # words stays the same (always, for character edits in spaced languages) but counts every
    # later word as changed once an edit makes jieba re-segment a Chinese sentence.
    changed = original_text.words_diff_num(perturbed_text) if status != SKIPPED else 0
    return {
        "id": example.id,
        "language": example.language,
        "sentence1": sentence1,
        "sentence2": sentence2,
        "label": example.label,
        "original_sentence1": example.sentence1,
        "original_sentence2": example.sentence2,
        "status": status,
        "num_queries": int(result.num_queries),
        "perturbed_word_ratio": round(changed / num_words, 6) if num_words else 0.0,
        "original_prediction": int(result.original_result.output),
        "perturbed_prediction": int(result.perturbed_result.output),
    }
