"""
What each language needs for the attacks: stopwords, alphabets for inserted or substituted
characters, and whether words are separated by spaces. The attacks support the PAWS-X languages
(`allennlp_xfuse.data.languages`).

Pure Python: importing this module must not import TextAttack.
"""
import functools
import importlib.util
import os
from typing import FrozenSet, Optional, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.data import languages as pawsx_languages

#: The languages the attacks support: those of PAWS-X, in the order of the official release.
LANGUAGES: Tuple[str, ...] = pawsx_languages.PAWSX_LANGUAGES

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

# Hangul syllables = 0xAC00 + (initial * 21 + medial) * 28 + final. All 19 initials and 21
# medials, with no final or one of the seven finals common in running text (ㄱ ㄴ ㄹ ㅁ ㅂ ㅅ ㅇ),
# rather than all 11,172 syllables, most of which never occur.
_COMMON_HANGUL_FINALS = (0, 1, 4, 8, 16, 17, 19, 21)
HANGUL = "".join(
    chr(0xAC00 + (initial * 21 + medial) * 28 + final)
    for initial in range(19)
    for medial in range(21)
    for final in _COMMON_HANGUL_FINALS
)


def check_language(language: Optional[str]) -> str:
    """
    Returns `language` if the attacks support it, otherwise raises a `ConfigurationError` that
    lists the supported languages.
    """
    return pawsx_languages.check_language(language, supported="the attacks support")


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
