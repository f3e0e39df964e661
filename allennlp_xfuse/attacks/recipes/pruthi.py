"""Pruthi et al.'s typo attack on the attacked language's keyboard: the `pruthi` recipe."""
from allennlp_xfuse.attacks.recipes.attack_recipe import AttackRecipe, MultilingualAttackRecipe
from allennlp_xfuse.attacks.resources import UNSPACED_LANGUAGES, letters_to_insert


@AttackRecipe.register("pruthi")
class Pruthi(MultilingualAttackRecipe):
    """
    The typo attack of Pruthi et al. (2019, "Combating Adversarial Misspellings with Robust Word
    Recognition") as TextAttack's `Pruthi2019` builds it: every neighbour swap, deletion,
    insertion and keyboard typo inside words, greedy search, at most `max_num_word_swaps` words
    changed, stopwords and short words left alone -- made multilingual:

    - stopwords of the attacked language (`stop-words` package), characters to insert from its
      script, and keyboard typos on its layout (QWERTZ, AZERTY, Dubeolsik jamo, Turkish Q,
      ЙЦУКЕН, Greek, Arabic; none for ja/zh, typed through an input method, nor for bg, hi, th,
      ur, see `allennlp_xfuse.attacks.resources`) via `WordSwapKeyboard` instead of US QWERTY;
    - for ja, ko and zh the first and last characters may change and words need only 2
      characters: the paper keeps the first and last letters because readers of alphabetic
      scripts recover words from them, which does not carry over to words of 1-3 syllable
      blocks or ideographs, where that rule would leave nearly nothing to attack.

    Registered as an `AttackRecipe` with name "pruthi".

    Takes `perturb`, `keep_numbers` and `keep_shared_names` as every `AttackRecipe` does
    (documented there).

    # Parameters

    max_num_word_swaps : `int`, optional (default = `1`)
        Words that may be changed (the paper studies 1 and 2).
    min_word_length : `int`, optional (default = `4`)
        Shortest word that may be changed in alphabetic languages (2 for ja, ko, zh).
    """

    def __init__(
        self,
        max_num_word_swaps: int = 1,
        min_word_length: int = 4,
        perturb: str = "both",
        keep_numbers: bool = True,
        keep_shared_names: bool = True,
    ) -> None:
        super().__init__(
            perturb=perturb, keep_numbers=keep_numbers, keep_shared_names=keep_shared_names
        )
        self.max_num_word_swaps = max_num_word_swaps
        self.min_word_length = min_word_length

    def components(self, model_wrapper, language: str):
        from textattack.constraints.overlap import MaxWordsPerturbed
        from textattack.constraints.pre_transformation import MinWordLength
        from textattack.search_methods import GreedySearch
        from textattack.transformations import (
            CompositeTransformation,
            WordSwapNeighboringCharacterSwap,
            WordSwapRandomCharacterDeletion,
            WordSwapRandomCharacterInsertion,
        )

        from allennlp_xfuse.attacks.transformations import WordSwapKeyboard

        syllabic = language in UNSPACED_LANGUAGES or language == "ko"
        edges = {"skip_first_char": not syllabic, "skip_last_char": not syllabic}
        letters = letters_to_insert(language)
        transformation = CompositeTransformation(
            [
                WordSwapNeighboringCharacterSwap(random_one=False, **edges),
                WordSwapRandomCharacterDeletion(random_one=False, **edges),
                WordSwapRandomCharacterInsertion(
                    random_one=False, letters_to_insert=letters, **edges
                ),
                WordSwapKeyboard(language, random_one=False, **edges),
            ]
        )
        constraints = [
            MinWordLength(min_length=2 if syllabic else self.min_word_length),
            MaxWordsPerturbed(max_num_words=self.max_num_word_swaps),
        ]
        return transformation, constraints, GreedySearch()
