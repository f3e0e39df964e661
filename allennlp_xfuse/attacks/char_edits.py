"""
One-character edits of a word, script-aware, driven by an explicit `random.Random` (never the
global random state, so results depend only on the caller's seed).

Each edit returns the edited word, or None when it cannot change this word (nothing to swap,
no letter with a keyboard neighbour, ...). Only letters are edited: digits, hyphens and
apostrophes inside a word are left alone, since changing "1925" to "1952" changes the facts
(and possibly the paraphrase label) rather than adding noise.

Pure Python: importing this module must not import TextAttack.
"""
import random
from typing import Callable, Dict, List, Optional

from allennlp_xfuse.attacks.resources import (
    HANGUL,
    HANGUL_FINALS,
    HANGUL_INITIALS,
    HANGUL_MEDIALS,
    HIRAGANA,
    KATAKANA,
    common_han_characters,
    compose_hangul,
    decompose_hangul,
    keyboard_neighbours,
    latin_letters,
)
from allennlp_xfuse.attacks.segmentation import script_of

CharEdit = Callable[[str, random.Random, str], Optional[str]]

_EDITABLE_SCRIPTS = ("han", "hiragana", "katakana", "hangul", "latin", "other")


def _letter_positions(word: str) -> List[int]:
    return [i for i, char in enumerate(word) if script_of(char) in _EDITABLE_SCRIPTS]


def _random_letter_like(char: str, rng: random.Random, language: str) -> str:
    """A random character of the same script as `char` (and the same case), never `char`."""
    script = script_of(char)
    if script == "han":
        alphabet = common_han_characters()
    elif script == "hiragana":
        alphabet = HIRAGANA
    elif script == "katakana":
        alphabet = KATAKANA
    elif script == "hangul":
        jamo = decompose_hangul(char)
        if jamo is not None:
            # change one of the syllable's jamo: a plausible syllable, not a random one
            initial, medial, final = jamo
            position = rng.randrange(3)
            if position == 0:
                initial = rng.choice([i for i in range(len(HANGUL_INITIALS)) if i != initial])
            elif position == 1:
                medial = rng.choice([m for m in range(len(HANGUL_MEDIALS)) if m != medial])
            else:
                final = rng.choice([f for f in range(len(HANGUL_FINALS)) if f != final])
            return compose_hangul(initial, medial, final)
        alphabet = HANGUL
    else:
        alphabet = latin_letters(language)
    candidates = [letter for letter in alphabet if letter != char.lower()]
    letter = rng.choice(candidates)
    if char.isupper() and len(letter.upper()) == 1:
        letter = letter.upper()
    return letter


def swap_neighbours(word: str, rng: random.Random, language: str) -> Optional[str]:
    """Swaps two adjacent, different letters ("noise" -> "nosie")."""
    positions = [
        i
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
        and script_of(word[i]) in _EDITABLE_SCRIPTS
        and script_of(word[i + 1]) in _EDITABLE_SCRIPTS
    ]
    if not positions:
        return None
    i = rng.choice(positions)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def delete_letter(word: str, rng: random.Random, language: str) -> Optional[str]:
    """Deletes one letter; never the only letter of a word (that would delete the word)."""
    positions = _letter_positions(word)
    if len(positions) < 2:
        return None
    i = rng.choice(positions)
    return word[:i] + word[i + 1 :]


def insert_letter(word: str, rng: random.Random, language: str) -> Optional[str]:
    """Inserts a letter of the script of a neighbouring letter; applies to any word with one."""
    positions = _letter_positions(word)
    if not positions:
        return None
    neighbour = rng.choice(positions)
    letter = _random_letter_like(word[neighbour], rng, language)
    if not word.isupper():  # an inserted letter is upper-case only inside "NBA"-like words
        letter = letter.lower()
    at = neighbour + rng.randrange(2)  # before or after that letter
    return word[:at] + letter + word[at:]


def substitute_letter(word: str, rng: random.Random, language: str) -> Optional[str]:
    """Replaces one letter by another letter of the same script."""
    positions = _letter_positions(word)
    if not positions:
        return None
    i = rng.choice(positions)
    return word[:i] + _random_letter_like(word[i], rng, language) + word[i + 1 :]


def keyboard_typo(word: str, rng: random.Random, language: str) -> Optional[str]:
    """
    Replaces one letter by a neighbouring key on the language's keyboard (a Hangul syllable by
    the syllable with one jamo typed on a neighbouring key). None for ja/zh characters, which
    are typed through an input method (see `resources`).
    """
    options = [(i, keyboard_neighbours(word[i], language)) for i in _letter_positions(word)]
    options = [(i, near) for i, near in options if near]
    if not options:
        return None
    i, near = rng.choice(options)
    return word[:i] + rng.choice(near) + word[i + 1 :]


#: The edits by the names used in configs.
CHAR_EDITS: Dict[str, CharEdit] = {
    "swap": swap_neighbours,
    "delete": delete_letter,
    "insert": insert_letter,
    "substitute": substitute_letter,
    "keyboard": keyboard_typo,
}
