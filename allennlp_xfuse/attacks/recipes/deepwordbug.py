"""DeepWordBug with the attacked language's stopwords and script: the `deepwordbug` recipe."""
from allennlp_xfuse.attacks.recipes.attack_recipe import AttackRecipe, MultilingualAttackRecipe
from allennlp_xfuse.attacks.resources import letters_to_insert


@AttackRecipe.register("deepwordbug")
class DeepWordBug(MultilingualAttackRecipe):
    """
    DeepWordBug (Gao et al., 2018, "Black-box Generation of Adversarial Text Sequences to Evade
    Deep Learning Classifiers") exactly as TextAttack's `DeepWordBugGao2018` builds it: the best
    of four character edits (neighbour swap, substitution, deletion, insertion) per word, words
    ranked by importance (greedy WIR, "[UNK]" replacement), no stopword changed, no word changed
    twice, total Levenshtein distance at most `max_edit_distance` -- with two multilingual
    changes: the stopwords are the attacked language's (the `stop-words` package, not NLTK's
    English list), and inserted or substituted characters come from the language's script
    (`allennlp_xfuse.attacks.resources.letters_to_insert`) instead of ASCII letters.

    Words are TextAttack's (jieba for zh; ja uses script runs, see
    `allennlp_xfuse.attacks.segmentation`).

    Registered as an `AttackRecipe` with name "deepwordbug".

    Takes `perturb`, `keep_numbers` and `keep_shared_names` as every `AttackRecipe` does
    (documented there).

    # Parameters

    max_edit_distance : `int`, optional (default = `30`)
        Maximum Levenshtein distance between the original and the adversarial pair (the paper's
        epsilon).
    use_all_transformations : `bool`, optional (default = `True`)
        False keeps only character substitution, the paper's other setting.
    """

    def __init__(
        self,
        max_edit_distance: int = 30,
        use_all_transformations: bool = True,
        perturb: str = "both",
        keep_numbers: bool = True,
        keep_shared_names: bool = True,
    ) -> None:
        super().__init__(
            perturb=perturb, keep_numbers=keep_numbers, keep_shared_names=keep_shared_names
        )
        self.max_edit_distance = max_edit_distance
        self.use_all_transformations = use_all_transformations

    def components(self, model_wrapper, language: str):
        from textattack.constraints.overlap import LevenshteinEditDistance
        from textattack.search_methods import GreedyWordSwapWIR
        from textattack.transformations import (
            CompositeTransformation,
            WordSwapNeighboringCharacterSwap,
            WordSwapRandomCharacterDeletion,
            WordSwapRandomCharacterInsertion,
            WordSwapRandomCharacterSubstitution,
        )

        letters = letters_to_insert(language)
        if self.use_all_transformations:
            transformation = CompositeTransformation(
                [
                    WordSwapNeighboringCharacterSwap(letters_to_insert=letters),
                    WordSwapRandomCharacterSubstitution(letters_to_insert=letters),
                    WordSwapRandomCharacterDeletion(letters_to_insert=letters),
                    WordSwapRandomCharacterInsertion(letters_to_insert=letters),
                ]
            )
        else:
            transformation = WordSwapRandomCharacterSubstitution(letters_to_insert=letters)
        constraints = [LevenshteinEditDistance(self.max_edit_distance)]
        search_method = GreedyWordSwapWIR(unk_token=_unk_token(model_wrapper))
        return transformation, constraints, search_method


def _unk_token(model_wrapper) -> str:
    """
    The victim tokenizer's unknown token, which greedy WIR puts in place of each word to rank
    it ("[UNK]" for BERT-style vocabularies, "<unk>" for XLM-R).
    """
    return getattr(model_wrapper, "unk_token", None) or "[UNK]"
