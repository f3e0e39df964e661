"""
What each language needs for the attacks: stopwords, alphabets for inserted or substituted
characters, whether words are separated by spaces, Hangul syllable arithmetic, and keyboard
neighbours for typos. The attacks support the PAWS-X languages (`allennlp_xfuse.data.languages`).

Keyboards are the layouts people type the language on, not QWERTY for everyone (German is
QWERTZ, French AZERTY, Korean the 2-set Dubeolsik jamo layout). Japanese and Chinese are typed
through an input method, where a mistyped key changes the reading rather than a character of the
written word, so they have no layout here (character noise substitutes instead).

Pure Python: importing this module must not import TextAttack.
"""
import functools
import importlib.util
import os
from typing import Dict, FrozenSet, List, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data.languages import check_language as check_pawsx_language

#: Languages written without spaces between words; their "words" come from a segmenter
#: (see `allennlp_xfuse.attacks.segmentation`).
UNSPACED_LANGUAGES: FrozenSet[str] = frozenset({"ja", "zh"})

_LATIN_LETTERS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "de": "abcdefghijklmnopqrstuvwxyzäöüß",
    "es": "abcdefghijklmnopqrstuvwxyzáéíóúñü",
    "fr": "abcdefghijklmnopqrstuvwxyzàâæçéèêëîïôœùûüÿ",
}

# The basic hiragana syllabary with voiced forms; small kana are left out because a random small
# kana is rarely a plausible typo. Katakana is the same table shifted by 0x60.
HIRAGANA = (
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽ"
)
KATAKANA = "".join(chr(ord(char) + 0x60) for char in HIRAGANA)

# Hangul syllable composition (Unicode 3.12): syllable = 0xAC00 + (L * 21 + V) * 28 + T, with
# 19 initials L, 21 medials V and 28 finals T (T = 0: no final).
_HANGUL_BASE = 0xAC00
HANGUL_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
HANGUL_MEDIALS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
HANGUL_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"  # index 0 = no final


def compose_hangul(initial: int, medial: int, final: int) -> str:
    """The Hangul syllable of jamo indices `(initial, medial, final)`."""
    return chr(_HANGUL_BASE + (initial * len(HANGUL_MEDIALS) + medial) * len(HANGUL_FINALS) + final)


def decompose_hangul(syllable: str) -> Optional[Tuple[int, int, int]]:
    """(initial, medial, final) indices of a Hangul syllable, or None for other characters."""
    if not "\uac00" <= syllable <= "\ud7a3":
        return None
    initial_medial, final = divmod(ord(syllable) - _HANGUL_BASE, len(HANGUL_FINALS))
    initial, medial = divmod(initial_medial, len(HANGUL_MEDIALS))
    return initial, medial, final


# All 19 initials and 21 medials, with no final or one of the seven finals common in running
# text (ㄱ ㄴ ㄹ ㅁ ㅂ ㅅ ㅇ), rather than all 11,172 syllables, most of which never occur.
_COMMON_HANGUL_FINALS = (0, 1, 4, 8, 16, 17, 19, 21)
HANGUL = "".join(
    compose_hangul(initial, medial, final)
    for initial in range(len(HANGUL_INITIALS))
    for medial in range(len(HANGUL_MEDIALS))
    for final in _COMMON_HANGUL_FINALS
)


def check_language(language: Optional[str]) -> str:
    """
    Returns `language` if the attacks support it, otherwise raises a `ConfigurationError` that
    lists the supported languages.
    """
    return check_pawsx_language(language, supported="the attacks support")


@functools.cache
def stopwords(language: str) -> FrozenSet[str]:
    """
    The stopwords of `language` from the `stop-words` package (NLTK's list is English only and
    needs a download). Capitalised forms are included because TextAttack compares words
    case-sensitively, and a sentence-initial "The" is as much a stopword as "the".
    """
    from stop_words import get_stop_words

    words = get_stop_words(check_language(language))
    return frozenset(words) | frozenset(word[:1].upper() + word[1:] for word in words)


@functools.cache
def common_han_characters(count: int = 3000) -> str:
    """
    The `count` most frequent single-character words of jieba's dictionary (ordered by
    frequency): the Han characters that inserted or substituted characters are drawn from.

    A uniformly random code point of the CJK block is nearly always a rare character (an unknown
    token for most encoders), which is not what a typo looks like. jieba's dictionary is Chinese;
    the most frequent characters are largely shared with Japanese kanji, so ja uses the same list.
    """
    # the dictionary ships inside the jieba package; reading it needs no jieba import
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ConfigurationError("Han characters for noise come from jieba: pip install jieba")
    path = os.path.join(os.path.dirname(spec.origin), "dict.txt")
    frequencies = []
    with open(path, encoding="utf-8") as dictionary:
        for line in dictionary:
            fields = line.split()
            if len(fields) >= 2 and len(fields[0]) == 1 and "\u4e00" <= fields[0] <= "\u9fff":
                frequencies.append((-int(fields[1]), fields[0]))
    return "".join(char for _, char in sorted(frequencies)[:count])


def latin_letters(language: str) -> str:
    """
    Lower-case letters of the language's alphabet (accented letters included). Latin words inside
    ja/ko/zh text ("NBA") get plain a-z.
    """
    return _LATIN_LETTERS.get(language, _LATIN_LETTERS["en"])


def letters_to_insert(language: str) -> str:
    """
    The characters TextAttack's character insertion and substitution draw from in `language`
    (TextAttack's default is ASCII letters, which would put Latin letters into CJK words).
    """
    check_language(language)
    if language == "ja":
        return HIRAGANA + KATAKANA + common_han_characters()
    if language == "zh":
        return common_han_characters()
    if language == "ko":
        return HANGUL
    letters = latin_letters(language)
    return letters + letters.upper()


# -- keyboards ----------------------------------------------------------------------------------

_LAYOUTS = {
    "en": ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "es": ("qwertyuiop", "asdfghjklñ", "zxcvbnm"),
    "de": ("qwertzuiopü", "asdfghjklöä", "yxcvbnm"),
    "fr": ("azertyuiop", "qsdfghjklm", "wxcvbn"),
    "ko": ("ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ", "ㅋㅌㅊㅍㅠㅜㅡ"),
}


def _adjacency(rows) -> Dict[str, List[str]]:
    # Rows are staggered: a key touches its row neighbours, the two keys above it (same column
    # and the next) and the two below (previous column and the same).
    neighbours: Dict[str, List[str]] = {}
    for row_index, row in enumerate(rows):
        for column, key in enumerate(row):
            near = []
            for other_row, columns in (
                (row_index, (column - 1, column + 1)),
                (row_index - 1, (column, column + 1)),
                (row_index + 1, (column - 1, column)),
            ):
                if 0 <= other_row < len(rows):
                    near.extend(
                        rows[other_row][c] for c in columns if 0 <= c < len(rows[other_row])
                    )
            neighbours[key] = near
    return neighbours


@functools.cache
def keyboard_adjacency(language: str) -> Dict[str, List[str]]:
    """
    Lower-case key -> neighbouring keys on the language's layout (Korean: jamo keys). Empty
    for languages typed through an input method (ja, zh).
    """
    rows = _LAYOUTS.get(language)
    return _adjacency(rows) if rows else {}


def keyboard_neighbours(char: str, language: str) -> List[str]:
    """
    Characters a slip of the finger turns `char` into on the `language` keyboard, in the same
    case; for a Hangul syllable, the syllables obtained by hitting a key next to one of its jamo.
    """
    if language == "ko" and decompose_hangul(char) is not None:
        return _hangul_neighbours(char)
    adjacency = keyboard_adjacency(language if language in _LAYOUTS else "en")
    near = adjacency.get(char.lower(), [])
    if char.isupper():
        # str.upper of ß is "SS"; keep only one-character results
        return [key.upper() for key in near if len(key.upper()) == 1]
    return list(near)


def _hangul_neighbours(syllable: str) -> List[str]:
    adjacency = keyboard_adjacency("ko")
    initial, medial, final = decompose_hangul(syllable)  # type: ignore[misc]
    results = []
    for jamo in adjacency.get(HANGUL_INITIALS[initial], []):
        if jamo in HANGUL_INITIALS:
            results.append(compose_hangul(HANGUL_INITIALS.index(jamo), medial, final))
    for jamo in adjacency.get(HANGUL_MEDIALS[medial], []):
        if jamo in HANGUL_MEDIALS:
            results.append(compose_hangul(initial, HANGUL_MEDIALS.index(jamo), final))
    if final:
        for jamo in adjacency.get(HANGUL_FINALS[final], []):
            if jamo in HANGUL_FINALS[1:]:
                results.append(compose_hangul(initial, medial, HANGUL_FINALS.index(jamo)))
    return results
