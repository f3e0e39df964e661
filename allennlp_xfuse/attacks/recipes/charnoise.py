"""Model-agnostic, script-aware character noise: the `charnoise` recipe."""
import random
from typing import List, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.attacks.char_edits import CHAR_EDITS
from allennlp_xfuse.attacks.recipes.attack_recipe import AttackRecipe, ModelAgnosticRecipe
from allennlp_xfuse.attacks.segmentation import script_of, word_spans


@AttackRecipe.register("charnoise")
class CharNoise(ModelAgnosticRecipe):
    """
    Model-agnostic character noise: in each sentence, a share `rate` of the words (at least one)
    gets one character-level edit each: a swap of two neighbouring letters, a deletion, an
    insertion, a substitution or a keyboard typo, chosen at random among those that change the
    word. Every model sees the same perturbed text, so splits can be shared between models.

    Words are those of `allennlp_xfuse.attacks.segmentation` (jieba for zh, script runs for ja),
    so ja/zh are perturbed inside segments, with characters of the segment's own script
    (common Han characters, kana, Hangul syllables with one jamo changed). Keyboard typos use the
    language's layout (QWERTZ, AZERTY, Dubeolsik for Korean jamo); ja/zh characters have none.
    Digits are never edited, and the label is never looked at.

    The result depends only on `(seed, example id)` (string-seeded `random.Random` per
    sentence, no global random state), so a resumed run writes what an uninterrupted run would.

    Registered as an `AttackRecipe` with name "charnoise".

    Takes `perturb` as every `AttackRecipe` does (documented there); `keep_numbers` does not
    apply, since character noise never edits a digit.

    # Parameters

    rate : `float`, optional (default = `0.1`)
        Share of the words of each perturbed sentence to edit, in [0, 1]. Any rate above 0
        edits at least one word per sentence (so no sentence comes back unchanged, unless it has
        no letter at all); 0 leaves the text as is.
    edits : `List[str]`, optional (default = all)
        Edits to draw from: any of "swap", "delete", "insert", "substitute", "keyboard".
    """


    def __init__(
        self, rate: float = 0.1, edits: Optional[List[str]] = None, perturb: str = "both"
    ) -> None:
        super().__init__(perturb=perturb)
        if not 0.0 <= rate <= 1.0:
            raise ConfigurationError(f"charnoise rate must be in [0, 1], not {rate}")
        self.rate = rate
        self.edits = list(edits) if edits is not None else list(CHAR_EDITS)
        unknown = [edit for edit in self.edits if edit not in CHAR_EDITS]
        if unknown or not self.edits:
            raise ConfigurationError(
                f"charnoise edits must be a non-empty subset of {list(CHAR_EDITS)}, "
                f"got {self.edits}"
            )

    def perturb_text(self, text: str, language: str, rng: random.Random) -> Tuple[str, int, int]:
        """
        Returns `(perturbed text, number of words, number of edited words)`.
        """
        spans = word_spans(text, language)
        editable = [
            (start, end)
            for start, end in spans
            if any(script_of(char) not in (None, "digit") for char in text[start:end])
        ]
        if self.rate == 0.0 or not editable:
            return text, len(spans), 0
        count = min(len(editable), max(1, int(self.rate * len(spans) + 0.5)))
        chosen = sorted(rng.sample(editable, count))
        pieces = []
        previous_end = 0
        for start, end in chosen:
            pieces.append(text[previous_end:start])
            pieces.append(self.edit_word(text[start:end], language, rng))
            previous_end = end
        pieces.append(text[previous_end:])
        return "".join(pieces), len(spans), count

    def edit_word(self, word: str, language: str, rng: random.Random) -> str:
        """
        `word` with one character edit (one of `edits`, tried in random order): never empty,
        never containing whitespace, so a tagged file's words keep their number and tags.

        # Parameters

        word : `str`
        language : `str`
            Decides the alphabet of inserted and substituted letters.
        rng : `random.Random`
            The example's generator (the edits are deterministic for a seed).
        """
        names = list(self.edits)
        rng.shuffle(names)
        for name in names:
            edited = CHAR_EDITS[name](word, rng, language)
            if edited is not None and edited != word:
                return edited
        # Only reachable when the configured edits exclude insertion/substitution, which change
        # any word with a letter: fall back to inserting a letter.
        return CHAR_EDITS["insert"](word, rng, language) or word
