"""
The registrable bases of attack recipes (`AttackRecipe`, and `MultilingualAttackRecipe` for the
TextAttack attacks made multilingual here) and the record of a perturbed pair.

Pure Python at import time: recipes import TextAttack inside their methods, so that
`import allennlp_xfuse` stays fast.
"""
import logging
import random
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Tuple

from allennlp.common import Params, Registrable
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks.resources import check_language, stopwords
from allennlp_xfuse.attacks.segmentation import word_spans

if TYPE_CHECKING:  # pragma: no cover
    import textattack

#: The two columns of a pair (PAWS-X's sentences, XNLI's premise and hypothesis), in TextAttack's
#: pair convention (an `OrderedDict` with these
#: keys is what gets attacked; the model wrapper receives `(sentence1, sentence2)` tuples).
COLUMNS = ("sentence1", "sentence2")
PERTURB_CHOICES = ("both",) + COLUMNS


class PerturbedPair(NamedTuple):
    """A pair after model-agnostic perturbation, with the counts behind the word ratio."""

    sentence1: str
    sentence2: str
    num_words: int
    num_perturbed_words: int

    @property
    def perturbed_word_ratio(self) -> float:
        return self.num_perturbed_words / self.num_words if self.num_words else 0.0


class AttackRecipe(Registrable):
    """
    A way of perturbing sentence pairs (PAWS-X; XNLI premise and hypothesis): either
    model-agnostic (`perturb_pair`, the same text for every model) or model-in-the-loop
    (`build`, a TextAttack `Attack` against a model wrapper). Users add recipes by registering
    subclasses and passing `--include-package`.

    Every recipe takes the two parameters below, documented here once; a recipe's own docstring
    lists only the parameters it adds.

    # Parameters

    perturb : `str`, optional (default = `"both"`)
        Which sentences may be changed: `"both"`, `"sentence1"` or `"sentence2"`.
    keep_numbers : `bool`, optional (default = `True`)
        Never change a word that contains a digit. Character attacks turn "1925" into "1952";
        in PAWS-X, years, ages and counts often decide whether two sentences are paraphrases,
        so such an edit can change the gold label and a "successful" attack would measure a
        wrong label, not a fooled model. (TextAttack's recipes, made for sentiment, do not
        guard against it.)
    keep_shared_names : `bool`, optional (default = `True`)
        Never change a name that both sentences contain (`SharedNameModification`: shared
        words capitalized inside a sentence, shared katakana words): an edit of a shared name
        in one sentence only can make a paraphrase pair a non-paraphrase. Applies to the
        model-in-the-loop recipes (`xfuse-attack`); model-agnostic noise is the same for every
        model and is left as it is.
    """

    #: True for recipes that never query a model (`allennlp xfuse-perturb`).
    model_agnostic: bool = False

    def __init__(
        self, perturb: str = "both", keep_numbers: bool = True, keep_shared_names: bool = True
    ) -> None:
        if perturb not in PERTURB_CHOICES:
            raise ConfigurationError(
                f"perturb must be one of {', '.join(PERTURB_CHOICES)}, not {perturb!r}"
            )
        self.perturb = perturb
        self.keep_numbers = keep_numbers
        self.keep_shared_names = keep_shared_names

    @property
    def columns_to_perturb(self):
        return COLUMNS if self.perturb == "both" else (self.perturb,)

    def perturb_pair(
        self, sentence1: str, sentence2: str, language: str, example_id: str, seed: int
    ) -> PerturbedPair:
        """
        Perturbs one pair without a model. Model-agnostic recipes must make the result depend on
        `(seed, example_id)` only.
        """
        raise NotImplementedError(f"{type(self).__name__} needs a model: use xfuse-attack")

    def build(self, model_wrapper: "textattack.models.wrappers.ModelWrapper", language: str):
        """
        Builds the TextAttack `Attack` for `language` against `model_wrapper`. Called once per
        language by `attack_for`, which adds the query budget, batch size and column limit.
        """
        raise NotImplementedError(f"{type(self).__name__} is model-agnostic: use xfuse-perturb")

    def attack_for(
        self,
        model_wrapper: "textattack.models.wrappers.ModelWrapper",
        language: str,
        query_budget: Optional[int] = None,
        batch_size: int = 32,
    ) -> "textattack.Attack":
        """
        `build`, then the settings every recipe shares: the model query budget per example,
        the number of texts sent to the model at once, which sentence may change,
        `keep_numbers` and `keep_shared_names`.
        """
        from textattack.constraints.pre_transformation import InputColumnModification

        # TextAttack warns that it does not know whether an AllenNLP model suits the goal
        # function, once per goal function; the wrapper returns class probabilities, so it does
        textattack_logger = logging.getLogger("textattack.shared.utils.install")
        level = textattack_logger.level
        textattack_logger.setLevel(logging.ERROR)
        try:
            attack = self.build(model_wrapper, language)
        finally:
            textattack_logger.setLevel(level)
        attack.goal_function.query_budget = query_budget if query_budget else float("inf")
        attack.goal_function.batch_size = batch_size
        if self.keep_numbers:
            from allennlp_xfuse.attacks.constraints import NumberModification

            attack.pre_transformation_constraints.append(NumberModification())
        if self.keep_shared_names:
            from allennlp_xfuse.attacks.constraints import SharedNameModification

            attack.pre_transformation_constraints.append(SharedNameModification())
        if self.perturb != "both":
            frozen = {column for column in COLUMNS if column != self.perturb}
            attack.pre_transformation_constraints.append(
                InputColumnModification(list(COLUMNS), frozen)
            )
        return attack

    @classmethod
    def from_spec(cls, spec: str, **params: Any) -> "AttackRecipe":
        """
        Builds a recipe from its command-line name: a registered name (`"deepwordbug"`) or
        `"textattack:<recipe>"` for TextAttack's own recipes; `params` are constructor
        arguments. Unknown names raise a `ConfigurationError` listing the registered ones.
        """
        name, _, textattack_name = spec.partition(":")
        config: Dict[str, Any] = {"type": name, **params}
        if name == "textattack":
            if not textattack_name:
                raise ConfigurationError("Name the TextAttack recipe: textattack:<recipe>")
            config["recipe"] = textattack_name
        elif textattack_name:
            raise ConfigurationError(f"Unknown recipe {spec!r}: only textattack:<recipe> has a ':'")
        if name not in cls.list_available():
            available = [n for n in sorted(cls.list_available()) if n != "textattack"]
            available.append("textattack:<recipe>")
            raise ConfigurationError(
                f"Unknown recipe {spec!r}; available: {', '.join(available)} "
                "(more with --include-package)."
            )
        return cls.from_params(Params(config))


class MultilingualAttackRecipe(AttackRecipe):
    """
    A model-in-the-loop recipe whose TextAttack `Attack` has an untargeted classification goal
    and, in every language, changes no word twice (`RepeatModification`) and no stopword of the
    attacked language (`StopwordModification` with the `stop-words` package's list rather than
    NLTK's English one). Subclasses give the rest in `components`. Parameters: those of
    `AttackRecipe` (`perturb`, `keep_numbers`).
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


class ModelAgnosticRecipe(AttackRecipe):
    """
    A recipe that perturbs each sentence on its own, without a model (`allennlp xfuse-perturb`):
    subclasses give `perturb_text`, and the pair's result depends only on `(seed, example id)`,
    so every model sees the same text and a resumed run writes what an uninterrupted one would.
    Parameters: those of `AttackRecipe`.
    """

    model_agnostic = True

    def check_language(self, language: str) -> None:
        """
        Raises a `ConfigurationError` when the recipe cannot perturb `language` (before any
        text is touched).

        # Parameters

        language : `str`
        """
        check_language(language)

    def perturb_text(self, text: str, language: str, rng: random.Random) -> Tuple[str, int, int]:
        """
        Returns `(perturbed text, number of words, number of perturbed words)`.

        # Parameters

        text : `str`
        language : `str`
        rng : `random.Random`
            The sentence's own generator (seeded from the seed, the example id and the column).
        """
        raise NotImplementedError

    def perturb_pair(
        self, sentence1: str, sentence2: str, language: str, example_id: str, seed: int
    ) -> PerturbedPair:
        self.check_language(language)
        texts = {"sentence1": sentence1, "sentence2": sentence2}
        num_words = 0
        num_perturbed = 0
        for column in COLUMNS:
            if column in self.columns_to_perturb:
                # one stream per sentence: perturbing only sentence2 gives the same sentence2
                # as perturbing both
                rng = random.Random(f"{seed}:{example_id}:{column}")
                texts[column], words, perturbed = self.perturb_text(texts[column], language, rng)
            else:
                words, perturbed = len(word_spans(texts[column], language)), 0
            num_words += words
            num_perturbed += perturbed
        return PerturbedPair(texts["sentence1"], texts["sentence2"], num_words, num_perturbed)
