"""
A TextAttack transformation for keyboard typos on the attacked language's layout.

Imports TextAttack at module level: import this module only where an attack is built.
"""
import random
from typing import List

from textattack.transformations import WordSwap

from allennlp_xfuse.attacks.keyboards import keyboard_neighbours


class WordSwapKeyboard(WordSwap):
    """
    Replaces one character of a word by a neighbouring key on the `language` keyboard:
    TextAttack's `WordSwapQWERTY`, but with the language's layout (QWERTZ for de, AZERTY for fr,
    Spanish QWERTY with ñ, Dubeolsik jamo for Korean syllables; see
    `allennlp_xfuse.attacks.keyboards`). Characters without a layout (ja/zh) give no candidate.

    # Parameters

    language : `str`
        Language whose keyboard to use.
    random_one : `bool`, optional (default = `True`)
        Return one random typo instead of every possible one.
    skip_first_char : `bool`, optional (default = `False`)
        Leave the first character alone.
    skip_last_char : `bool`, optional (default = `False`)
        Leave the last character alone.
    """

    def __init__(
        self,
        language: str,
        random_one: bool = True,
        skip_first_char: bool = False,
        skip_last_char: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.language = language
        self.random_one = random_one
        self.skip_first_char = skip_first_char
        self.skip_last_char = skip_last_char

    def _get_replacement_words(self, word: str) -> List[str]:
        start = 1 if self.skip_first_char else 0
        end = len(word) - 1 if self.skip_last_char else len(word)
        candidates = [
            word[:i] + key + word[i + 1 :]
            for i in range(start, end)
            for key in keyboard_neighbours(word[i], self.language)
        ]
        if self.random_one and candidates:
            # the global `random`, like TextAttack's own random transformations: the attack
            # command seeds it per example
            return [random.choice(candidates)]
        return candidates

    @property
    def deterministic(self) -> bool:
        return not self.random_one

    def extra_repr_keys(self) -> List[str]:
        return super().extra_repr_keys() + ["language", "random_one"]
