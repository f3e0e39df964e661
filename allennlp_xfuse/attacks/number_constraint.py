"""
A TextAttack constraint that leaves numbers alone.

Imports TextAttack at module level: import this module only where an attack is built.
"""
from typing import Set

from textattack.constraints import PreTransformationConstraint


class NumberModification(PreTransformationConstraint):
    """
    Forbids changing any word that contains a digit.

    Character attacks happily turn "1925" into "1952" or "925". In PAWS-X, years, ages and
    counts are often exactly what makes two sentences paraphrases or not, so such an edit can
    change the gold label, and the "successful attack" would be a wrong label rather than a
    fooled model. TextAttack's English recipes do not guard against it (for sentiment a number
    rarely matters).
    """

    def _get_modifiable_indices(self, current_text) -> Set[int]:
        return {
            index
            for index, word in enumerate(current_text.words)
            if not any(char.isdigit() for char in word)
        }
