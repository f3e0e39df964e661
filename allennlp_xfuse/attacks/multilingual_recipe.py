"""
The base of the TextAttack attacks made multilingual here: what `deepwordbug`, `pruthi` and
`mlm_swap` build alike.

Pure Python at import time: TextAttack is imported when an attack is built.
"""
from typing import TYPE_CHECKING, Any, List, Tuple

from allennlp_xfuse.attacks.languages import check_language, stopwords
from allennlp_xfuse.attacks.recipe import AttackRecipe

if TYPE_CHECKING:  # pragma: no cover
    import textattack


class MultilingualAttackRecipe(AttackRecipe):
    """
    A model-in-the-loop recipe whose TextAttack `Attack` has an untargeted classification goal
    and, in every language, changes no word twice (`RepeatModification`) and no stopword of the
    attacked language (`StopwordModification` with the `stop-words` package's list rather than
    NLTK's English one). Subclasses give the rest in `components`.

    # Parameters

    perturb : `str`, optional (default = `"both"`)
        `"both"`, `"sentence1"` or `"sentence2"`: the sentences the attack may change.
    keep_numbers : `bool`, optional (default = `True`)
        Leave words with digits alone (see `AttackRecipe`).
    """

    def components(
        self, model_wrapper: "textattack.models.wrappers.ModelWrapper", language: str
    ) -> Tuple[Any, List[Any], Any]:
        """
        `(transformation, constraints, search method)` of the attack on `language` (a supported
        language, already checked); the constraints are those besides the shared ones.
        """
        raise NotImplementedError

    def build(self, model_wrapper: "textattack.models.wrappers.ModelWrapper", language: str):
        from textattack import Attack
        from textattack.constraints.pre_transformation import (
            RepeatModification,
            StopwordModification,
        )
        from textattack.goal_functions import UntargetedClassification

        check_language(language)
        transformation, constraints, search_method = self.components(model_wrapper, language)
        shared = [RepeatModification(), StopwordModification(stopwords=stopwords(language))]
        goal_function = UntargetedClassification(model_wrapper)
        return Attack(goal_function, shared + constraints, transformation, search_method)
