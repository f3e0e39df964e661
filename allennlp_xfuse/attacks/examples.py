"""
The examples an attack or perturbation run works on, read with the `pawsx` reader's row
parsing (`allennlp_xfuse.data.pair_files`): every PAWS-X layout, comma lists and globs,
adversarial splits as input, language from the path unless given.

Pure Python: importing this module must not import TextAttack.
"""
from typing import List, NamedTuple, Optional

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks.resources import check_language
from allennlp_xfuse.data.adversarial_split import example_key
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.data.pair_files import read_pair_files


class Example(NamedTuple):
    """One pair to perturb; `label` is the dataset label (0/1) or None for unlabeled files."""

    id: str
    language: str
    sentence1: str
    sentence2: str
    label: Optional[int]

    @property
    def key(self):
        return example_key(self.language, self.id)


def load_examples(
    input_path: str,
    language: Optional[str] = None,
    num_examples: Optional[int] = None,
    require_labels: bool = False,
) -> List[Example]:
    """
    The first `num_examples` valid pairs of `input_path` (all when None), in file order.

    Raises a `ConfigurationError` (with what to do) when the file is missing, holds no pair,
    a pair's language is unknown or cannot be told from the path, labels are missing although
    `require_labels`, or two pairs of a language share an id (resuming needs unique ids).
    """
    if language is not None:
        check_language(language)
    if num_examples is not None and num_examples < 1:
        raise ConfigurationError(f"--num-examples must be at least 1, not {num_examples}")
    examples: List[Example] = []
    seen = set()
    for row in read_pair_files(input_path, language=language):
        if row.language is None:
            raise ConfigurationError(
                f"Cannot tell the language of {row.source} from its path: pass --language "
                f"(one of {' '.join(PAWSX_LANGUAGES)})."
            )
        check_language(row.language)
        if require_labels and row.label is None:
            raise ConfigurationError(
                f"{row.source}:{row.line_number} has no label; attacks need labeled pairs."
            )
        example = Example(
            row.id,
            row.language,
            row.sentence1,
            row.sentence2,
            None if row.label is None else int(row.label),
        )
        if example.key in seen:
            raise ConfigurationError(
                f"{row.source}:{row.line_number}: id {row.id!r} ({row.language}) occurs twice; "
                "the ids of an attacked split must be unique per language (attack files that "
                "share ids separately)."
            )
        seen.add(example.key)
        examples.append(example)
        if num_examples is not None and len(examples) >= num_examples:
            break
    if not examples:
        raise ConfigurationError(f"{input_path} holds no sentence pair to perturb.")
    return examples
